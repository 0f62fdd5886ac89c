"""Shared test set-up: the repository root is importable, and the data a test needs is fetched once.

Test lanes:
- `python -m pytest -m "not slow and not browser"`: the fast lane (under two minutes on two cores);
- `python -m pytest`: everything, as CI runs it.
A test that needs the data pack asks for the session fixture `data_pack` (fetched once, so a file
run alone gives the same result as in the full run); one that needs SmolLM2 asks for
`smollm2_gguf` (the file) or `smollm2` (converted as well). Away from CI a missing source skips
with the command that fetches it; under CI=true nothing skips for missing data or artifacts:
CI fetches the models too, and a skip whose reason names missing data becomes a failure.
"""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import datapack  # noqa: E402  (after the path is set)
from lanes import in_ci, skip_or_fail  # noqa: E402

CI_ALSO_FETCHES = ("smollm2", "minilm")  # not in the default set; CI fetches them for the tests that use them
# A skip whose reason contains one of these is about missing data or artifacts: a failure under CI.
MISSING_DATA_WORDS = ("python -m engine", "data pack", "not fetched", "not built", "is not here", "are not here")


@pytest.fixture(scope="session")
def data_pack() -> dict[str, Path]:
    """The default data-pack sources (and, under CI, SmolLM2 and MiniLM): name -> extracted folder."""
    names = list(datapack.DEFAULT_SET) + (list(CI_ALSO_FETCHES) if in_ci() else [])
    try:
        return {name: datapack.ensure(name) for name in names}
    except datapack.DataPackError as exc:
        skip_or_fail(f"data pack unavailable: {exc}")


@pytest.fixture(scope="session", autouse=True)
def _ci_fetches_everything(request):
    """Under CI, fetch before any test runs, so checks like smollm.gguf_available() see the files."""
    if in_ci():
        request.getfixturevalue("data_pack")


@pytest.fixture(scope="session")
def world():
    """The committed world build's generated world (engine.world.results caches it)."""
    from engine.world import results

    return results.load_world()


@pytest.fixture(scope="session")
def smollm2_gguf(data_pack) -> Path:
    """SmolLM2's GGUF file from the data pack (fetched under CI; a skip elsewhere if it is not here)."""
    from engine import smollm

    if not smollm.gguf_available():
        skip_or_fail("SmolLM2 GGUF not fetched: python -m engine data smollm2")
    return smollm.gguf_path()


@pytest.fixture(scope="session")
def smollm2(smollm2_gguf) -> Path:
    """SmolLM2 converted into the cache (about 40 s the first time), whatever ran before."""
    from engine import smollm

    return smollm.convert()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, a skip for missing data (the reason names a fetch or build command) is a failure."""
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and in_ci()) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(word in reason for word in MISSING_DATA_WORDS):
        report.outcome = "failed"
        report.longrepr = f"under CI=true nothing skips for missing data or artifacts: {reason}"
