"""Pretraining lab: train a small GPT from random weights, live, on pasted text or a slice of
the corpus, and watch the loss fall, the samples turn into words, and memorisation set in."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import jobs, scale, settings
from engine.lab import experiment, live, meters, readings, snapshot, vocab
from lessons import _jobs
from lessons._charts import GREEN, GREY, PINK, TRAIN, VALIDATION, baseline
from lessons._ui import bounded_text_area, ensure_source, figure, glossary_links, url_choice

CORPUS_SOURCES = {"shakespeare": "Shakespeare's plays", "bible": "The King James Bible", "bbc-news": "BBC news articles"}
SOURCES = {"corpus": "Learn from a big text (default)", "paste": "Memorise a short text"}
SECONDS_MAX = int(min(120, experiment.max_seconds_cap()))
RULER_COLORS = {"this run": PINK, "ours": GREEN, "published": GREY}
LEGEND = dict(orientation="h", yanchor="bottom", y=1.02, x=0)


@st.cache_data(show_spinner="Reading the corpus…", max_entries=4)
def corpus_slice(name: str) -> str:
    return experiment.corpus_slice(name)


# ---------------------------------------------------------------- lesson

st.title("Pretraining lab")
st.markdown(
    """
Here you pretrain a language model yourself. It starts with random weights, knowing nothing, and
learns one thing: to guess the next token of a text. Each **gradient step** shows it a few
random stretches of the text, measures how wrong its guesses were (the **loss**), and nudges every
weight a little so the real next tokens become more likely. Nothing else is taught: no grammar, no
spelling, no list of words. Watch what appears anyway.

The model is tiny (a few hundred thousand parameters) and the run is short (about a minute on this
server's CPU), so it can only learn the surface of one text. The real runs on the ruler at the
bottom do the same thing with billions of parameters and trillions of tokens.

Two runs to compare. **Learn from a big text** (the default) trains on a long slice of the corpus, read
only a few times in a minute; real pretraining reads most of its text once or less. **Memorise a short
text** trains on one short passage (yours, or the opening of Alice) read over and over. Each run says
how many times it read its text, and which of the two, learning or memorising, its numbers show.
"""
)
glossary_links("pretraining", "loss", "cross-entropy", "perplexity", "token", "vocabulary", "parameters",
               "gradient-step", "learning-rate", "flops", "base-model")

# ---------------------------------------------------------------- inputs

job = _jobs.current(live.KIND)  # this reader's run, or the one named in the URL after a reload
busy = job is not None and job.view().active

with st.container(border=True):
    source = url_choice(st.radio, "Train on", SOURCES, key="source", horizontal=True, disabled=busy)
    text = ""
    source_label = "your text"
    if source == "corpus":
        corpus_name = url_choice(st.selectbox, "Corpus source", CORPUS_SOURCES, key="corpus", disabled=busy)
        if ensure_source(corpus_name, purpose="Training on the corpus"):
            text = corpus_slice(corpus_name)
            source_label = corpus_name
            st.caption(f"The first {len(text):,} characters of {CORPUS_SOURCES[corpus_name]}, in reading order; "
                       "the last tenth is held out for validation.")
    else:
        text = bounded_text_area(
            "Training text", key="text", default=experiment.DEFAULT_TEXT, max_chars=experiment.MAX_TEXT_CHARS,
            height=160,
            help=f"Up to {experiment.MAX_TEXT_CHARS:,} characters. The default is {experiment.DEFAULT_TEXT_SOURCE}. "
                 "The last tenth is held out: the model never trains on it, and its loss there is the "
                 "validation loss.",
        )
        st.caption(f"{len(text):,} characters. Default: {experiment.DEFAULT_TEXT_SOURCE}. "
                   "A typed <|endoftext|> is trained on as ordinary characters, never as a special token.")
    c1, c2, c3 = st.columns(3)
    with c1:
        vocab_kind = url_choice(
            st.radio, "Vocabulary", vocab.VOCABULARIES, key="vocab", disabled=busy,
            help="Characters: one token per distinct character of the text (a few dozen), which learns "
                 "visibly fastest. Our BPE: the 4,096-token vocabulary of this project's tokenizer; on a short "
                 "text it memorises almost at once.",
        )
    seconds = c2.slider("Time limit (s)", 10, SECONDS_MAX, min(60, SECONDS_MAX), step=5, key="seconds",
                        bind="query-params", disabled=busy)
    steps = c3.slider("Step limit", 100, experiment.MAX_STEPS, 3000, step=100, key="steps", bind="query-params",
                      disabled=busy)
    start = st.button("Start training", type="primary", icon=":material/play_arrow:", disabled=busy or not text,
                      key="start", width="stretch")

if start and not busy:
    run_settings = experiment.LabSettings(text=text, source=source_label, vocabulary=vocab_kind, max_steps=steps,
                                          max_seconds=seconds, preset=settings.lab_preset())
    try:
        experiment.prepare(run_settings)  # quick checks here, so bad input is said before any queueing
    except experiment.LabInputError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        _jobs.start(live.LabRun(run_settings), kind=live.KIND, label=live.LABEL,
                    max_seconds=experiment.job_seconds(run_settings))
        st.rerun()
if source == "paste" and not text.strip():
    st.info("The box is empty. Paste some text to train on, or clear it and reload for the default passage.",
            icon=":material/edit_note:")


# ---------------------------------------------------------------- the live view


def loss_figure(snap: snapshot.LabSnapshot) -> go.Figure:
    fig = go.Figure()
    if snap.train_points:
        x, y = zip(*snap.train_points)
        fig.add_trace(go.Scatter(x=x, y=y, name="training loss", mode="lines", line=dict(color=TRAIN)))
    if snap.val_points:
        x, y = zip(*snap.val_points)
        fig.add_trace(go.Scatter(x=x, y=y, name="validation loss (held-out tenth)", mode="lines+markers",
                                 line=dict(color=VALIDATION)))
    best = snap.best_val
    if readings.validation_rising(snap):
        fig.add_trace(go.Scatter(x=[best[0]], y=[best[1]], name="best validation", mode="markers",
                                 marker=dict(symbol="star", size=14, color=VALIDATION, line=dict(color="black", width=1))))
    if snap.ln_vocab:
        baseline(fig, snap.ln_vocab, f"ln V = ln {snap.vocab_size:,} = {snap.ln_vocab:.2f}: a uniform guess")
    top = max([snap.ln_vocab or 0] + [p[1] for p in snap.train_points + snap.val_points]) * 1.08
    fig.update_layout(xaxis=dict(title="gradient step", rangemode="tozero"),
                      yaxis=dict(title="loss (nats per token)", range=[0, max(top, 0.5)]),
                      height=360, margin=dict(l=10, r=10, t=30, b=40), legend=LEGEND)
    return fig


def meter_figure(snap: snapshot.LabSnapshot) -> go.Figure:
    steps_ = [s.step for s in snap.samples]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=steps_, y=[s.word_share for s in snap.samples], name="words found in the training text",
                             mode="lines+markers", line=dict(color=TRAIN)))
    fig.add_trace(go.Scatter(x=steps_, y=[s.copied_share for s in snap.samples],
                             name=f"{meters.NGRAM}-word runs copied verbatim", mode="lines+markers", line=dict(color=PINK)))
    if snap.reference_copied_share is not None:
        fig.add_hline(y=snap.reference_copied_share, line=dict(dash="dot", color=PINK),
                      annotation_text=f"held-out text: {snap.reference_copied_share:.0%} copied",
                      annotation_position="bottom right",
                      annotation=dict(bgcolor="rgba(255,255,255,0.85)", font=dict(color="#222")))
    fig.update_layout(xaxis=dict(title="gradient step", rangemode="tozero"),
                      yaxis=dict(title="share of the sample", range=[-0.02, 1.05], tickformat=".0%"),
                      height=300, margin=dict(l=10, r=10, t=30, b=40), legend=LEGEND)
    return fig


def ruler(params: int, tokens: int, key: str) -> list[dict]:
    """A log-scale bar per training run, this run highlighted (absent until it has seen tokens)."""
    rows = scale.ruler_rows(params, tokens)
    names = [f"{r['name']}{' *' if r['estimated'] else ''}<br>{scale.human(r['params'])} × {scale.human(r['tokens'])} tokens"
             for r in rows]  # two short lines: fits a phone's width
    fig = go.Figure(go.Bar(x=[r["flops"] for r in rows], y=names, orientation="h",
                           marker_color=[RULER_COLORS[r["kind"]] for r in rows],
                           hovertext=[r["source"] or "this lab run" for r in rows]))
    low = math.log10(min(r["flops"] for r in rows)) - 2  # every bar, this run's too, gets a visible length
    high = math.log10(max(r["flops"] for r in rows)) + 0.5
    fig.update_layout(xaxis=dict(type="log", title="training compute, FLOPs (about 6 × parameters × tokens)",
                                 exponentformat="power", range=[low, high]),
                      yaxis=dict(type="category"), height=80 + 44 * len(rows), margin=dict(l=10, r=10, t=10, b=50))
    figure(fig, alt=readings.ruler_alt(rows), key=key)
    return rows


def show(snap: snapshot.LabSnapshot, *, live_view: bool = False) -> None:
    """The run's view. Live, only the light parts are redrawn each poll; the rest comes at the end."""
    for notice in snap.notices:
        st.info(notice, icon=":material/content_cut:")
    if snap.status in ("queued", "preparing") or (snap.status == "failed" and not snap.train_points):
        return  # the panel above says where the run stands
    if not snap.active:
        st.markdown(readings.outcome(snap))
        if paragraph := readings.regime_paragraph(snap):
            st.markdown(paragraph)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Step", f"{snap.step:,}")
    c2.metric("Tokens seen", f"{snap.tokens_seen:,}",
              help="Tokens the model has read, counting repeats. Divided by the training text's length, it is "
                   "how many times it has read your text.")
    if snap.latest_train_loss is not None and snap.start_loss is not None:
        c3.metric("Training loss", f"{snap.latest_train_loss:.2f}",
                  delta=f"{snap.latest_train_loss - snap.start_loss:+.2f} since step 0", delta_color="inverse")
    if snap.val_points:
        c4.metric("Validation loss", f"{snap.val_points[-1][1]:.2f}",
                  help="Loss on the held-out last tenth, which the model never trains on.")
    if caption := readings.model_caption(snap):
        st.caption(caption)

    st.subheader("The loss")
    figure(loss_figure(snap), alt=readings.loss_alt(snap), key=f"loss-{snap.id}")
    if paragraph := readings.ln_v_paragraph(snap):
        st.markdown(paragraph)

    st.subheader("What it writes")
    if snap.samples:
        st.markdown(readings.latest_sample_intro(snap))
        st.markdown(readings.sample_html(snap), unsafe_allow_html=True)
        st.write("")
    if live_view:
        st.caption("The table of all samples, the memorisation meter and the scale ruler appear when the run "
                   "ends: redrawing them every moment would take CPU time away from the training.")
        return
    if snap.samples:
        table = pd.DataFrame({
            "step": [s.step for s in snap.samples],
            "words found in the training text": [readings.pct(s.word_share) for s in snap.samples],
            "copied 4-word runs": [readings.pct(s.copied_share) for s in snap.samples],
            "sample": [s.text.replace("\n", " ↵ ") for s in snap.samples],
        })
        st.dataframe(table, hide_index=True, width="stretch", key=f"samples-{snap.id}")

    st.subheader("Learning or memorising?")
    figure(meter_figure(snap), alt=readings.meter_alt(snap), key=f"meter-{snap.id}")
    st.markdown(readings.memorising_paragraph(snap))

    st.subheader("How far from a real run")
    rows = ruler(snap.params or 0, snap.tokens_seen, key=f"ruler-{snap.id}")
    if paragraph := readings.compute_paragraph(snap, rows):
        st.markdown(paragraph)


def draw(view: jobs.JobView) -> None:
    show(snapshot.snapshot(view), live_view=view.active)


if job is not None:
    _jobs.panel(job, draw=draw, key="lab", every=2.0, show_time=False)  # status, queue place, progress, Stop
else:
    st.info("Press **Start training** to train a fresh model on the text above. Its results stay here until "
            "you start another run.", icon=":material/science:")
    st.subheader("How far from a real run")
    ruler(0, 0, key="ruler-empty")
    st.caption("Compute is about 6 × parameters × tokens. Your run will appear on this ruler once it starts. "
               "* GPT-2's paper gives no token count; about 10B is our estimate from the size of its WebText data.")
