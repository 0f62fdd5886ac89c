"""The page table's import tiers, and warm(): first imports of heavy libraries, one thread at a time."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lessons import _imports
from lessons._site import HOME, PAGES, available_pages

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_names_a_known_tier_and_tiers_grow():
    for spec in (HOME, *PAGES):
        assert spec.imports in _imports.TIERS, spec
    charts, data, models = (_imports.modules_for(t) for t in ("charts", "data", "models"))
    assert set(charts) < set(data) < set(models)
    with pytest.raises(KeyError):
        _imports.modules_for("everything")


def test_warm_from_many_threads_at_once_imports_whole_modules():
    """Sixteen threads warming the same modules together all see them fully initialised."""
    code = textwrap.dedent("""
        import threading, sys
        sys.path.insert(0, ".")
        from lessons import _imports
        bad = []
        def visit():
            _imports.warm(_imports.modules_for("data"))
            import numpy, pandas
            if not hasattr(numpy, "ndarray") or not hasattr(pandas, "Series"):
                bad.append(1)
        threads = [threading.Thread(target=visit) for _ in range(16)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print("BAD", len(bad))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "BAD 0" in out.stdout


@pytest.mark.parametrize("spec", [p for p in available_pages() if p.imports != "models"], ids=lambda p: p.url_path)
def test_a_page_below_the_models_tier_imports_no_model_library(spec):
    """A page that says it needs no models must not pay for torch: app.py would not have warmed it."""
    code = textwrap.dedent(f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file("app.py", default_timeout=120).run()
        at.switch_page({spec.file!r})
        at.run()
        assert not at.exception, at.exception
        print("HEAVY=" + ",".join(m for m in ("torch", "transformers") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "HEAVY=\n" in out.stdout, f"{spec.file} imported {out.stdout.strip()}"
