"""Time to build the world models, as recorded by the build in assets/world/manifest.json.

    python benchmarks/world_build_time.py [--root assets/world]

Prints each model's steps, tokens, epochs, wall and CPU seconds, and the whole
build's. Wall seconds depend on what else the machine was doing; CPU seconds
are the build's own (one torch thread), the fairer figure on a shared machine.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from engine.world.recipe import WORLD_DIR
    from engine.world.results import read_manifest, world_model_names

    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=WORLD_DIR)
    args = ap.parse_args()
    m = read_manifest(args.root)
    print(f"world: {m['corpus_tokens']:,} tokens; built {m.get('built_at', '?')} on {m.get('machine', '?')} "
          f"({m.get('cpu_count', '?')} cores, {m.get('torch_threads', '?')} torch thread)")
    print(f"{'model':<13} {'cutoff':<11} {'steps':>6} {'tokens':>10} {'epochs':>6} {'wall s':>7} {'cpu s':>7}  trained on")
    for name in world_model_names(args.root):
        e = m["models"][name]
        print(f"{name:<13} {e['cutoff']:<11} {e['steps']:>6} {e['tokens_trained']:>10,} {e['epochs']:>6} "
              f"{e.get('train_seconds') or 0:>7.0f} {e.get('train_cpu_seconds') or 0:>7.0f}  {e['trained_on']}")
    print(f"probe scoring (all models): {m.get('score_seconds', 0):.0f} s wall")
    print(f"whole build: {m['build_seconds']:.0f} s wall ({m['build_seconds'] / 60:.1f} min), "
          f"{m.get('build_cpu_seconds', 0):.0f} s CPU ({m.get('build_cpu_seconds', 0) / 60:.1f} min)")


if __name__ == "__main__":
    main()
