"""Where the engine keeps things: the per-user cache and the committed assets.

The cache holds what is fetched or derived on a machine (data pack, tiktoken
files, converted models); assets/ holds what the repository commits.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from engine import settings

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = REPO_ROOT / "assets"

CACHE_ENV = settings.CACHE  # the variable's name, for messages


def cache_dir() -> Path:
    """The per-user cache folder; $PRETRAINING_EXPLORER_CACHE overrides it (read through engine.settings)."""
    override = settings.cache_override()
    if override:
        root = override
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(base) / "pretraining-explorer"
    root.mkdir(parents=True, exist_ok=True)
    return root


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary name beside `path`, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks (data-pack archives run to 100 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def replace_folder(new: Path, target: Path) -> None:
    """Put the finished folder `new` at `target` in one rename, never leaving half of either.

    `new` must sit on the same filesystem as `target` (make it beside it). A folder already at
    `target` is moved aside first and removed after, so a reader never sees a mix of old and
    new files; `new` is gone afterwards whether this succeeds or not.
    """
    target = Path(target)
    old = target.parent / f".{target.name}.old.{os.getpid()}"
    try:
        if target.exists():
            os.replace(target, old)
        os.replace(new, target)
    finally:
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(new, ignore_errors=True)
