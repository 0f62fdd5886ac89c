"""Tuning cannot add facts: a base world model asked a question continues text;
tuned on question-answer pairs it answers in that form, fluently and, about
people it never read, wrongly; and tuning on facts it does not know fits them
slowly and costs it facts it knew. Reads top to bottom like the lesson."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lessons._ui import figure, glossary_links, url_choice  # first: fixes first-visit navigation

from engine.world import results as wr  # noqa: E402
from engine.world import qa, tuning_live  # noqa: E402
from engine.world import tuning as wt  # noqa: E402
from engine.world import tuning_results as tr  # noqa: E402
from engine.textinput import clean_user_text, fix_surrogates, html_escape, visible_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# A test or a facilitator can point the page at another built world and another results file.
WORLD_DIR_ENV, RESULTS_ENV = "PRETRAINING_EXPLORER_WORLD_DIR", "PRETRAINING_EXPLORER_WORLD_TUNING_RESULTS"
WORLD_DIR = Path(os.environ.get(WORLD_DIR_ENV) or wr.WORLD_DIR)
RESULTS_FILE = Path(os.environ.get(RESULTS_ENV) or tr.RESULTS_FILE)
DEMO_SECONDS = 60.0  # the live run's time bound on a small shared machine
STEP_CHOICES = (50, 100, 200, 300, 500)
ANSWER_TOKENS = 16  # the longest line a model may write after "Answer:"
TUNE_MIXES = {m: wt.MIX_LABELS[m] for m in wt.MIXES if wt.MIXES[m] is not None}
MIX_COLOURS = {"known": "#3a9d5d", "half": "#4f7be8", "unknown": "#d0543f", "none": "#9aa7bd"}
GEKHMAN = ("Gekhman et al. (2024) tuned a large model on closed-book questions and found that facts it did "
           "not already know were learned far more slowly than facts it knew; tuned only on unknown facts, "
           "its accuracy fell from 37.5% to 25.8%.")


def md(text: str) -> str:
    """World, model or reader text made safe for st.markdown: no markup, control characters shown as marks."""
    out = "".join(c if c == " " else visible_text(c) for c in fix_surrogates(text))
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$:" else c for c in out)


def shown(answer: str) -> str:
    """A model's answer for a table cell: visible, and never an empty cell."""
    if not answer.strip():
        return "(nothing: it ended the line)"
    return "".join(c if c == " " else visible_text(c) for c in fix_surrogates(answer))


# ---------------------------------------------------------------- shared, read-only data


@st.cache_resource(show_spinner="Loading the world and its model (once per server)…", max_entries=2)
def cached_base(root: str, key: str):
    """(world, the world model that read every document): shared and read-only. Tuning works on a copy.
    `key` (the world's fingerprint and the model's manifest entry) makes a rebuilt model load afresh."""
    from engine.probes import prefer_one_thread

    prefer_one_thread()
    return wr.tuning_base(Path(root))


@st.cache_resource(max_entries=2)
def question_index(_world, fingerprint: str) -> dict[str, dict]:
    """Question text -> the fact it asks about (every fact of the world)."""
    facts = _world.facts
    out = {}
    for qa, (_, f) in zip(_world.qa_pairs(facts), facts.iterrows()):
        out[qa["question"]] = {"answer": qa["answer"], "relation": qa["relation"], "subject": f["subject"],
                               "read": 0 if f["held_out"] else int(f["exposure"]), "held_out": bool(f["held_out"])}
    return out


def example_question(world, held_out: bool) -> str:
    people = world.people[world.people["held_out"] == held_out]
    person = people.sort_values(["bucket", "person_id"], ascending=[False, True]).iloc[0]
    return f"Where was {person['name']} born?"


# ---------------------------------------------------------------- the lesson

st.title("Tuning cannot add facts")
st.markdown(
    """
Pretraining leaves a **base model**: it continues whatever text it is given. Ask it a question and it may
carry on as if the question were the start of a list or a story, because text on the web rarely comes
as neat questions and answers. **Tuning** is a short second round of training on examples of the
behaviour we want, here question-and-answer pairs, and it is what turns a base model into something
that answers.

Tuning teaches a *form*. It does not, in any useful way, teach new *facts*: a model asked about
something it never read answers in the new form just as fluently, and wrongly. And if we tune it on
answers it did not know, it learns them slowly, and it gets worse at the facts it did know.
Below, a small model trained by this project on a made-up world (people, towns, organisations; every
name invented) shows each of these.
"""
)
glossary_links("tuning", "instruction-tuning", "fine-tuning", "base-model", "pretraining", "hallucination",
               "knowledge-cutoff")

try:
    manifest = wr.read_manifest(WORLD_DIR)
    build_key = json.dumps([manifest.get("world_fingerprint"), manifest["models"].get("seed-0")], sort_keys=True)
    world, base = cached_base(str(WORLD_DIR), build_key)
except wr.WorldArtifactError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
results, results_error = None, None
try:
    results = tr.load_results(RESULTS_FILE)
except tr.TuningResultsError as exc:
    results_error = str(exc)
questions = question_index(world, build_key)

# ---------------------------------------------------------------- 1. a base model and a question
st.header("1 · Ask the base model a question")
st.markdown(
    "The question goes to the model in the tuning format, `Question: … Answer:`, and the model writes one line "
    f"after it (at most {ANSWER_TOKENS} tokens), always taking its most likely next token. The base model never "
    "read a question followed by an answer: its documents are news items, notices and letters. So it does what "
    "it learned to do and carries on writing in their style."
)
often, never = example_question(world, False), example_question(world, True)


def use_question(text: str) -> None:
    st.session_state["q"] = text


b1, b2 = st.columns(2)
b1.button("Someone it read about often", key="ex-often", on_click=use_question, args=(often,), width="stretch")
b2.button("Someone it never read about", key="ex-never", on_click=use_question, args=(never,), width="stretch")
pending = st.session_state.get("q")
if isinstance(pending, str) and fix_surrogates(pending) != pending:  # the URL cannot carry lone surrogates
    st.session_state["q"] = fix_surrogates(pending)
    st.info("Some characters were broken halves of a pair (lone surrogates); each became \ufffd.")
raw_q = st.text_input("Question", value=often, key="q", max_chars=qa.MAX_QUESTION_CHARS, bind="query-params",
                      help=f"Up to {qa.MAX_QUESTION_CHARS} characters; ask about a person of the world by name, "
                           "or about anyone you like.")
question, notices = clean_user_text(raw_q, max_chars=qa.MAX_QUESTION_CHARS)
for notice in notices:
    st.info(notice, icon=":material/content_cut:")
if "<|endoftext|>" in question:
    st.info("<|endoftext|> in a question is read as plain characters, not as the end-of-text token.",
            icon=":material/info:")
question = " ".join(question.split())
fact = questions.get(question)
if not question:
    st.info("Type a question first, for example: " + md(often), icon=":material/info:")
else:
    if fact is None:
        st.caption("This question is not about a fact of the world, so there is no right answer to compare with.")
    elif fact["held_out"]:
        st.caption(f"The world says: **{md(fact['answer'])}**. The model never read a word about "
                   f"{md(fact['subject'])}.")
    else:
        st.caption(f"The world says: **{md(fact['answer'])}**; the model read it in {fact['read']} "
                   f"document{'s' if fact['read'] != 1 else ''}.")

demo = st.session_state.get("tune_demo")
if demo is not None and demo["source"] is not base:
    demo = None  # the shared model was reloaded: the old copy belongs to another model
after_slot = None
if question:
    before = qa.ask(base, question, max_new_tokens=ANSWER_TOKENS)
    cols = st.columns(2)
    with cols[0], st.container(border=True):
        st.markdown("**Base model (pretraining only)**")
        st.markdown(f"Question: {md(question)}  \nAnswer: **{md(shown(before))}**")
    with cols[1]:
        after_slot = st.empty()  # filled once section 2 knows whether this session has a tuned copy


# ---------------------------------------------------------------- 2. tune a copy
st.header("2 · Tune a copy on question-answer pairs")
st.markdown(
    f"""
Press the button to tune **your own copy** of the model on a few dozen question-answer pairs about
people of the world (other readers and the rest of this page keep the original). The pairs come from
one of three mixes: facts the model already *knows* (its pretraining probe gets them right), facts it read but got
*wrong* or never read at all (*unknown*), or half of each. The run stops after the steps you choose or
{DEMO_SECONDS:.0f} seconds, whichever comes first.
"""
)
c1, c2 = st.columns(2)
with c1:
    mix = url_choice(st.radio, "Tune on", TUNE_MIXES, key="mix", default="known")
with c2:
    steps = url_choice(st.select_slider, "Steps", {s: str(s) for s in STEP_CHOICES}, key="steps", default=200,
                       help="One step: one batch of 16 pairs, one AdamW update of every weight.")
go_tune = st.button("Tune my copy", type="primary", icon=":material/tune:", key="tune")
if go_tune:
    bar = st.progress(0.0, text="Sorting a sample of the world's facts into known and unknown…")

    def progress(info: dict) -> None:
        frac = max(info["step"] / max(info["steps"], 1), info["elapsed"] / DEMO_SECONDS)
        bar.progress(min(frac, 1.0), text=f"Tuning: step {info['step']} of {info['steps']}, "
                                          f"loss {info['loss']:.2f}, {info['elapsed']:.0f} s")

    try:
        result = tuning_live.tune_demo(base, world, mix=mix, steps=steps, progress=progress, max_seconds=DEMO_SECONDS)
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        demo = {"source": base, "mix": mix, "result": result}
        st.session_state["tune_demo"] = demo
    bar.empty()

if after_slot is not None:
    with after_slot.container(border=True):
        if demo is None:
            st.markdown("**After tuning**")
            st.caption("Tune your copy in section 2 to see its answer here.")
        else:
            after = qa.ask(demo["result"].lm, question, max_new_tokens=ANSWER_TOKENS)
            st.markdown(f"**After tuning (your copy, {md(wt.MIX_LABELS[demo['mix']])})**")
            st.markdown(f"Question: {md(question)}  \nAnswer: **{md(shown(after))}**")

if demo is not None:
    r = demo["result"]
    why = {"steps": "it did every step", "time": f"it reached the {DEMO_SECONDS:.0f}-second limit",
           "stop": "it was stopped"}.get(r.stopped_by, r.stopped_by)
    st.success(f"Your copy was tuned on {len(r.tuned_pairs)} pairs ({md(wt.MIX_LABELS[r.mix])}) for {r.steps} "
               f"steps in {r.seconds:.0f} s: {why}.", icon=":material/check_circle:")
    for note in r.notes:
        st.info(note, icon=":material/info:")
    if r.losses:
        fig = go.Figure(go.Scatter(y=r.losses, x=list(range(1, len(r.losses) + 1)), mode="lines",
                                   line=dict(color=MIX_COLOURS.get(r.mix, "#4f7be8"))))
        fig.update_layout(height=220, margin=dict(l=10, r=10, t=10, b=40),
                          xaxis=dict(title="step"), yaxis=dict(title="loss (nats per answer token)"))
        figure(fig, alt=(f"Tuning loss of your copy over {len(r.losses)} steps: from {r.losses[0]:.2f} to "
                         f"{r.losses[-1]:.2f} nats per answer token."), key="demo-loss")
    table = pd.DataFrame([{"question": a.question, "kind of fact": a.group, "truth": a.truth,
                           "before tuning": shown(a.before), "after tuning": shown(a.after),
                           "right after?": "yes" if a.right_after else "no"} for a in r.answers])
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Known, not tuned: a fact of a person the model knows, left out of tuning. Tuned: one of the pairs "
               "it was tuned on. Never read: a person the model never saw.")
    st.button("Forget my tuned copy", key="forget", on_click=lambda: st.session_state.pop("tune_demo", None))
elif results is not None:
    st.caption("Not tuned yet. Meanwhile, answers recorded when the experiment below was built, with the "
               "same tuning format:")
    examples = (results["runs"][0].get("examples") or {}).get(mix) or []
    if examples:
        st.dataframe(pd.DataFrame([{
            "question": e["question"], "kind of fact": e["group"], "truth": e["truth"],
            "before tuning": shown(e["before"]), "after tuning": shown(e["after"]),
        } for e in examples]), hide_index=True, width="stretch")

# ---------------------------------------------------------------- 3. never read
st.header("3 · Fluent and wrong about people it never read")
st.markdown(
    """
Some people of the world were left out of every document. After tuning, the model answers questions
about them exactly as it answers about anyone else: a town for *where*, a year for *when*, in the tuned
form, without a hint of doubt. Tuning taught it what an answer looks like; the fact itself was never
in its text, and a few question-answer pairs cannot put it there. That is a hallucination.
"""
)
if demo is not None:
    never_rows = [{"question": a.question, "truth": a.truth, "before tuning": shown(a.before),
                   "after tuning": shown(a.after)} for a in demo["result"].answers if a.group == "never read"]
    source = "your tuned copy"
elif results is not None:
    never_rows = [{"question": e["question"], "truth": e["truth"], "before tuning": shown(e["before"]),
                   "after tuning": shown(e["after"])}
                  for run in results["runs"] for e in (run.get("examples") or {}).get(mix) or []
                  if e.get("group") == "never read"][:4]
    source = f"the recorded runs, tuned on {wt.MIX_LABELS[mix]}"
else:
    never_rows, source = [], ""
if never_rows:
    st.markdown(f"People the model never read about, asked by {md(source)}:")
    st.dataframe(pd.DataFrame(never_rows), hide_index=True, width="stretch")
if results is not None:
    summary = tr.summary_table(results)
    rows = summary[summary["mix"] != "none"]
    if len(rows):
        never_acc = float(rows["never_read_final"].mean())
        right_kind = float(rows["right_kind_final"].mean())
        m1, m2 = st.columns(2)
        m1.metric("Right about never-read people, after tuning", f"{never_acc:.0%}",
                  help="Mean over the tuning mixes and seeds, at the last epoch.")
        m2.metric("Answers of the right kind, after tuning", f"{right_kind:.0%}",
                  help="The model's most likely next word is a town for a where-question, a year for a "
                       "when-question, and so on.")

# ---------------------------------------------------------------- 4. measured
st.header("4 · Measured: tuning on unknown facts")
st.markdown(
    f"""
The experiment behind this section tunes the same model on each mix, for many passes (*epochs*) over
the same pairs, and after every epoch asks it questions it was not tuned on: facts of other people that
the model knew before tuning (in the words they were written in, it got them right). {GEKHMAN}
At epoch 0 the model has not yet learned the question format, so it is near chance even on facts it
knows; the first passes teach the format. What matters is where each line goes after that.
"""
)
if results is None:
    st.error(results_error, icon=":material/error:")
else:
    dev = tr.mean_curves(results, "dev_known")
    seeds = len(results["runs"])
    fig = go.Figure()
    finals = []
    for m in wt.MIXES:
        rows = dev[dev["mix"] == m]
        if not len(rows):
            continue
        name = wt.MIX_LABELS[m]
        if m == "none" or len(rows) == 1:
            fig.add_hline(y=float(rows["mean"].iloc[0]), line=dict(color=MIX_COLOURS[m], dash="dot"),
                          annotation_text=html_escape("before tuning"), annotation_position="bottom right")
            continue
        upper, lower = rows["mean"] + rows["sd"], rows["mean"] - rows["sd"]
        fig.add_trace(go.Scatter(x=list(rows["epoch"]) + list(rows["epoch"])[::-1],
                                 y=list(upper) + list(lower)[::-1], fill="toself", mode="none",
                                 fillcolor=MIX_COLOURS[m], opacity=0.15, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=rows["epoch"], y=rows["mean"], mode="lines+markers", name=html_escape(name),
                                 line=dict(color=MIX_COLOURS[m]),
                                 hovertemplate="epoch %{x}: %{y:.0%}<extra>" + html_escape(name) + "</extra>"))
        finals.append(f"{name}: {rows['mean'].iloc[0]:.0%} before, {rows['mean'].iloc[-1]:.0%} after "
                      f"{int(rows['epoch'].iloc[-1])} epochs")
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(title="epoch (passes over the tuning pairs)", tickmode="linear", tick0=0,
                                 dtick=max(1, int(dev["epoch"].max()) // 10) if len(dev) else 1),
                      yaxis=dict(title="accuracy on known facts not tuned on", tickformat=".0%", range=[-0.02, 1.02]),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    figure(fig, alt=(f"Accuracy on known facts the model was not tuned on, by epoch, mean over {seeds} "
                     f"seed{'s' if seeds != 1 else ''} (band: ± one standard deviation). " + "; ".join(finals) + "."),
           key="dev-curves")
    table = tr.summary_table(results).set_index("mix")

    def at(mix: str, column: str) -> str:
        v = table[column].get(mix) if mix in table.index else None
        return "n/a" if v is None or v != v else f"{v:.0%}"

    st.markdown(
        f"Here, on known facts it was not tuned on: tuned only on known facts the model reaches "
        f"**{at('known', 'dev_best')}** at its best epoch and ends at **{at('known', 'dev_final')}**; tuned only "
        f"on unknown facts, **{at('unknown', 'dev_best')}** at best and **{at('unknown', 'dev_final')}** at the "
        f"end; half and half, **{at('half', 'dev_best')}** and **{at('half', 'dev_final')}**. Same model, same "
        "number of pairs and passes: the only difference is whether the answers were already in its weights."
    )

    fits = tr.epochs_to_fit(results)
    fits = fits[fits["mix"] == "half"]

    def fit_words(part: str) -> str:
        hits = [int(e) for e in fits[part] if e is not None and e == e]
        if not len(fits):
            return "n/a"
        if not hits:
            return "never, within the run"
        if len(hits) < len(fits):
            return f"by epoch {max(hits)} in {len(hits)} of {len(fits)} runs, never in the others"
        if max(hits) == 0:
            return "already before tuning (epoch 0)"
        return f"by epoch {min(hits)}" + (f" to {max(hits)}" if max(hits) != min(hits) else "")

    st.markdown(
        "How fast the tuning pairs themselves are learned. With half known and half unknown facts in one "
        "tuning set, the two halves get exactly the same training. Here the known half was answered 90% right "
        f"**{fit_words('train_known')}**, the unknown half **{fit_words('train_unknown')}**."
    )
    fit = {part: tr.mean_curves(results, part) for part in ("train_known", "train_unknown")}
    fig = go.Figure()
    fit_alt = []
    for part, colour, name in (("train_known", MIX_COLOURS["known"], "known pairs"),
                               ("train_unknown", MIX_COLOURS["unknown"], "unknown pairs")):
        rows = fit[part]
        rows = rows[rows["mix"] == "half"]
        if not len(rows):
            continue
        fig.add_trace(go.Scatter(x=rows["epoch"], y=rows["mean"], mode="lines+markers", name=name,
                                 line=dict(color=colour),
                                 hovertemplate="epoch %{x}: %{y:.0%}<extra>" + name + "</extra>"))
        fit_alt.append(f"{name} {rows['mean'].iloc[0]:.0%} at epoch {int(rows['epoch'].iloc[0])}, "
                       f"{rows['mean'].iloc[-1]:.0%} at epoch {int(rows['epoch'].iloc[-1])}")
    last_epoch = max([int(f["epoch"].max()) for f in fit.values() if len(f)] or [1])
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(title="epoch", tickmode="linear", tick0=0, dtick=max(1, last_epoch // 10)),
                      yaxis=dict(title="right on the pairs tuned on", tickformat=".0%", range=[-0.02, 1.02]),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    figure(fig, alt="Fit of the tuning pairs in the half-and-half mix: " + "; ".join(fit_alt) + ".", key="fit-curves")

    summary = tr.summary_table(results)
    st.dataframe(summary.drop(columns=["mix"]).rename(columns={
        "label": "tuned on", "seeds": "seeds", "dev_before": "known, not tuned: before",
        "dev_best": "… at its best epoch", "dev_final": "… at the last epoch",
        "dev_cloze_final": "… in the pretraining phrasing, last epoch",
        "fit_known_final": "tuned known pairs right", "fit_unknown_final": "tuned unknown pairs right",
        "never_read_final": "never-read people right", "right_kind_final": "answers of the right kind",
    }), hide_index=True, width="stretch",
        column_config={c: st.column_config.NumberColumn(format="%.2f") for c in summary.columns
                       if c not in ("mix", "label", "seeds")})
    st.caption(
        f"Means over {seeds} seed{'s' if seeds != 1 else ''}; each seed draws its own tuning and dev facts. "
        "\"At its best epoch\" is what stopping early would have kept. Built by "
        f"`{tr.REBUILD_COMMAND}`."
    )

# ---------------------------------------------------------------- 5. assistants
st.header("Where assistants get their personality")
st.markdown(
    """
Every chat assistant is a base model that was tuned: first on examples of questions and helpful
answers (instruction tuning), then on which of two answers people preferred. That tuning decides the
voice: how formal, how long, how cautious, whether it says "I'm not sure". It is why two assistants
built on similar base models can feel so different, and why two that feel different can still get
the same facts right and the same facts wrong. The facts come from pretraining; tuning shapes the
style in which they are told. What tuning cannot supply, a tool can: see the
[knowledge cutoff](cutoff) page, where a document in the prompt adds what the weights lack.
"""
)
if (ROOT / "lessons" / "knowledge.py").is_file():
    st.markdown("Related: [Recall and hallucination](knowledge): how many times a model must read a fact before "
                "it can recall it.")
