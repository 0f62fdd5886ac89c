"""Knowledge cutoff: models that read the generated world's documents only up to a date know some of its events
up to that date and few after it, still answer later questions, and a document in the prompt changes no weight.
Every sentence about a measurement comes from engine.world.cutoff_readings. Reads top to bottom like the lesson."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lessons import _charts, _models  # first: fixes first-visit navigation
from lessons._ui import bounded_text_area, figure, glossary_links, next_pages, url_choice

from engine import settings, textinput  # noqa: E402
from engine.world import events as world_events  # noqa: E402
from engine.world import cutoff_readings as readings  # noqa: E402
from engine.world import figures  # noqa: E402
from engine.world import results as wr  # noqa: E402

md = textinput.markdown_text  # world, model and reader text made inert for st.markdown
WORLD_DIR = settings.world_dir() or wr.WORLD_DIR  # tests and facilitators can point at another build
TOP = 5  # candidate answers drawn per model
# One colour per cutoff variant (none green or amber: those mark the truth and the latest town read).
VARIANT_COLOURS = (_charts.ORANGE, _charts.BLUE, _charts.PURPLE, _charts.TEAL, _charts.BROWN)


@st.cache_data(max_entries=8, show_spinner=False)
def reading_until(cutoff: str, root: str, key: str) -> tuple[dict, dict]:
    """(mentions read of each fact up to the cutoff, latest town read about each event's person)."""
    world = _models.world(root, key)
    return dict(zip(world.facts["fact_id"], world.exposure_until(cutoff))), world_events.latest_read_answers(world, cutoff)


@st.cache_data(max_entries=64, show_spinner=False)
def distribution(model: str, fact_id: str, top: int, root: str, key: str) -> dict:
    return wr.answer_distribution(_models.world_model(model, root, key), _models.world(root, key), fact_id, top)


@st.cache_data(max_entries=2, show_spinner="Choosing an example event…")
def default_event(root: str, key: str, variants: tuple[str, ...]) -> str:
    """The example a first visit shows (engine.world.results.example_event)."""
    cutoffs = [wr.model_cutoff(n, root) for n in variants]
    first, last = (_models.world_model(n, root, key) for n in (variants[0], variants[-1]))
    return wr.example_event(_models.world(root, key), first, last, cutoffs, reading_until(cutoffs[0], root, key)[1])


def stop_with(exc: Exception) -> None:
    st.error(str(exc), icon=":material/error:")
    st.stop()


# ---------------------------------------------------------------- the lesson

st.title("Knowledge cutoff")
st.markdown(
    """
A model learns facts from one place only: the text it read in pretraining. That text was collected up
to some day, and nothing written after it is in the weights. This day is the model's **knowledge
cutoff**. Ask about something that happened later and the model does not say "I don't know": it still
answers, with something it *did* read or just a guess. Section 3 measures which.

Here you can watch this on small models trained by this project on a made-up world: people, towns and
organisations, with news items, notices and letters dated from 2020 to 2040 (every name is invented and
checked against lists of real ones). One model read the documents dated up to its first cutoff, then was
trained further on each later slice and saved at each cutoff: the variants differ only in how far they read.
"""
)
glossary_links("knowledge-cutoff", "pretraining", "parameters", "context-window", "retrieval", "exposure")

try:
    key = _models.world_key(WORLD_DIR)
    world = _models.world(str(WORLD_DIR), key)  # checked against the manifest's fingerprint
    cutoff_of = {n: wr.model_cutoff(n, WORLD_DIR) for n in wr.world_model_names(WORLD_DIR)}
    variants = sorted((n for n in cutoff_of if n.startswith("cutoff")), key=cutoff_of.get)
    results = wr.load_results(WORLD_DIR)
except wr.WorldArtifactError as exc:
    stop_with(exc)
if not variants:
    stop_with(wr.WorldArtifactError(f"The committed world has no knowledge-cutoff models. Rebuild it with: {wr.REBUILD_COMMAND}"))
colour = {n: VARIANT_COLOURS[i % len(VARIANT_COLOURS)] for i, n in enumerate(variants)}
variant_label = {n: f"read up to {cutoff_of[n]}" for n in variants}

events = world_events.event_facts(world).sort_values(["date", "fact_id"]).reset_index(drop=True)
if not len(events):
    stop_with(wr.WorldArtifactError(f"The committed world has no dated events. Rebuild it with: {wr.REBUILD_COMMAND}"))
event_rows = {r["fact_id"]: r for _, r in events.iterrows()}

# ---------------------------------------------------------------- 1. the timeline
st.header("1 · The world's timeline and each model's cutoff")
st.markdown("Each dot is an event of the world: someone moved to a new town, or a town elected a mayor. The dashed "
            "lines are the cutoffs: a model read only the documents dated left of its line. The chosen event is a star.")
event_labels = {fid: f"{r['date']} · {world_events.event_sentence(r)}" for fid, r in event_rows.items()}
try:
    example = default_event(str(WORLD_DIR), key, tuple(variants))
except wr.WorldArtifactError as exc:
    stop_with(exc)
fact_id = url_choice(st.selectbox, "Event", event_labels, key="event", default=example,
                     help="Every dated event of the world, oldest first. The choice is kept in the page's address.")
event = event_rows[fact_id]
figure(figures.timeline(events, event, event_labels[fact_id], world_events.event_sentence,
                        {n: cutoff_of[n] for n in variants}, colour, palette=_charts),
       alt=(f"{len(events)} events between {events['date'].min()} and {events['date'].max()}, with {len(variants)} "
            f"cutoffs at {', '.join(cutoff_of[n] for n in variants)}. The chosen event, {event_labels[fact_id]}, "
            f"is a star."), key="timeline")

# ---------------------------------------------------------------- 2. each variant's answer
st.header("2 · Ask every model about this event")
probe = world.cloze_probes(event)[0]["prompt"]
st.markdown(
    f"Each model continues the sentence **{md(probe)} …** and we read its probability for every town of "
    "the world. The truth is green. Amber is the newest other town the model read for this person (another move "
    "or election, else the birthplace), not necessarily in the last document it read about them."
)
answers, read_of, latest_of = {}, {}, {}
for n in variants:
    try:
        answers[n] = distribution(n, fact_id, TOP, str(WORLD_DIR), key)
    except wr.WorldArtifactError as exc:
        stop_with(exc)
    read, latest = reading_until(cutoff_of[n], str(WORLD_DIR), key)
    read_of[n], latest_of[n] = read.get(fact_id, 0), latest.get(fact_id)
summary = readings.answer_rows(answers, event, cutoff_of, read_of, latest_of)
sub = figures.answers_per_model(answers, {n: f"{n}: {variant_label[n]}" for n in variants}, event["answer"],
                                latest_of, palette=_charts)
figure(sub, alt=figures.answers_per_model_alt(summary, event["answer"]), key="variants")
st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch",
             column_config={"probability": st.column_config.NumberColumn(format="%.2f")})
if note := readings.example_note(summary, results["cutoff"]):
    st.markdown(note)
st.caption(
    "Mentions read: how many documents up to the model's cutoff state this event. Read zero times, the "
    "event is simply not in the model; it still answers with a town, because towns are what follow this "
    "sentence."
)

# ---------------------------------------------------------------- 3. measured over every event
st.header("3 · Measured over every event")
chance = readings.town_chance(len(world.answers_of_kind("town")))
majority = readings.majority_share(events["answer"])
by_year = results["cutoff_by_year"]
table = results["cutoff"]
if by_year.empty or table.empty or not set(variants) & set(by_year.get("model", [])):
    st.info(f"The committed results have no cutoff table yet. Rebuild them with: {wr.REBUILD_COMMAND}", icon=":material/info:")
else:
    st.markdown(
        "The same question for every event of the world, asked with the sentence the documents use. "
        "Each line is one model's accuracy by the year of the event; the grey line is a random town's."
    )
    fig = figures.accuracy_by_year(by_year, variants, cutoff_of, variant_label, colour)
    _charts.baseline(fig, chance, f"guessing {chance:.0%}", position="bottom right")
    figure(fig, alt=readings.by_year_alt(table, variants) + f" A random town is right {chance:.0%}.", key="by-year")
    if by_year_words := readings.by_year_caption(by_year, variants, cutoff_of):
        st.caption(by_year_words)
    rows = readings.cutoff_rows(table, variants, cutoff_of)
    st.markdown(readings.cutoff_reading(rows, chance=chance, majority=majority))
    fig = figures.cutoff_bars(rows, variant_label, palette=_charts)
    _charts.baseline(fig, chance, f"guessing {chance:.0%}", position="bottom right")
    _charts.baseline(fig, majority, f"most common answer {majority:.0%}")
    figure(fig, alt=readings.cutoff_bars_alt(rows) + f" Guessing: {chance:.0%}; the most common answer: "
           f"{majority:.0%}.", key="cutoff-bars")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(format="%.2f") for c in readings.CUTOFF_COLUMNS})
    st.caption(readings.cutoff_caption(results.get("meta") or {}, wr.REBUILD_COMMAND))

# ---------------------------------------------------------------- 4. a tool at inference
st.header("4 · A tool at inference: put the news in the prompt")
st.markdown(
    """
Assistants that know about yesterday do not retrain overnight. A search or retrieval tool finds a
recent text and pastes it into the prompt, in front of the question. A model that learned to read its
prompt can use it for this one answer; its weights, the numbers learned in pretraining, stay exactly as
they were. Below, a model gets a document from after its cutoff in front of the same question; the
fingerprint beside each answer is a hash of every weight of the model.
"""
)
if tool_words := readings.tool_reading(results["cutoff"], variants[0], variants, chance=chance):
    st.markdown(tool_words)
tool_model = url_choice(st.selectbox, "Model", {n: f"{n} ({variant_label[n]})" for n in variants},
                        key="tool_model", default=variants[0])
try:
    source_doc = wr.post_cutoff_document(world, fact_id)
except KeyError:
    source_doc = None
default_doc = source_doc["text"] if source_doc else ""
if event["date"] <= cutoff_of[tool_model]:
    st.info(f"This event ({event['date']}) is before this model's cutoff ({cutoff_of[tool_model]}): it may "
            "already know it. Pick a later event above, or a model with an earlier cutoff, to see what a "
            "document does for an event the weights lack.", icon=":material/info:")
# A new event brings its own document (unless the reader arrived with an edited one in the link).
if st.session_state.get("doc_event") not in (None, fact_id):
    st.session_state["doc"] = default_doc
st.session_state["doc_event"] = fact_id
if source_doc:
    st.caption(f"The world's shortest document that reports this event: {source_doc['kind']}, dated "
               f"{source_doc['date']}. Edit it freely: change the town, or write your own news.")
doc_text = bounded_text_area("Document placed in the prompt", key="doc", default=default_doc,
                             max_chars=wr.MAX_DOCUMENT_CHARS, height=150)
if "<|endoftext|>" in doc_text:
    st.info("The text <|endoftext|> marks the end of a document for the model, so it is read as a space here: "
            "a document cannot end the prompt early.", icon=":material/info:")
if not doc_text.strip():
    st.info("The document box is empty, so the prompt is the question alone.", icon=":material/info:")

try:
    lm = _models.world_model(tool_model, str(WORLD_DIR), key)
    ctx = wr.with_context(lm, world, doc_text, fact_id, top=TOP)
except wr.WorldArtifactError as exc:
    stop_with(exc)
for notice in ctx["notices"]:
    st.info(notice, icon=":material/content_cut:")

c1, c2 = st.columns(2)
for col, side, title, hash_key in ((c1, "without", "Question alone", "hash_before"),
                                   (c2, "with", "Document, then the question", "hash_after")):
    answer, p = ctx[side]["candidates"][0]
    right = "right" if answer == event["answer"] else "wrong"
    with col, st.container(border=True):
        st.markdown(f"**{title}**")
        st.metric("Answer", answer, f"{p:.0%} sure, {right}", delta_color="green" if right == "right" else "red",
                  delta_arrow="off")
        st.caption(f"Weights' fingerprint (sha256): `{ctx[hash_key][:16]}…`")
after = ctx["with"]["candidates"][0][0]
changed = ctx["without"]["candidates"][0][0] != after
if ctx["hash_before"] == ctx["hash_after"]:
    st.success("The two fingerprints are identical: the model is the same. " + (
        "The document moved its answer, here to a wrong town." if changed and after != event["answer"] else
        "The document moved its answer, here to the right town." if changed else
        "The document did not change its answer."), icon=":material/check_circle:")
else:  # never expected: with_context only reads the model
    st.warning("The weights' fingerprint changed while answering; that should never happen.")

names_shown = list(dict.fromkeys([a for a, _ in ctx["without"]["candidates"]] +
                                 [a for a, _ in ctx["with"]["candidates"]]))
fig = figures.before_after_bars(names_shown, dict(ctx["without"]["candidates"]), dict(ctx["with"]["candidates"]),
                                colour_alone=_charts.OTHER, colour_with=colour[tool_model],
                                x_title="probability among the world's towns", x_range=[0, 1])
figure(fig, alt=figures.tool_alt(tool_model, ctx, event["answer"]), key="tool")
st.caption("Bars not shown were below the top five of that prompt.")


@st.cache_data(show_spinner=False, max_entries=64)
def cached_real_answers(_lm, document: str, fact_id: str) -> dict:  # the shared SmolLM2; read only
    return wr.smollm_with_context(_lm, world, document, fact_id)


st.subheader("The same with a real model: SmolLM2-135M-Instruct (the numbers above are our world models')")
st.markdown(
    "SmolLM2-135M-Instruct is a real model, pretrained by Hugging Face on trillions of tokens. It has never "
    "heard of this made-up world. Give it the same sentence, with and without the document above, and see how it "
    "shares its belief out over the world's towns; its weights get the same fingerprint test."
)
st.markdown(readings.smollm_reading(readings.SMOLLM_SURVEY) + f" (`{readings.SMOLLM_SURVEY['command']}`)")
ask_real = st.toggle("Ask SmolLM2 too (loads a 135M-parameter model, about 30 seconds the first time)",
                     key="real", bind="query-params")
if ask_real:
    from engine import smollm

    smol = _models.smollm(purpose="Asking the real SmolLM2")
    if smol is None and not smollm.is_converted():
        st.info("Without the SmolLM2 files this part cannot run; everything above works without them.",
                icon=":material/cloud_off:")
    if smol is not None:
        with st.spinner("SmolLM2 scores every town of the world, with and without the document…"):
            real = cached_real_answers(smol, doc_text, event["fact_id"])
        truth = event["answer"]
        r1, r2 = st.columns(2)
        for col, title, dist, h in ((r1, "Question alone", real["without"], real["hash_before"]),
                                    (r2, "Document, then the question", real["with"], real["hash_after"])):
            top_town, top_p = dist["top"]
            with col, st.container(border=True):
                st.markdown(f"**{title}**")
                st.metric("Likeliest town", top_town, f"{top_p:.0%} of the towns' probability",
                          delta_color="gray", delta_arrow="off")
                st.caption(f"{md(truth)} (the truth) ranks **{dist['rank_of_truth']}** of {len(dist['candidates'])}. "
                           f"Weights' fingerprint (sha256): `{h[:16]}…`")
        figure(figures.smollm_town_bars(real, truth, TOP, palette=_charts),
               alt=figures.smollm_town_alt(probe, real, truth), key="real-tool")
        st.markdown(readings.smollm_event_reading(real, len(real["without"]["candidates"])))
else:
    st.caption("Switch the toggle on to load the model and ask it.")

# ---------------------------------------------------------------- 5. take-aways
st.header("What to keep in mind")
st.markdown(
    """
- A model's knowledge is frozen at the last date of its pretraining text. Ask about later events and it
  still answers, with no sign that the world has moved on; section 3 shows how often that answer is the
  person's older town (sometimes, not usually).
- Retrieval and other tools add text *at inference*: it sits in the prompt for one answer, and helps only
  a model that learned to read its prompt (our tiny world models did not). The weights do not change, so
  the next conversation starts from the old cutoff again.
"""
)
next_pages(
    knowledge="how often a model must read a fact to recall it, and what "
              "it says about people it never read",
    tuning="why a short round of training after pretraining changes how a "
           "model answers, not what it knows")
