"""Recall and hallucination: small models pretrained on a generated world, where the number of times
each fact was read is known, recall facts by exposure and answer confidently about people they never
read about; the real SmolLM2 does the same for a town that does not exist. Reads like the lesson."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine.world import results as wr
from engine.textinput import html_escape, visible_text
from lessons import _models
from lessons._ui import figure, glossary_links, next_pages, url_choice

# A test or a facilitator can point the page at another world build (python -m engine build world --out DIR).
WORLD_DIR_ENV = "PRETRAINING_EXPLORER_WORLD_DIR"
WORLD_ROOT = os.environ.get(WORLD_DIR_ENV) or str(wr.WORLD_DIR)
MAX_BOX = 200  # characters the name boxes take; the engine then keeps wr.MAX_NAME_CHARS and says so
TOP = 10  # bars per answer distribution
MAX_DOCS_SHOWN = 12  # documents printed per person (the count always covers all of them)
DEFAULT_INVENTED = "Tolvane Brisket"
DEFAULT_TOWN = "Vellarby"
TRAINED_COLOR, NEW_COLOR, TRUTH_COLOR, OTHER_COLOR = "#4f7be8", "#e8804f", "#2b8a3e", "#9aa7bd"
CONFIDENCE_COLOR, ACCURACY_COLOR = "#d6336c", "#4f7be8"
KIND_WORDS = {"town": "a town", "year": "a year", "occupation": "an occupation", "organisation": "an organisation"}
ASK = {"birth_town": "Where were they born?", "birth_year": "When were they born?",
       "occupation": "What was their job?", "employer": "Who did they work for?"}
PHRASINGS = {"trained": "The trained phrasing", "new-0": "New phrasing 1", "new-1": "New phrasing 2",
             "new-2": "New phrasing 3"}
MEASURES = {  # column in the results -> (label, axis title, axis format)
    "accuracy": ("Accuracy", "share of facts answered right", ".0%"),
    "top_prob": ("Confidence", "probability of its top answer", ".0%"),
    "mean_rank": ("Rank of the truth", "mean rank of the true answer (1 = best)", ""),
    "right_kind": ("Right kind", "top next token starts an answer of the right kind", ".0%"),
}
MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:&="
SMOL_PROMPTS = {k: v.replace("{town}", "…") for k, v in wr.SMOLLM_TOWN_PROMPTS.items()}


def md(text: str) -> str:
    """Prose (a name, a prompt, a document) made safe for st.markdown: no markup runs, invisible
    characters shown as marks, spaces and line breaks kept."""
    shown = "".join(ch if ch in " \n" else visible_text(ch) for ch in text)
    escaped = "".join("\\" + c if c in MD_SPECIAL else c for c in shown)
    return escaped.replace("\n", "  \n")


def token_md(piece: str) -> str:
    """A token for st.markdown: spaces as ·, everything visible, no markup."""
    return "".join("\\" + c if c in MD_SPECIAL else c for c in visible_text(piece))


def label(text: str, *, token: bool = False) -> str:
    """Text for a plotly label, HTML-escaped (plotly reads tags); a token also shows its spaces as ·."""
    return html_escape(visible_text(text) if token else "".join(visible_text(c) if c != " " else c for c in text))


def exposure_label(n: int) -> str:
    return "never read" if n == 0 else f"read {n}×"


def clean_or_say(raw: str, *, what: str) -> str | None:
    """The engine's cleaning of a typed name: its notices shown, or None (and why) when nothing is left."""
    try:
        name, notices = wr.clean_name(raw)
    except ValueError:
        st.info(f"Type {what} to ask about.", icon=":material/edit:")
        return None
    for notice in notices:
        st.info(notice, icon=":material/content_cut:")
    return name


def bars(candidates, *, truth: str | None = None, tokens: bool = False, height_per_bar: int = 26):
    """Horizontal bars of (answer, probability), best on top; the true answer in green."""
    names = [label(a, token=tokens) + "  " for a, _ in candidates]
    probs = [p for _, p in candidates]
    colors = [TRUTH_COLOR if a == truth else OTHER_COLOR if truth is not None else TRAINED_COLOR
              for a, _ in candidates]
    fig = go.Figure(go.Bar(x=probs, y=names, orientation="h", marker_color=colors,
                           text=[f"{p:.1%}" for p in probs], textposition="auto"))
    fig.update_layout(yaxis=dict(autorange="reversed", type="category"),
                      xaxis=dict(title="probability", tickformat=".0%", rangemode="tozero"),
                      height=70 + height_per_bar * len(candidates), margin=dict(l=10, r=10, t=10, b=40))
    return fig


# ---------------------------------------------------------------- cached engine calls


# Every cached call takes `build`: the world folder and its manifest's modification time, so a
# rebuild (or a test's other folder) is never answered from a cache filled by the old one.


def build_stamp() -> str:
    try:
        return f"{WORLD_ROOT}@{os.stat(Path(WORLD_ROOT) / wr.MANIFEST_FILE).st_mtime_ns}"
    except OSError:
        return f"{WORLD_ROOT}@missing"


def build_root(build: str) -> Path:
    return Path(build.rsplit("@", 1)[0])


@st.cache_data(show_spinner=False, max_entries=2)
def cached_results(build: str) -> dict:
    return wr.load_results(build_root(build))


@st.cache_resource(show_spinner="Generating the world (about a second)…", max_entries=2)
def cached_world(build: str):
    return wr.load_world(build_root(build))


@st.cache_resource(show_spinner="Loading a world model (once per server)…", max_entries=4)
def cached_world_model(name: str, build: str):
    """Shared and read-only: nothing on this page trains it."""
    from engine import probes

    probes.prefer_one_thread()
    return wr.load_world_model(name, build_root(build))


@st.cache_data(show_spinner=False, max_entries=2)
def cached_stats(build: str) -> dict:
    return cached_world(build).stats()


@st.cache_data(show_spinner=False, max_entries=512)
def fact_answers(model: str, fact_id: str, phrasing: str, build: str) -> dict:
    style, _, template = phrasing.partition("-")
    return wr.answer_distribution(cached_world_model(model, build), cached_world(build), fact_id, TOP,
                                  style=style, template=int(template or 0))


@st.cache_data(show_spinner=False, max_entries=256)
def invented_answers(model: str, name: str, relation: str, build: str) -> dict:
    return wr.invented_person_answers(cached_world_model(model, build), cached_world(build), name, relation, TOP)


def or_stop(fn, *args):
    """Call an engine loader; on missing or broken artifacts show the engine's message (it names
    the rebuild command) and stop the page instead of showing a traceback."""
    try:
        return fn(*args)
    except wr.WorldArtifactError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


# ---------------------------------------------------------------- page

st.title("Recall and hallucination")
st.markdown(
    """
What does a language model know? Whatever its pretraining text said, often enough, in a form it can
get back to. That is easy to claim and hard to check on a real model, because nobody can count how
many times a real model read a given fact. So this page uses a world we made up, where we can count.
"""
)
glossary_links("pretraining", "exposure", "next-token-prediction", "probability-distribution", "hallucination",
               "knowledge-cutoff", "tuning")

build = build_stamp()
results = or_stop(cached_results, build)
world = or_stop(cached_world, build)
seed_models = [n for n in or_stop(wr.world_model_names, Path(WORLD_ROOT)) if n.startswith("seed")]
if not seed_models:
    st.error(f"The world's manifest lists no seed models. Rebuild them with: {results['meta']['manifest']['rebuild']}",
             icon=":material/error:")
    st.stop()
stats = cached_stats(build)
buckets = sorted(stats["facts_by_exposure"])
n_seeds = int(results["recall_mean"]["seeds"].max()) if len(results["recall_mean"]) else 0

first = or_stop(cached_world_model, seed_models[0], build).manifest
params = int(first.get("params") or 0)
size = (f"{params / 1e6:.1f} million parameters each" if params >= 1e6 else f"{params:,} parameters each" if params
        else "small")
epochs = float(first.get("epochs") or 0)
reading = (f"{epochs:g} pass{'es' if epochs != 1 else ''} over its {int(first['corpus_tokens']):,} tokens"
           if epochs and first.get("corpus_tokens") else "several passes")
count = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five"}.get(len(seed_models), str(len(seed_models)))

# ------------------------------------------------ 1. the world
st.header("1 · A world made of facts")
st.markdown(
    f"""
We generated **{stats['people']:,} fictional people**, {stats['towns']} towns and {stats['organisations']}
organisations, with names built from made-up syllables and checked against lists of real names and
places. Every fact about them is a row in a table (a person, a relation such as *birth town* or
*employer*, the answer, and a date), {stats['facts']:,} rows in all. The world is written out as
{stats['documents']:,} short documents: biographies, news items, notices and letters. Each fact is stated
in an exact number of them ({", ".join(str(b) for b in buckets)} times), each time in a different wording
and place. Another **{stats['held_out_people']} people** have rows in the table but are never written about
at all. {count} small GPT models ({size}), differing only in their random seed, were pretrained on those
documents and nothing else ({reading}), with the same next-token objective as every model in this app.
Then we asked them questions.
"""
)
c1, c2, c3 = st.columns(3)
c1.metric("People written about", f"{stats['people']:,}")
c2.metric("Never written about", f"{stats['held_out_people']:,}")
c3.metric("Documents", f"{stats['documents']:,}")

# ------------------------------------------------ 2. recall against exposure
st.header("2 · Recall grows with exposure")
st.markdown(
    """
To ask about a fact we give a model the start of a sentence that should end with the answer, such as
*"… was born in the town of"*, and read off the probability it gives to every town (every year, for a
birth year). It **recalls** the fact if the true answer gets the most probability. Two kinds of question:

- **the trained phrasing** is the exact wording of one of the sentences the model read;
- **new phrasings** ask for the same fact in words it never saw with any person (*"The birthplace of …
  is listed as"*).
"""
)
measure = url_choice(st.radio, "Measure", {k: v[0] for k, v in MEASURES.items()}, key="measure", horizontal=True)
m_label, m_axis, m_format = MEASURES[measure]
mean = results["recall_mean"]
per_seed = results["recall"]
per_seed = per_seed[per_seed["model"].isin(seed_models)]
fig = go.Figure()
exposures = sorted(mean["exposure"].unique())
ticks = [exposure_label(int(e)) for e in exposures]
for style, name, color in (("trained", "trained phrasing", TRAINED_COLOR), ("new", "new phrasings", NEW_COLOR)):
    rows = mean[mean["style"] == style].sort_values("exposure")
    if not len(rows):
        continue
    fig.add_trace(go.Scatter(
        x=[exposure_label(int(e)) for e in rows["exposure"]], y=rows[f"{measure}_mean"], name=name,
        mode="lines+markers", line=dict(color=color, width=3), marker=dict(size=9),
        error_y=dict(type="data", array=rows[f"{measure}_sd"].fillna(0), visible=True, thickness=1.5),
        hovertemplate="%{x}: %{y:.3f} (mean over seeds)<extra>" + name + "</extra>",
    ))
    dots = per_seed[per_seed["style"] == style]
    fig.add_trace(go.Scatter(
        x=[exposure_label(int(e)) for e in dots["exposure"]], y=dots[measure], name=f"{name}, each seed",
        mode="markers", marker=dict(color=color, size=5, opacity=0.45), showlegend=False,
        hovertemplate="%{x}: %{y:.3f} (" + "seed %{text})<extra></extra>", text=dots["seed"].astype(str),
    ))
if measure == "accuracy" and len(mean):
    chance = float(mean["chance"].mean())
    fig.add_hline(y=chance, line=dict(color="rgba(128,128,128,0.8)", dash="dot"),
                  annotation_text=f"guessing: {chance:.0%}", annotation_position="top right")
fig.update_layout(
    xaxis=dict(title="how many documents stated the fact", type="category", categoryorder="array",
               categoryarray=ticks),
    yaxis=dict(title=m_axis, tickformat=m_format, rangemode="tozero"),
    legend=dict(orientation="h", y=1.02, yanchor="bottom"), height=420, margin=dict(l=10, r=10, t=40, b=10),
)


def at(style: str, exposure: int, measure_: str = "accuracy") -> float | None:
    """The mean over seeds of one measure for one probe style and exposure (None if not measured)."""
    rows = mean[(mean["style"] == style) & (mean["exposure"] == exposure)]
    return float(rows[f"{measure_}_mean"].iloc[0]) if len(rows) else None


def fmt(value: float | None, measure_: str = "accuracy") -> str:
    if value is None:
        return "not measured"
    return f"{value:.0%}" if MEASURES[measure_][2] == ".0%" else f"{value:.1f}"


lo, hi = (buckets[0], buckets[-1]) if buckets else (1, 1)
chance = float(mean["chance"].mean()) if len(mean) else 0.0
figure(fig, key="recall", alt=(
    f"{m_label} by how many documents stated the fact, mean of {n_seeds} seeds with one standard deviation. "
    f"Trained phrasing: {fmt(at('trained', lo, measure), measure)} at {lo}×, {fmt(at('trained', hi, measure), measure)} "
    f"at {hi}×; new phrasings: {fmt(at('new', lo, measure), measure)} at {lo}×, {fmt(at('new', hi, measure), measure)} "
    f"at {hi}×; people never read about: {fmt(at('trained', 0, measure), measure)}."))
st.markdown(
    f"Measured here (accuracy, mean of {n_seeds} seeds): with the trained phrasing, **{fmt(at('trained', lo))}** of "
    f"the facts read {lo}× and **{fmt(at('trained', hi))}** of those read {hi}×; with new phrasings "
    f"**{fmt(at('new', lo))}** and **{fmt(at('new', hi))}**; for people never read about, "
    f"**{fmt(at('trained', 0))}**, where blind guessing scores about {chance:.0%}."
)
st.markdown(
    f"""
Each big marker is the mean over {n_seeds} models that read the same documents with different random seeds;
the whiskers are one standard deviation and the small dots are the individual models. Read once, a fact is
barely there. Read many times, it is recalled, **in the wording it was read in**. The new phrasings ask for
the same fact and get much less back: a fact read in one wording is not always retrievable in another. A
model this small learns *"X was born in the town of → Y"* as a string it has seen, more than as a fact
about X. Large models read each fact in many more wordings, which is what makes facts usable from any
question (published experiments on synthetic biographies found exactly this: varied phrasings at
training time are what make a fact extractable later).
"""
)
with st.expander("The numbers behind the chart"):
    shown = mean.assign(mentions=[exposure_label(int(e)) for e in mean["exposure"]])
    cols = ["style", "mentions", "probes", "accuracy_mean", "accuracy_sd", "top_prob_mean", "mean_rank_mean",
            "right_kind_mean", "chance"]
    st.dataframe(shown[[c for c in cols if c in shown.columns]], hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.3f")
                                for c in cols if c.endswith(("_mean", "_sd")) or c == "chance"})
    st.caption("probes: questions per seed in that cell (every fact of that exposure, each phrasing). "
               f"Chance: one over the number of candidate answers. Rebuild: `{results['meta']['manifest']['rebuild']}`.")

# ------------------------------------------------ 3. pick a person
st.header("3 · Pick a person")
st.markdown(
    "Choose anyone in the world: see how often they were written about, the documents that mention them, "
    "and what a model answers about each of their facts. People never written about are in the list too."
)
model_labels = {n: f"Model {n.replace('-', ' ')} (read every document)" for n in seed_models}
people = world.people.sort_values(["bucket", "name"])
person_labels = {r.name: f"{r.name} · {exposure_label(int(r.bucket))}" for r in people.itertuples()}
middle = [r.name for r in people.itertuples() if int(r.bucket) >= buckets[len(buckets) // 2]] if buckets else []
p1, p2 = st.columns([3, 2])
with p1:
    person = url_choice(st.selectbox, "Person", person_labels, key="person",
                        default=middle[0] if middle else None,
                        help="Type to search. The URL keeps the name, so a link opens this person.")
with p2:
    model_name = url_choice(st.selectbox, "Model", model_labels, key="model")
phrasing = url_choice(st.radio, "Ask in", PHRASINGS, key="phrasing", horizontal=True,
                      help="The trained phrasing is a sentence the model read; the new ones never occur in training.")
or_stop(cached_world_model, model_name, build)  # a broken model file says so here
card = wr.person_card(world, person)
documents = card["documents"]
k1, k2 = st.columns(2)
k1.metric("Each life fact stated in", f"{card['exposure']} documents" if not card["held_out"] else "no document",
          help="Birth town, birth year, occupation and employer are each stated this many times.")
k2.metric("Documents mentioning them", f"{len(documents):,}")
if card["held_out"]:
    st.info(f"The models never read a word about {md(person)}. Whatever they answer below is a guess.",
            icon=":material/visibility_off:")

rows = []
answers = {}
for fact in card["facts"]:
    dist = fact_answers(model_name, fact["fact_id"], phrasing, build)
    answers[fact["fact_id"]] = dist
    best, p_best = dist["candidates"][0]
    rows.append({"fact": wr.RELATION_WORDS.get(fact["relation"], fact["relation"]), "true answer": fact["answer"],
                 "stated in": fact["exposure"], "model's answer": best, "its probability": p_best,
                 "right?": "yes" if best == fact["answer"] else "no", "rank of the truth": dist["rank_of_truth"]})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"its probability": st.column_config.NumberColumn(format="%.2f"),
                            "stated in": st.column_config.NumberColumn(help="documents stating this fact")})
facts_by_relation = {f["relation"]: f for f in card["facts"]}
relation_shown = url_choice(st.radio, "Answer distribution for",
                            {r: wr.RELATION_WORDS.get(r, r) for r in facts_by_relation}, key="fact", horizontal=True)
fact = facts_by_relation[relation_shown]
dist = answers[fact["fact_id"]]
n_cands = len(world.answers_of_kind(fact["answer_kind"]))
where = ("green below" if any(a == fact["answer"] for a, _ in dist["candidates"])
         else f"below the top {len(dist['candidates'])} shown")
st.markdown(f"Prompt: *{md(dist['prompt'])}* …  \nThe true answer, **{md(fact['answer'])}**, ranks "
            f"{dist['rank_of_truth']} of {n_cands} ({where}).")
best, p_best = dist["candidates"][0]
figure(bars(dist["candidates"], truth=fact["answer"]),
       alt=(f"The model's top {len(dist['candidates'])} answers for {person}'s "
            f"{wr.RELATION_WORDS.get(fact['relation'], fact['relation'])}: {best} at {p_best:.0%}; "
            f"the truth, {fact['answer']}, is ranked {dist['rank_of_truth']}. "
            f"The fact was stated in {fact['exposure']} documents."),
       key="fact-bars")
with st.expander(f"The {len(documents):,} documents that mention {md(person)}", expanded=False):
    if not documents:
        st.markdown("None: this person exists only in the table of facts.")
    for doc in documents[:MAX_DOCS_SHOWN]:
        with st.container(border=True):
            st.caption(f"{doc['date']} · {doc['kind']} · {doc['doc_id']}")
            st.text(doc["text"])  # plain text: nothing in it is read as markup
    if len(documents) > MAX_DOCS_SHOWN:
        st.caption(f"… and {len(documents) - MAX_DOCS_SHOWN:,} more.")

# ------------------------------------------------ 4. people nobody wrote about
st.header("4 · Asked about a stranger, it answers anyway")
hall = results["hallucination_mean"]
hall = hall[hall["style"] == "trained"]
order = [g for g in ("never read (held out)", "read 1-2 times", "read 4+ times", "all known people")
         if g in set(hall["group"])] + sorted(set(hall["group"]) - {"never read (held out)", "read 1-2 times",
                                                                    "read 4+ times", "all known people"})
hall = hall.set_index("group").loc[order].reset_index()
st.markdown(
    f"""
The models answered questions about the {stats['held_out_people']} people they never read about, in the
same trained phrasing. They cannot be right, except by luck. But they do not say so: they name a town,
a year, a job, and put real weight on it. The chart sets their confidence beside their accuracy.
"""
)
fig = go.Figure([
    go.Bar(name="confidence (probability of its top answer)", x=[label(g) for g in hall["group"]],
           y=hall["top_prob_mean"], error_y=dict(type="data", array=hall["top_prob_sd"].fillna(0)),
           marker_color=CONFIDENCE_COLOR, text=[f"{v:.0%}" for v in hall["top_prob_mean"]], textposition="auto",
           insidetextanchor="start"),  # at the foot of the bar, clear of the whiskers
    go.Bar(name="accuracy", x=[label(g) for g in hall["group"]], y=hall["accuracy_mean"],
           error_y=dict(type="data", array=hall["accuracy_sd"].fillna(0)), marker_color=ACCURACY_COLOR,
           text=[f"{v:.0%}" for v in hall["accuracy_mean"]], textposition="auto",
           insidetextanchor="start"),  # at the foot of the bar, clear of the whiskers
])
fig.update_layout(barmode="group", yaxis=dict(tickformat=".0%", range=[0, 1.05], title="mean over seeds"),
                  legend=dict(orientation="h", y=1.02, yanchor="bottom"), height=400,
                  margin=dict(l=10, r=10, t=40, b=10))


def group_value(group: str, column: str) -> float | None:
    r = hall[hall["group"] == group]
    return float(r[column].iloc[0]) if len(r) else None


h_conf, k_conf = group_value("never read (held out)", "top_prob_mean"), group_value("all known people", "top_prob_mean")
h_acc, k_acc = group_value("never read (held out)", "accuracy_mean"), group_value("all known people", "accuracy_mean")
if None not in (h_conf, k_conf, h_acc, k_acc):
    alt = (f"Confidence and accuracy side by side. People never read about: confidence {h_conf:.0%}, accuracy "
           f"{h_acc:.0%}. All people it read about: confidence {k_conf:.0%}, accuracy {k_acc:.0%}.")
else:
    alt = "Confidence and accuracy for people the models read about and people they never read about."
figure(fig, alt=alt, key="hallucination")
h_kind, k_kind = group_value("never read (held out)", "right_kind_mean"), group_value("all known people", "right_kind_mean")
r_conf = group_value("read 1-2 times", "top_prob_mean")
if None not in (h_conf, k_conf, h_acc, h_kind):
    st.markdown(
        f"Measured here (trained phrasing, mean of {n_seeds} seeds): about people it never read, a model puts "
        f"**{h_conf:.0%}** of the probability on its top answer"
        + (f", against {r_conf:.0%} for people it read about once or twice" if r_conf is not None else "")
        + f" and {k_conf:.0%} for everyone it read about. It is right {h_acc:.0%} of the time, where a blind guess "
        f"would be right {chance:.0%} of the time. Left free to say any word at all, its most likely next word is "
        f"the start of an answer of the right kind (a town after *born in the town of*, a year after *born in "
        f"the year*) **{h_kind:.0%}** of the time"
        + (f" ({k_kind:.0%} for people it read about)." if k_kind is not None else ".")
    )

st.subheader("Invent someone")
st.markdown(
    "Type a name nobody in the world has, and ask the model chosen in section 3 about them. It has never "
    "seen the name, and there is no fact to find."
)
raw_name = st.text_input("A made-up name", value=DEFAULT_INVENTED, key="name", max_chars=MAX_BOX,
                         bind="query-params",
                         help=f"Names are cut to {wr.MAX_NAME_CHARS} characters; the address bar keeps what you type.")
relation = url_choice(st.radio, "Ask", ASK, key="ask", horizontal=True)
name = clean_or_say(raw_name, what="a name")
if name is not None:
    out = invented_answers(model_name, name, relation, build)
    kind = KIND_WORDS.get(out["kind"], out["kind"])
    best, p_best = out["candidates"][0]
    if out["in_world"]:
        seen = "never read about" if out["held_out"] else "read about"
        st.info(f"{md(name)} is a person of this world, one the models {seen}: pick them in section 3 to see "
                "their facts. Try a name of your own.", icon=":material/person_search:")
    n_answers = len(world.answers_of_kind(out["kind"]))
    st.markdown(f"*{md(out['prompt'])}* → **{md(best)}**, with **{p_best:.0%}** of the probability among "
                f"{n_answers} candidates.")
    figure(bars(out["candidates"]),
           alt=(f"Answers for the made-up person's {wr.RELATION_WORDS.get(relation, relation)}: "
                f"{best} at {p_best:.0%}, then {', '.join(a for a, _ in out['candidates'][1:4])}."),
           key="invented-bars")
    if not out["in_world"]:
        st.markdown(
            f"There is no such person, yet the answer is {kind}: {md(best)} gets {p_best:.0%}, "
            f"{p_best * n_answers:.1f} times what an even spread over the {n_answers} candidates would give it. "
            "That is the shape of a fact without the fact: the model learned what usually follows these words, "
            "and that is all it can give."
        )
    st.caption(
        f"Left free to say anything, its single most likely next token was “{token_md(out['top_token'])}”, "
        + ("the start of an answer of the right kind." if out["right_kind"] else
           "not the start of a candidate; the bars compare only the candidates of the right kind.")
    )

# ------------------------------------------------ 5. a real model
st.header("5 · A real model does the same")
st.markdown(
    """
SmolLM2-135M-Instruct is a real model, pretrained by Hugging Face on trillions of tokens of web text and
then tuned as an assistant. Give it a town that does not exist and it continues the sentence as if the
town were real: the same gap, filled the same way.
"""
)
ask_smol = st.toggle("Ask SmolLM2 (loads a 135M-parameter model, about 20 seconds the first time)", key="smol",
                     bind="query-params")
raw_town = st.text_input("A made-up town", value=DEFAULT_TOWN, key="town", max_chars=MAX_BOX, bind="query-params",
                         help=f"Cut to {wr.MAX_NAME_CHARS} characters.")
prompt_key = url_choice(st.radio, "Sentence", SMOL_PROMPTS, key="sentence", horizontal=True)
if ask_smol:
    from engine import smollm

    town = clean_or_say(raw_town, what="a town")
    smol = _models.smollm(purpose="Asking the real SmolLM2") if town is not None else None
    if smol is None and not smollm.is_converted():
        st.info("Without the SmolLM2 files this section cannot run; everything above works without them.",
                icon=":material/cloud_off:")
    else:
        if smol is not None:
            res = wr.smollm_invented_town(smol, town, prompt_key, TOP)
            tokens = res["top"]
            first, p_first = tokens[0]
            st.markdown(f"*{md(res['prompt'])}* → **{token_md(first)}** ({p_first:.0%})")
            figure(bars(tokens, tokens=True),
                   alt=(f"SmolLM2's top {len(tokens)} next tokens after a sentence about the made-up town "
                        f"{res['town']}: {visible_text(first)!r} at {p_first:.0%}, then "
                        f"{', '.join(repr(visible_text(t)) for t, _ in tokens[1:4])}."),
                   key="smol-bars")
            st.markdown(
                "Nothing here says *no such town*. The likeliest next words are the ones that follow such "
                "sentences about real towns. Try the sentence with a real town, then with one you made up: the "
                "shape of the answer barely changes."
            )
else:
    st.caption("Switch the toggle on to load the model and ask it.")

# ------------------------------------------------ why
st.header("Why a model makes things up")
st.markdown(
    """
Pretraining rewards one thing: giving high probability to the token that really came next. In the
training text, *"was born in the town of"* is always followed by a town, never by *"I don't know"*.
So the model learns the **shape** of an answer (a town here, a year there) from every sentence it
reads, while each particular fact is learned only from the few sentences that state it. A fact read
too rarely, or never, leaves the shape with nothing to fill it, and the most probable continuation is
still a confident, plausible, made-up answer. Nothing in the objective pays for saying *"I don't know"*.

Facts that happened after the text was collected are missing for a different reason, and a later round
of tuning can change how a model answers but cannot put in facts it never read.
"""
)
next_pages(
    cutoff="each model knows events up to the date its text ends, and answers "
           "questions about later ones with the latest thing it read",
    tuning="question-answer training teaches the format, and facts it "
           "never read stay out of reach")
