"""The models the transfer experiments read, loaded once per process and only ever read.

`load("base")` (or a snapshot: "base-1m" ...) is our committed model, `load("smollm2")` the
converted SmolLM2, `load("minilm")` the (model, tokenizer) pair of MiniLM. The experiment, the
build's rows and try-it share these copies; a page passes its own shared copies instead
(`models={...}` everywhere), so a server never holds two. Anything that trains deep-copies first.
Not handled: unloading (a process keeps what it loaded; the build's workers are short-lived).
"""
from __future__ import annotations

import threading

from engine import smollm
from engine.models import load_artifact
from engine.transfer import features

_lock = threading.Lock()
_loaded: dict[str, object] = {}


def load(name: str):
    """The model `name` (a LoadedModel; for "minilm" a (model, tokenizer) pair), loaded once."""
    with _lock:
        if name not in _loaded:
            if name == "smollm2":
                _loaded[name] = smollm.load()
            elif name == "minilm":
                _loaded[name] = features.load_encoder()
            else:
                _loaded[name] = load_artifact(name)
        return _loaded[name]


def pick(name: str, models: dict | None):
    """models[name] when the caller supplied it (a page's shared copy, a test's stand-in), else load(name)."""
    return models[name] if models and name in models else load(name)
