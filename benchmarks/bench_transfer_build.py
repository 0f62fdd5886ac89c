"""Wall and CPU time of a cold `python -m engine build transfer` (the issue's budget: 30 minutes
beyond the base model on this machine).

    python benchmarks/bench_transfer_build.py [--workers 2] [-- extra build options]

Runs the build with --fresh (no row or feature computed by an earlier build is read), writing
into a temporary folder, so the committed assets/transfer/ stays as it is. Needs the data pack
(`python -m engine data all`) and the base snapshots in assets/models/. The full recipe takes
about half an hour; anything after `--` goes to the build (e.g. `-- --tasks spam --seeds 1`
for a quick look).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp:
        out = Path(tmp) / "results.json"
        cmd = [sys.executable, "-m", "engine", "build", "transfer", "--", "--fresh", "--workers", str(args.workers),
               "--out", str(out), "--tryit-dir", str(Path(tmp) / "tryit"), *extra]
        print("$ " + " ".join(cmd[1:]), flush=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True)
        wall = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        results = json.loads(out.read_text())
    m = results["manifest"]
    cpu = usage.ru_utime + usage.ru_stime
    print(f"\n| what | figure |\n|---|---|\n"
          f"| wall, whole command | {wall:.0f} s ({wall / 60:.1f} min; budget 30 min) |\n"
          f"| CPU, all processes | {cpu:.0f} s ({cpu / wall:.2f} cores busy on average) |\n"
          f"| build_seconds in the manifest | {m['build_seconds']:.0f} s |\n"
          f"| rows / checkpoint rows / skipped | {len(results['runs'])} / {len(results['checkpoints'])} / "
          f"{len(m.get('skipped', []))} |\n"
          f"| rows reused from earlier builds | {m['rows_reused_from_cache']} (cold: 0) |\n"
          f"| workers × torch threads | {m.get('workers', 1)} × {m['torch_threads']} |\n"
          f"| machine | {m['machine']} |")


if __name__ == "__main__":
    main()
