"""Knowledge cutoff: models that read the generated world's documents only up to
a date know its events up to that date, answer later questions with the latest
thing they read, and learn from a document in the prompt without any change to
their weights. Reads top to bottom like the lesson."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

# first: fixes first-visit navigation
from lessons import _models
from lessons._ui import bounded_text_area, figure, glossary_links, next_pages, url_choice

from engine.world import results as wr  # noqa: E402
from engine.textinput import html_escape, visible_text  # noqa: E402

# A test or a facilitator can point the page at another built world (python -m engine build world -- --out DIR).
WORLD_DIR_ENV = "PRETRAINING_EXPLORER_WORLD_DIR"
WORLD_DIR = Path(os.environ.get(WORLD_DIR_ENV) or wr.WORLD_DIR)
TOP = 5  # candidate answers drawn per model
RELATION_VERBS = {"moved_to": "moved to", "mayor_of": "was elected mayor of"}
LANES = {"moved_to": "moves", "mayor_of": "elections"}
# One colour per cutoff variant (readable on white and on near-black), then greys for truth/latest marks.
VARIANT_COLOURS = ("#e8734f", "#4f7be8", "#3a9d5d", "#b05fd0", "#c9a227")
TRUTH_COLOUR, LATEST_COLOUR, OTHER_COLOUR = "#3a9d5d", "#e8a33f", "#9aa7bd"


def md(text: str) -> str:
    """World or model text made safe for st.markdown: no markup, control characters shown as marks."""
    out = "".join(c if c == " " else visible_text(c) for c in text)
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$:" else c for c in out)


def label(text: str) -> str:
    """Text for a plotly label: HTML-escaped (plotly reads tags)."""
    return html_escape(text)


# ---------------------------------------------------------------- shared, read-only data


def build_key(manifest: dict, name: str = "") -> str:
    """What identifies a build: the world's fingerprint and the model's manifest entry. Caches are keyed
    on it, so a rebuilt world or model is loaded afresh, never mixed with the old one."""
    import json

    return json.dumps([manifest.get("world_fingerprint"), manifest["models"].get(name)], sort_keys=True)


@st.cache_resource(show_spinner="Loading a world model (once per server)…", max_entries=8)
def cached_model(name: str, root: str, key: str):
    """A shared, read-only world model. Nothing on this page trains it."""
    from engine.probes import prefer_one_thread

    prefer_one_thread()
    return wr.load_world_model(name, Path(root))


@st.cache_resource(max_entries=8)
def reading_until(cutoff: str, root: str, key: str) -> tuple[dict, dict]:
    """(mentions read of each fact up to the cutoff, latest town read about each event's person)."""
    from engine.world.events import latest_read_answers

    world = wr.load_world(Path(root))
    read = dict(zip(world.facts["fact_id"], world.exposure_until(cutoff)))
    return read, latest_read_answers(world, cutoff)


@st.cache_data(max_entries=64, show_spinner=False)
def distribution(model: str, fact_id: str, top: int, root: str, key: str) -> dict:
    lm = cached_model(model, root, key)
    return wr.answer_distribution(lm, wr.load_world(Path(root)), fact_id, top)


def stop_with(exc: Exception) -> None:
    st.error(str(exc), icon=":material/error:")
    st.stop()


def event_sentence(ev) -> str:
    return f"{ev['subject']} {RELATION_VERBS.get(ev['relation'], ev['relation'])} {ev['answer']}"


@st.cache_resource(max_entries=2, show_spinner="Choosing an example event…")
def default_event(root: str, key: str, variants: tuple[str, ...], model_keys: tuple[str, ...]) -> str:
    """The example a first visit shows: an event between the first and the last cutoff, read often, that
    the last model gets right and the first does not (the lesson in one picture), else the most-read one."""
    from engine.world.events import event_facts

    world = wr.load_world(Path(root))
    events = event_facts(world)
    cutoffs = [wr.model_cutoff(n, Path(root)) for n in variants]
    middle = events[(events["date"] > cutoffs[0]) & (events["date"] <= cutoffs[-1])]
    if not len(middle):
        return events.sort_values("date").iloc[len(events) // 2]["fact_id"]
    middle = middle.sort_values(["exposure", "date"], ascending=[False, True])
    first, last = (cached_model(n, root, k) for n, k in ((variants[0], model_keys[0]), (variants[-1], model_keys[-1])))
    _, latest = reading_until(cutoffs[0], root, key)
    truth = middle.set_index("fact_id")["answer"]
    best, best_score = middle.iloc[0]["fact_id"], -1
    for fact_id in middle["fact_id"][:40]:
        top_last = wr.answer_distribution(last, world, fact_id, 1)["candidates"][0][0]
        top_first = wr.answer_distribution(first, world, fact_id, 1)["candidates"][0][0]
        if top_last != truth[fact_id] or top_first == truth[fact_id]:
            continue
        doc = wr.post_cutoff_document(world, fact_id)["text"]
        with_doc = wr.with_context(first, world, doc, fact_id, top=1)["with"]["candidates"][0][0]
        # better still: the first model names the town it last read, and the news in the prompt fixes it
        score = 2 * (with_doc == truth[fact_id]) + (top_first == latest.get(fact_id))
        if score > best_score:
            best, best_score = fact_id, score
        if score == 3:
            break
    return best


# ---------------------------------------------------------------- the lesson

st.title("Knowledge cutoff")
st.markdown(
    """
A model learns facts from one place only: the text it read in pretraining. That text was collected up
to some day, and nothing written after it is in the weights. This day is the model's **knowledge
cutoff**. Ask about something that happened later and the model does not say "I don't know": it answers
with what it *did* read, which is usually the last thing it heard on the subject, now out of date.

Here you can watch this on small models trained by this project on a made-up world: people, towns and
organisations, with news items, notices and letters dated from 2020 to 2040 (every name is invented and
checked against lists of real ones). One model read the documents dated up to its first cutoff; it was
then trained further on each later slice of the timeline and saved at each cutoff, so the variants
differ only in how far along the timeline they read.
"""
)
glossary_links("knowledge-cutoff", "pretraining", "parameters", "context-window", "retrieval", "exposure")

try:
    manifest = wr.read_manifest(WORLD_DIR)
    world = wr.load_world(WORLD_DIR)  # cached by the engine, checked against the manifest's fingerprint
    names = wr.world_model_names(WORLD_DIR)
    variants = [n for n in names if n.startswith("cutoff")]
    cutoff_of = {n: wr.model_cutoff(n, WORLD_DIR) for n in names}
    results = wr.load_results(WORLD_DIR)
except wr.WorldArtifactError as exc:
    stop_with(exc)
if not variants:
    stop_with(wr.WorldArtifactError(f"The committed world has no knowledge-cutoff models. Rebuild it with: {wr.REBUILD_COMMAND}"))
variants.sort(key=cutoff_of.get)
cutoffs = [cutoff_of[n] for n in variants]
colour = {n: VARIANT_COLOURS[i % len(VARIANT_COLOURS)] for i, n in enumerate(variants)}
variant_label = {n: f"read up to {cutoff_of[n]}" for n in variants}

from engine.world.events import event_facts  # noqa: E402  (after the artifact check: needs the world)

events = event_facts(world).sort_values(["date", "fact_id"]).reset_index(drop=True)
if not len(events):
    stop_with(wr.WorldArtifactError(f"The committed world has no dated events. Rebuild it with: {wr.REBUILD_COMMAND}"))
event_rows = {r["fact_id"]: r for _, r in events.iterrows()}

# ---------------------------------------------------------------- 1. the timeline
st.header("1 · The world's timeline and each model's cutoff")
st.markdown(
    "Each dot is an event of the world: someone moved to a new town, or a town elected a mayor. "
    "The dashed lines are the cutoffs: a model read only the documents dated left of its line. "
    "Pick an event below; it is drawn as a star."
)
event_labels = {fid: f"{r['date']} · {event_sentence(r)}" for fid, r in event_rows.items()}
try:
    example = default_event(str(WORLD_DIR), build_key(manifest), tuple(variants),
                            tuple(build_key(manifest, n) for n in variants))
except wr.WorldArtifactError as exc:
    stop_with(exc)
fact_id = url_choice(st.selectbox, "Event", event_labels, key="event", default=example,
                     help="Every dated event of the world, oldest first. The choice is kept in the page's address.")
event = event_rows[fact_id]

fig = go.Figure()
for rel, lane in LANES.items():
    rows = events[events["relation"] == rel]
    if not len(rows):
        continue
    # spread the dots of a lane a little, by a stable hash of their id, so they do not sit on one line
    jitter = [((int(f[1:]) * 37) % 100) / 100 * 0.5 - 0.25 for f in rows["fact_id"]]
    fig.add_trace(go.Scatter(
        x=rows["date"], y=[lane_i + j for lane_i, j in zip([list(LANES).index(rel)] * len(rows), jitter)],
        mode="markers", name=lane, marker=dict(size=6, opacity=0.6),
        hovertext=[label(f"{d}: {event_sentence(r)}") for d, (_, r) in zip(rows["date"], rows.iterrows())],
        hoverinfo="text",
    ))
fig.add_trace(go.Scatter(
    x=[event["date"]], y=[list(LANES).index(event["relation"])], mode="markers", name="chosen event",
    marker=dict(size=18, symbol="star", color="#d0543f", line=dict(width=1, color="#1b2230")),
    hovertext=[label(event_labels[fact_id])], hoverinfo="text",
))
for n in variants:
    fig.add_vline(x=cutoff_of[n], line=dict(color=colour[n], dash="dash", width=2))
    fig.add_annotation(x=cutoff_of[n], y=1.02, yref="paper", text=label(f"cutoff {cutoff_of[n][:4]}"),
                       showarrow=False, xanchor="right", font=dict(color=colour[n], size=11))
fig.update_layout(
    height=260, margin=dict(l=10, r=10, t=30, b=40), showlegend=True,
    legend=dict(orientation="h", y=-0.25, yanchor="top"),
    yaxis=dict(tickvals=list(range(len(LANES))), ticktext=list(LANES.values()), range=[-0.6, len(LANES) - 0.4],
               fixedrange=True),
    xaxis=dict(title=None, type="date"),
)
figure(fig, alt=(f"{len(events)} events between {events['date'].min()} and {events['date'].max()}, with "
                 f"{len(variants)} cutoffs at {', '.join(cutoffs)}. The chosen event, {event_labels[fact_id]}, "
                 f"is a star."), key="timeline")

# ---------------------------------------------------------------- 2. each variant's answer
st.header("2 · Ask every model about this event")
probe = world.cloze_probes(event)[0]["prompt"]
st.markdown(
    f"Each model continues the sentence **{md(probe)} …** and we read its probability for every town of "
    "the world. The truth is green; the town the model last read about this person before its cutoff "
    "(an earlier move or election, else the birthplace) is amber."
)
rows_md = []
answers = {}
for n in variants:
    try:
        answers[n] = distribution(n, fact_id, TOP, str(WORLD_DIR), build_key(manifest, n))
    except wr.WorldArtifactError as exc:
        stop_with(exc)
sub = make_subplots(rows=len(variants), cols=1, vertical_spacing=0.12 / max(1, len(variants) - 1) * 2,
                    subplot_titles=[label(f"{n}: {variant_label[n]}") for n in variants])
summary = []
for i, n in enumerate(variants, start=1):
    read, latest = reading_until(cutoff_of[n], str(WORLD_DIR), build_key(manifest))
    latest_town = latest.get(fact_id)
    dist = answers[n]
    cands = dist["candidates"]
    colours = [TRUTH_COLOUR if a == event["answer"] else LATEST_COLOUR if a == latest_town else OTHER_COLOUR
               for a, _ in cands]
    sub.add_trace(go.Bar(x=[p for _, p in cands], y=[label(a) + "  " for a, _ in cands], orientation="h",
                         marker_color=colours, text=[f"{p:.0%}" for _, p in cands], textposition="auto",
                         showlegend=False, hovertemplate="%{y}: %{x:.1%}<extra></extra>"), row=i, col=1)
    sub.update_yaxes(autorange="reversed", type="category", row=i, col=1)
    sub.update_xaxes(range=[0, 1], tickformat=".0%", row=i, col=1)
    top_answer, top_p = cands[0]
    after = event["date"] > cutoff_of[n]
    if top_answer == event["answer"]:
        verdict = "right"
    elif top_answer == latest_town:
        verdict = "the latest thing it read"
    else:
        verdict = "wrong"
    summary.append({
        "model": n, "cutoff": cutoff_of[n], "event is": "after its cutoff" if after else "before its cutoff",
        "mentions read": int(read.get(fact_id, 0)), "its answer": top_answer, "probability": top_p,
        "latest town it read": latest_town or "(none)", "answer is": verdict,
    })
sub.update_layout(height=60 + 190 * len(variants), margin=dict(l=10, r=10, t=40, b=30))
alt_parts = [f"{s['model']} ({s['event is']}, read it {s['mentions read']} times) answers {s['its answer']} "
             f"at {s['probability']:.0%}, {s['answer is']}" for s in summary]
figure(sub, alt=f"Truth: {event['answer']}. " + "; ".join(alt_parts) + ".", key="variants")
st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch",
             column_config={"probability": st.column_config.NumberColumn(format="%.2f")})
st.caption(
    "Mentions read: how many documents up to the model's cutoff state this event. Read zero times, the "
    "event is simply not in the model; it still answers with a town, because towns are what follow this "
    "sentence."
)

# ---------------------------------------------------------------- 3. measured over every event
st.header("3 · Measured over every event")
by_year = results["cutoff_by_year"]
table = results["cutoff"]
if by_year.empty or table.empty or not set(variants) & set(by_year.get("model", [])):
    st.info(f"The committed results have no cutoff table yet. Rebuild them with: {wr.REBUILD_COMMAND}", icon=":material/info:")
else:
    st.markdown(
        "The same question for every event of the world, asked with the sentence the documents use. "
        "Each line is one model's accuracy by the year of the event. A model whose knowledge stops at its "
        "cutoff is right on events up to its dashed line and wrong after it, because what comes later was never "
        "in its text."
    )
    fig = go.Figure()
    for n in variants:
        rows = by_year[(by_year["model"] == n) & (by_year["style"] == "trained")].sort_values("year")
        if not len(rows):
            continue
        fig.add_trace(go.Scatter(x=rows["year"], y=rows["accuracy"], mode="lines+markers", name=variant_label[n],
                                 line=dict(color=colour[n]), customdata=rows["probes"],
                                 hovertemplate="%{x}: %{y:.0%} of %{customdata} events<extra></extra>"))
        fig.add_vline(x=int(cutoff_of[n][:4]) + 0.5, line=dict(color=colour[n], dash="dash", width=1.5))
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=40),
                      yaxis=dict(title="accuracy", tickformat=".0%", range=[-0.03, 1.03]),
                      xaxis=dict(title="year of the event", dtick=2),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    def cell(model: str, period: str, column: str, style: str = "trained"):
        rows = table[(table["model"] == model) & (table["period"] == period) & (table["style"] == style)]
        return float(rows.iloc[0][column]) if len(rows) else None

    facts_alt = []
    for n in variants:
        before, after = cell(n, "before", "accuracy"), cell(n, "after", "accuracy")
        if before is not None and after is not None:
            facts_alt.append(f"{n}: {before:.0%} before, {after:.0%} after")
    figure(fig, alt="Accuracy on events by year for each cutoff model; " + "; ".join(facts_alt) + ".",
           key="by-year")
    st.caption("Events just before a cutoff are known less well than older ones: news about an event keeps "
               "appearing for up to three years after it, so a model with an early cutoff read fewer of its "
               "mentions. Each point is the events of one year (a few to a few dozen), so the lines are noisy.")

    rows = []
    for n in variants:
        rows.append({
            "model": n, "cutoff": cutoff_of[n],
            "right, events before the cutoff": cell(n, "before", "accuracy"),
            "right, events after": cell(n, "after", "accuracy"),
            "after: said the latest town it read": cell(n, "after", "said_latest_read"),
            "after, with the document in the prompt": cell(n, "after", "accuracy", "with document"),
        })
    def mean_of(column: str):
        vals = [r[column] for r in rows if r[column] is not None]
        return sum(vals) / len(vals) if vals else None

    def pct(v):
        return "n/a" if v is None else f"{v:.0%}"

    st.markdown(
        "The same runs in four numbers per model. Averaged over the cutoff models: right on "
        f"**{pct(mean_of('right, events before the cutoff'))}** of the events before the cutoff and "
        f"**{pct(mean_of('right, events after'))}** of those after it; after it, "
        f"**{pct(mean_of('after: said the latest town it read'))}** of the answers name the town the model last "
        "read about that person; with the news in front of the question (section 4), "
        f"**{pct(mean_of('after, with the document in the prompt'))}** are right."
    )
    bars = (("right, events before the cutoff", "#3a9d5d"), ("right, events after", "#d0543f"),
            ("after: said the latest town it read", "#e8a33f"), ("after, with the document in the prompt", "#4f7be8"))
    fig = go.Figure([go.Bar(name=name, x=[variant_label[r["model"]] for r in rows],
                            y=[r[name] if r[name] is not None else 0 for r in rows], marker_color=c,
                            text=[f"{r[name]:.0%}" if r[name] is not None else "n/a" for r in rows],
                            textposition="outside", hovertemplate="%{x}: %{y:.0%}<extra>" + name + "</extra>")
                     for name, c in bars])
    fig.update_layout(barmode="group", height=380, margin=dict(l=10, r=10, t=10, b=40),
                      yaxis=dict(title="share of events", tickformat=".0%", range=[0, 1.12]),
                      legend=dict(orientation="h", y=-0.15, yanchor="top"))
    figure(fig, alt="Per cutoff model: " + "; ".join(
        f"{r['model']} right on {pct(r['right, events before the cutoff'])} of events before its cutoff and "
        f"{pct(r['right, events after'])} after, naming the latest town it read {pct(r['after: said the latest town it read'])} "
        f"of the time after, and right on {pct(r['after, with the document in the prompt'])} with the document"
        for r in rows) + ".", key="cutoff-bars")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.2f") for c in rows[0] if c not in
                                ("model", "cutoff")})
    meta = results.get("meta") or {}
    st.caption(
        "Accuracy: the truth is the model's most likely town among all the world's towns. \"Said the latest "
        "town it read\": for an event after the cutoff, how often the model's answer is the town it last read "
        "about that person. With the document: the same question after the shortest document that states the "
        f"event. Measured by `{wr.REBUILD_COMMAND}`"
        + (f"; scoring took {meta['score_seconds']:.0f} s." if isinstance(meta.get("score_seconds"), (int, float))
           else ".")
    )

# ---------------------------------------------------------------- 4. a tool at inference
st.header("4 · A tool at inference: put the news in the prompt")
st.markdown(
    """
Assistants that know about yesterday do not retrain overnight. A search or retrieval tool finds a
recent text and pastes it into the prompt, in front of the question. The model reads it like any other
text and can use it for this one answer. Its weights, the numbers learned in pretraining, stay exactly
as they were: close the chat and the news is gone.

Below, the model that read the least gets a document from after its cutoff in front of the same
question. The fingerprint beside each answer is a hash of every weight of the model.
"""
)
tool_model = url_choice(st.selectbox, "Model", {n: f"{n} ({variant_label[n]})" for n in variants},
                        key="tool_model", default=variants[0])
try:
    source_doc = wr.post_cutoff_document(world, fact_id)
except KeyError:
    source_doc = None
default_doc = source_doc["text"] if source_doc else ""
if event["date"] <= cutoff_of[tool_model]:
    st.info(f"This event ({event['date']}) is before this model's cutoff ({cutoff_of[tool_model]}): it may "
            "already know it. Pick a later event above, or a model with an earlier cutoff, to see a document "
            "add what the weights lack.", icon=":material/info:")
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
    lm = cached_model(tool_model, str(WORLD_DIR), build_key(manifest, tool_model))
    ctx = wr.with_context(lm, world, doc_text, fact_id, top=TOP)
except wr.WorldArtifactError as exc:
    stop_with(exc)
for notice in ctx["notices"]:
    st.info(notice, icon=":material/content_cut:")

c1, c2 = st.columns(2)
for col, key, title, hash_key in ((c1, "without", "Question alone", "hash_before"),
                                  (c2, "with", "Document, then the question", "hash_after")):
    d = ctx[key]
    answer, p = d["candidates"][0]
    right = "right" if answer == event["answer"] else "wrong"
    with col, st.container(border=True):
        st.markdown(f"**{title}**")
        st.metric("Answer", answer, f"{p:.0%} sure, {right}", delta_color="green" if right == "right" else "red",
                  delta_arrow="off")
        st.caption(f"Weights' fingerprint (sha256): `{ctx[hash_key][:16]}…`")
same = ctx["hash_before"] == ctx["hash_after"]
changed = ctx["without"]["candidates"][0][0] != ctx["with"]["candidates"][0][0]
if same:
    st.success("The two fingerprints are identical: " + (
        "the document changed the answer, not the model." if changed else
        "the model is the same. This time the document did not change its answer either: below, why, and a "
        "real model that does read it."), icon=":material/check_circle:")
else:  # never expected: with_context only reads the model
    st.warning("The weights' fingerprint changed while answering; that should never happen.")

names_shown = list(dict.fromkeys([a for a, _ in ctx["without"]["candidates"]] +
                                 [a for a, _ in ctx["with"]["candidates"]]))
p_without = dict(ctx["without"]["candidates"])
p_with = dict(ctx["with"]["candidates"])
fig = go.Figure([
    go.Bar(name="question alone", y=[label(a) + "  " for a in names_shown], x=[p_without.get(a, 0) for a in names_shown],
           orientation="h", marker_color=OTHER_COLOUR),
    go.Bar(name="document + question", y=[label(a) + "  " for a in names_shown], x=[p_with.get(a, 0) for a in names_shown],
           orientation="h", marker_color=colour[tool_model]),
])
fig.update_layout(barmode="group", height=80 + 36 * len(names_shown), margin=dict(l=10, r=10, t=30, b=40),
                  yaxis=dict(autorange="reversed", type="category"),
                  xaxis=dict(title="probability among the world's towns", tickformat=".0%", range=[0, 1]),
                  legend=dict(orientation="h", y=1.02, yanchor="bottom"))
w_answer, w_p = ctx["without"]["candidates"][0]
c_answer, c_p = ctx["with"]["candidates"][0]
figure(fig, alt=(f"{tool_model} alone answers {w_answer} at {w_p:.0%}; with the document in the prompt it answers "
                 f"{c_answer} at {c_p:.0%}. Truth: {event['answer']}. The weights' hash is "
                 f"{'the same' if same else 'different'} before and after."), key="tool")
st.caption("Bars not shown were below the top five of that prompt.")


def measured(model: str, style: str) -> float | None:
    rows = results["cutoff"]
    if rows.empty:
        return None
    rows = rows[(rows["model"] == model) & (rows["period"] == "after") & (rows["style"] == style)]
    return float(rows.iloc[0]["accuracy"]) if len(rows) else None


@st.cache_data(show_spinner=False, max_entries=64)
def cached_real_answers(_lm, document: str, fact_id: str) -> dict:
    """SmolLM2's town scores with and without the document (the shared copy; read only)."""
    return wr.smollm_with_context(_lm, world, document, fact_id)


st.subheader("The same with a real model")
alone_acc, doc_acc = measured(tool_model, "trained"), measured(tool_model, "with document")
if alone_acc is not None and doc_acc is not None:
    st.markdown(
        f"Measured over every event after its cutoff, {md(tool_model)} is right **{alone_acc:.0%}** of the time with "
        f"the question alone and **{doc_acc:.0%}** with the event's document in front of it. Our world models are "
        "tiny and read short, separate documents, so they barely learn to look back at an earlier text in the "
        "prompt. That is a skill larger models pick up in pretraining, and it is what makes retrieval work."
    )
st.markdown(
    "SmolLM2-135M-Instruct is a real model, pretrained by Hugging Face on trillions of tokens. It has never "
    "heard of this made-up world. Give it the same sentence, with and without the document above, and see how it "
    "shares its belief out over the world's towns; its weights get the same fingerprint test."
)
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
        towns = list(dict.fromkeys([a for a, _ in real["without"]["candidates"][:TOP]]
                                   + [a for a, _ in real["with"]["candidates"][:TOP]] + [truth]))
        p_alone, p_with = dict(real["without"]["candidates"]), dict(real["with"]["candidates"])
        names = [("✓ " if t == truth else "") + t + "  " for t in towns]
        fig = go.Figure([
            go.Bar(name="question alone", y=names, x=[p_alone[t] for t in towns], orientation="h",
                   marker_color=OTHER_COLOUR),
            go.Bar(name="document + question", y=names, x=[p_with[t] for t in towns], orientation="h",
                   marker_color=TRUTH_COLOUR),
        ])
        fig.update_layout(barmode="group", height=80 + 36 * len(towns), margin=dict(l=10, r=10, t=30, b=40),
                          yaxis=dict(autorange="reversed", type="category"),
                          xaxis=dict(title="share of the probability over the world's towns", tickformat=".0%"),
                          legend=dict(orientation="h", y=1.02, yanchor="bottom"))
        same = real["hash_before"] == real["hash_after"]
        figure(fig, alt=(f"SmolLM2 completing {probe!r}, scored over the world's {len(p_alone)} towns: alone the "
                         f"truth, {truth}, ranks {real['without']['rank_of_truth']} with "
                         f"{p_alone[truth]:.0%}; with the document it ranks {real['with']['rank_of_truth']} with "
                         f"{p_with[truth]:.0%}. The weights' hash is {'the same' if same else 'different'} "
                         "before and after."),
               key="real-tool")
        st.caption("SmolLM2 never saw this world, so every town is spelled in several word pieces; each town's "
                   "score is the probability of all its pieces after the sentence, shared out over the towns.")
else:
    st.caption("Switch the toggle on to load the model and ask it.")

# ---------------------------------------------------------------- 5. take-aways
st.header("What to keep in mind")
st.markdown(
    """
- A model's knowledge is frozen at the last date of its pretraining text. Ask about later events and it
  answers with the last thing it read, with no sign that the world has moved on.
- Retrieval and other tools add knowledge *at inference*: the text sits in the prompt for one answer.
  The weights do not change, so the next conversation starts from the old cutoff again.
- A text in the prompt is only as good as the text: a model that trusts its context will repeat a wrong
  document just as readily (write a wrong town into the document above and ask SmolLM2).
"""
)
next_pages(
    knowledge="how often a model must read a fact to recall it, and what "
              "it says about people it never read",
    tuning="why a short round of training after pretraining changes how a "
           "model answers, not what it knows")
