"""The world's dated events (moves, elections) and what a model had read about a person by a cutoff.

    event_facts(world)                          # every event fact of a person the models read about
    latest_read_answers(world, "2030-12-31")    # fact_id -> the last town read about its person by then
    shortest_document(world, fact_id)           # the shortest document stating a fact

Not handled: scoring a model on them (engine.world.scoring) or asking one (engine.world.results).
"""
from __future__ import annotations

from engine.world.phrasing import EVENT_RELATIONS, PERSON_STATIC


RELATION_VERBS = {"moved_to": "moved to", "mayor_of": "was elected mayor of"}


def event_sentence(event) -> str:
    """An event fact as a short sentence: 'Dara Voskell moved to Kelvby'."""
    return f"{event['subject']} {RELATION_VERBS.get(event['relation'], event['relation'])} {event['answer']}"


def static_facts(world):
    """The person facts that do not change: birth town and year, occupation, employer."""
    return world.facts[world.facts["relation"].isin(PERSON_STATIC)]


def event_facts(world):
    """Dated event facts (moves, elections) of people who were written about."""
    f = world.facts
    return f[f["relation"].isin(EVENT_RELATIONS) & ~f["held_out"]]


def latest_read_answers(world, cutoff: str) -> dict:
    """For each event fact: the town most recently stated about its subject in the
    documents up to the cutoff (a move or election read before, else the birthplace)."""
    exp = world.exposure_until(cutoff)
    f = world.facts.assign(read=exp.values)
    towns = f[(f["answer_kind"] == "town") & (f["subject_kind"] == "person") & (f["read"] > 0)]
    out = {}
    for ev in event_facts(world).itertuples():
        mine = towns[(towns["subject"] == ev.subject) & (towns["fact_id"] != ev.fact_id) & (towns["date"] <= cutoff)]
        if len(mine):
            out[ev.fact_id] = mine.sort_values("date").iloc[-1]["answer"]
    return out


def shortest_document(world, fact_id: str):
    """The shortest document that states a fact (a row of world.documents), or None."""
    docs = world.documents[world.documents["fact_ids"].map(lambda ids: fact_id in ids)]
    if not len(docs):
        return None
    return docs.loc[docs["text"].str.len().idxmin()]


def context_prompt(document_text: str, prompt: str) -> str:
    """A document placed before a question, as the "tool at inference" panel and the build ask it."""
    return f"{document_text}\n\n{prompt}"
