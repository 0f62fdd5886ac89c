"""First imports of heavy libraries, one thread at a time.

Streamlit runs every session's script on its own thread. On a freshly started server, thirty
readers opening pages at once imported numpy, pandas and torch from thirty threads together,
and Python's import locks sometimes handed a thread a half-initialised module ("partially
initialized module 'numpy' has no attribute 'ndarray'"). app.py calls warm() for the page it is
about to run (modules_for(its tier)), so every first import of these libraries happens under one lock, before any page
code touches them; once imported, warm() costs a dictionary lookup.
"""
from __future__ import annotations

import importlib
import sys
import threading

# What a page imports, in tiers; a page warms its tier and every tier before it.
TIERS = {
    "charts": ("numpy", "plotly.graph_objects"),  # every page draws a chart (home and glossary need no more)
    "data": ("pandas", "tokenizers", "tiktoken"),  # tables and tokenizers (the tokens page)
    "models": ("torch", "transformers", "safetensors.torch", "sklearn.linear_model"),  # pages that load models
}

_LOCK = threading.RLock()


def _ready(name: str) -> bool:
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def modules_for(tier: str) -> tuple[str, ...]:
    """The modules a page of `tier` imports: that tier's and every lighter tier's."""
    names: tuple[str, ...] = ()
    for name, modules in TIERS.items():
        names += modules
        if name == tier:
            return names
    raise KeyError(f"unknown import tier {tier!r}; one of {', '.join(TIERS)}")


def warm(names: tuple[str, ...]) -> None:
    """Import `names` (if not already imported) under the one lock."""
    if all(_ready(n) for n in names):
        return
    with _LOCK:
        for name in names:
            if not _ready(name):
                importlib.import_module(name)
