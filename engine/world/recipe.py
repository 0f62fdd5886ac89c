"""The generated world's build recipe and where its artifacts live: one world, one world BPE,
small GPTs trained on it (engine.world.build), and the fingerprint that ties a saved model to
the world regenerated today.

    world = generate_from(Recipe())     # the committed world (deterministic)
    world_fingerprint(world)            # sha256 over its documents and facts

Not handled: training or scoring (engine.world.build, engine.world.scoring).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from engine.paths import ASSETS_DIR
from engine.presets import get_preset
from engine.world.generate import generate_world

WORLD_DIR = ASSETS_DIR / "world"
MODELS_SUBDIR = "models"
MANIFEST_FILE = "manifest.json"
RESULTS_FILE = "results.json"
REBUILD_COMMAND = "python -m engine build world"


@dataclass(frozen=True)
class Recipe:
    # the world (engine.world.generate.generate_world keyword arguments)
    world: dict = field(default_factory=lambda: {
        "seed": 0, "n_people": 180, "buckets": [1, 2, 4, 8, 16, 32], "held_out": 30, "n_towns": 24,
        "n_orgs": 16, "move_rate": 0.6, "mayor_rate": 0.3, "event_buckets": [4, 8, 16]})
    vocab_size: int = 2048  # world BPE: every town, organisation and occupation one token
    # the model (GPT-2 shape)
    n_layer: int = 2
    n_embd: int = 96
    n_head: int = 4
    context: int = 128  # a whole short document fits, for the "document in the prompt" panel
    # training from scratch
    batch_size: int = 8
    lr: float = 3e-3
    warmup_steps: int = 50
    epochs: float = 12.0  # passes over the corpus (steps follow from its tokens)
    seeds: tuple = (0, 1, 2)
    # knowledge cutoffs: first trained from scratch up to cutoffs[0], then continued slice by slice
    cutoffs: tuple = (2028, 2032, 2036)
    continue_lr: float = 1.5e-3
    continue_epochs: float = 10.0  # passes over each new slice
    replay: float = 1.0  # earlier documents mixed in, as a multiple of the new slice's documents
    # recap documents (engine.world.generate.recap_documents: invented people, a fact restated at the end) per
    # world document in each cutoff stage; they teach the model to use a document placed in its prompt
    recap: float = 1.0
    max_minutes_per_model: float = 60.0  # safety bound (wall); a run stopped by it says so in its manifest
    threads: int = 1

    def preset(self):
        return get_preset("lab").with_(n_layer=self.n_layer, n_embd=self.n_embd, n_head=self.n_head,
                                       context=self.context, batch_size=self.batch_size, lr=self.lr,
                                       warmup_steps=self.warmup_steps)


QUICK = Recipe(
    world={"seed": 0, "n_people": 24, "buckets": [1, 4], "held_out": 6, "n_towns": 8, "n_orgs": 6,
           "move_rate": 0.6, "mayor_rate": 0.3, "event_buckets": [2, 4]},
    vocab_size=400, n_layer=1, n_embd=32, n_head=2, context=64, batch_size=4, epochs=1.0,
    seeds=(0, 1), cutoffs=(2030, 2035), continue_epochs=1.0, recap=0.3, max_minutes_per_model=1.0,
)


def world_fingerprint(world) -> str:
    """sha256 over the world's documents and facts: the same generator and
    arguments give the same fingerprint, so a saved model can check that the
    world regenerated today is the one it read."""
    h = hashlib.sha256()
    for d in world.documents.itertuples():
        h.update(f"{d.doc_id}\t{d.date}\t{d.text}\t{','.join(d.fact_ids)}\n".encode())
    for f in world.facts.itertuples():
        h.update(f"{f.fact_id}\t{f.subject}\t{f.relation}\t{f.answer}\t{f.date}\t{f.exposure}\t{f.held_out}\n".encode())
    return h.hexdigest()


def generate_from(recipe: Recipe):
    """The world a recipe describes (engine.world.generate.generate_world with its arguments)."""
    kw = dict(recipe.world)
    kw["buckets"] = tuple(kw["buckets"])
    if kw.get("event_buckets") is not None:
        kw["event_buckets"] = tuple(kw["event_buckets"])
    return generate_world(**kw)
