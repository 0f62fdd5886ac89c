"""Probe scoring time on a committed world model: every probe of every fact, and
the single calls a page makes (one answer distribution, an invented name, a
document in the prompt).

    python benchmarks/world_probe_scoring.py [--model seed-0] [--repeats 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    import torch

    from engine.world import results as R
    from engine.world.knowledge import score_world

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="seed-0")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    world = R.load_world()
    t_world = time.perf_counter() - t0
    t0 = time.perf_counter()
    lm = R.load_world_model(args.model)
    t_model = time.perf_counter() - t0
    n = len(world.probes())
    t_all = best_of(lambda: score_world(lm, world), 1)
    fact = world.facts[world.facts.relation == "birth_town"].iloc[0].fact_id
    t_one = best_of(lambda: R.answer_distribution(lm, world, fact), args.repeats)
    t_inv = best_of(lambda: R.invented_person_answers(lm, world, "Dara Voskell", "birth_town"), args.repeats)
    ev = R.events_after(world, "2028-12-31").iloc[0]
    doc = R.post_cutoff_document(world, ev.fact_id)["text"]
    t_ctx = best_of(lambda: R.with_context(lm, world, doc, ev.fact_id), args.repeats)
    print(f"regenerate the world (first call): {t_world:.2f} s; load {args.model}: {t_model:.2f} s")
    print(f"score every probe ({n:,} probes, {len(world.facts):,} facts): {t_all:.1f} s "
          f"({1000 * t_all / n:.2f} ms per probe)")
    print(f"one answer distribution: {1000 * t_one:.0f} ms; invented name: {1000 * t_inv:.0f} ms; "
          f"document in the prompt (two distributions + two weight hashes): {1000 * t_ctx:.0f} ms")


if __name__ == "__main__":
    main()
