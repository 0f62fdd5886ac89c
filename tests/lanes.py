"""The test lanes' one rule about missing data: skip on a developer's machine, fail under CI=true.

Imported by tests/conftest.py (its fixtures) and by tests that check for data themselves.
"""
import os

import pytest

from engine.world.recipe import WORLD_DIR

# For test modules that read the committed world build (assets/world): `pytestmark = needs_world`.
# The reason names the build command, so under CI=true the skip is a failure (conftest's report hook).
needs_world = pytest.mark.skipif(not (WORLD_DIR / "manifest.json").is_file(),
                                 reason="world artifacts not built: python -m engine build world")


def in_ci() -> bool:
    """CI=true (or 1, yes): the run must prove everything, so nothing may skip for missing data."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip with `reason` (name the command that fetches or builds what is missing); under CI, fail."""
    if in_ci():
        pytest.fail(f"under CI=true nothing skips for missing data: {reason}", pytrace=False)
    pytest.skip(reason)
