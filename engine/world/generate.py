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
share the person's exposure bucket; dated events (moves, elections) get their
own bucket, so exposure also varies within a person. Held-out people have
facts but are never written about. Names come from syllable grammars and are
checked against `engine/data/reserved_names.txt` (curated real names plus every
real word or name in the data pack that the grammars could produce).

Not handled here: tokenization and training (see `world_corpus` and
engine.train), and scoring a model (engine.world.knowledge).
"""
from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

RESERVED_NAMES_FILE = Path(__file__).resolve().parent / "data" / "reserved_names.txt"
TIMELINE = (2020, 2040)  # every document is dated inside these years (inclusive)
BIRTH_YEARS = (1950, 1999)
FOUNDING_YEARS = (1900, 2019)
DEFAULT_BUCKETS = (1, 2, 4, 8, 16, 32, 64)

# --- name grammars: pieces joined left to right ---------------------------------------------
# Short, regular pieces so a small BPE trained on the world text keeps each town
# and organisation as one token. The same lists build the regexes that select
# which real words could collide (see build_reserved_names).

FIRST = [
    ["B", "D", "F", "G", "H", "K", "L", "M", "N", "P", "R", "S", "T", "V", "Z", "Br", "Dr", "Tr", "Th", "Sh"],
    ["a", "e", "i", "o", "u"],
    ["l", "n", "r", "v", "m", "d", "ld", "nd", "rv", "lm", "nt", "rl"],
    ["a", "e", "i", "o"],
    ["", "n", "l", "s", "th", "ra", "na", "x"],
]
SURNAME = [
    ["B", "C", "D", "F", "G", "H", "K", "L", "M", "N", "P", "R", "S", "T", "V", "W", "Bl", "Cr", "Gl", "St", "Pr", "Qu"],
    ["a", "e", "i", "o", "u", "ae", "ou"],
    ["b", "d", "g", "l", "m", "n", "r", "s", "t", "v", "z", "rd", "nd", "sk"],
    ["a", "e", "i", "o", "u"],
    ["ck", "rn", "ll", "nt", "rd", "sk", "lt", "mb", "rk", "st", "ss", "ff", "rt", "wen", "lin", "dor", "vel", "sby"],
]
TOWN = [
    ["D", "K", "V", "M", "T", "Br", "Gl", "Tr", "Fr", "Sk", "Dr", "Kr"],
    ["a", "e", "i", "o", "u"],
    ["n", "r", "l", "s", "v", "m", "rr", "lv", "sk"],
    ["mar", "holm", "by", "ven", "stead", "ford", "gate", "moor", "dale", "wick", "mouth"],
]
ORG = [
    ["B", "C", "D", "F", "K", "L", "M", "N", "P", "S", "T", "V", "Z", "Qu"],
    ["a", "e", "i", "o", "u"],
    ["l", "n", "r", "x", "v", "nd", "rt", "lm"],
    ["ex", "ix", "ora", "tek", "ara", "ium", "ico", "on", "ar", "ent"],
]
GRAMMARS = {"first": FIRST, "surname": SURNAME, "town": TOWN, "organisation": ORG}

# Consonant-initial, so "worked as a" never leaks the answer through a/an.
OCCUPATIONS = [
    "baker", "potter", "weaver", "miller", "tailor", "farmer", "carpenter", "fisher", "brewer",
    "printer", "painter", "sculptor", "singer", "dancer", "poet", "nurse", "doctor", "lawyer",
    "pilot", "chemist", "surveyor", "teacher", "banker", "builder", "gardener", "jeweller",
    "locksmith", "shepherd", "sailor", "glazier",
]

# --- templates ------------------------------------------------------------------------------
# {name}: the subject's full name; {ans}: the answer; {year}: an event's year.
# TRAIN[relation][0] ends with the answer: its prefix is the "trained" probe.
# PROBE templates are never used in documents, and their last two words occur in
# the training text (if at all) only right before an answer of the same kind.

TRAIN = {
    "birth_town": [
        "{name} was born in the town of {ans}.",
        "{name} was born in {ans}.",
        "{ans} is the town where {name} was born.",
        "{name} came into the world in {ans}.",
        "Born in {ans}, {name} never forgot the place.",
        "{name} is a native of {ans}.",
        "The birth of {name} was recorded in {ans}.",
        "{name} was raised in {ans}, where life began.",
        "Records from {ans} show that {name} was born there.",
        "{name} first saw daylight in {ans}.",
        "It was in {ans} that {name} was born.",
        "{name} hails from {ans}.",
    ],
    "birth_year": [
        "{name} was born in the year {ans}.",
        "{name} was born in {ans}.",
        "The year {ans} saw the birth of {name}.",
        "{name}, born in {ans}, grew up quickly.",
        "In {ans}, {name} was born.",
        "{name} arrived in the world in {ans}.",
        "Records give {ans} as the birth year of {name}.",
        "{name} came into the world in {ans}.",
        "Ever since {ans}, when life began, {name} has kept a diary.",
        "{name} celebrates a birthday each year, having been born in {ans}.",
        "It was in {ans} that {name} was born.",
        "Born in {ans}, {name} remembers the old days.",
    ],
    "occupation": [
        "{name} worked as a {ans}.",
        "By trade, {name} was a {ans}.",
        "{name} earned a living as a {ans}.",
        "As a {ans}, {name} was known for careful work.",
        "{name} trained for years to become a {ans}.",
        "Everyone knew {name} as a {ans}.",
        "{name} spent a long career as a {ans}.",
        "The work of a {ans} suited {name}.",
        "{name} found steady work as a {ans}.",
        "A {ans} by trade, {name} rarely took a holiday.",
        "{name} took up the trade of a {ans} early.",
        "{name} made a name as a {ans}.",
    ],
    "employer": [
        "{name} worked for {ans}.",
        "{name} was employed by {ans}.",
        "{ans} employed {name} for many years.",
        "{name} took a job at {ans}.",
        "For most of a career, {name} was on the staff of {ans}.",
        "{name} joined {ans} and stayed.",
        "The payroll of {ans} listed {name}.",
        "{name} drew a salary from {ans}.",
        "At {ans}, {name} was a familiar face.",
        "{name} spent years at {ans}.",
        "{ans} hired {name} after a short interview.",
        "{name} went to work at {ans}.",
    ],
    "moved_to": [
        "{name} moved to {ans}.",
        "In {year}, {name} moved to {ans}.",
        "{name} left home and settled in {ans} in {year}.",
        "{ans} became the new home of {name} in {year}.",
        "After the move in {year}, {name} lived in {ans}.",
        "{name} packed up and relocated to {ans} in {year}.",
        "Since {year}, {name} has lived in {ans}.",
        "{name} bought a house in {ans} in {year}.",
        "The family of {name} followed to {ans} in {year}.",
        "{name} made a fresh start in {ans} in {year}.",
        "It was {year} when {name} settled in {ans}.",
        "{name} now calls {ans} home, since {year}.",
    ],
    "mayor_of": [
        "{name} was elected mayor of {ans}.",
        "In {year}, {name} was elected mayor of {ans}.",
        "Voters in {ans} chose {name} as mayor in {year}.",
        "{name} won the race for mayor in {ans} in {year}.",
        "The town of {ans} elected {name} mayor in {year}.",
        "{name} took office as the mayor of {ans} in {year}.",
        "After the {year} vote, {name} became mayor of {ans}.",
        "{ans} has had {name} as mayor since {year}.",
        "{name} was sworn in as mayor of {ans} in {year}.",
        "The {year} election in {ans} was won by {name}.",
        "{name} led {ans} as mayor from {year}.",
        "Since {year}, {name} has been the mayor of {ans}.",
    ],
    "founded_in": [
        "{name} was founded in the town of {ans}.",
        "{name} was founded in {ans}.",
        "{ans} is where {name} was founded.",
        "The founders of {name} met in {ans}.",
        "{name} opened its first office in {ans}.",
        "{name} began with one small workshop in {ans}.",
        "It was in {ans} that {name} was founded.",
        "{name} still keeps its head office in {ans}.",
        "The story of {name} starts in {ans}.",
        "{name}, founded in {ans}, grew quickly.",
        "{ans} was the first home of {name}.",
        "Records from {ans} show that {name} was founded there.",
    ],
}
PROBE = {
    "birth_town": ["{name}'s hometown is", "Asked where {name} was born, the answer is",
                   "The birthplace of {name} is listed as"],
    "birth_year": ["{name}'s year of birth is", "Asked what year {name} was born, the answer is",
                   "The birth year of {name} is listed as"],
    "occupation": ["{name}'s profession: a", "Asked what {name} did for a living, the answer is: a",
                   "The occupation of {name} is listed as: a"],
    "employer": ["{name}'s employer is", "Asked who employed {name}, the answer is",
                 "The employer of {name} is listed as"],
    "moved_to": ["{name}'s new home is", "Asked where {name} lives now, the answer is",
                 "The current residence of {name} is listed as"],
    "mayor_of": ["{name} serves as mayor for", "Asked which town elected {name}, the answer is",
                 "The town governed by {name} is listed as"],
    "founded_in": ["{name}'s home town is", "Asked where {name} was founded, the answer is",
                   "The founding town of {name} is listed as"],
}
QA = {
    "birth_town": "Where was {name} born?",
    "birth_year": "In what year was {name} born?",
    "occupation": "What did {name} do for a living?",
    "employer": "Who did {name} work for?",
    "moved_to": "Where did {name} move to?",
    "mayor_of": "Which town elected {name} mayor?",
    "founded_in": "Where was {name} founded?",
}
ANSWER_KIND = {"birth_town": "town", "birth_year": "year", "occupation": "occupation",
               "employer": "organisation", "moved_to": "town", "mayor_of": "town", "founded_in": "town"}
PERSON_STATIC = ("birth_town", "birth_year", "occupation", "employer")

FILLER = [
    "The weather that week was mild.", "Rain fell for most of the afternoon.",
    "The market opened early, as usual.", "Nobody could remember a colder winter.",
    "Tea was served in the garden.", "The bus was late again.",
    "A new bakery opened on the high street.", "Children played by the river until dusk.",
    "The library extended its opening hours.", "Few people came to the meeting.",
    "The harvest was better than expected.", "Roadworks closed the bridge for a week.",
    "The choir rehearsed on Thursday evenings.", "A storm brought down several trees.",
    "The football season ended quietly.", "Prices at the shops rose slightly.",
    "The old clock in the square stopped.", "Visitors admired the flower beds.",
    "The school held its summer fair.", "Snow lay on the hills until spring.",
    "There was talk of a new railway line.", "The museum added a small gallery.",
    "Fishing boats stayed in the harbour.", "The council discussed parking again.",
    "A concert filled the hall on Saturday.", "The post office moved across the road.",
    "Most evenings were spent reading.", "The park was busy all weekend.",
    "An exhibition of quilts drew a crowd.", "The local paper changed its printer.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
KINDS = ("biography", "news", "notice", "letter")


# --- reserved (real) names ------------------------------------------------------------------


def grammar_regex(grammar: list[list[str]]) -> re.Pattern[str]:
    """A regex matching every string the grammar can produce (case-insensitive)."""
    body = "".join("(?:" + "|".join(re.escape(p) for p in sorted(part, key=len, reverse=True)) + ")"
                   for part in grammar)
    return re.compile(f"^{body}$", re.IGNORECASE)


def load_reserved_names(path: Path = RESERVED_NAMES_FILE) -> frozenset[str]:
    """Lower-cased real names and words our grammars must not produce."""
    names = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(line.lower())
    return frozenset(names)


def real_names_from_datapack() -> set[str]:
    """Every word and name in the data pack's WordNet (all lemmas, which include
    real people and places as instance nouns), Shakespeare's speakers and the
    Bible's capitalised words, lower-cased. Raises MissingSourceError if absent."""
    from engine import datapack

    words: set[str] = set()
    root = datapack.source_dir("wordnet")
    for fn in ("data.noun", "data.verb", "data.adj", "data.adv"):
        for line in open(root / fn, encoding="utf-8", errors="replace"):
            if line.startswith("  "):
                continue  # licence header
            parts = line.split(" | ")[0].split()
            for i in range(int(parts[3], 16)):
                lemma = re.sub(r"\(.*\)$", "", parts[4 + 2 * i])
                words.update(p.lower() for p in re.split(r"[_\-]", lemma) if p.isalpha())
    for path in datapack.source_dir("shakespeare").glob("**/*.md"):
        for m in re.finditer(r"^\*\*(.+?)\*\*\s*$", path.read_text(encoding="utf-8"), re.MULTILINE):
            words.update(w.lower() for w in re.findall(r"[A-Za-z]+", m.group(1)))
    import json

    with open(datapack.source_dir("bible") / "kjv.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                words.update(w.lower() for w in re.findall(r"\b[A-Z][a-z]+\b", json.loads(line)["text"]))
    return words


def curated_real_names() -> set[str]:
    """The hand-written part of the reserved list (common names and world cities)."""
    text = RESERVED_NAMES_FILE.read_text(encoding="utf-8")
    curated = text.split("# --- from the data pack", 1)[0]
    return {ln.split("#", 1)[0].strip().lower() for ln in curated.splitlines() if ln.split("#", 1)[0].strip()}


def grammar_collisions(words: set[str]) -> set[str]:
    """The real words that one of our name grammars could produce."""
    regexes = [grammar_regex(g) for g in GRAMMARS.values()]
    return {w for w in words if any(r.match(w) for r in regexes)}


def build_reserved_names(path: Path = RESERVED_NAMES_FILE) -> int:
    """Rewrite the data-pack section of the reserved list from the data pack (run
    once when a grammar changes; the committed file keeps generation offline and
    deterministic). Returns how many data-pack words were added."""
    head = path.read_text(encoding="utf-8").split("# --- from the data pack", 1)[0].rstrip("\n")
    found = sorted(grammar_collisions(real_names_from_datapack()))
    body = "\n".join(found)
    path.write_text(f"{head}\n# --- from the data pack: WordNet lemmas, Shakespeare speakers, Bible names that "
                    f"our grammars can produce ({len(found)})\n{body}\n", encoding="utf-8")
    return len(found)


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
    from engine.corpus import Document

    docs = world.documents if cutoff is None else world.documents_until(cutoff)
    docs = docs.sort_values(["date", "doc_id"])
    return [Document("world", d.doc_id, d.text) for d in docs.itertuples()]


# --- generation -------------------------------------------------------------------------------


class _Namer:
    """Draws names from the grammars; rejects reserved words and names already used."""

    def __init__(self, rng: random.Random, reserved: frozenset[str]):
        self.rng, self.reserved = rng, reserved
        self.used: set[str] = {w.lower() for w in OCCUPATIONS}
        self.rejected: Counter = Counter()
        self.rejected_examples: list[str] = []

    def draw(self, kind: str) -> str:
        for _ in range(10_000):
            name = "".join(self.rng.choice(part) for part in GRAMMARS[kind])
            low = name.lower()
            if low in self.reserved:
                self.rejected[kind] += 1
                if len(self.rejected_examples) < 20:
                    self.rejected_examples.append(name)
                continue
            if low in self.used:
                continue
            self.used.add(low)
            return name
        raise RuntimeError(f"the {kind} grammar ran out of fresh names")


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
    namer = _Namer(rng, reserved)
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
            event_years = [f["year"] for f in included if f["relation"] in ("moved_to", "mayor_of")]
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


RECAP_OPENINGS = ("In short: ", "", "Once more: ", "")


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
    namer = _Namer(rng, reserved)
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
