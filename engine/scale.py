"""How big a training run is: tokens seen and compute, set against published runs.

Compute is estimated as about 6 x parameters x tokens floating-point operations:
each token costs about 2 x N for the forward pass and 4 x N for the backward pass
(Kaplan et al. 2020, arXiv:2001.08361, section 2.1). Not handled: attention's own
cost (small next to 6N at these context lengths), mixture-of-experts models
(only their active parameters would count), and repeated epochs over the same data.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.models import ArtifactError, read_manifest

FLOPS_PER_PARAM_TOKEN = 6  # 2 forward + 4 backward, per parameter per token


def training_flops(params: float, tokens: float) -> float:
    """About 6 x parameters x tokens: the compute of one pass of training."""
    return FLOPS_PER_PARAM_TOKEN * float(params) * float(tokens)


@dataclass(frozen=True)
class ReferenceRun:
    name: str  # how the ruler labels it
    params: float  # parameters N
    tokens: float  # training tokens D
    year: int
    source: str  # where the numbers come from, short
    estimated: bool = False  # True where the paper does not state the figure and we estimate it

    @property
    def flops(self) -> float:
        return training_flops(self.params, self.tokens)


# Each figure is cited beside it. Parameters and tokens as the papers state them;
# compute is always our 6ND estimate, so every row is worked out the same way.
REFERENCE_RUNS: tuple[ReferenceRun, ...] = (
    # Karpathy, nanoGPT README and config/train_shakespeare_char.py: a 10.65M-parameter
    # character model, 5,000 iterations x 64 windows x 256 characters = 82M tokens.
    ReferenceRun("nanoGPT Shakespeare (chars)", 10.65e6, 5000 * 64 * 256, 2023,
                 "github.com/karpathy/nanoGPT, config/train_shakespeare_char.py"),
    # Radford et al. 2019, "Language Models are Unsupervised Multitask Learners": 1.5B
    # parameters on WebText (about 40 GB of text). The paper gives no token count; 40 GB
    # is roughly 10B GPT-2 tokens, and the number of passes is unpublished, so ~10B is an estimate.
    ReferenceRun("GPT-2 (1.5B)", 1.5e9, 10e9, 2019,
                 "Radford et al. 2019 (WebText ~40 GB; token count estimated)", estimated=True),
    # Brown et al. 2020, arXiv:2005.14165, Table 2.1 and D.1: 175B parameters, 300B tokens.
    ReferenceRun("GPT-3 (175B)", 175e9, 300e9, 2020, "Brown et al. 2020, arXiv:2005.14165, Table D.1"),
    # Hoffmann et al. 2022, arXiv:2203.15556, Table 1 and 3: 70B parameters, 1.4T tokens.
    ReferenceRun("Chinchilla (70B)", 70e9, 1.4e12, 2022, "Hoffmann et al. 2022, arXiv:2203.15556, Table 3"),
    # Touvron et al. 2023, arXiv:2307.09288, Table 1: Llama 2 models trained on 2.0T tokens.
    ReferenceRun("Llama 2 (70B)", 70e9, 2.0e12, 2023, "Touvron et al. 2023, arXiv:2307.09288, Table 1"),
    # Allal et al. 2025, arXiv:2502.02737 and the SmolLM2 model card: the 135M model saw 2T tokens.
    ReferenceRun("SmolLM2 (135M)", 135e6, 2e12, 2024, "Allal et al. 2025, arXiv:2502.02737"),
    # Meta, "Introducing Meta Llama 3" (April 2024): 8B and 70B pretrained on over 15T tokens.
    ReferenceRun("Llama 3 (8B)", 8e9, 15e12, 2024, "Meta AI blog, 'Introducing Meta Llama 3', 2024"),
    ReferenceRun("Llama 3 (70B)", 70e9, 15e12, 2024, "Meta AI blog, 'Introducing Meta Llama 3', 2024"),
    # Llama Team 2024, arXiv:2407.21783, section 3: 405B parameters on 15.6T tokens
    # (the paper itself reports 3.8e25 FLOPs; 6ND gives 3.8e25 too).
    ReferenceRun("Llama 3.1 (405B)", 405e9, 15.6e12, 2024, "Llama Team 2024, arXiv:2407.21783"),
)


def base_model_run() -> ReferenceRun | None:
    """Our committed base model as a ruler row, from its manifest; None when it is not built."""
    try:
        manifest = read_manifest("base")
    except ArtifactError:
        return None
    params, tokens = manifest.get("params"), manifest.get("tokens_seen")
    if not isinstance(params, (int, float)) or not isinstance(tokens, (int, float)) or params <= 0 or tokens <= 0:
        return None
    built = str(manifest.get("built_at", ""))[:4]
    return ReferenceRun("Our base model", float(params), float(tokens), int(built) if built.isdigit() else 0,
                        "assets/models/base/manifest.json")


def ruler_rows(run_params: float, run_tokens: float, *, run_name: str = "This run",
               include_base: bool = True) -> list[dict]:
    """Rows for a scale ruler, smallest compute first: name, params, tokens, flops, kind, source.

    kind is "this run", "ours" (our base model) or "published". A run that has
    seen no tokens yet is left out (a log scale has no place for zero).
    """
    rows = []
    if run_tokens > 0 and run_params > 0:
        rows.append({"name": run_name, "params": float(run_params), "tokens": float(run_tokens),
                     "flops": training_flops(run_params, run_tokens), "kind": "this run", "source": "",
                     "estimated": False})
    base = base_model_run() if include_base else None
    if base is not None:
        rows.append({"name": base.name, "params": base.params, "tokens": base.tokens, "flops": base.flops,
                     "kind": "ours", "source": base.source, "estimated": False})
    for ref in REFERENCE_RUNS:
        rows.append({"name": ref.name, "params": ref.params, "tokens": ref.tokens, "flops": ref.flops,
                     "kind": "published", "source": ref.source, "estimated": ref.estimated})
    return sorted(rows, key=lambda r: r["flops"])


def human(n: float) -> str:
    """A count in short words: 235K, 82M, 1.5B, 15.6T."""
    for suffix, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{suffix}"
    return f"{n:.3g}"


def times_smaller(small: float, big: float) -> str:
    """'1.2 million times', '3.4 billion times': how many of `small` make `big`, in words."""
    if small <= 0:
        return "infinitely many times"
    ratio = big / small
    for word, size in (("quadrillion", 1e15), ("trillion", 1e12), ("billion", 1e9), ("million", 1e6),
                       ("thousand", 1e3)):
        if ratio >= size:
            return f"{ratio / size:,.1f} {word} times"
    return f"{ratio:,.1f} times"
