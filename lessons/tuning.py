"""Tuning cannot add facts: a base world model asked a question continues text;
tuned on question-answer pairs it answers in that form, fluently and, about
people it never read, wrongly; and tuning on facts it does not know fits them
slowly and costs it facts it knew. Reads top to bottom like the lesson."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lessons import _charts, _jobs, _models  # first: fixes first-visit navigation
from lessons._site import available_pages
from lessons._ui import figure, glossary_links, url_choice

from engine import jobs, settings, textinput  # noqa: E402
from engine.textinput import clean_user_text, fix_surrogates, visible_text  # noqa: E402
from engine.world import figures, qa, readings, tuning_live  # noqa: E402
from engine.world import results as wr  # noqa: E402
from engine.world import tuning as wt  # noqa: E402
from engine.world import tuning_results as tr  # noqa: E402

md = textinput.markdown_text  # world, model and reader text made inert for st.markdown
WORLD_DIR = settings.world_dir() or wr.WORLD_DIR  # tests and facilitators can point at another build
RESULTS_FILE = settings.world_tuning_results_file() or tr.RESULTS_FILE
DEMO_SECONDS = 60.0  # the live run's time bound on a small shared machine
JOB_KIND = "world-tuning"
STEP_CHOICES = (50, 100, 200, 300, 500)
ANSWER_TOKENS = 16  # the longest line a model may write after "Answer:"
TUNE_MIXES = {m: wt.MIX_LABELS[m] for m in wt.MIXES if wt.MIXES[m] is not None}
GEKHMAN = ("Gekhman et al. (2024, \"Does Fine-Tuning LLMs on New Knowledge Encourage Hallucinations?\") tuned a "
           "large model on closed-book questions and found that facts it did not already know were learned far "
           "more slowly than facts it knew, and that once learned they made it answer wrongly more often.")


def shown(answer: str) -> str:
    """A model's answer for a table cell: visible, and never an empty cell."""
    if not answer.strip():
        return "(nothing: it ended the line)"
    return "".join(c if c == " " else visible_text(c) for c in fix_surrogates(answer))


@st.cache_resource(max_entries=2)
def question_index(_world, key: str) -> dict[str, dict]:
    return qa.question_index(_world)


def answer_table(answers, *, kind: bool = True, right: bool = False) -> pd.DataFrame:
    """Questions with the model's answers before and after tuning (a live run's or recorded ones)."""
    rows = []
    for a in answers:
        a = a if isinstance(a, dict) else vars(a)
        row = {"question": a["question"], **({"kind of fact": a["group"]} if kind else {}), "truth": a["truth"],
               "before tuning": shown(a["before"]), "after tuning": shown(a["after"])}
        rows.append(row | ({"right after?": "yes" if a["after"].strip() == a["truth"] else "no"} if right else {}))
    return pd.DataFrame(rows)


def forget_copy() -> None:
    st.session_state.pop("tune_demo", None)
    _jobs.forget(JOB_KIND)


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
    key = _models.world_key(WORLD_DIR)
    world = _models.world(str(WORLD_DIR), key)
    base = _models.world_model("seed-0", str(WORLD_DIR), key)  # shared and read-only: tuning works on a copy
except wr.WorldArtifactError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
results, results_error = None, None
try:
    results = tr.load_results(RESULTS_FILE)
except tr.TuningResultsError as exc:
    results_error = str(exc)
questions = question_index(world, key)

# ---------------------------------------------------------------- 1. a base model and a question
st.header("1 · Ask the base model a question")
st.markdown(
    "The question goes to the model in the tuning format, `Question: … Answer:`, and the model writes one line "
    f"after it (at most {ANSWER_TOKENS} tokens), always taking its most likely next token. The base model never "
    "read a question followed by an answer: its documents are news items, notices and letters. So it does what "
    "it learned to do and carries on writing in their style."
)
often, never = qa.example_question(world, held_out=False), qa.example_question(world, held_out=True)


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
fact = questions.get(question) or tr.fact_for_question(world, question)  # any wording naming a person's fact
if not question:
    st.info("Type a question first, for example: " + md(often), icon=":material/info:")
else:
    if fact is None:
        st.caption("This question names no person (or organisation) of the world together with a relation the world "
                   "holds for them, so there is no right answer to compare with.")
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
job = _jobs.current(JOB_KIND)  # this reader's run, or the one named in the URL after a reload
if st.button("Tune my copy", type="primary", icon=":material/tune:", key="tune"):
    st.session_state.pop("tune_demo", None)
    demo = None
    job = _jobs.start(tuning_live.demo_work(base, world, mix=mix, steps=steps, max_seconds=DEMO_SECONDS),
                      kind=JOB_KIND, label="Tuning your copy", max_seconds=DEMO_SECONDS + 60)
_jobs.panel(job, key="tuning")  # status, queue place, progress and Stop; polls while it runs
view = job.view() if job is not None else None
if view is not None and view.status == jobs.DONE and view.result is not None and (
        demo is None or demo.get("job") != view.id):
    demo = {"source": base, "mix": view.result.mix, "result": view.result, "job": view.id}  # this reader's copy
    st.session_state["tune_demo"] = demo

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
        figure(figures.loss_curve(r.losses, figures.mix_colours(_charts).get(r.mix, _charts.BLUE)),
               alt=(f"Tuning loss of your copy over {len(r.losses)} steps: from {r.losses[0]:.2f} to "
                    f"{r.losses[-1]:.2f} nats per answer token."), key="demo-loss")
    st.dataframe(answer_table(r.answers, right=True), hide_index=True, width="stretch")
    st.caption("Known, not tuned: a fact of a person the model knows, left out of tuning. Tuned: one of the pairs "
               "it was tuned on. Never read: a person the model never saw.")
    st.button("Forget my tuned copy", key="forget", on_click=forget_copy)
elif results is not None:
    st.caption("Not tuned yet. Meanwhile, answers recorded when the experiment below was built, with the "
               "same tuning format:")
    examples = (results["runs"][0].get("examples") or {}).get(mix) or []
    if examples:
        st.dataframe(answer_table(examples), hide_index=True, width="stretch")

# ---------------------------------------------------------------- 3. never read
st.header("3 · Fluent and wrong about people it never read")
st.markdown(
    """
Some people of the world were left out of every document. After tuning, the model answers questions
about them in the same form as about anyone else: a town for *where*, a year for *when*, with no sign
of doubt (how often, and how rarely right, is measured below). Tuning taught it what an answer looks like; the fact itself was never
in its text, and a few question-answer pairs cannot put it there. That is a hallucination.
"""
)
if demo is not None:
    never_rows = [a for a in demo["result"].answers if a.group == "never read"]
    source = "your tuned copy"
elif results is not None:
    never_rows = [e for run in results["runs"] for e in (run.get("examples") or {}).get(mix) or []
                  if e.get("group") == "never read"][:4]
    source = f"the recorded runs, tuned on {wt.MIX_LABELS[mix]}"
else:
    never_rows, source = [], ""
if never_rows:
    st.markdown(f"People the model never read about, asked by {md(source)}:")
    st.dataframe(answer_table(never_rows, kind=False), hide_index=True, width="stretch")
shares = readings.after_tuning_shares(results) if results is not None else None
if shares is not None:
    m1, m2 = st.columns(2)
    m1.metric("Right about never-read people, after tuning", f"{shares[0]:.0%}",
              help="Recorded when the experiment was built: mean over the tuning mixes and seeds, at the last epoch.")
    m2.metric("Answers of the right kind, after tuning", f"{shares[1]:.0%}",
              help="The model's most likely next word is a town for a where-question, a year for a "
                   "when-question, and so on.")
    st.caption(readings.after_tuning_caption(results))

# ---------------------------------------------------------------- 4. measured
st.header("4 · Measured: tuning on unknown facts")
st.markdown(
    f"""
The experiment behind this section tunes the same model on each mix, for many passes (*epochs*) over
the same pairs, and after every epoch asks it questions it was not tuned on: facts of other people that
the model knew before tuning (asked in the trained phrasing, it got them right). {GEKHMAN}
At epoch 0 the model has not yet learned the question format, so it is near chance even on facts it
knows; the first passes teach the format. What matters is where each line goes after that.
"""
)
if results is None:
    st.error(results_error, icon=":material/error:")
else:
    chance, majority = readings.baselines(world, results.get("relations") or qa.RELATIONS)
    figure(figures.dev_curves(results, palette=_charts, chance=chance, majority=majority),
           alt=readings.dev_curves_alt(results), key="dev-curves")
    st.markdown(readings.dev_reading(results, chance=chance, majority=majority))
    if (forget_words := readings.forgetting_reading(results)) is not None:
        st.markdown(forget_words)
    st.markdown(readings.fit_reading(results))
    figure(figures.fit_curves(results, palette=_charts), alt=readings.fit_alt(results), key="fit-curves")
    summary = tr.summary_table(results)
    st.dataframe(summary.drop(columns=["mix"]).rename(columns={
        "label": "tuned on", "seeds": "seeds", "dev_before": "known, not tuned: before",
        "dev_best": "… at its best epoch (picked on these questions)", "dev_final": "… at the last epoch",
        "dev_cloze_final": "… in the pretraining phrasing, last epoch",
        "fit_known_final": "tuned known pairs right (as tuned)", "fit_unknown_final": "tuned unknown pairs right (as tuned)",
        "never_read_final": "never-read people right", "right_kind_final": "answers of the right kind",
    }), hide_index=True, width="stretch",
        column_config={c: st.column_config.NumberColumn(format="%.2f") for c in summary.columns
                       if c not in ("mix", "label", "seeds")})
    st.caption(readings.seeds_caption(results, tr.REBUILD_COMMAND))

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
if "knowledge" in {p.url_path for p in available_pages()}:
    st.markdown("Related: [Recall and hallucination](knowledge): how many times a model must read a fact before "
                "it can recall it.")
