"""Invented names for the generated world, and the list of real names they must never be.

    namer = Namer(random.Random(0), load_reserved_names())
    namer.draw("town")        # "Kelvby": from the town grammar, not a real word, not used before

Names are built from syllable grammars (pieces joined left to right) and checked against
`engine/world/data/reserved_names.txt`: curated real names plus every real word or name in the
data pack that a grammar could produce (build_reserved_names rewrites that part).

Not handled: names in scripts other than Latin, or checking against sources outside the data pack.
"""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

from engine import datapack
from engine.world.phrasing import OCCUPATIONS

RESERVED_NAMES_FILE = Path(__file__).resolve().parent / "data" / "reserved_names.txt"

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


# --- drawing names --------------------------------------------------------------------------


class Namer:
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
