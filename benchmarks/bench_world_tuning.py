"""Time the tuning experiment's pieces on the committed seed-0 world model, one torch thread:
classifying every fact, one tuning epoch, one evaluation, and the page's live demo.

    python benchmarks/bench_world_tuning.py [--demo-steps 200]

Prints CPU seconds (what the work costs on one core) beside wall seconds (what it
took on this machine, which other jobs may share).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(label: str, fn):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    print(f"{label:<48} cpu {time.process_time() - c0:7.2f} s   wall {time.perf_counter() - t0:7.2f} s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="seed-0")
    ap.add_argument("--demo-steps", type=int, default=200)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    from engine.world import results as world_results
    from engine.world import qa, tuning_live
    from engine.world import tuning as wt
    from engine.nudge import session_copy

    world = timed("load world", world_results.load_world)
    lm = timed(f"load world model {args.model}", lambda: world_results.load_world_model(args.model))
    cfg = wt.TuneConfig()
    n_facts = int(world.facts["relation"].isin(cfg.relations).sum())
    classified = timed(f"classify {n_facts} person facts (trained probe)",
                       lambda: wt.classify_facts(lm, world, relations=cfg.relations))
    split = wt.split_facts(classified, n_tune=cfg.n_tune, n_dev=cfg.n_dev, n_never_read=cfg.n_never_read,
                           dev_people=cfg.dev_people, seed=0, relations=cfg.relations)
    tuned = wt.mix_facts(split, "half")
    print("sizes:", {k: len(split[k]) for k in ("tune_known", "tune_unknown", "dev_known", "never_read")},
          split["shortfall"])
    copy = session_copy(lm)
    tuner = qa.QATuner(copy.model, qa.encode_pairs(copy.tokenizer, world, tuned), cfg)
    timed(f"one tuning epoch ({len(tuned)} pairs, batch {cfg.batch_size})", tuner.epoch)
    timed("one evaluation (tuned + dev + never read + cloze)", lambda: wt.evaluate(copy, world, split, tuned))
    timed("ask one question", lambda: qa.ask(copy, "Where was Nobody Atall born?"))
    res = timed(f"tune_demo (mix unknown, {args.demo_steps} steps)",
                lambda: tuning_live.tune_demo(lm, world, mix="unknown", steps=args.demo_steps, max_seconds=60))
    print(f"  demo: {res.steps} steps, stopped by {res.stopped_by}, {res.seconds:.1f} s wall")
    for a in res.answers:
        print(f"  {a.group:<18} {a.question!r}: truth {a.truth!r}, before {a.before!r}, after {a.after!r}")


if __name__ == "__main__":
    main()
