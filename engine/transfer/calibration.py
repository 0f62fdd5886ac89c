"""How far to trust a try-it confidence: each saved try-it classifier scored on its task's test subset.

For every task and every try-it classifier (engine.transfer.tryit, 32 labelled examples per class,
seed 0), label each text of the same fixed test subset the results use (stratified, seed 0, at
most 500) and group the answers by the confidence given: how often is an answer given at >= 99%
right? `python -m engine build transfer-calibration` writes assets/transfer/calibration.json (with its
manifest); `load` reads it for the page and `reading` says it in words.
Not handled: recalibrating the classifiers (temperature scaling); this only measures them.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from engine.paths import ASSETS_DIR, atomic_write_text

CALIBRATION_FILE = ASSETS_DIR / "transfer" / "calibration.json"
COMMAND = "python -m engine build transfer-calibration"
BINS = ((0.0, 0.7), (0.7, 0.9), (0.9, 0.99), (0.99, 1.01))  # confidence bins; the last is ">= 99%"


def bin_answers(answers: list[tuple[float, bool]]) -> dict:
    """answers: (confidence, right) per test text -> {n, right, bins: [{lo, hi, n, right}]}."""
    bins = [{"lo": lo, "hi": min(hi, 1.0), "n": 0, "right": 0} for lo, hi in BINS]
    for confidence, right in answers:
        for b, (lo, hi) in zip(bins, BINS):
            if lo <= confidence < hi:
                b["n"] += 1
                b["right"] += int(right)
                break
    return {"n": len(answers), "right": sum(int(r) for _, r in answers), "bins": bins}


def measure(tasks: list[str] | None = None, *, models: dict | None = None, log=print) -> dict:
    """Every try-it classifier on its task's test subset, binned by confidence (slow: one text at a time)."""
    from engine.manifest import provenance
    from engine.tasks import load_task
    from engine.transfer import tryit
    from engine.transfer.experiment import TEST_SUBSET, stratified_subset

    out = {}
    for task in tasks or list(tryit.read_manifest()["approaches"]):
        test = stratified_subset(load_task(task).test, TEST_SUBSET, seed=0)
        out[task] = {}
        for approach in tryit.available_approaches(task):
            t0 = time.perf_counter()
            answers = []
            for example in test:
                p = tryit.classify(task, example.text, models=models, approaches=[approach])[0]
                answers.append((p.confidence, p.label == example.label))
            out[task][approach] = bin_answers(answers)
            log(f"{task} {approach}: {out[task][approach]['right']}/{len(answers)} right "
                f"({time.perf_counter() - t0:.0f} s)")
    return {"tasks": out, "manifest": {**provenance(), "command": COMMAND, "tryit": tryit.trained_on(),
                                       "test": f"the results' test subset: stratified, seed 0, at most {TEST_SUBSET}"}}


def load(path: Path | None = None) -> dict | None:
    """The committed calibration (None if missing or unreadable: the page then says how to build it)."""
    try:
        return json.loads(Path(path or CALIBRATION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def sure_rate(entry: dict, lo: float = 0.99) -> tuple[int, int]:
    """(answers given at >= lo confidence, how many of them were right)."""
    chosen = [b for b in entry["bins"] if b["lo"] >= lo]
    return sum(b["n"] for b in chosen), sum(b["right"] for b in chosen)


def reading(entry: dict) -> str:
    """One classifier's calibration in words: 'When it says >99%, it is right N% of the time (k of n)'."""
    n, right = sure_rate(entry)
    overall = f"right on {100 * entry['right'] / entry['n']:.1f}% of the {entry['n']} test texts overall"
    if not n:
        return f"It never says >99% on the test texts; {overall}."
    return (f"When it says >99%, it is right {100 * right / n:.1f}% of the time ({right} of {n} test texts); "
            f"{overall}.")


def entries(task: str, path: Path | None = None) -> dict:
    """approach id -> binned answers for one task ({} when not built or not measured for that task)."""
    return ((load(path) or {}).get("tasks") or {}).get(task) or {}


def frame(by_approach: dict) -> dict[str, list]:
    """One row per approach: test texts answered in each confidence bin and the share of them right."""
    from engine.transfer.approaches import label

    def cell(b):
        return "—" if not b["n"] else f"{100 * b['right'] / b['n']:.0f}% of {b['n']}"
    cols: dict[str, list] = {"approach": [label(a) for a in by_approach]}
    for i, b in enumerate(BINS):
        name = f"right when ≥ {b[0]:.0%} sure" if b[0] >= 0.99 else f"right when {b[0]:.0%}–{b[1]:.0%} sure"
        cols[name] = [cell(e["bins"][i]) for e in by_approach.values()]
    cols["right overall"] = [f"{100 * e['right'] / e['n']:.1f}% of {e['n']}" for e in by_approach.values()]
    return cols


def main(argv: list[str] | None = None) -> int:
    """`python -m engine build transfer-calibration [-- TASK ...]`: measure and write the file."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m engine build transfer-calibration", description=__doc__.splitlines()[0])
    ap.add_argument("tasks", nargs="*", help="tasks to measure (default: all three)")
    args = ap.parse_args(argv)
    built = measure(args.tasks or None)
    atomic_write_text(CALIBRATION_FILE, json.dumps(built, indent=1) + "\n")
    print(f"wrote {CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
