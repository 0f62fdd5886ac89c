"""Feasibility of the generated world: a small world, a small BPE and a tiny GPT
trained briefly with engine.train, then every fact probed. Prints recall by exposure.

    python benchmarks/world_feasibility.py [--seconds 90] [--people 280]

Not a recipe: the numbers say the pipeline runs end to end and that recall
rises with exposure; the real world models are sized in a later build.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=90.0)
    ap.add_argument("--people", type=int, default=140)
    ap.add_argument("--held-out", type=int, default=20)
    ap.add_argument("--vocab", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    import numpy as np
    import pandas as pd
    import torch

    from engine import ourtokenizer
    from engine.world.knowledge import recall_by_exposure, score_world
    from engine.models import new_model, param_count
    from engine.presets import get_preset
    from engine.train import TrainConfig, train
    from engine.world.generate import generate_world, world_corpus

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    world = generate_world(seed=0, n_people=args.people, buckets=(1, 2, 4, 8, 16, 32), held_out=args.held_out,
                           n_towns=24, n_orgs=16)
    docs = world_corpus(world)
    print(f"world: {world.stats()}  ({time.perf_counter() - t0:.1f} s)")
    tok = ourtokenizer.train_bpe((d.text for d in docs), vocab_size=args.vocab)
    ids = ourtokenizer.encode_documents(tok, [d.text for d in docs])
    single = {k: sum(len(tok.encode(" " + a).ids) == 1 for a in v) / len(v) for k, v in world.answer_sets.items()}
    print(f"tokens: {len(ids):,}; answers that are one token: {single}")

    preset = get_preset("lab").with_(n_layer=2, n_embd=96, n_head=4, context=64)
    model = new_model(preset, tok.get_vocab_size(), seed=0)
    print(f"model: {param_count(model):,} params")
    cfg = TrainConfig(steps=100_000, batch_size=16, context=64, lr=3e-3, warmup_steps=30, eval_every=0,
                      max_seconds=args.seconds, time_schedule=True, callback_every=100)
    res = train(model, ids, None, cfg)
    print(f"trained {res.step} steps, {res.tokens_seen:,} tokens ({res.tokens_seen / len(ids):.1f} epochs) "
          f"in {res.elapsed:.0f} s; last loss {np.mean([l for _, l in res.train_losses[-20:]]):.3f}")

    lm = type("LM", (), {"model": model, "tokenizer": ourtokenizer.as_transformers(tok)})()
    t1 = time.perf_counter()
    results = score_world(lm, world)
    print(f"scored {len(results):,} probes in {time.perf_counter() - t1:.1f} s")
    pd.set_option("display.width", 200)
    table = recall_by_exposure(results[results.relation == "birth_town"])
    print("\nbirth town, by probe style and exposure (0 = never seen):")
    print(table.round(3).to_string(index=False))
    table = recall_by_exposure(results[results["style"] == "trained"], by=("relation",))
    print("\nall relations, trained phrasing:")
    print(table.pivot(index="relation", columns="exposure", values="accuracy").round(2).to_string())


if __name__ == "__main__":
    main()
