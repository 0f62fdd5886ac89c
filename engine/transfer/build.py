"""`python -m engine build transfer`: measure transfer learning and write assets/transfer/.

For each task (topic, sentiment, spam) and each approach (engine.transfer.approaches), train on
a seeded few-shot sample at several labelled-examples-per-class counts and score on the same
fixed test subset; then our base's snapshots at increasing pretraining tokens at 32 labels
per class; then the costs. Writes, atomically:
- assets/transfer/results.json: rows, checkpoint rows, task facts, costs, recipe, manifest
  (read by engine.transfer.results; approaches under their schema-1 stored keys);
- assets/transfer/tryit/: the classifiers trained at 32 labels per class, seed 0, that the
  page's "try it" box uses (written by engine.transfer.tryit_files, read by engine.transfer.tryit).

This module is the CLI and the composition: which rows, in which order, and the results file
around them. One row is engine.transfer.rows (settings, row cache, RowBuilder); several worker
processes are engine.transfer.pool.

Budgets (documented in docs/TRANSFER.md): the two trained approaches get the same 100 AdamW
steps of 16 examples at a fixed peak lr of 1e-3 (the earlier validation grid picked 1e-3 in
12 of 18 runs, and its one 3e-3 pick was the worst row); bag-of-words and the frozen probes
are cheap and run at every count. Features are cached on disk (engine.transfer.features), and each
finished row in cache_dir()/transfer/rows.jsonl keyed by everything it depends on (weights'
sha256 included), so an interrupted or repeated build only computes what is new.
--max-minutes stops starting trained runs past a wall-time bound; what was skipped is
listed in the manifest, never silently dropped.

--workers N (the CLI's default: 2, one per core of this machine) spreads the rows over N
processes of one torch thread each (engine.transfer.pool); the results are the same rows a
one-process build computes. Not handled: GPUs, tuning heads on the real bases.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine import datapack, smollm
from engine.manifest import provenance
from engine.models import read_manifest
from engine.paths import ASSETS_DIR, atomic_write_text, cache_dir
from engine.transfer import features
from engine.transfer.approaches import APPROACHES, TRAINED, approach_id, stored
from engine.transfer.baselines import majority_class
from engine.transfer.pool import run_parallel, torch_threads
from engine.transfer.results import RESULTS_DIR, SCHEMA, stored_form
from engine.transfer.rows import TRYIT_PER_CLASS, TRYIT_SEED, BuildConfig, RowBuilder, RowCache, count_label
from engine.transfer.tryit_files import summary_of

TRYIT_DIR = RESULTS_DIR / "tryit"
# Published pretraining scale of the real bases (docs/TRANSFER.md cites the model cards).
PUBLISHED = [
    {"model": "SmolLM2-135M", "params": 135e6, "tokens": 2e12, "flops": 6 * 135e6 * 2e12,
     "note": "2 trillion tokens (FineWeb-Edu, DCLM, The Stack and others) per its model card; "
             "FLOPs ≈ 6 × 135M × 2T. The offline copy is the Instruct model: also SFT- and DPO-tuned after that."},
    {"model": "all-MiniLM-L6-v2", "params": 22.7e6, "tokens": None, "flops": None,
     "note": "MiniLM-L6-H384 (6 of the 12 layers of Microsoft's MiniLM, itself distilled from a larger "
             "BERT-style teacher), then contrastively trained on over 1 billion sentence pairs per its model "
             "card (100k steps × 1,024 pairs); its pretraining token count is not stated there, so no FLOPs."},
]


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}, Python {platform.python_version()}"


def _available_approaches(approaches, log) -> tuple[list[str], list[str]]:
    keep, notes = [], []
    for a in approaches:
        if a == "smollm2-frozen" and not smollm.is_converted() and not smollm.gguf_available():
            notes.append("SmolLM2 skipped: its data-pack source is not here (python -m engine data smollm2)")
            continue
        if a == "minilm-frozen" and not datapack.is_available("minilm"):
            notes.append("MiniLM skipped: its data-pack source is not here (python -m engine data minilm)")
            continue
        keep.append(a)
    for n in notes:
        log(n)
    return keep, notes


def task_facts(data, evaluate_on) -> dict:
    floor = majority_class(evaluate_on)
    gold = [e.label for e in evaluate_on]
    commonest = max(sorted(set(gold)), key=gold.count)
    count = lambda xs: {lab: sum(e.label == lab for e in xs) for lab in data.labels}  # noqa: E731
    return {"labels": list(data.labels), "description": data.task.description,
            "chance": {"accuracy": floor.accuracy, "macro_f1": floor.macro_f1, "label": commonest},
            "train_size": len(data.train), "validation_size": len(data.validation),
            "test_size": len(evaluate_on), "test_size_full": len(data.test),
            "per_class_train": count(data.train), "per_class_test": count(evaluate_on),
            "per_class_test_full": count(data.test)}


def build(config: BuildConfig, *, tasks: dict | None = None, models: dict | None = None,
          row_cache: RowCache | None = None, tryit_dir: Path | None = None, log=print, progress=True) -> dict:
    """Run the experiments of `config` and return the results dict (not written; approaches by
    id: main writes results.stored_form of it)."""
    from tqdm import tqdm  # only the build's progress bar needs it

    b = RowBuilder(config, tasks=tasks, models=models, row_cache=row_cache, tryit_dir=tryit_dir, log=log)
    c = config
    approaches = [approach_id(a) for a in c.approaches]
    notes = list(c.notes)
    if models is None or not {"smollm2", "minilm"} <= set(models):
        approaches, missing = _available_approaches(approaches, log)
        notes += missing
    checkpoints = []
    for name in c.checkpoints:
        if name in b.models or (ASSETS_DIR / "models" / name / "manifest.json").is_file():
            checkpoints.append(name)
        else:
            notes.append(f"checkpoint {name} not found (`python -m engine build base` writes it)")

    # the jobs, most important first (a --max-minutes bound cuts from the end): every approach
    # at 32 per class (the headline comparison and the try-it classifiers), the snapshots,
    # the cheap approaches at the other counts, the real decoder (slow features) at the other
    # counts, the trained approaches at the other counts, the real decoder on whole splits
    jobs: list[tuple] = []  # (kind, task, approach, per_class, seed, base)

    def add_runs(select, counts_of):
        for task in c.tasks:
            for a in approaches:
                if select(a):
                    for k in counts_of(a):
                        for seed in (c.seeds[:1] if k is None and a not in TRAINED else c.seeds):
                            jobs.append(("run", task, a, k, seed, "base"))  # whole split: one sample

    counts = lambda a: c.trained_per_class if a in TRAINED else c.per_class  # noqa: E731
    cheap = lambda a: a not in TRAINED and a != "smollm2-frozen"  # noqa: E731
    if not c.checkpoints_only:
        add_runs(lambda a: True, lambda a: [k for k in counts(a) if k == TRYIT_PER_CLASS])
    ck_approaches = [a for a in ("ours-finetuned", "ours-frozen") if a in approaches]
    for task in c.checkpoint_tasks:
        if task not in c.tasks:
            continue
        for name in checkpoints:
            for a in ck_approaches:
                if name == "base" and not c.checkpoints_only and c.checkpoint_per_class in counts(a) \
                        and set(c.checkpoint_seeds) <= set(c.seeds):
                    continue  # the main curve's rows are this checkpoint's
                for seed in c.checkpoint_seeds:
                    jobs.append(("ckpt", task, a, c.checkpoint_per_class, seed, name))
    if not c.checkpoints_only:
        add_runs(cheap, lambda a: [k for k in c.per_class if k != TRYIT_PER_CLASS])
        add_runs(lambda a: a == "smollm2-frozen", lambda a: [k for k in c.per_class if k not in (None, TRYIT_PER_CLASS)])
        add_runs(lambda a: a in TRAINED, lambda a: [k for k in c.trained_per_class if k != TRYIT_PER_CLASS])
        add_runs(lambda a: a == "smollm2-frozen", lambda a: [k for k in c.per_class if k is None])

    saves = [c.tryit and kind == "run" and k == TRYIT_PER_CLASS and seed == TRYIT_SEED
             for kind, task, a, k, seed, base in jobs]
    parallel = c.workers > 1 and not c.cached_only
    pre = run_parallel(b, jobs, saves, workers=c.workers, progress=progress) if parallel else {}
    runs, ck_rows = [], []
    bar = tqdm(jobs, desc="build transfer", unit="run", disable=not progress or parallel, file=sys.stderr)
    for i, (kind, task, a, k, seed, base) in enumerate(bar):
        bar.set_postfix_str(f"{task} | {a} | {count_label(k)} | seed {seed}" + (f" | {base}" if kind == "ckpt" else ""))
        if parallel:
            row = pre.get(i, "not run")
            if isinstance(row, str):
                b.skipped.append(f"{kind} {task} {stored(a)} {count_label(k)} seed {seed} {base} ({row})")
                continue
        else:
            if a != "bag-of-words" and b.out_of_time():
                b.skipped.append(f"{kind} {task} {stored(a)} {count_label(k)} seed {seed} {base}")
                continue
            row = b.run(task, a, k, seed, base=base, save_tryit=saves[i] and not c.cached_only)
            if row is None:
                b.skipped.append(f"{kind} {task} {stored(a)} {count_label(k)} seed {seed} {base} (not computed)")
                continue
        row = b.with_feature_time(row)
        if kind == "run":
            runs.append(row)
        else:
            ck_rows.append(row)
    bar.close()
    if b.skipped:
        notes.append(f"{len(b.skipped)} runs not in these results (time bound or --cached-only; listed under skipped)")

    # checkpoint rows: snapshots, plus the main curve's rows for the final base
    def manifest_of(name):
        m = b.models.get(name)
        if m is not None and getattr(m, "manifest", None):
            return m.manifest
        return read_manifest(name)

    checkpoint_rows = []
    from_ck = {(r["task"], r["approach"], r["seed"]) for r in ck_rows if r.get("base", "base") == "base"}
    for r in ck_rows + [r for r in runs if r["approach"] in ck_approaches and r["per_class"] == c.checkpoint_per_class
                        and r["seed"] in c.checkpoint_seeds and r["task"] in c.checkpoint_tasks
                        and "base" in checkpoints and (r["task"], r["approach"], r["seed"]) not in from_ck]:
        m = manifest_of(r.get("base", "base"))
        checkpoint_rows.append(dict(r, checkpoint=r.get("base", "base"), tokens_seen=int(m.get("tokens_seen", 0)),
                                    val_loss=m.get("val_loss")))

    # task facts, costs
    facts = {t: task_facts(b.data(t), b.test_subset(t)) for t in c.tasks}
    cost = costs(b, runs, checkpoints)
    results = {
        "schema": SCHEMA,
        "runs": runs,
        "checkpoints": checkpoint_rows,
        "tasks": facts,
        "cost": cost,
        "tryit": b.tryit.summary() if c.tryit else summary_of(TRYIT_DIR),
        "recipe": recipe(c, approaches),
        "manifest": manifest(b, c, notes, checkpoints),
    }
    results["manifest"]["row_seconds_total"] = float(sum(r.get("seconds") or 0 for r in runs + ck_rows))
    results["manifest"]["row_cpu_seconds_total"] = float(sum(r.get("cpu_seconds") or 0 for r in runs + ck_rows))
    if c.tryit:
        write_tryit_manifest(b)
    elif c.cached_only and c.adopt_tryit and (TRYIT_DIR / "tokenizer.json").is_file():
        b.tryit.adopt(TRYIT_DIR, {t: list(b.data(t).labels) for t in c.tasks}, fingerprint=b.fingerprint,
                      base_config=b.model("base").model.config)
        write_tryit_manifest(b)
        results["tryit"] = summary_of(TRYIT_DIR)
    return results


def write_tryit_manifest(b: RowBuilder) -> None:
    if b.tryit.folder is not None and b.tryit.entries:
        b.tryit.write_manifest(b.model("base"), base_sha256=b.fingerprint("base"), max_tokens=b.c.max_tokens)


def costs(b: RowBuilder, runs: list[dict], checkpoints: list[str]) -> dict:
    out: dict = {"per_task": [], "published": PUBLISHED, "pretraining": None}
    m = b.models["base"].manifest if "base" in b.models else read_manifest("base")
    if m and m.get("tokens_seen"):
        params = int(m.get("params") or b.params("base"))
        out["pretraining"] = {"model": "base", "params": params, "tokens_seen": int(m["tokens_seen"]),
                              "train_seconds": m.get("train_seconds"), "flops": 6 * params * int(m["tokens_seen"]),
                              "machine": "the 2-core development machine, 1 torch thread, shared"}
    notes = {k: APPROACHES[k].cost_note for k in ("scratch", "ours-finetuned", "ours-frozen", "bow")}
    frozen = {k for k, a in APPROACHES.items() if a.kind == "frozen"}
    for task in {r["task"] for r in runs}:
        for a, note in notes.items():
            rows = [r for r in runs if r["task"] == task and r["approach"] == a and r["per_class"] == TRYIT_PER_CLASS]
            if rows:
                # a probe's cost: its training examples' features at the rate measured when they were
                # computed (its own cpu_seconds miss them when another job computed them first) + the fit
                cpu = [r["seconds"] if a in frozen else r["cpu_seconds"] for r in rows
                       if (r.get("feature_seconds_per_text") is not None if a in frozen
                           else r.get("cpu_seconds") is not None)]
                out["per_task"].append({"task": task, "approach": a,
                                        "seconds": float(np.mean([r["seconds"] for r in rows])),
                                        "cpu_seconds": float(np.mean(cpu)) if len(cpu) == len(rows) else None,
                                        "flops": (float(np.mean([r["flops"] for r in rows]))
                                                  if rows[0].get("flops") is not None else None),
                                        "note": note.format(steps=b.c.steps, batch=b.c.batch_size)})
    return out


def recipe(c: BuildConfig, approaches) -> dict:
    return {"approaches": list(approaches), "per_class": [count_label(k) for k in c.per_class],
            "trained_per_class": [count_label(k) for k in c.trained_per_class], "seeds": list(c.seeds),
            "checkpoints": list(c.checkpoints), "checkpoint_tasks": list(c.checkpoint_tasks),
            "checkpoint_per_class": c.checkpoint_per_class, "checkpoint_seeds": list(c.checkpoint_seeds),
            "trained_budget": {"steps": c.steps, "batch_size": c.batch_size, "lr": c.lr, "warmup_steps": 10,
                               "schedule": "linear warm-up then cosine to 0.1 × lr", "weight_decay": 0.01,
                               "grad_clip": 1.0, "optimizer": "AdamW (0.9, 0.999)",
                               "head": "linear on the attention-masked mean of the last hidden layer"},
            "probe": "standardised features, logistic regression C=1 (sklearn, lbfgs)",
            "bag_of_words": "TF-IDF of words and word pairs (sublinear tf), logistic regression C=10",
            "test": f"a fixed stratified subset of at most {c.test_size} test examples per task (seed 0), the same "
                    f"for every approach and seed",
            "max_tokens": c.max_tokens, "quick": c.quick,
            "command": "python -m engine build transfer" + (" --quick" if c.quick else "")}


def manifest(b: RowBuilder, c: BuildConfig, notes: list[str], checkpoints: list[str]) -> dict:
    data_pack = {}
    try:
        for t in c.tasks:
            src = b.data(t).task.source
            if src:
                marker = datapack.source_dir(src) / ".datapack.json"
                if marker.is_file():
                    data_pack[src] = json.loads(marker.read_text()).get("sha256")
    except Exception:
        pass
    ck = {}
    for name in checkpoints:
        try:
            ck[name] = {"sha256": b.fingerprint(name)}
        except Exception:
            pass
    return {**provenance(), "machine": _machine(), "torch_threads": torch_threads(), "workers": c.workers, "build_seconds": time.perf_counter() - b.t_start,
            "rows_reused_from_cache": b.cache.reused,
            "row_seconds_total": None,
            "features": dict(features.stats), "data_pack": data_pack,
            "base_sha256": b.fingerprints.get("base"), "checkpoints": ck, "skipped": b.skipped, "notes": notes}


def parse(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m engine build transfer", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a tiny run (CI/tests): 2 tasks' worth of seconds; needs --out")
    p.add_argument("--out", help="results file (default assets/transfer/results.json; required with --quick)")
    p.add_argument("--tasks", nargs="+")
    p.add_argument("--approaches", nargs="+", help="ids: " + ", ".join(APPROACHES))
    p.add_argument("--seeds", type=int, help="number of seeds (0..N-1); default 3")
    p.add_argument("--per-class", nargs="+", help="counts for bag-of-words and the probes ('all' = whole split)")
    p.add_argument("--trained-per-class", nargs="+", help="counts for from-scratch and fine-tuned")
    p.add_argument("--checkpoints", nargs="*", help="base snapshots (default base-1m base-2m base-4m base-8m base)")
    p.add_argument("--checkpoint-tasks", nargs="*")
    p.add_argument("--steps", type=int, help="optimiser steps of the trained approaches (default 100)")
    p.add_argument("--test-size", type=int, help="test examples scored per task (default 500)")
    p.add_argument("--max-minutes", type=float,
                   help="after this many minutes start no trained run (with --workers 1: no run but bag-of-words)")
    p.add_argument("--checkpoints-only", action="store_true",
                   help="only the snapshot rows, into the row cache (a later build reuses them)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: the machine is shared)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes computing rows, one torch thread each (default: 2, or 1 on a one-core machine)")
    p.add_argument("--fresh", action="store_true",
                   help="compute everything again, as on a new machine: rows and features cached by earlier "
                        "builds are not read (nor added to)")
    p.add_argument("--no-tryit", action="store_true", help="do not write the try-it classifiers")
    p.add_argument("--tryit-dir", help="where the try-it classifiers go (default: tryit/ beside --out)")
    p.add_argument("--cached-only", action="store_true",
                   help="compose the results from rows earlier builds finished; list the rest as skipped")
    p.add_argument("--adopt-tryit", action="store_true",
                   help="with --cached-only: write the try-it manifest for the classifiers an interrupted build saved")
    return p.parse_args(argv)


def _counts(values) -> tuple:
    return tuple(None if v == "all" else int(v) for v in values)


def config_from_args(a: argparse.Namespace) -> BuildConfig:
    c = BuildConfig()
    if a.quick:
        c = replace(c, per_class=(8, 16), trained_per_class=(8, 32), seeds=(0, 1), checkpoints=("base",),
                    checkpoint_tasks=("spam",), checkpoint_seeds=(0, 1), steps=8, test_size=40,
                    approaches=("bow", "scratch", "ours-frozen", "ours-finetuned"),
                    tasks=("spam", "sentiment"), quick=True, tryit=False)
    if a.tasks:
        c.tasks = tuple(a.tasks)
        c.checkpoint_tasks = tuple(t for t in c.checkpoint_tasks if t in c.tasks)
    if a.approaches:
        c.approaches = tuple(approach_id(x) for x in a.approaches)
    if a.seeds:
        c.seeds = tuple(range(a.seeds))
        c.checkpoint_seeds = c.seeds
    if a.per_class:
        c.per_class = _counts(a.per_class)
    if a.trained_per_class:
        c.trained_per_class = _counts(a.trained_per_class)
    if a.checkpoints is not None:
        c.checkpoints = tuple(a.checkpoints)
    if a.checkpoint_tasks is not None:
        c.checkpoint_tasks = tuple(a.checkpoint_tasks)
    if a.steps:
        c.steps = a.steps
    if a.test_size:
        c.test_size = a.test_size
    if a.max_minutes:
        c.max_minutes = a.max_minutes
    if a.no_tryit:
        c.tryit = False
    c.use_row_cache = not a.fresh
    c.checkpoints_only = a.checkpoints_only
    c.cached_only = a.cached_only
    c.adopt_tryit = a.adopt_tryit
    c.workers = a.workers
    if a.cached_only:
        c.tryit = False
    c.out = a.out
    return c


def main(argv: list[str] | None = None) -> int:
    import torch  # heavy: the build sets its threads before anything loads

    args = parse(argv or [])
    if args.quick and not args.out:
        print("--quick writes a tiny results file for tests; give it --out PATH (the committed results stay)",
              file=sys.stderr)
        return 2
    if args.workers < 1:
        print("--workers: at least 1", file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, args.threads))
    config = config_from_args(args)
    out = Path(args.out) if args.out else RESULTS_DIR / "results.json"
    tryit_dir = (Path(args.tryit_dir) if args.tryit_dir else out.parent / "tryit") if config.tryit else None
    scratch, disk_before = None, features.disk_cache_folder()
    if config.use_row_cache:
        features.enable_disk_cache()
        cache = RowCache(cache_dir() / "transfer" / "rows.jsonl")
    else:  # cold: rows and features in a folder of their own (the workers share it), removed after
        scratch = Path(tempfile.mkdtemp(prefix="transfer-fresh-", dir=cache_dir()))
        features.enable_disk_cache(scratch / "features")
        cache = RowCache(scratch / "rows.jsonl")
    try:
        results = build(config, row_cache=cache, tryit_dir=tryit_dir)
    finally:
        features.use_disk_cache(disk_before)  # the caller's feature cache, as it was
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    atomic_write_text(out, json.dumps(stored_form(results), indent=1, default=json_default) + "\n")
    m = results["manifest"]
    print(f"wrote {out}: {len(results['runs'])} rows, {len(results['checkpoints'])} checkpoint rows, "
          f"{m['build_seconds']:.0f} s ({m['rows_reused_from_cache']} rows reused from earlier builds)")
    return 0


def json_default(o):
    """numpy scalars as plain numbers (json.dumps's default=)."""
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
