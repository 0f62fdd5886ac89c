"""Seconds of the page's live transfer experiment per task, and the full build's seconds from
the committed results' manifest.

    python benchmarks/bench_transfer_live.py [--per-class 8 32] [--tasks topic sentiment spam] [--threads 1]

The live run must finish within 60 s (engine.transfer.live bounds it: a loop that would pass
the bound stops and says so, so "stopped early" in the output means the machine was too slow
for the full recipe). The first task's time includes loading our base (about a second).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--tasks", nargs="+", default=["topic", "sentiment", "spam"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from engine.transfer import approaches
    from engine.transfer import live as transfer_live
    from engine.manifest import built_at
    from engine.transfer import results as transfer_results
    from engine.tasks import load_task

    for task in args.tasks:
        load_task(task)  # reading the data pack is not the experiment
    print(f"live transfer experiment, {args.threads} torch thread(s), bound {args.max_seconds:.0f} s")
    print("| task | per class | seconds | stopped early | "
          + " | ".join(approaches.label(a) for a in transfer_live.LIVE_APPROACHES) + " |")
    print("|---|---|---|---|" + "---|" * len(transfer_live.LIVE_APPROACHES))
    for per_class in args.per_class:
        for task in args.tasks:
            t0 = time.perf_counter()
            rows = transfer_live.run_live(task, per_class, seed=0, max_seconds=args.max_seconds)
            seconds = time.perf_counter() - t0
            acc = {r["approach"]: f"{r['accuracy']:.3f} ({r['seconds']:.0f} s)" for r in rows}
            stopped = ", ".join(approaches.label(r["approach"]) for r in rows if r.get("stopped_early")) or "no"
            print(f"| {task} | {per_class} | {seconds:.1f} | {stopped} | "
                  + " | ".join(acc.get(a, "not run") for a in transfer_live.LIVE_APPROACHES) + " |", flush=True)
    try:
        m = transfer_results.load_results()["manifest"]
        print(f"\nfull build (assets/transfer/results.json): {m['build_seconds']:.0f} s wall on {m['machine']}, "
              f"{m['rows_reused_from_cache']} rows reused from earlier builds; sum of the rows' own seconds "
              f"{m.get('row_seconds_total') or 0:.0f} s; built {built_at(m)}")
    except transfer_results.TransferResultsError as exc:
        print(f"\nno committed build to report: {exc}")


if __name__ == "__main__":
    main()
