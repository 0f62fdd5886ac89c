"""What one reader's session holds on the next-token page, kept in a plain mapping (Streamlit's
session state on the page, a dict in tests): the prefix they write token by token, with undo,
and their private nudged copy of the model.

The microscope's state is {"source": the shared model, "lm": this reader's copy, "steps": n,
"result": the last NudgeResult}; the shared model is never changed. Not handled: several
microscopes per session, or undoing a gradient step (Reset starts again from the shared model).
"""
from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from engine import nudge
from engine.textinput import fix_surrogates

NUDGE_KEY = "nudge_state"


def repair_surrogates(state: MutableMapping, keys: Sequence[str]) -> bool:
    """Replace lone surrogates in the text under `keys` (they cannot go into the URL); True if any did."""
    repaired = False
    for key in keys:
        value = state.get(key)
        if isinstance(value, str) and value != fix_surrogates(value):
            state[key] = fix_surrogates(value)
            repaired = True
    return repaired


def append_text(state: MutableMapping, text: str, *, key: str, default: str, max_chars: int) -> str | None:
    """Add `text` to the prefix under `key`, remembering the old one for undo; a notice if it would not fit."""
    current = state.get(key, default) or ""
    if len(current) + len(text) > max_chars:
        return f"The prefix is at its {max_chars:,}-character limit; nothing was added."
    state.setdefault("gen_history", []).append(current)
    state[key] = current + text
    return None


def undo(state: MutableMapping, *, key: str) -> None:
    """Put back the prefix as it was before the last added token."""
    history = state.get("gen_history") or []
    if history:
        state[key] = history.pop()


def microscope(state: MutableMapping, shared_lm) -> dict | None:
    """This reader's microscope state for `shared_lm`; None before a step, or after the shared model reloaded."""
    current = state.get(NUDGE_KEY)
    return current if current is not None and current["source"] is shared_lm else None


def take_step(state: MutableMapping, shared_lm, prefix: str, target: nudge.Target, *, lr: float,
              related: list[str], watch: list[str] = ()) -> dict:
    """One gradient step on this reader's own copy (made on the first step), recorded in `state`."""
    current = microscope(state, shared_lm)
    if current is None:
        current = {"source": shared_lm, "lm": nudge.session_copy(shared_lm), "steps": 0, "result": None}
    current["result"] = nudge.nudge(current["lm"], prefix, target, lr=lr, related_prefixes=related, watch=watch)
    current["steps"] += 1
    state[NUDGE_KEY] = current
    return current


def reset(state: MutableMapping) -> None:
    """Drop this reader's copy: the microscope reads the shared model again."""
    state.pop(NUDGE_KEY, None)
