"""What every manifest says about how it was built, defined once, and read back under any name.

Two builders used to write this under two sets of names: models.provenance wrote
built_at/git_commit, the transfer build created/commit. New manifests carry `provenance()`;
readers go through `built_at()` and `git_commit()`, which accept the older names too, so the
committed manifests in assets/ are read as they are, never rewritten.

Not handled: anything a builder records about its own work (steps, seeds, timings): that stays
the builder's. Cheap to import: library versions come from package metadata, not imports.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from importlib import metadata

from engine.paths import REPO_ROOT

# field -> what it says. Every manifest the engine writes carries these.
FIELDS = {
    "built_at": "UTC time the build finished writing, ISO 8601",
    "git_commit": "the repository's HEAD when it was built ('unknown' outside a clone)",
    "machine": "processor architecture and name",
    "cpu_count": "logical CPUs of the building machine",
    "torch_threads": "torch's CPU threads while building (None if torch was not loaded)",
    "python": "Python version",
    "torch": "torch version (None if not installed)",
    "transformers": "transformers version (None if not installed)",
}
# field -> older names it was written under (still read, never written).
OLDER_NAMES = {"built_at": ("created",), "git_commit": ("commit",)}


def now_utc() -> str:
    """The time stamp format of every manifest: 2025-01-31T12:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def current_commit() -> str:
    """HEAD of the repository, or 'unknown' (a copy without .git, no git installed)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return commit or "unknown"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def provenance() -> dict:
    """Where, when and with what something was built: the FIELDS, in that order."""
    torch = sys.modules.get("torch")  # a build that trains has loaded it; nobody else needs to
    return {
        "built_at": now_utc(),
        "git_commit": current_commit(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "python": platform.python_version(),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
    }


def field(manifest: dict, name: str, default=None):
    """manifest[name], or its value under an older name (OLDER_NAMES), or default."""
    for key in (name, *OLDER_NAMES.get(name, ())):
        if manifest.get(key) is not None:
            return manifest[key]
    return default


def built_at(manifest: dict) -> str | None:
    """When it was built ('created' in older transfer manifests)."""
    return field(manifest, "built_at")


def git_commit(manifest: dict) -> str | None:
    """The commit it was built from ('commit' in older transfer manifests)."""
    return field(manifest, "git_commit")
