"""First imports of heavy libraries, one thread at a time.

Streamlit runs every session's script on its own thread. On a freshly started server, thirty
readers opening pages at once imported numpy, pandas and torch from thirty threads together,
and Python's import locks sometimes handed a thread a half-initialised module ("partially
initialized module 'numpy' has no attribute 'ndarray'"). app.py calls warm() for the page it is
about to run, so every first import of these libraries happens under one lock, before any page
code touches them; once imported, warm() costs a dictionary lookup.
"""
from __future__ import annotations

import importlib
import sys
import threading

LIGHT = ("numpy", "pandas", "plotly.graph_objects")  # nearly every page draws a chart
HEAVY = ("torch", "transformers", "tokenizers", "safetensors.torch", "sklearn.linear_model")  # pages with models

_LOCK = threading.RLock()


def _ready(name: str) -> bool:
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def warm(names: tuple[str, ...]) -> None:
    """Import `names` (if not already imported) under the one lock."""
    if all(_ready(n) for n in names):
        return
    with _LOCK:
        for name in names:
            if not _ready(name):
                importlib.import_module(name)
