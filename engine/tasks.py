"""Labelled tasks for transfer learning: SMS spam, Rotten Tomatoes sentiment, BBC News topic.

Each task reads its data-pack files into `Example`s, removes exact duplicates, and splits
train/validation/test by a hash of each example's normalised text alone, so a split never
changes when code or file order changes, and any code can ask `is_test_text(text)`
(the pretraining corpus uses it to keep every test text out, duplicates included).

Not handled: near-duplicates (a retweeted SMS with one word changed stays twice), and
exact stratification. The hash ignores the label, so each label splits 70/10/20 in
expectation, up to sampling noise of a point or two (tests check the tolerance); that is
the price of splits that depend on nothing but the text.
"""
from __future__ import annotations

import bz2
import csv
import functools
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import datapack

SPLITS = ("train", "validation", "test")
SPLIT_FRACTIONS = {"train": 0.70, "validation": 0.10, "test": 0.20}
SPLIT_SALT = "pretraining-explorer/tasks/v1"  # changing it reshuffles every split: don't


@dataclass(frozen=True)
class Example:
    id: str  # unique within its task; for BBC "<label>/<file>", as engine.corpus names it
    text: str  # the raw text as read (not normalised)
    label: str


@dataclass(frozen=True)
class Task:
    name: str  # "spam", "sentiment", "topic"
    source: str  # data-pack source name
    labels: tuple[str, ...]  # in a fixed, meaningful order (negative class first)
    description: str  # plain words, for a page
    reader: Callable[[Path], Iterator[Example]]  # (data-pack folder) -> examples, duplicates included


@dataclass(frozen=True)
class TaskData:
    task: Task
    train: tuple[Example, ...]
    validation: tuple[Example, ...]
    test: tuple[Example, ...]
    report: dict = field(default_factory=dict)  # raw / duplicates_removed / conflicting_dropped / kept

    @property
    def labels(self) -> tuple[str, ...]:
        return self.task.labels

    def split(self, name: str) -> tuple[Example, ...]:
        return getattr(self, name)

    def balance(self) -> "pd.DataFrame":  # noqa: F821
        """Examples per label (rows) per split (columns), with a 'total' row and column."""
        import pandas as pd  # lazy: half a second to import, for one table a page shows

        table = pd.DataFrame(
            {s: [sum(e.label == lab for e in self.split(s)) for lab in self.labels] for s in SPLITS},
            index=pd.Index(self.labels, name="label"),
        )
        table["total"] = table.sum(axis=1)
        table.loc["total"] = table.sum(axis=0)
        return table


# --- text identity and the split ------------------------------------------------------

def normalise(text: str) -> str:
    """The identity of a text for dedupe and splitting: whitespace runs -> one space, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{SPLIT_SALT}:{normalise(text)}".encode("utf-8")).hexdigest()


def split_of_text(text: str) -> str:
    """'train', 'validation' or 'test', from the normalised text alone (no label, no task)."""
    u = int(text_hash(text)[:16], 16) / 2**64  # uniform in [0, 1)
    if u < SPLIT_FRACTIONS["test"]:
        return "test"
    if u < SPLIT_FRACTIONS["test"] + SPLIT_FRACTIONS["validation"]:
        return "validation"
    return "train"


def is_test_text(text: str) -> bool:
    """True if this text (after whitespace normalisation) would sit in a test split.

    Task-independent on purpose: a pretraining corpus can drop every such text without
    knowing which task it came from. It also flags texts that are in no task at all about
    20% of the time, so use it on task-sourced text, not to filter arbitrary prose.
    """
    return split_of_text(text) == "test"


# --- readers: (data-pack folder) -> examples ---------------------------------------------

def read_sms_spam(root: Path) -> Iterator[Example]:
    """spam_collection.csv: one message a line, 'ham|spam<TAB>text'. id = 'line/NNNNN' (1-based)."""
    with open(root / "spam_collection.csv", encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            label, _, text = line.partition("\t")
            if label in ("ham", "spam") and text.strip():
                yield Example(f"line/{number:05d}", text, label)


def read_rotten_tomatoes(root: Path) -> Iterator[Example]:
    """Columns category,text,movie_name,has_plot_and_reviews; category is fresh, rotten or
    plot (a film synopsis, not a review: skipped). id = 'row/NNNNN' (0-based data row)."""
    with bz2.open(root / "rotten_tomatoes_corpus_full.csv.bz2", "rt", encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.DictReader(f)):
            text = row.get("text") or ""
            if row["category"] in ("fresh", "rotten") and text.strip():
                yield Example(f"row/{number:05d}", text, row["category"])


def _read_text_any(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # the BBC files predate UTF-8 in places


def read_bbc_news(root: Path) -> Iterator[Example]:
    """Label folders of articles (first line the title); id = '<label>/<file>'. engine.corpus
    reads BBC through this function, so its document ids and cleaned text are exactly these."""
    for path in sorted(root.glob("*/*.txt")):
        text = _read_text_any(path).replace("\r\n", "\n").strip()
        text = re.sub(r"\n{3,}", "\n\n", text)
        if text:
            yield Example(f"{path.parent.name}/{path.name}", text, path.parent.name)


TASKS: dict[str, Task] = {
    "spam": Task(
        name="spam", source="sms-spam", labels=("ham", "spam"), reader=read_sms_spam,
        description="Is this text message spam? Real SMS messages from the UCI SMS Spam "
                    "Collection, mostly ordinary ones (ham) and about one in eight spam.",
    ),
    "sentiment": Task(
        name="sentiment", source="rotten-tomatoes", labels=("rotten", "fresh"), reader=read_rotten_tomatoes,
        description="Did the critic like the film? One-sentence review snippets from Rotten "
                    "Tomatoes, marked fresh (positive) or rotten (negative).",
    ),
    "topic": Task(
        name="topic", source="bbc-news", labels=("business", "entertainment", "politics", "sports", "tech"),
        reader=read_bbc_news,
        description="Which section of the news is this article from? Whole BBC News articles "
                    "(2004-2005) in five sections.",
    ),
}


# --- loading --------------------------------------------------------------------------

def dedupe(examples: Iterable[Example]) -> tuple[list[Example], dict]:
    """Keep the first copy of each normalised text; drop every copy of a text seen with two labels."""
    examples = list(examples)
    labels_of: dict[str, set[str]] = defaultdict(set)
    for e in examples:
        labels_of[normalise(e.text)].add(e.label)
    kept, seen = [], set()
    conflicting_copies = 0
    for e in examples:
        key = normalise(e.text)
        if len(labels_of[key]) > 1:
            conflicting_copies += 1
        elif key not in seen:
            seen.add(key)
            kept.append(e)
    report = {
        "raw": len(examples),
        "duplicates_removed": len(examples) - conflicting_copies - len(kept),
        "conflicting_texts": sum(len(v) > 1 for v in labels_of.values()),
        "conflicting_copies_dropped": conflicting_copies,
        "kept": len(kept),
    }
    return kept, report


def _task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; known: {', '.join(TASKS)}") from None


def _source_dir(source: str, fetch: bool) -> Path:
    return datapack.ensure(source) if fetch else datapack.source_dir(source)


@functools.lru_cache(maxsize=8)
def _read_raw(name: str, root: str) -> tuple[Example, ...]:
    return tuple(_task(name).reader(Path(root)))


def load_task(name: str, *, root: Path | None = None, fetch: bool = False) -> TaskData:
    """The task's deduplicated examples split by text hash; each split sorted by id.

    root overrides the data-pack folder (tests); fetch=True downloads a missing source
    instead of raising datapack.MissingSourceError (which names the fetch command).
    """
    task = _task(name)
    raw = _read_raw(name, str(root or _source_dir(task.source, fetch)))
    unknown = {e.label for e in raw} - set(task.labels)
    if unknown:
        raise ValueError(f"task {name!r}: labels {sorted(unknown)} are not in {task.labels}")
    kept, report = dedupe(raw)
    parts: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for e in kept:
        parts[split_of_text(e.text)].append(e)
    return TaskData(task, *(tuple(sorted(parts[s], key=lambda e: e.id)) for s in SPLITS), report=report)


def unlabelled_train_texts(name: str, **kw) -> list[str]:
    """The train split's texts, labels removed: what the pretraining corpus may see."""
    return [e.text for e in load_task(name, **kw).train]


def test_ids(name: str, **kw) -> set[str]:
    """Ids of every raw example whose text is a test text, removed duplicates included:
    excluding these ids (for BBC, corpus keys 'bbc-news/<id>') keeps every copy out."""
    task = _task(name)
    root = kw.get("root") or _source_dir(task.source, kw.get("fetch", False))
    return {e.id for e in _read_raw(name, str(root)) if is_test_text(e.text)}


test_ids.__test__ = False  # not a pytest test, despite the name


def test_leaks(texts: Iterable[str], name: str, **kw) -> list[str]:
    """The texts that equal (after whitespace normalisation) a test example of the task:
    empty for anything a model of this task may train on, pretraining corpus included."""
    test_texts = {normalise(e.text) for e in load_task(name, **kw).test}
    return [t for t in texts if normalise(t) in test_texts]


test_leaks.__test__ = False


def few_shot(train: Sequence[Example], per_class: int | None, seed: int = 0) -> list[Example]:
    """per_class examples of each label drawn with a seeded generator (all of a label if it
    has fewer; per_class=None: the whole list). Independent of the input's order."""
    if per_class is None:
        return sorted(train, key=lambda e: e.id)
    if per_class < 1:
        raise ValueError("per_class must be at least 1 (or None for all)")
    by_label: dict[str, list[Example]] = defaultdict(list)
    for e in sorted(train, key=lambda e: e.id):
        by_label[e.label].append(e)
    rng = np.random.default_rng(seed)
    out = []
    for label in sorted(by_label):
        pool = by_label[label]
        take = rng.choice(len(pool), size=min(per_class, len(pool)), replace=False)
        out.extend(pool[i] for i in sorted(take))
    return out


def label_counts(examples: Iterable[Example]) -> Counter:
    return Counter(e.label for e in examples)
