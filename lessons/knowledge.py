"""Recall and hallucination: small models pretrained on a generated world, where the number of times
each fact was read is known, recall facts by exposure and answer confidently about people they never
read about; the real SmolLM2 does the same for a town that does not exist. Reads like the lesson."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from engine import settings, smollm, textinput
from engine.world import figures, readings
from engine.world import results as wr
from lessons import _charts, _models
from lessons._ui import figure, glossary_links, next_pages, url_choice

md, token_md = textinput.markdown_text, textinput.token_markdown  # text made inert for st.markdown
WORLD_ROOT = str(settings.world_dir() or wr.WORLD_DIR)  # tests and facilitators can point at another build
MAX_BOX = 200  # characters the name boxes take; the engine then keeps wr.MAX_NAME_CHARS and says so
TOP = 10  # bars per answer distribution
MAX_DOCS_SHOWN = 12  # documents printed per person (the count always covers all of them)
DEFAULT_INVENTED, DEFAULT_TOWN = "Tolvane Brisket", "Vellarby"
KIND_WORDS = {"town": "a town", "year": "a year", "occupation": "an occupation", "organisation": "an organisation"}
ASK = {"birth_town": "Where were they born?", "birth_year": "When were they born?",
       "occupation": "What was their job?", "employer": "Who did they work for?"}
PHRASINGS = {"trained": "The trained phrasing"} | {f"new-{i}": f"New phrasing {i + 1}" for i in range(3)}
SMOL_PROMPTS = {k: v.replace("{town}", "…") for k, v in wr.SMOLLM_TOWN_PROMPTS.items()}


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


# Cached calls take `key`, the build's identity (lessons/_models.world_key): a rebuild never meets an old cache.


@st.cache_data(show_spinner=False, max_entries=2)
def cached_results(root: str, key: str) -> dict:
    return wr.load_results(root)


@st.cache_data(show_spinner=False, max_entries=512)
def fact_answers(model: str, fact_id: str, phrasing: str, root: str, key: str) -> dict:
    style, _, template = phrasing.partition("-")
    return wr.answer_distribution(_models.world_model(model, root, key), _models.world(root, key),
                                  fact_id, TOP, style=style, template=int(template or 0))


@st.cache_data(show_spinner=False, max_entries=256)
def invented_answers(model: str, name: str, relation: str, root: str, key: str) -> dict:
    return wr.invented_person_answers(_models.world_model(model, root, key), _models.world(root, key),
                                      name, relation, TOP)


@st.cache_data(show_spinner="Asking the seed models about facts read 1 to 8 times…", max_entries=2)
def wording_table(models: tuple, root: str, key: str) -> pd.DataFrame:
    return wr.recall_by_wording({n: _models.world_model(n, root, key) for n in models}, _models.world(root, key))


def or_stop(fn, *args):
    """Call an engine loader; on broken artifacts show the engine's message (naming the rebuild) and stop."""
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

build = _models.world_key(WORLD_ROOT)
results = or_stop(cached_results, WORLD_ROOT, build)
world = or_stop(_models.world, WORLD_ROOT, build)
seed_models = [n for n in or_stop(wr.world_model_names, WORLD_ROOT) if n.startswith("seed")]
if not seed_models:
    st.error(f"The world's manifest lists no seed models. Rebuild them with: {results['meta']['manifest']['rebuild']}",
             icon=":material/error:")
    st.stop()
stats = world.stats()
chance, majority = readings.baselines(world)  # static person facts: guessing; always the most common answer
buckets = sorted(stats["facts_by_exposure"])
n_seeds = int(results["recall_mean"]["seeds"].max()) if len(results["recall_mean"]) else 0
first = or_stop(_models.world_model, seed_models[0], WORLD_ROOT, build).manifest

# ------------------------------------------------ 1. the world
st.header("1 · A world made of facts")
st.markdown(readings.world_reading(stats, first, len(seed_models)))
for col, (what, n) in zip(st.columns(3), (("People written about", stats["people"]),
                                         ("Never written about", stats["held_out_people"]), ("Documents", stats["documents"]))):
    col.metric(what, f"{n:,}")

# ------------------------------------------------ 2. recall against exposure
st.header("2 · Recall grows with exposure")
st.markdown(
    """
To ask about a fact we give a model the start of a sentence that should end with the answer, such as
*"… was born in the town of"*, and read off the probability it gives to every town (every year, for a
birth year). It **recalls** the fact if the true answer gets the most probability. Two kinds of question:

- **the trained phrasing** is the first of the relation's training wordings, read with many people (but,
  for a fact read a few times, often not with this one);
- **new phrasings** ask for the same fact in words it never saw with any person (*"The birthplace of …
  is listed as"*).
"""
)
measure = url_choice(st.radio, "Measure", {k: v[0] for k, v in readings.RECALL_MEASURES.items()}, key="measure",
                     horizontal=True)
m_label, m_axis, m_format = readings.RECALL_MEASURES[measure]
mean = results["recall_mean"]
per_seed = results["recall"]
per_seed = per_seed[per_seed["model"].isin(seed_models)]
figure(figures.recall_chart(mean, per_seed, measure, m_axis, m_format, palette=_charts, majority=majority), key="recall",
       alt=readings.recall_alt(mean, measure, n_seeds=n_seeds, buckets=buckets))
st.markdown(readings.recall_reading(mean, n_seeds=n_seeds, buckets=buckets, per_seed=per_seed, majority=majority))
st.markdown(
    f"Each big marker is the mean over {n_seeds} models that read the same documents with different random seeds; "
    "the whiskers are one standard deviation and the small dots are the individual models. Was it recalled through "
    "a wording its own documents used? We checked every fact read 1 to 8 times against its own documents:")
if (wording_words := readings.wording_reading(wording_table(tuple(seed_models), WORLD_ROOT, build))) is not None:
    st.markdown(wording_words)
with st.expander("The numbers behind the chart"):
    numbers = readings.recall_table(mean)
    st.dataframe(numbers, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(format="%.3f") for c in numbers if c.endswith(("_mean", "_sd")) or c == "chance"})
    st.caption(readings.recall_caption(results["meta"]["manifest"]["rebuild"]))

# ------------------------------------------------ 3. pick a person
st.header("3 · Pick a person")
st.markdown(
    "Choose anyone in the world: see how often they were written about, the documents that mention them, "
    "and what a model answers about each of their facts. People never written about are in the list too."
)
model_labels = {n: f"Model {n.replace('-', ' ')} (read every document)" for n in seed_models}
person_labels, default_person = wr.person_choices(world, buckets)
p1, p2 = st.columns([3, 2])
with p1:
    person = url_choice(st.selectbox, "Person", person_labels, key="person", default=default_person,
                        help="Type to search. The URL keeps the name, so a link opens this person.")
with p2:
    model_name = url_choice(st.selectbox, "Model", model_labels, key="model")
phrasing = url_choice(st.radio, "Ask in", PHRASINGS, key="phrasing", horizontal=True,
                      help="The trained phrasing is a training wording (read with many people, not always with this "
                           "one); the new ones never occur in training.")
or_stop(_models.world_model, model_name, WORLD_ROOT, build)  # a broken model file says so here
card = wr.person_card(world, person)
documents = card["documents"]
k1, k2 = st.columns(2)
k1.metric("Each life fact stated in", f"{card['exposure']} documents" if not card["held_out"] else "no document",
          help="Birth town, birth year, occupation and employer are each stated this many times.")
k2.metric("Documents mentioning them", f"{len(documents):,}")
if card["held_out"]:
    st.info(f"The models never read a word about {md(person)}. Whatever they answer below is a guess.",
            icon=":material/visibility_off:")

answers = {f["fact_id"]: fact_answers(model_name, f["fact_id"], phrasing, WORLD_ROOT, build) for f in card["facts"]}
st.dataframe(pd.DataFrame(wr.fact_answer_rows(card["facts"], answers)), hide_index=True, width="stretch",
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
figure(figures.answer_bars(dist["candidates"], truth=fact["answer"], palette=_charts),
       alt=figures.fact_bars_alt(person, fact, dist), key="fact-bars")
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
hall = readings.hallucination_table(results["hallucination_mean"])
st.markdown(
    f"""
The models answered questions about the {stats['held_out_people']} people they never read about, in the
same trained phrasing. They cannot be right, except by luck. But they do not say so: they name a town,
a year, a job, and put real weight on it. The chart sets their confidence beside their accuracy.
"""
)
figure(figures.hallucination_bars(hall, palette=_charts, chance=chance, majority=majority),
       alt=readings.hallucination_alt(hall), key="hallucination")
if (hall_words := readings.hallucination_reading(hall, n_seeds=n_seeds, chance=chance,
                                                per_seed=results["hallucination"], majority=majority)) is not None:
    st.markdown(hall_words)

st.subheader("Invent someone")
st.markdown(
    "Type a name nobody in the world has, and ask the model chosen in section 3 about them. It has never "
    "seen the name, and there is no fact to find."
)
raw_name = st.text_input("A made-up name", value=DEFAULT_INVENTED, key="name", max_chars=MAX_BOX, bind="query-params",
                         help=f"Names are cut to {wr.MAX_NAME_CHARS} characters; the address bar keeps what you type.")
relation = url_choice(st.radio, "Ask", ASK, key="ask", horizontal=True)
name = clean_or_say(raw_name, what="a name")
if name is not None:
    out = invented_answers(model_name, name, relation, WORLD_ROOT, build)
    best, p_best = out["candidates"][0]
    if out["in_world"]:
        seen = "never read about" if out["held_out"] else "read about"
        st.info(f"{md(name)} is a person of this world, one the models {seen}: pick them in section 3 to see "
                "their facts. Try a name of your own.", icon=":material/person_search:")
    n_answers = len(world.answers_of_kind(out["kind"]))
    st.markdown(f"*{md(out['prompt'])}* → **{md(best)}**, with **{p_best:.0%}** of the probability shared out among "
                f"{n_answers} candidates.")
    figure(figures.answer_bars(out["candidates"], palette=_charts), alt=figures.invented_bars_alt(relation, out),
           key="invented-bars")
    if not out["in_world"]:
        st.markdown(
            f"There is no such person, yet the answer is {KIND_WORDS.get(out['kind'], out['kind'])}: {md(best)} gets {p_best:.0%}, "
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
town were real.
"""
)
ask_smol = st.toggle("Ask SmolLM2 (loads a 135M-parameter model, about 20 seconds the first time)", key="smol",
                     bind="query-params")
raw_town = st.text_input("A made-up town", value=DEFAULT_TOWN, key="town", max_chars=MAX_BOX, bind="query-params",
                         help=f"Cut to {wr.MAX_NAME_CHARS} characters.")
prompt_key = url_choice(st.radio, "Sentence", SMOL_PROMPTS, key="sentence", horizontal=True)
if ask_smol:
    town = clean_or_say(raw_town, what="a town")
    smol = _models.smollm(purpose="Asking the real SmolLM2") if town is not None else None
    if smol is None and not smollm.is_converted():
        st.info("Without the SmolLM2 files this section cannot run; everything above works without them.",
                icon=":material/cloud_off:")
    elif smol is not None:
        res = wr.smollm_invented_town(smol, town, prompt_key, TOP)
        first, p_first = res["top"][0]
        st.markdown(f"*{md(res['prompt'])}* → **{token_md(first)}** ({p_first:.0%})")
        figure(figures.answer_bars(res["top"], tokens=True, palette=_charts), alt=figures.smollm_tokens_alt(res),
               key="smol-bars")
        st.markdown(
            "Nothing here says *no such town*: the model continues the sentence anyway. Try the sentence with "
            "a real town, then with one you made up, and compare the two answers."
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
