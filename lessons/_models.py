"""Every shared model the pages use, loaded once per server and only ever read.

One st.cache_resource per kind of model, all here, so two pages asking for the same model get
the same object (before this module the base model was cached twice and SmolLM2 three times).
Anything that trains or nudges weights takes a copy of its own (copy.deepcopy) first; nothing
here may be changed in place.

Keys: a model is keyed by its name and the fingerprint of its manifest, so a rebuilt artifact
loads afresh and an unchanged one is shared.
"""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from lessons._ui import ensure_source


def _one_thread() -> None:
    """Readers' requests run side by side on a small machine: one torch thread each is faster."""
    from engine import probes

    probes.prefer_one_thread()


def _manifest_key(folder: Path) -> str:
    """What identifies a built artifact: its manifest's text (or the folder's absence)."""
    try:
        return (folder / "manifest.json").read_text()
    except OSError:
        return "missing"


# --- our base model and its snapshots -------------------------------------------------------------


@st.cache_resource(show_spinner="Loading our model (once per server)…", max_entries=8)
def _artifact(name: str, key: str):
    from engine.models import load_artifact

    _one_thread()
    return load_artifact(name)


def artifact(name: str = "base"):
    """Our committed model `name` (base, base-1m … base-8m); models.ArtifactError if missing or corrupt."""
    from engine.paths import ASSETS_DIR

    return _artifact(name, _manifest_key(ASSETS_DIR / "models" / name))


@st.cache_resource(show_spinner="Loading the stand-in model (once per server)…", max_entries=2)
def folder_model(folder: str, name: str, label: str):
    """A transformers model saved in a folder (tests point the next-token page at one)."""
    from engine import smollm

    _one_thread()
    return smollm.load_folder(folder, name=name, label=label)


@st.cache_resource(show_spinner="Downloading from the Hugging Face hub (once per server)…", max_entries=2)
def hub_model(name: str):
    """A hub model the reader opted into (engine.hub); hub.HubError if it cannot be had."""
    from engine import hub

    _one_thread()
    return hub.load(name)


# --- the generated world -------------------------------------------------------------------------------


def world_key(root: str | Path) -> str:
    """The world build's identity: its manifest (world fingerprint and every model's entry)."""
    return _manifest_key(Path(root))


@st.cache_resource(show_spinner="Generating the world (about a second)…", max_entries=2)
def world(root: str, key: str):
    """The generated world the models in `root` read (rebuilt from its seed; plain data)."""
    from engine.world import results as wr

    return wr.load_world(Path(root))


@st.cache_resource(show_spinner="Loading a world model (once per server)…", max_entries=8)
def world_model(name: str, root: str, key: str):
    """World model `name` of the build in `root`, shared and read-only."""
    from engine.world import results as wr

    _one_thread()
    return wr.load_world_model(name, Path(root))


# --- SmolLM2 -------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading SmolLM2 (once per server)…", max_entries=1)
def _smollm():
    from engine import smollm as smol

    _one_thread()
    return smol.load()


def smollm(*, purpose: str):
    """The one SmolLM2 every page shares, fetched and converted on demand with progress;
    None (the reason already shown) when it cannot be had."""
    from engine import smollm as smol

    if not smol.is_converted():
        if not ensure_source(smol.NAME, purpose=purpose):
            return None
        bar = st.progress(0.0, text="Converting SmolLM2 once (about a minute on two cores)…")
        try:
            smol.convert(progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
        except smol.SmolLMError as exc:
            st.error(str(exc), icon=":material/error:")
            return None
        finally:
            bar.empty()
    try:
        return _smollm()
    except smol.SmolLMError as exc:
        st.error(str(exc), icon=":material/error:")
        return None


def dumps_key(*parts) -> str:
    """A cache key from plain parts (manifest entries, fingerprints)."""
    return json.dumps(parts, sort_keys=True, default=str)
