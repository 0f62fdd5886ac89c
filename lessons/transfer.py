"""Transfer learning: one model per task from scratch against one pretrained base tuned
cheaply per task, measured on three real tasks (spam, sentiment, topic). Reads top to
bottom like the lesson; every number comes from the committed results of
`python -m engine build transfer`, or from a run the reader starts here, and every sentence
about them from engine.transfer.readings."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from engine import datapack, settings, stats
from engine.tasks import TASKS, few_shot, load_task
from engine.transfer import approaches, calibration, figures, live, readings, tryit
from engine.transfer import results as transfer_results
from lessons import _charts, _jobs, _models
from lessons._ui import bounded_text_area, ensure_source, figure, glossary_links, url_choice

TASK_TITLES = {"spam": "Spam (SMS)", "sentiment": "Sentiment (film reviews)", "topic": "Topic (BBC News)"}
PER_CLASS = ("8", "16", "32", "64", "128", "256", "all")
METRICS = readings.METRICS
MAX_TRY_CHARS = 2_000  # the try-it box; a model reads only its first 128 tokens anyway
EXAMPLE_CHARS = 600  # characters of a real example shown (BBC articles are long)
MAX_LIVE_ROWS = 40  # the reader's own rows kept on the curves
LIVE_KIND = "transfer"  # this page's runs in engine.jobs
SMOL_TOGGLE = "Ask SmolLM2 too (loads a 135M-parameter model, about 20 seconds the first time)"


def follow_task() -> None:
    """When the task changes, swap the try-it box's example for the new task's (never the reader's own text)."""
    text = st.session_state.get("text")
    if text is None or text.strip() == "" or text in tryit.EXAMPLES.values():
        st.session_state["text"] = tryit.EXAMPLES.get(st.session_state.get("task"), "")


@st.cache_resource(show_spinner="Reading the task's examples…", max_entries=3)
def task_data(name: str):
    """The task's deduplicated examples and splits (shared, read-only)."""
    return load_task(name)


@st.cache_data(show_spinner=False, max_entries=4)
def results_at(path: str, mtime: float) -> dict:
    return transfer_results.load_results(path)


def committed_results() -> dict:
    """The committed results, re-read when the file changes (TransferResultsError if unusable)."""
    path = Path(settings.transfer_results_file() or transfer_results.RESULTS_FILE)
    return results_at(str(path), path.stat().st_mtime if path.is_file() else -1.0)


# ---------------------------------------------------------------- the lesson
st.title("Transfer learning")
st.markdown(
    """
For a long time, every language task got **its own model, trained from nothing**. A spam filter learned from messages
someone had labelled spam or not; a review classifier from reviews labelled good or bad. Each model had to learn the
language *and* the task from the same small pile of labels, and the next task started from zero again.

The way large language models are made turns this around. **Pretrain one base model once**, on lots of text nobody had
to label, by predicting the next token. Then reach each task with a **short, cheap tuning run** on a few labelled
examples: either keep the base frozen and fit a straight-line classifier on the numbers it gives each text (a *linear
probe*), or *fine-tune* every weight briefly with a small new output layer on top.

Below, both ways are measured on three real tasks: the same few labelled examples go to every approach, and every
approach is scored on the same held-out test texts. None of our own training saw those test texts; our base's
pretraining did read each task's *training* texts, without their labels. SmolLM2 and MiniLM were pretrained elsewhere
on huge public collections, which may have contained these public data sets, test texts included.
"""
)
glossary_links("transfer-learning", "pretraining", "base-model", "tuning", "fine-tuning", "linear-probe",
               "bag-of-words", "learning-curve", "next-token-prediction", "masked-language-modeling",
               "instruction-tuning", "parameters", "flops", "token")

results = None
try:
    results = committed_results()
except transfer_results.TransferResultsError as exc:
    st.error(str(exc), icon=":material/error:")

# This reader's live run (from this session, or from ?run= after a reload); once it ends, harvest it.
live_job = _jobs.current(LIVE_KIND)
if live_job is not None:
    st.session_state["live_job"] = live_job.id
    if not (view := live_job.view()).active:  # it ended: its rows join the reader's own, drawn on the curves
        st.session_state["live_last"] = last = live.outcome(view)
        st.session_state["live_rows"] = (st.session_state.get("live_rows", []) + last["rows"])[-MAX_LIVE_ROWS:]
        _jobs.forget(LIVE_KIND)
        st.session_state.pop("live_job", None)
        live_job = None

# ---------------------------------------------------------------- 1. the task
st.header("1 · Choose a task")
task_name = url_choice(st.radio, "Task", TASK_TITLES, key="task", default="spam", horizontal=True, on_change=follow_task)
task = TASKS[task_name]
per_class_key = url_choice(
    st.select_slider, "Labelled examples per class", {p: p for p in PER_CLASS}, key="per_class", default="32",
    help="How many labelled examples of each label every approach learns from; 'all' is the whole training split.",
)
per_class = readings.per_class_value(per_class_key)
metric = url_choice(st.radio, "Score", METRICS, key="metric", default="accuracy", horizontal=True,
                    help="Accuracy: the share of test texts labelled right. Macro-F1: how well each label is found, "
                         "averaged over labels, so the rare label (spam) counts as much as the common one.")
st.markdown(f"{task.description} Labels: " + ", ".join(f"**{label}**" for label in task.labels) + ".")

with st.expander("Read real examples of this task", icon=":material/article:"):
    if ensure_source(task.source, purpose="Reading this task's examples"):
        try:
            data = task_data(task_name)
        except Exception as exc:  # MissingSourceError, a corrupt file: the engine's message says what to do
            st.error(str(exc), icon=":material/error:")
        else:
            st.session_state.setdefault("example_seed", 0)
            shown = few_shot(data.train, 2, seed=st.session_state["example_seed"])
            for label in task.labels:
                st.markdown(f"**{label}**")
                for example in (e for e in shown if e.label == label):
                    with st.container(border=True):
                        text = " ".join(example.text.split())  # shown with st.text: no markup
                        st.text(text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS].rstrip() + " …")
            if st.button("Show other examples", icon=":material/shuffle:", key="more_examples"):
                st.session_state["example_seed"] += 1
                st.rerun()
            st.caption(f"Drawn at random from the training split ({len(data.train):,} texts). Long texts are cut "
                       "here for reading; the neural models read each text's first 128 tokens.")

if results is not None and task_name in results["tasks"]:
    info = transfer_results.task_info(results, task_name)
    title, cells = readings.headline(results, task_name, per_class_key, metric)
    st.markdown(title)
    for col, (name, value, delta, colour) in zip(st.columns(4), cells):
        col.metric(name, value, delta=delta, delta_color=colour, delta_arrow="auto" if colour != "off" else "off")
    st.dataframe(pd.DataFrame(readings.balance_table(info)), hide_index=True, width="stretch")
    st.caption(readings.task_caption(info))
elif results is not None:
    st.warning(f"The committed results have no rows for {task_name}. Rebuild them with "
               f"`{transfer_results.REBUILD}`.", icon=":material/warning:")
    results = None

# ---------------------------------------------------------------- 2. the curves
st.header("2 · The learning curves")
st.markdown(
    "Each line is one way to use the labelled examples, scored on the same test texts. Left to right, every "
    "approach gets more labels; the band around a line shows how much the score moved between training seeds "
    "(a different random sample of labelled examples each time). Dashed lines are the old way: they know nothing "
    "but the task's labels. Solid lines start from a pretrained model. The grey lines are what needs no model: "
    f"always answering the commonest label, and a random guess. {stats.RULE}")
with st.expander("The six approaches", icon=":material/list:"):
    st.markdown("\n".join(f"- **{a.label}**: {a.description}" for a in approaches.APPROACHES.values()))
if results is not None:
    live_rows = st.session_state.get("live_rows", [])
    figure(figures.curves(results, task_name, metric, per_class_key, live_rows, palette=_charts),
           alt=readings.curves_alt(results, task_name, metric), key="curves")
    rows = readings.count_table(results, task_name, per_class, metric)
    st.markdown(f"**At {per_class_key} labels per class** (points out of 100, mean ± standard deviation over seeds):")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if any(r["seeds"] == 0 for r in rows):
        st.caption(readings.not_run_caption(results))
    st.subheader("Reading the curves")
    st.markdown(readings.reading(results, task_name, metric, per_class))  # at 32 where the count was not run

# ---------------------------------------------------------------- 3. scale
st.header("3 · Does more pretraining give more transfer?")
st.markdown(
    "Our base model was saved at several points of its pretraining, each after reading more text, and each snapshot "
    "was tuned on the same labelled examples as the finished base. If pretraining is what makes transfer work, the "
    "gain over training from scratch should grow with the tokens read. The reading says, task by task, whether it did.")
if results is not None:
    if ck_rows := readings.gain_points(results, task_name, metric):
        figure(figures.checkpoints(ck_rows, results, task_name, metric, palette=_charts),
               alt=readings.checkpoint_alt(ck_rows, results, task_name, metric), key="checkpoints")
        st.markdown(readings.scale_reading(ck_rows, task_name, results, metric))
    else:
        st.info(readings.no_snapshots_note(results), icon=":material/info:")

# ---------------------------------------------------------------- 4. cost
st.header("4 · What it costs")
st.markdown(
    "Pretraining is the expensive part, and it is paid **once**: every task built on the base shares it. Each task "
    "then costs only its short tuning run. Training from scratch has no shared part: every new task pays for its "
    "whole model again and, where pretraining helps, needs more labels to get as far.")
if results is not None and (cost_rows := transfer_results.cost_table(results)):
    figure(figures.cost(cost_rows, palette=_charts), alt=readings.cost_alt(cost_rows), key="cost")
    st.dataframe(pd.DataFrame(readings.cost_frame(cost_rows)), hide_index=True, width="stretch")
    with st.expander("How each row was counted", icon=":material/calculate:"):
        st.markdown("\n".join(f"- **{r['what']}**: {r['note']}" for r in cost_rows if r.get("note")))
    st.markdown(readings.cost_reading(results, cost_rows))

# ---------------------------------------------------------------- caveats
st.header("How far to trust these numbers")
st.markdown(readings.caveats(results))
if results is not None:
    with st.expander("The recipe behind every number", icon=":material/receipt_long:"):
        st.markdown(transfer_results.recipe_lines(results))
        for note in transfer_results.build_notes(results):
            st.caption(f"Note from the build: {note}")

# ---------------------------------------------------------------- 5. try it
st.header("5 · Try it")
tryit_recipe = tryit.trained_on_if_built()
st.markdown(
    f"Type a text message, a film review or a news snippet and see what each approach makes of it, as a **{task_name}** "
    f"classifier. Each approach uses the classifier it trained on {tryit_recipe.get('per_class') or 32} labelled "
    f"examples per class (seed {tryit_recipe.get('seed') or 0}) in the committed build. The confidence is the "
    "probability it gives its label; under each answer, how often that classifier was right on the test texts when it "
    "was that sure. A high confidence is not a promise.")
text = bounded_text_area("Your text", key="text", default=tryit.EXAMPLES[task_name], max_chars=MAX_TRY_CHARS, height=110,
                         help=f"Up to {MAX_TRY_CHARS:,} characters; the neural models read only the first 128 tokens.")
missing: dict[str, str] | None = None
try:
    missing = tryit.unavailable_approaches(task_name)
except (tryit.TryItError, KeyError) as exc:
    st.error(str(exc), icon=":material/error:")
if not text.strip():
    st.info("The box is empty. Type a message, a review or a news snippet to label it.", icon=":material/edit:")
elif missing is not None:
    wanted, shared = tryit.available_approaches(task_name), {"base": _models.artifact("base")}
    if "smollm2-frozen" in wanted and st.toggle(SMOL_TOGGLE, key="smol", bind="query-params"):  # opt-in: ~600 MB
        shared["smollm2"] = _models.smollm(purpose="The SmolLM2 classifier")  # None (reason shown) if not had
    wanted = [a for a in wanted if a != "smollm2-frozen" or shared.get("smollm2") is not None]
    with st.spinner("Labelling your text with every approach…"):
        predictions, failures = tryit.classify_each(task_name, text, models=shared, approaches=wanted)
    if predictions:  # each answer beside how often that classifier is right when that sure, and as bars
        calib = calibration.entries(task_name)
        with st.container(border=True, key="try_table"):
            for p in predictions:
                st.markdown(readings.prediction_line(p))
                st.caption(calibration.reading(calib[p.approach]) if p.approach in calib else
                           f"Not yet measured how often it is right when sure: run `{calibration.COMMAND}`.")
        figure(figures.predictions(predictions, list(task.labels), palette=_charts),
               alt=readings.predictions_alt(predictions), key="try_bars")
    if calib:
        with st.expander("How often each classifier is right, by how sure it is", icon=":material/target:"):
            st.dataframe(pd.DataFrame(calibration.frame(calib)), hide_index=True, width="stretch")
    for approach, why in failures.items():
        st.error(f"{approaches.label(approach)}: {why}", icon=":material/error:")
    if predictions and "<|" in text:
        st.caption("Text like <|endoftext|> is read as typed by bag-of-words; our tokenizer reads "
                   "<|endoftext|> as its end-of-document token, the same way it did in training.")
if missing:
    with st.expander(f"{len(missing)} approach{'es' if len(missing) > 1 else ''} need a model from the data pack",
                     icon=":material/download:"):
        for approach, why in missing.items():
            st.markdown(f"- **{approaches.label(approach)}**: {why}")
        for source, approach in (("smollm2", "smollm2-frozen"), ("minilm", "minilm-frozen")):
            if approach in missing and ensure_source(source, purpose=f"The {approaches.label(approach)} classifier"):
                st.rerun()

# ---------------------------------------------------------------- 6. run it yourself
st.header("6 · Run a fresh experiment")
seconds = settings.transfer_live_seconds()
st.markdown(
    f"The curves above were measured, not drawn. Check it: this trains and scores four approaches on a fresh draw "
    f"of labelled examples, here and now, in at most {seconds:.0f} seconds. It is the build's recipe shrunk to "
    f"fit a minute: {live.LIVE_STEPS} training steps instead of the build's 100 and {live.LIVE_TEST} "
    "test texts instead of up to 500, so expect noisier and somewhat lower scores for the two trained approaches. "
    "Your results appear as crosses on the learning curves in section 2."
)
if not datapack.is_available(task.source):
    st.info(f"A live experiment needs this task's examples: fetch **{task.source}** under *Read real examples* "
            "in section 1 (or run `python -m engine data " + task.source + "`).", icon=":material/download:")
else:
    live_pc = min(per_class or live.LIVE_MAX_PER_CLASS, live.LIVE_MAX_PER_CLASS)
    if per_class is None or per_class > live_pc:
        st.caption(f"A live run takes at most {live.LIVE_MAX_PER_CLASS} examples per class to fit its "
                   f"minute, so this one uses {live_pc} (you chose {per_class_key}).")
    seed = st.number_input("Seed (which labelled examples are drawn)", min_value=0, max_value=9_999, value=3, step=1,
                           key="seed", bind="query-params", disabled=live_job is not None,
                           help="The committed curves used seeds 0, 1 and 2; any other seed is a draw they never saw.")
    if st.button(f"Run it: {task_name}, {live_pc} per class", type="primary", icon=":material/play_arrow:",
                 disabled=live_job is not None, key="live_start", width="stretch") and live_job is None:
        try:
            data, base = task_data(task_name), _models.artifact("base")
        except Exception as exc:  # the engine's message names the fix (fetch the data, rebuild the base)
            st.error(str(exc), icon=":material/error:")
        else:
            work = live.work(task_name, live_pc, int(seed), max_seconds=seconds, models={"base": base}, data=data)
            live_job = _jobs.start(work, kind=LIVE_KIND, label=f"Transfer: {task_name}, {live_pc} per class",
                                   max_seconds=seconds + live.SCORING_GRACE)
            st.session_state["live_job"] = live_job.id
            st.rerun()
    _jobs.panel(live_job, key="live")

if (last := st.session_state.get("live_last")) is not None:
    if last["error"]:
        st.error(last["error"], icon=":material/error:")
    if last["rows"]:
        st.success(readings.live_summary(last), icon=":material/check_circle:")
        st.dataframe(pd.DataFrame(readings.live_table(last["rows"], results, metric)), hide_index=True, width="stretch")
        if last["task"] != task_name:
            st.caption(f"This run was on {last['task']}; choose that task above to see it on its curves.")
    elif not last["error"]:
        st.info("The run stopped before any approach finished, so there is nothing to show.", icon=":material/info:")
if st.session_state.get("live_rows") and live_job is None and st.button("Clear my runs from the curves",
                                                                       key="live_clear"):
    st.session_state.pop("live_rows", None)
    st.session_state.pop("live_last", None)
    st.rerun()
