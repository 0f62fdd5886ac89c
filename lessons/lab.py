"""Pretraining lab: train a small GPT from random weights, live, on pasted text or a slice of
the corpus, and watch the loss fall, the samples turn into words, and memorisation set in."""
from __future__ import annotations

import math
import os
import unicodedata

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import scale
from engine.lab import live as lab
from engine.textinput import html_escape
from lessons._ui import bounded_text_area, ensure_source, figure, glossary_links, url_choice

# Tests (and a facilitator on a slow machine) can swap the model recipe, e.g. "tiny".
PRESET_ENV = "PRETRAINING_EXPLORER_LAB_PRESET"
PRESET = os.environ.get(PRESET_ENV, "lab")
CORPUS_SOURCES = {"shakespeare": "Shakespeare's plays", "bible": "The King James Bible", "bbc-news": "BBC news articles"}
SOURCES = {"paste": "Text you paste", "corpus": "A slice of the corpus"}
SECONDS_MAX = int(min(120, lab.MAX_SECONDS))
POLL_SECONDS = 2.0  # measured: redrawing every second halved the steps a run got done
STOP_WORDS = {
    "steps": "it reached its step limit", "time": "it reached its time limit", "stop": "you stopped it",
    "abandoned": "nobody was watching it for a minute", None: "it ended",
}
TRAIN_COLOR, VAL_COLOR, RUN_COLOR, OURS_COLOR, REF_COLOR = "#4f7be8", "#e8804f", "#d6336c", "#2b8a3e", "#8c8c8c"


def inert_html(text: str) -> str:
    """Model or reader text for an HTML block: control characters shown as marks, everything escaped."""
    shown = "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\n\t" else c
        for c in text
    )
    return html_escape(shown)


@st.cache_data(show_spinner="Reading the corpus…", max_entries=4)
def corpus_slice(name: str) -> str:
    """The first CORPUS_SLICE_CHARS characters of a data-pack source, documents in reading order."""
    from engine.tokens.bpe import corpus_text

    return corpus_text(name, max_chars=lab.CORPUS_SLICE_CHARS)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


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
"""
)
glossary_links("pretraining", "loss", "cross-entropy", "perplexity", "token", "vocabulary", "parameters",
               "gradient-step", "learning-rate", "flops", "base-model")

# ---------------------------------------------------------------- inputs

job: lab.LabJob | None = st.session_state.get("lab_job")
busy = job is not None and job.snapshot().active

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
            "Training text", key="text", default=lab.DEFAULT_TEXT, max_chars=lab.MAX_TEXT_CHARS, height=160,
            help=f"Up to {lab.MAX_TEXT_CHARS:,} characters. The default is {lab.DEFAULT_TEXT_SOURCE}. "
                 "The last tenth is held out: the model never trains on it, and its loss there is the "
                 "validation loss.",
        )
        st.caption(f"{len(text):,} characters. Default: {lab.DEFAULT_TEXT_SOURCE}. "
                   "A typed <|endoftext|> is trained on as ordinary characters, never as a special token.")
    c1, c2, c3 = st.columns(3)
    with c1:
        vocab_kind = url_choice(
            st.radio, "Vocabulary", lab.VOCABULARIES, key="vocab", disabled=busy,
            help="Characters: one token per distinct character of the text (a few dozen), which learns "
                 "visibly fastest. Our BPE: the 4,096-token vocabulary of this project's tokenizer; on a short "
                 "text it memorises almost at once.",
        )
    seconds = c2.slider("Time limit (s)", 10, SECONDS_MAX, min(60, SECONDS_MAX), step=5, key="seconds",
                        bind="query-params", disabled=busy)
    steps = c3.slider("Step limit", 100, lab.MAX_STEPS, 3000, step=100, key="steps", bind="query-params",
                      disabled=busy)
    b1, b2 = st.columns(2)
    start = b1.button("Start training", type="primary", icon=":material/play_arrow:", disabled=busy or not text,
                      key="start", width="stretch")
    stop = b2.button("Stop", icon=":material/stop:", disabled=not busy, key="stop", width="stretch")

if start and not busy:
    settings = lab.LabSettings(text=text, source=source_label, vocabulary=vocab_kind, max_steps=steps,
                               max_seconds=seconds, preset=PRESET)
    try:
        lab.prepare(settings)  # quick checks here, so bad input is said before any queueing
    except lab.LabInputError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        st.session_state["lab_job"] = lab.start_job(settings)
        st.rerun()
if stop and job is not None:
    job.stop()
    st.rerun()
if source == "paste" and not text.strip():
    st.info("The box is empty. Paste some text to train on, or clear it and reload for the default passage.",
            icon=":material/edit_note:")


# ---------------------------------------------------------------- the live view


def loss_figure(snap: lab.LabSnapshot) -> tuple[go.Figure, str]:
    fig = go.Figure()
    if snap.train_points:
        x, y = zip(*snap.train_points)
        fig.add_trace(go.Scatter(x=x, y=y, name="training loss", mode="lines", line=dict(color=TRAIN_COLOR)))
    if snap.val_points:
        x, y = zip(*snap.val_points)
        fig.add_trace(go.Scatter(x=x, y=y, name="validation loss (held-out tenth)", mode="lines+markers",
                                 line=dict(color=VAL_COLOR)))
    best = snap.best_val
    if best and snap.val_points and snap.val_points[-1][1] > best[1] + 0.05:
        fig.add_trace(go.Scatter(x=[best[0]], y=[best[1]], name="best validation", mode="markers",
                                 marker=dict(symbol="star", size=14, color=VAL_COLOR, line=dict(color="black", width=1))))
    if snap.ln_vocab:
        fig.add_hline(y=snap.ln_vocab, line=dict(dash="dash", color="#666"),
                      annotation_text=f"ln V = ln {snap.vocab_size:,} = {snap.ln_vocab:.2f}: a uniform guess",
                      annotation_position="top right",
                      annotation=dict(bgcolor="rgba(255,255,255,0.85)", font=dict(color="#222")))
    top = max([snap.ln_vocab or 0] + [p[1] for p in snap.train_points + snap.val_points]) * 1.08
    fig.update_layout(xaxis=dict(title="gradient step", rangemode="tozero"),
                      yaxis=dict(title="loss (nats per token)", range=[0, max(top, 0.5)]),
                      height=360, margin=dict(l=10, r=10, t=30, b=40),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    now = snap.latest_train_loss
    alt = (f"Loss against step. It starts at {snap.start_loss:.2f}, near ln V = {snap.ln_vocab:.2f}"
           if snap.start_loss is not None and snap.ln_vocab else "Loss against step, not started yet")
    if now is not None and snap.step:
        alt += f"; after {snap.step:,} steps the training loss is {now:.2f}"
    if best and snap.step:
        alt += f", and the validation loss was lowest ({best[1]:.2f}) at step {best[0]:,}"
        if snap.val_points[-1][1] > best[1] + 0.05:
            alt += f" and has risen since to {snap.val_points[-1][1]:.2f}"
    return fig, alt + "."


def meter_figure(snap: lab.LabSnapshot) -> tuple[go.Figure, str]:
    steps_ = [s.step for s in snap.samples]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=steps_, y=[s.word_share for s in snap.samples], name="words that are real words",
                             mode="lines+markers", line=dict(color=TRAIN_COLOR)))
    fig.add_trace(go.Scatter(x=steps_, y=[s.copied_share for s in snap.samples],
                             name=f"{lab.NGRAM}-word runs copied verbatim", mode="lines+markers",
                             line=dict(color=RUN_COLOR)))
    if snap.reference_copied_share is not None:
        fig.add_hline(y=snap.reference_copied_share, line=dict(dash="dot", color=RUN_COLOR),
                      annotation_text=f"held-out text: {snap.reference_copied_share:.0%} copied",
                      annotation_position="bottom right",
                      annotation=dict(bgcolor="rgba(255,255,255,0.85)", font=dict(color="#222")))
    fig.update_layout(xaxis=dict(title="gradient step", rangemode="tozero"),
                      yaxis=dict(title="share of the sample", range=[-0.02, 1.05], tickformat=".0%"),
                      height=300, margin=dict(l=10, r=10, t=30, b=40),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    last = snap.samples[-1] if snap.samples else None
    alt = "Two shares of each sample against step: words found in the training text, and four-word runs copied from it"
    if last is not None:
        alt += f"; at step {last.step:,}: {pct(last.word_share)} real words, {pct(last.copied_share)} copied runs"
    return fig, alt + "."


def ruler_figure(params: int, tokens: int) -> tuple[go.Figure, str, list[dict]]:
    """A log-scale bar per training run, this run highlighted (absent until it has seen tokens)."""
    rows = scale.ruler_rows(params, tokens)
    colors = {"this run": RUN_COLOR, "ours": OURS_COLOR, "published": REF_COLOR}
    names = [f"{r['name']}{' *' if r['estimated'] else ''}<br>{scale.human(r['params'])} × {scale.human(r['tokens'])} tokens"
             for r in rows]  # two short lines: fits a phone's width
    fig = go.Figure(go.Bar(
        x=[r["flops"] for r in rows], y=names, orientation="h",
        marker_color=[colors[r["kind"]] for r in rows],
        hovertext=[r["source"] or "this lab run" for r in rows],
    ))
    low = math.log10(min(r["flops"] for r in rows)) - 2  # every bar, this run's too, gets a visible length
    high = math.log10(max(r["flops"] for r in rows)) + 0.5
    fig.update_layout(xaxis=dict(type="log", title="training compute, FLOPs (about 6 × parameters × tokens)",
                                 exponentformat="power", range=[low, high]),
                      yaxis=dict(type="category"), height=80 + 44 * len(rows),
                      margin=dict(l=10, r=10, t=10, b=50))
    run = next((r for r in rows if r["kind"] == "this run"), None)
    biggest = max(rows, key=lambda r: r["flops"])
    if run is None:
        alt = f"Training compute of published runs on a log scale, up to {biggest['name']} at {biggest['flops']:.1e} FLOPs."
    else:
        alt = (f"Training compute on a log scale: this run used {run['flops']:.1e} FLOPs; "
               f"{biggest['name']} used {biggest['flops']:.1e}, {scale.times_smaller(run['flops'], biggest['flops'])} more.")
    return fig, alt, rows


def status_line(snap: lab.LabSnapshot) -> None:
    s = snap.settings
    if snap.status == "queued":
        st.info(f"Queued: the server trains at most {lab.MANAGER.max_concurrent} models at once, and they are "
                f"busy. You are number {snap.queue_position} in line; your run starts by itself when a slot frees.",
                icon=":material/hourglass_top:")
    elif snap.status == "preparing":
        st.info("Preparing: building the vocabulary and a fresh model…", icon=":material/hourglass_top:")
    elif snap.status == "running":
        frac = max(snap.step / max(s.max_steps, 1), snap.elapsed / max(s.max_seconds, 1))
        st.progress(min(frac, 1.0), text=f"Training: step {snap.step:,} of at most {s.max_steps:,}, "
                                         f"{snap.elapsed:.0f} s of at most {s.max_seconds:.0f} s")
    elif snap.status == "failed":
        st.error(snap.error or "Training failed.", icon=":material/error:")
    else:
        st.success(f"Finished after {snap.step:,} steps and {snap.elapsed:.0f} s: {STOP_WORDS.get(snap.stopped_by)}.",
                   icon=":material/check_circle:")
    for notice in snap.notices:
        st.info(notice, icon=":material/content_cut:")


def show(snap: lab.LabSnapshot, *, live: bool = False) -> None:
    """The run's view. Live, only the light parts are redrawn each poll; the rest comes at the end."""
    status_line(snap)
    if snap.status in ("queued", "preparing") or (snap.status == "failed" and not snap.train_points):
        return
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
    if snap.train_tokens:
        st.caption(f"Vocabulary: {snap.vocab_size:,} tokens ({'the characters of the text' if snap.vocab_kind == 'characters' else 'our BPE'}). "
                   f"Model: {snap.params:,} parameters. The training part is {snap.train_tokens:,} tokens long, so "
                   f"the model has read it about {snap.tokens_seen / snap.train_tokens:.1f} times.")

    st.subheader("The loss")
    fig, alt = loss_figure(snap)
    figure(fig, alt=alt, key=f"loss-{snap.id}")
    if snap.ln_vocab:
        st.markdown(
            f"Why does it start near **ln V = {snap.ln_vocab:.2f}**? The fresh model has no idea, so it spreads its "
            f"guess almost evenly over all {snap.vocab_size:,} tokens: each gets probability 1/{snap.vocab_size:,}. "
            f"The loss is minus the log of the probability given to the right token, so it is −ln(1/V) = ln V. "
            f"Every drop below that line is something learnt. (A loss of L means the model is as unsure as a "
            f"fair choice among e^L tokens: the **perplexity**; now about {math.exp(snap.latest_train_loss or 0):,.1f}.)"
        )

    st.subheader("What it writes")
    if snap.samples:
        last = snap.samples[-1]
        st.markdown(
            "Every checkpoint, the model continues the same start (in bold) with the same random seed, so the "
            f"samples differ only because the weights changed. Latest, at step {last.step:,} "
            f"({pct(last.word_share)} real words, {pct(last.copied_share)} of its {lab.NGRAM}-word runs copied):"
        )
        st.markdown(
            f'<div style="white-space: pre-wrap; font-family: monospace; padding: 0.6em; border-radius: 0.4em; '
            f'border: 1px solid rgba(128,128,128,0.4); overflow-wrap: anywhere;"><b>{inert_html(snap.prompt)}</b>'
            f"{inert_html(last.text)}</div>",
            unsafe_allow_html=True,
        )
        st.write("")
    if live:
        st.caption("The table of all samples, the memorisation meter and the scale ruler appear when the run "
                   "ends: redrawing them every moment would take CPU time away from the training.")
        return
    if snap.samples:
        table = pd.DataFrame({
            "step": [s.step for s in snap.samples],
            "real words": [pct(s.word_share) for s in snap.samples],
            "copied 4-word runs": [pct(s.copied_share) for s in snap.samples],
            "sample": [s.text.replace("\n", " ↵ ") for s in snap.samples],
        })
        st.dataframe(table, hide_index=True, width="stretch", key=f"samples-{snap.id}")

    st.subheader("Learning or memorising?")
    fig, alt = meter_figure(snap)
    figure(fig, alt=alt, key=f"meter-{snap.id}")
    best = snap.best_val
    rising = bool(best and snap.val_points[-1][1] > best[1] + 0.05)
    st.markdown(
        f"Two signs of memorising. First, the **validation loss** (on the held-out tenth) stops falling and "
        f"turns upward while the training loss keeps dropping: the model gets better at *this* text and worse at "
        f"text like it. {'It has: the best validation loss was ' + f'{best[1]:.2f} at step {best[0]:,} (the star).' if rising else 'Not yet here.'} "
        f"Second, the samples start **copying**: we cut each sample into runs of {lab.NGRAM} words and count "
        f"how many appear word for word in the training text. By chance that is rare: the held-out tenth, real "
        f"text from the same source, shares {pct(snap.reference_copied_share)} of its {lab.NGRAM}-word runs with "
        f"the rest. A sample far above that line is reciting. Short texts are memorised quickly; the corpus slice "
        f"is long enough that the model mostly learns patterns instead."
    )

    st.subheader("How far from a real run")
    fig, alt, rows = ruler_figure(snap.params or 0, snap.tokens_seen)
    figure(fig, alt=alt, key=f"ruler-{snap.id}")
    chin = next((r for r in rows if r["name"].startswith("Chinchilla")), None)
    if snap.tokens_seen and chin:
        st.markdown(
            f"This run: {snap.params:,} parameters × {snap.tokens_seen:,} tokens × 6 ≈ "
            f"**{snap.compute_flops:.2g} FLOPs**. Chinchilla read {scale.times_smaller(snap.tokens_seen, chin['tokens'])} "
            f"more tokens with a model {scale.times_smaller(snap.params, chin['params'])} bigger, for "
            f"{scale.times_smaller(snap.compute_flops, chin['flops'])} this run's compute. Each bar is one "
            "training run; the compute is about 6 × parameters × tokens (2 for the forward pass, 4 for the "
            "backward pass, per parameter per token). * GPT-2's paper gives no token count; about 10B is our "
            "estimate from the size of its WebText data."
        )


if job is not None:
    snap = job.snapshot()
    if snap.active:
        @st.fragment(run_every=POLL_SECONDS)
        def live() -> None:
            now = job.snapshot()
            show(now, live=True)
            if not now.active:
                st.rerun()  # the whole page: buttons come back, polling ends

        live()
    else:
        show(snap)
else:
    st.info("Press **Start training** to train a fresh model on the text above. Its results stay here until "
            "you start another run.", icon=":material/science:")
    st.subheader("How far from a real run")
    fig, alt, _ = ruler_figure(0, 0)
    figure(fig, alt=alt, key="ruler-empty")
    st.caption("Compute is about 6 × parameters × tokens. Your run will appear on this ruler once it starts. "
               "* GPT-2's paper gives no token count; about 10B is our estimate from the size of its WebText data.")
