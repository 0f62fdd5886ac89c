"""Named recipes: a model's size and how to train it, one small dataclass each.

"tiny" is for tests and the DDP check, "lab" for the live lab page (a fresh
model learning pasted text in about a minute on 2 cores), "base" for the
committed base model (its numbers are chosen in docs/BASE_MODEL.md).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Preset:
    name: str
    # model (GPT-2 architecture)
    n_layer: int  # transformer blocks
    n_embd: int  # residual width C
    n_head: int  # attention heads; head size = n_embd // n_head
    context: int  # tokens per training window T (also n_positions)
    dropout: float = 0.0  # we are compute-bound, not data-bound: rarely worth it here
    # training
    batch_size: int = 16  # windows per step B (per process under DDP)
    lr: float = 3e-3  # peak learning rate (AdamW)
    min_lr_ratio: float = 0.1  # cosine decays to lr * min_lr_ratio
    warmup_steps: int = 50
    steps: int = 1000
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_every: int = 200  # steps between validation passes
    eval_windows: int = 16  # windows of `context` tokens per source per evaluation
    max_minutes: float | None = None  # wall-time bound; None: only steps
    threads: int | None = None  # torch CPU threads while training; None: torch's default
    seed: int = 1337

    def as_dict(self) -> dict:
        return asdict(self)

    def with_(self, **changes) -> "Preset":
        return replace(self, **changes)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset("tiny", n_layer=2, n_embd=32, n_head=2, context=32, batch_size=8, lr=1e-2,
               warmup_steps=5, steps=40, eval_every=20, eval_windows=4, threads=1),
        Preset("lab", n_layer=2, n_embd=96, n_head=4, context=64, batch_size=16, lr=3e-3,
               warmup_steps=20, steps=400, eval_every=50, eval_windows=8, max_minutes=1.0, threads=1),
        Preset("base", n_layer=4, n_embd=128, n_head=4, context=128, batch_size=32, lr=3e-3,
               warmup_steps=100, steps=8000, eval_every=250, eval_windows=64, max_minutes=50.0),
    ]
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"Unknown preset {name!r}; known: {', '.join(PRESETS)}") from None
