"""The six ways to use a few labelled examples, in one registry keyed by stable ids.

Code names an approach by its id ("bow", "scratch", "ours-frozen", "ours-finetuned",
"smollm2-frozen", "minilm-frozen"); `label` is for display only. `stored` is the key that
results.json, the try-it manifests and the build's row cache have always used (schema 1,
display-like phrases such as "our base, fine-tuned"): the results reader and the try-it reader
map it to the id, the build writes it back, so committed files never need rewriting.
Not handled: approaches added at run time (the registry is this module's table).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Approach:
    id: str  # stable, for code, URLs and tests
    stored: str  # the key in results.json, try-it manifests and row-cache keys (schema 1)
    label: str  # short, for a legend
    description: str  # one plain line
    family: str  # "old way" (knows only the task's labels) or "pretrained"
    kind: str  # "bag-of-words", "trained" (weights change) or "frozen" (a linear probe on features)
    model: str | None  # the model whose weights it reads: "base", "smollm2", "minilm"; None for none
    colour: str  # a palette name of lessons/_charts.py
    slug: str  # try-it file stem: assets/transfer/tryit/<task>-<slug>.npz|.safetensors
    cost_note: str  # how the build counts its cost ({steps}, {batch} filled in); "" when not shown


APPROACHES: dict[str, Approach] = {a.id: a for a in (
    Approach("bow", "bag-of-words", "Bag-of-words",
             "Counts the words (and word pairs) of the labelled examples, then logistic regression: "
             "the old strong baseline, knows nothing else about language.", "old way", "bag-of-words", None,
             "BROWN", "bag-of-words", "TF-IDF + logistic regression; FLOPs not counted (no network)"),
    Approach("scratch", "from scratch", "From scratch",
             "The same small transformer as our base, randomly initialised and trained only on "
             "this task's labelled examples.", "old way", "trained", None, "RED", "from-scratch",
             "{steps} AdamW steps of {batch} examples (32 per class); FLOPs ≈ 6 × parameters × tokens read"),
    Approach("ours-frozen", "our base, frozen", "Our base, frozen",
             "Our base model reads each text unchanged; only a linear head on its averaged "
             "last layer is trained.", "pretrained", "frozen", "base", "TEAL", "our-base-frozen",
             "features of the 32-per-class examples (forward only, 2 × parameters × tokens; "
             "seconds at the rate measured when they were computed) + logistic regression"),
    Approach("ours-finetuned", "our base, fine-tuned", "Our base, fine-tuned",
             "A copy of our base plus a head, every weight trained on the labelled examples with "
             "exactly the from-scratch budget.", "pretrained", "trained", "base", "GREEN", "our-base-fine-tuned",
             "the same budget on a copy of our base"),
    Approach("smollm2-frozen", "SmolLM2, frozen", "SmolLM2-135M, frozen",
             "A real 135M-parameter decoder pretrained by next-token prediction (then instruction-"
             "tuned); a linear head on its averaged last layer.", "pretrained", "frozen", "smollm2", "BLUE",
             "smollm2-frozen", ""),
    Approach("minilm-frozen", "MiniLM, frozen", "MiniLM, frozen",
             "A real 22M-parameter BERT-family encoder, further trained to place similar sentences "
             "near each other; a linear head on its averaged token vectors.", "pretrained", "frozen", "minilm",
             "ORANGE", "minilm-frozen", ""),
)}
_BY_STORED = {a.stored: a.id for a in APPROACHES.values()}

OLD_WAY = tuple(k for k, a in APPROACHES.items() if a.family == "old way")
PRETRAINED = tuple(k for k, a in APPROACHES.items() if a.family == "pretrained")
TRAINED = tuple(k for k, a in APPROACHES.items() if a.kind == "trained")
FROZEN = tuple(k for k, a in APPROACHES.items() if a.kind == "frozen")
REAL_BASES = ("smollm2-frozen", "minilm-frozen")  # the pretrained models that are not ours


def approach_id(key: str) -> str:
    """The id of an approach named by its id or its stored key; any other name comes back unchanged
    (a results file may hold approaches this registry does not know; they are shown by name)."""
    return key if key in APPROACHES else _BY_STORED.get(key, key)


def get(key: str) -> Approach:
    """The approach named by its id or stored key; ValueError naming the known ids otherwise."""
    found = APPROACHES.get(approach_id(key))
    if found is None:
        raise ValueError(f"unknown approach {key!r}; known: {', '.join(APPROACHES)}")
    return found


def label(key: str) -> str:
    """The display label, or the name itself for an approach the registry does not know."""
    found = APPROACHES.get(approach_id(key))
    return found.label if found else key


def stored(key: str) -> str:
    """The key a results file or manifest stores for this approach (unknown names unchanged)."""
    found = APPROACHES.get(approach_id(key))
    return found.stored if found else key
