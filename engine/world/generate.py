"""A generated world of dated facts: fictional people, towns and organisations,
written out as varied English documents, with every fact a row in a table.

    world = generate_world(seed=0)
    world.facts        # fact_id, subject, relation, answer, answer_kind, date, exposure, held_out
    world.documents    # doc_id, date, kind, subject, text, fact_ids
    world.probes()     # cloze prompts: the trained phrasing and new phrasings kept apart from training

Exposure is exact: a fact with exposure e is stated in exactly e documents,
each time in a phrasing drawn from its relation's training templates (cycled so
consecutive mentions differ), at a shuffled position among other sentences and
filler. A person's static facts (birth town, birth year, occupation, employer)
share the person's bucket; dated events (moves, elections) get their
own bucket, so exposure also varies within a person. Held-out people have
facts but are never written about. Names come from engine.world.names (syllable
grammars checked against real names); phrasings from engine.world.phrasing.

Not handled here: tokenization and training (see `world_corpus` and
engine.train), and scoring a model (engine.world.knowledge).
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from engine.corpus import Document
from engine.world.names import RESERVED_NAMES_FILE, Namer, load_reserved_names
from engine.world.phrasing import (
    ANSWER_KIND, EVENT_RELATIONS, FILLER, KINDS, MONTHS, OCCUPATIONS, PERSON_STATIC, PROBE, QA, RECAP_OPENINGS, TRAIN,
)

TIMELINE = (2020, 2040)  # every document is dated inside these years (inclusive)
BIRTH_YEARS = (1950, 1999)
FOUNDING_YEARS = (1900, 2019)
DEFAULT_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    seed: int
    params: dict
    people: pd.DataFrame  # person_id, name, first, surname, birth_town, birth_year, occupation, employer, bucket, held_out
    towns: list[str]
    organisations: pd.DataFrame  # org_id, name, founded_in, founded_year
    events: pd.DataFrame  # event_id, kind, subject, answer, date (dated: moves, elections)
    facts: pd.DataFrame  # fact_id, subject, subject_kind, relation, answer, answer_kind, date, exposure, held_out, year
    documents: pd.DataFrame  # doc_id, date, kind, subject, text, fact_ids (tuple)
    name_check: dict = field(default_factory=dict)  # what the collision check looked at and rejected

    # --- answer sets -----------------------------------------------------------------------
    def answers_of_kind(self, kind: str) -> list[str]:
        """Every possible answer of a kind: the candidates a probe is scored over."""
        if kind == "town":
            return list(self.towns)
        if kind == "year":
            return [str(y) for y in range(BIRTH_YEARS[0], BIRTH_YEARS[1] + 1)]
        if kind == "occupation":
            return list(OCCUPATIONS)
        if kind == "organisation":
            return list(self.organisations["name"])
        raise KeyError(f"unknown answer kind {kind!r}")

    @property
    def answer_sets(self) -> dict[str, list[str]]:
        return {k: self.answers_of_kind(k) for k in ("town", "year", "occupation", "organisation")}

    # --- probes ----------------------------------------------------------------------------
    def cloze_probes(self, fact) -> list[dict]:
        """Prompts whose next word is the fact's answer: the trained phrasing (the
        prefix of training template 0) and the new phrasings (never in training)."""
        fact = _as_row(self.facts, fact)
        rel, name = fact["relation"], fact["subject"]
        out = [{"fact_id": fact["fact_id"], "style": "trained", "template": 0,
                "prompt": TRAIN[rel][0].split("{ans}")[0].rstrip().format(name=name)}]
        for i, t in enumerate(PROBE[rel]):
            out.append({"fact_id": fact["fact_id"], "style": "new", "template": i, "prompt": t.format(name=name)})
        for p in out:
            p.update(answer=fact["answer"], answer_kind=fact["answer_kind"], relation=rel)
        return out

    def probes(self, facts: pd.DataFrame | None = None, *, styles=("trained", "new")) -> pd.DataFrame:
        """cloze_probes for many facts, as one table."""
        facts = self.facts if facts is None else facts
        rows = [p for _, f in facts.iterrows() for p in self.cloze_probes(f) if p["style"] in styles]
        return pd.DataFrame(rows)

    def qa_pairs(self, facts: pd.DataFrame | None = None) -> list[dict]:
        """Question-answer pairs about facts, for a tuning experiment: question, answer, fact_id."""
        facts = self.facts if facts is None else facts
        return [{"fact_id": f["fact_id"], "question": QA[f["relation"]].format(name=f["subject"]),
                 "answer": f["answer"], "relation": f["relation"]} for _, f in facts.iterrows()]

    # --- time ------------------------------------------------------------------------------
    def documents_until(self, cutoff) -> pd.DataFrame:
        """Documents dated on or before the cutoff (a 'YYYY-MM-DD' string, or a year: its 31 December)."""
        return self.documents[self.documents["date"] <= _cutoff(cutoff)]

    def documents_after(self, cutoff) -> pd.DataFrame:
        return self.documents[self.documents["date"] > _cutoff(cutoff)]

    def exposure_until(self, cutoff=None) -> pd.Series:
        """Mentions of each fact in the documents up to the cutoff (all documents if None)."""
        docs = self.documents if cutoff is None else self.documents_until(cutoff)
        counts = Counter(fid for ids in docs["fact_ids"] for fid in ids)
        return self.facts["fact_id"].map(lambda f: counts.get(f, 0)).rename("exposure").set_axis(self.facts.index)

    def stats(self) -> dict:
        seen = self.facts[~self.facts["held_out"]]
        return {
            "people": int((~self.people["held_out"]).sum()), "held_out_people": int(self.people["held_out"].sum()),
            "towns": len(self.towns), "organisations": len(self.organisations), "events": len(self.events),
            "facts": len(self.facts), "held_out_facts": int(self.facts["held_out"].sum()),
            "facts_by_exposure": {int(k): int(v) for k, v in seen["exposure"].value_counts().sort_index().items()},
            "documents": len(self.documents),
            "documents_by_kind": {k: int(v) for k, v in self.documents["kind"].value_counts().items()},
            "characters": int(self.documents["text"].str.len().sum()),
            "mentions": int(seen["exposure"].sum()),
        }


def _as_row(table: pd.DataFrame, fact):
    if isinstance(fact, str):
        return table.loc[table["fact_id"] == fact].iloc[0]
    return fact


def _cutoff(cutoff) -> str:
    if isinstance(cutoff, int):
        return f"{cutoff:04d}-12-31"
    return str(cutoff)


def world_corpus(world: World, cutoff=None) -> list:
    """The world's documents as engine.corpus Documents (source 'world'), oldest
    first, up to an optional cutoff; feed their text to a tokenizer and engine.train."""
    docs = world.documents if cutoff is None else world.documents_until(cutoff)
    docs = docs.sort_values(["date", "doc_id"])
    return [Document("world", d.doc_id, d.text) for d in docs.itertuples()]


# --- generation -------------------------------------------------------------------------------


def _date_between(rng: random.Random, lo: int, hi: int) -> str:
    """A random day in years lo..hi (days 1-28 so every month works)."""
    return f"{rng.randint(lo, hi):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _format_date(date: str, style: int) -> str:
    y, m, d = (int(x) for x in date.split("-"))
    return [f"{d} {MONTHS[m - 1]} {y}", f"{MONTHS[m - 1]} {d}, {y}", date][style % 3]


def _balanced(values, n: int, rng: random.Random) -> list:
    """n values cycling through `values` equally, shuffled."""
    out = [values[i % len(values)] for i in range(n)]
    rng.shuffle(out)
    return out


def generate_world(seed: int = 0, n_people: int = 1400, buckets=DEFAULT_BUCKETS, held_out: int = 100, *,
                   n_towns: int = 40, n_orgs: int = 30, move_rate: float = 0.3, mayor_rate: float = 0.1,
                   filler_per_doc: tuple[int, int] = (1, 3), event_buckets=None) -> World:
    """A deterministic world: same arguments, identical tables and documents.

    n_people: people written about, spread evenly over `buckets` (each bucket is
    how many documents state each of that person's static facts); held_out: extra
    people who have facts but never appear in any document. event_buckets: the
    exposure buckets of dated events (moves, elections); default `buckets`.
    """
    rng = random.Random(f"world/{seed}")
    reserved = load_reserved_names()
    namer = Namer(rng, reserved)
    buckets = tuple(int(b) for b in buckets)

    towns = [namer.draw("town") for _ in range(n_towns)]
    orgs = [{"org_id": f"O{i:03d}", "name": namer.draw("organisation"), "founded_in": rng.choice(towns),
             "founded_year": rng.randint(*FOUNDING_YEARS)} for i in range(n_orgs)]
    org_buckets = _balanced(list(buckets), n_orgs, rng)
    firsts = [namer.draw("first") for _ in range(max(50, (n_people + held_out) // 5))]

    total = n_people + held_out
    person_buckets = _balanced(list(buckets), n_people, rng) + [0] * held_out
    people = []
    for i in range(total):
        people.append({
            "person_id": f"P{i:05d}", "first": rng.choice(firsts), "surname": namer.draw("surname"),
            "birth_town": rng.choice(towns), "birth_year": rng.randint(*BIRTH_YEARS),
            "occupation": rng.choice(OCCUPATIONS), "employer": rng.choice(orgs)["name"],
            "bucket": person_buckets[i], "held_out": i >= n_people,
        })
        people[-1]["name"] = f"{people[-1]['first']} {people[-1]['surname']}"
    order = list(range(total))
    rng.shuffle(order)  # held-out people are not the last ids
    people = [dict(people[j], person_id=f"P{k:05d}") for k, j in enumerate(order)]

    # dated events, each with its own exposure bucket
    events = []
    movers = [p for p in people if rng.random() < move_rate]
    mayors = [p for p in people if rng.random() < mayor_rate]
    for kind, who in (("moved_to", movers), ("mayor_of", mayors)):
        ev_buckets = _balanced(list(event_buckets or buckets), len(who), rng)
        for p, b in zip(who, ev_buckets):
            town = rng.choice([t for t in towns if t != p["birth_town"]])
            events.append({"event_id": f"E{len(events):05d}", "kind": kind, "subject": p["name"],
                           "person_id": p["person_id"], "answer": town, "date": _date_between(rng, *TIMELINE),
                           "bucket": 0 if p["held_out"] else b, "held_out": p["held_out"]})

    facts = []

    def add_fact(subject, subject_kind, relation, answer, date, exposure, held, year=None):
        facts.append({"fact_id": f"F{len(facts):05d}", "subject": subject, "subject_kind": subject_kind,
                      "relation": relation, "answer": str(answer), "answer_kind": ANSWER_KIND[relation],
                      "date": date, "exposure": exposure, "held_out": held, "year": year})

    for p in people:
        born = f"{p['birth_year']:04d}-01-01"
        working = f"{p['birth_year'] + 22:04d}-01-01"
        for rel, date in zip(PERSON_STATIC, (born, born, working, working)):
            add_fact(p["name"], "person", rel, p[rel], date, p["bucket"], p["held_out"])
    for e in events:
        add_fact(e["subject"], "person", e["kind"], e["answer"], e["date"], e["bucket"], e["held_out"],
                 int(e["date"][:4]))
    for o, b in zip(orgs, org_buckets):
        add_fact(o["name"], "organisation", "founded_in", o["founded_in"], f"{o['founded_year']:04d}-01-01", b, False,
                 o["founded_year"])

    documents = _write_documents(rng, facts, firsts, filler_per_doc)
    return World(
        seed=seed,
        params={"n_people": n_people, "buckets": buckets, "held_out": held_out, "n_towns": n_towns,
                "n_orgs": n_orgs, "move_rate": move_rate, "mayor_rate": mayor_rate, "timeline": TIMELINE,
                "event_buckets": tuple(int(b) for b in (event_buckets or buckets))},
        people=pd.DataFrame(people), towns=towns, organisations=pd.DataFrame(orgs),
        events=pd.DataFrame(events), facts=pd.DataFrame(facts), documents=documents,
        name_check={"reserved_file": str(RESERVED_NAMES_FILE.name), "reserved_names": len(reserved),
                    "rejected": dict(namer.rejected), "rejected_examples": namer.rejected_examples},
    )


def _write_documents(rng: random.Random, facts: list[dict], firsts: list[str], filler_per_doc) -> pd.DataFrame:
    """Every subject's facts, each stated in exactly `exposure` documents."""
    by_subject: dict[str, list[dict]] = {}
    for f in facts:
        if not f["held_out"] and f["exposure"] > 0:
            by_subject.setdefault(f["subject"], []).append(f)
    template_cursor: dict[str, list] = {}  # per fact: a shuffled cycle of template ids

    def next_template(f) -> int:
        cyc = template_cursor.get(f["fact_id"])
        if not cyc:
            cyc = list(range(len(TRAIN[f["relation"]])))
            rng.shuffle(cyc)
            template_cursor[f["fact_id"]] = cyc
        return cyc.pop()

    docs = []
    for subject, sfacts in by_subject.items():
        n_docs = max(f["exposure"] for f in sfacts)
        slots: list[list[dict]] = [[] for _ in range(n_docs)]
        for f in sfacts:
            for j in rng.sample(range(n_docs), f["exposure"]):
                slots[j].append(f)
        for included in slots:
            sentences = []
            for f in included:
                t = TRAIN[f["relation"]][next_template(f)]
                sentences.append(t.format(name=subject, ans=f["answer"], year=f["year"]))
            sentences += rng.sample(FILLER, rng.randint(*filler_per_doc))
            rng.shuffle(sentences)
            # dated on or after everything it states; events are news for a few years
            lo = max([TIMELINE[0]] + [int(f["date"][:4]) for f in included])
            event_years = [f["year"] for f in included if f["relation"] in EVENT_RELATIONS]
            hi = min(TIMELINE[1], max(event_years) + 3) if event_years else TIMELINE[1]
            date = _date_between(rng, lo, max(lo, hi))
            while any(f["date"] > date for f in included):  # same year, earlier day: move on
                date = _date_between(rng, lo, max(lo, hi))
            kind = "news" if event_years and rng.random() < 0.6 else rng.choice(KINDS)
            docs.append({"date": date, "kind": kind, "subject": subject,
                         "text": _layout(rng, kind, date, subject, sentences, firsts),
                         "fact_ids": tuple(sorted(f["fact_id"] for f in included))})
    order = sorted(range(len(docs)), key=lambda i: (docs[i]["date"], i))
    table = pd.DataFrame([docs[i] for i in order])
    table.insert(0, "doc_id", [f"D{k:06d}" for k in range(len(table))])
    return table


def _layout(rng: random.Random, kind: str, date: str, subject: str, sentences: list[str], firsts: list[str]) -> str:
    when = _format_date(date, rng.randrange(3))
    body = " ".join(sentences)
    if kind == "biography":
        return f"A short life of {subject}. Written {when}.\n\n{body}"
    if kind == "news":
        return f"{rng.choice(['Local news', 'From the papers', 'News in brief'])}, {when}.\n\n{body}"
    if kind == "notice":
        return f"NOTICE ({when}). {body}"
    a, b = rng.sample(firsts, 2)
    return f"{when}\n\nDear {a},\n\n{body}\n\nYours,\n{b}"


# --- reading drills: documents that restate what they said ------------------------------------


def recap_documents(world: World, n_docs: int, *, seed: int = 0, facts_per_doc: tuple[int, int] = (2, 4)) -> list[str]:
    """Documents about invented people who are not in the world (their surnames
    are new), each stating a few facts in varied phrasings and then restating
    one or two in the trained phrasing after a blank line ("In short: X moved to Y.",
    or with no opening at all, as a question placed after a document would be).

    Reading these teaches a model to use what is in its context: the second
    "X moved to" is answered by copying from earlier in the same document. They
    add nothing to what the model knows about the world (no world fact, person
    or surname appears), so the world's exposure counts stay exact.
    """
    rng = random.Random(f"recap/{world.seed}/{seed}")
    reserved = load_reserved_names()
    namer = Namer(rng, reserved)
    namer.used |= {n.lower() for n in world.people["surname"]} | {t.lower() for t in world.towns}
    namer.used |= {o.lower() for o in world.organisations["name"]}
    firsts = sorted(set(world.people["first"]))
    answers = {"town": list(world.towns), "year": [str(y) for y in range(BIRTH_YEARS[0], BIRTH_YEARS[1] + 1)],
               "occupation": list(OCCUPATIONS), "organisation": list(world.organisations["name"])}
    relations = [r for r in TRAIN if r != "founded_in"]
    docs = []
    for _ in range(n_docs):
        stated = []
        for _ in range(rng.randint(*facts_per_doc)):
            name = f"{rng.choice(firsts)} {namer.draw('surname')}"
            rel = rng.choice(relations)
            ans = rng.choice(answers[ANSWER_KIND[rel]])
            year = rng.randint(*TIMELINE)
            # half the time in the very words of the restatement, else in another phrasing
            template = TRAIN[rel][0] if rng.random() < 0.5 else rng.choice(TRAIN[rel][1:])
            stated.append((name, rel, ans, year, template.format(name=name, ans=ans, year=year)))
        body = [s[-1] for s in stated] + rng.sample(FILLER, rng.randint(0, 2))
        rng.shuffle(body)
        recap = [TRAIN[rel][0].format(name=name, ans=ans, year=year)
                 for name, rel, ans, year, _ in rng.sample(stated, min(len(stated), rng.randint(1, 2)))]
        date = _date_between(rng, *TIMELINE)
        docs.append(f"{rng.choice(['Local news', 'From the papers', 'News in brief'])}, {_format_date(date, rng.randrange(3))}."
                    f"\n\n{' '.join(body)}\n\n{rng.choice(RECAP_OPENINGS)}{' '.join(recap)}")
    return docs