"""Optional models from the Hugging Face hub (gpt2, distilgpt2), only when the
reader opts in and this machine can reach the hub.

Nothing here touches the network at import time; `reachable()` is a short,
explicit check. Not handled: gated models, tokens, proxies that need auth.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from engine.models import MODEL_LOCK
from engine.smollm import loaded_model

HUB_URL = "https://huggingface.co"

# selector name -> (repo id, label). Labelled as coming from the hub, with what they are.
HUB_MODELS: dict[str, tuple[str, str]] = {
    "hub:gpt2": ("openai-community/gpt2", "GPT-2 small (124M base model, from the Hugging Face hub)"),
    "hub:distilgpt2": ("distilbert/distilgpt2", "DistilGPT-2 (82M base model, from the Hugging Face hub)"),
}

_cache: dict[str, tuple[float, "HubStatus"]] = {}
_CACHE_SECONDS = 60.0


class HubError(RuntimeError):
    """A hub model could not be had; the message is meant for the reader."""


@dataclass(frozen=True)
class HubStatus:
    ok: bool
    message: str


OFFLINE_MESSAGE = (
    "This machine cannot reach the Hugging Face hub, so hub models are not offered. "
    "The offline models (ours and SmolLM2) still work."
)


def reachable(*, timeout: float = 3.0, url: str = HUB_URL) -> HubStatus:
    """One short HEAD request to the hub (result kept for a minute)."""
    now = time.monotonic()
    hit = _cache.get(url)
    if hit and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    try:
        req = urllib.request.Request(url + "/api/models/openai-community/gpt2", method="HEAD")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            ok = 200 <= resp.status < 400
        status = HubStatus(ok, "The hub is reachable." if ok else OFFLINE_MESSAGE)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        status = HubStatus(False, f"{OFFLINE_MESSAGE} ({type(exc).__name__})")
    _cache[url] = (now, status)
    return status


def load(name: str):
    """Download (or reuse transformers' own cache of) a hub model, float32, eval."""
    if name not in HUB_MODELS:
        raise HubError(f"Unknown hub model {name!r}.")
    repo, label = HUB_MODELS[name]
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        with MODEL_LOCK:  # see engine.models.MODEL_LOCK
            model = AutoModelForCausalLM.from_pretrained(repo, dtype=torch.float32).eval()
        tokenizer = AutoTokenizer.from_pretrained(repo)
    except Exception as exc:  # offline, timeout, disk full, ...
        raise HubError(f"Could not load {repo} from the hub ({type(exc).__name__}: {exc}). {OFFLINE_MESSAGE}") from None
    return loaded_model(name=name, label=label, model=model, tokenizer=tokenizer,
                         manifest={"source": f"{HUB_URL}/{repo}", "kind": "base model from the hub"})
