"""`python -m engine build world-tuning`: the tuning experiment (engine.world.tuning) on the
committed world models, seeds x mixes, written to assets/world_tuning/ (results.json and
manifest.json), plus the plain-text and markdown tables of docs/TUNING.md.

    python -m engine build world-tuning                  # rebuild (one torch thread; seeds 0 1 2)
    python -m engine build world-tuning -- --report      # print the committed results as markdown
    python -m engine build world-tuning -- --quick --out /tmp/t   # a smoke run

`python -m engine build world` runs it too, after the world models.

Not handled: resuming an interrupted build (--reuse keeps whole finished runs).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm import tqdm

from engine.models import provenance
from engine.paths import atomic_write_text
from engine.world import results as world_results
from engine.world.qa import QA_TEMPLATE
from engine.world.tuning import METRICS, MIX_LABELS, MIXES, TuneConfig, run_seed
from engine.world.tuning_results import (
    MANIFEST_FILE, REBUILD_COMMAND, RESULTS_DIR, RESULTS_FILE, RESULTS_VERSION, TuningResultsError, epochs_to_fit,
    load_results, mean_curves, summary_table,
)


def _world_models(seeds: Sequence[int]) -> list[tuple[str, object, object, int]]:
    """(world model name, lm, world, tuning seed) per seed: the committed world model
    of that seed where there is one, else seed-0's with a different tuning seed."""
    world = world_results.load_world()
    names = world_results.world_model_names()
    out = []
    for s in seeds:
        name = f"seed-{s}" if f"seed-{s}" in names else "seed-0"
        out.append((name, world_results.load_world_model(name), world, s))
    return out


def build(out=None, seeds: Sequence[int] = (0, 1, 2), quick: bool = False, *, config: TuneConfig | None = None,
          models: Sequence[tuple[str, object, object, int]] | None = None, progress: bool = True,
          reuse: bool = False) -> dict:
    """Run the experiment for each seed and write results.json + manifest.json under
    `out` (assets/world_tuning by default), atomically. quick: fewer facts and epochs
    (a smoke run). models: (name, lm, world, seed) tuples instead of the committed
    world models (for tests and development). reuse: keep a run already in `out`
    whose world model weights (sha256), tuning seed and settings are unchanged."""
    out = Path(out) if out is not None else RESULTS_DIR
    config = config or TuneConfig()
    if quick:
        config = TuneConfig(**{**asdict(config), "n_tune": 48, "n_dev": 48, "n_never_read": 24, "epochs": 4})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    try:
        models = list(models) if models is not None else _world_models(seeds)
        total = len(models) * sum(config.epochs for m in MIXES if MIXES[m] is not None)
        bar = None
        if progress:
            bar = tqdm(total=total, desc="tuning", unit="epoch")
        previous = _reusable_runs(out, config, quick) if reuse else {}
        runs, reused = [], []
        for name, lm, world, seed in models:
            cfg = TuneConfig(**{**asdict(config), "seed": int(seed)})
            # which weights exactly: compare with assets/world/models/<name>/manifest.json
            sha = (getattr(lm, "manifest", None) or {}).get("files", {}).get("model.safetensors", "")
            if sha and (name, int(seed), sha) in previous:
                runs.append(previous[(name, int(seed), sha)])
                reused.append(name)
                if bar:
                    bar.update(sum(cfg.epochs for m in MIXES if MIXES[m] is not None))
                continue
            if bar:
                bar.set_postfix_str(f"{name}, seed {seed}")
            run = run_seed(lm, world, cfg, progress=(lambda e: bar.update(1)) if bar else None)
            run["world_model"] = name
            run["world_model_weights_sha256"] = sha
            run["world"] = {"seed": int(world.seed), **{k: (list(v) if isinstance(v, tuple) else v)
                                                        for k, v in world.params.items()}}
            runs.append(run)
        if bar:
            bar.close()
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - t0
    results = {"version": RESULTS_VERSION, "config": asdict(config), "quick": bool(quick),
               "qa_template": QA_TEMPLATE, "relations": list(config.relations), "mixes": MIX_LABELS, "metrics": METRICS,
               "runs": runs, "build_seconds": round(seconds, 1)}
    manifest = {"what": "Tuning on known vs unknown facts (Gekhman et al. 2024) on the world models",
                "rebuild": REBUILD_COMMAND, "world_models": [r["world_model"] for r in runs],
                "world_model_weights_sha256": {r["world_model"]: r["world_model_weights_sha256"] for r in runs},
                "seeds": [r["seed"] for r in runs], "quick": bool(quick), "build_seconds": round(seconds, 1),
                "torch_threads": 1, "reused_runs": reused, **provenance()}
    text = json.dumps(results, indent=1) + "\n"
    manifest["results_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    atomic_write_text(out / RESULTS_FILE.name, text)
    atomic_write_text(out / MANIFEST_FILE.name, json.dumps(manifest, indent=1) + "\n")
    return results


def _reusable_runs(out, config: TuneConfig, quick: bool) -> dict:
    """Runs of an earlier build in `out` made with the same settings, keyed by
    (world model, tuning seed, weights sha256); {} when there is nothing usable."""
    try:
        old = load_results(out / RESULTS_FILE.name)
    except TuningResultsError:
        return {}
    same = {k: v for k, v in old.get("config", {}).items() if k != "seed"} == \
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(config).items() if k != "seed"}
    if not same or bool(old.get("quick")) != bool(quick):
        return {}
    return {(r["world_model"], int(r["seed"]), r.get("world_model_weights_sha256", "")): r for r in old["runs"]
            if r.get("world_model_weights_sha256")}


def format_summary(results: dict) -> str:
    """A plain-text table of summary_table and epochs_to_fit, for the CLI and docs."""
    table = summary_table(results)
    fit = epochs_to_fit(results)
    lines = ["mix        dev before  dev best  dev final  cloze final  fit known  fit unknown  never read  right kind"]
    f = lambda v: "   -" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"  # noqa: E731
    for r in table.itertuples():
        lines.append(f"{r.mix:<10} {f(r.dev_before):>10}  {f(r.dev_best):>8}  {f(r.dev_final):>9}  "
                     f"{f(r.dev_cloze_final):>11}  {f(r.fit_known_final):>9}  {f(r.fit_unknown_final):>11}  "
                     f"{f(r.never_read_final):>10}  {f(r.right_kind_final):>10}")
    lines.append("epochs to 90% fit (per seed): " + "; ".join(
        f"{r.mix} s{r.seed}: known {r.train_known}, unknown {r.train_unknown}"
        for r in fit.itertuples() if r.mix != "none"))
    return "\n".join(lines)


def markdown_report(results: dict, *, every: int = 2) -> str:
    """Tables for docs/TUNING.md from results: the summary, and mean (sd) per mix
    every `every` epochs of dev accuracy, the fit of each part, and cloze recall."""
    def cell(mean, sd, runs):
        return f"{mean:.2f}" + (f" ± {sd:.2f}" if runs > 1 else "")

    seeds = [f"{r['world_model']} (tuning seed {r['seed']})" for r in results["runs"]]
    out = [f"Runs: {', '.join(seeds)}. Summary: means over runs; by-epoch tables: mean ± sd.", "",
           "| mix | dev before | dev best epoch | dev last epoch | cloze last | known part fitted (last) "
           "| unknown part fitted (last) | never read (last) | right kind (last) |",
           "|---|---|---|---|---|---|---|---|---|"]
    f = lambda v: "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"  # noqa: E731
    for r in summary_table(results).itertuples():
        out.append(f"| {r.label} | {f(r.dev_before)} | {f(r.dev_best)} | {f(r.dev_final)} | {f(r.dev_cloze_final)} "
                   f"| {f(r.fit_known_final)} | {f(r.fit_unknown_final)} | {f(r.never_read_final)} "
                   f"| {f(r.right_kind_final)} |")
    fit = epochs_to_fit(results)
    fit = fit[fit["mix"] != "none"]
    out += ["", "First epoch with 90% of a part of the tuning set answered right (per run):", "",
            "| mix | known part | unknown part |", "|---|---|---|"]
    for mix in [m for m in MIXES if MIXES[m] is not None]:
        rows = fit[fit["mix"] == mix]
        fmt = lambda col: ", ".join("–" if v is None or (isinstance(v, float) and math.isnan(v))  # noqa: E731
                                    else str(int(v)) for v in rows[col])
        out.append(f"| {MIX_LABELS[mix]} | {fmt('train_known')} | {fmt('train_unknown')} |")
    for metric in ("dev_known", "train_known", "train_unknown", "dev_cloze"):
        table = mean_curves(results, metric)
        table = table[table["mix"] != "none"]
        if table.empty:
            continue
        epochs = sorted(e for e in table["epoch"].unique() if e % every == 0 or e == table["epoch"].max())
        out += ["", f"{METRICS[metric]}, by epoch:", "", "| mix | " + " | ".join(str(e) for e in epochs) + " |",
                "|---|" + "---|" * len(epochs)]
        for mix in [m for m in MIXES if MIXES[m] is not None]:
            rows = table[table["mix"] == mix].set_index("epoch")
            if rows.empty:
                continue
            out.append(f"| {MIX_LABELS[mix]} | " + " | ".join(
                cell(rows.at[e, "mean"], rows.at[e, "sd"], rows.at[e, "runs"]) if e in rows.index else "–"
                for e in epochs) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine build world-tuning", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="world-model / tuning seeds")
    ap.add_argument("--quick", action="store_true", help="a smoke run: fewer facts and epochs")
    ap.add_argument("--epochs", type=int, help=f"tuning epochs (default {TuneConfig.epochs})")
    ap.add_argument("--out", help=f"output folder (default {RESULTS_DIR})")
    ap.add_argument("--threads", type=int, default=1, help="ignored: the build always uses one torch thread")
    ap.add_argument("--report", action="store_true", help="print the committed results as markdown; build nothing")
    ap.add_argument("--reuse", action="store_true",
                    help="keep runs already built from the same world-model weights with the same settings")
    args = ap.parse_args(argv)
    if args.report:
        print(markdown_report(load_results(None if args.out is None else f"{args.out}/{RESULTS_FILE.name}")))
        return 0
    config = TuneConfig(epochs=args.epochs) if args.epochs else None
    results = build(out=args.out, seeds=args.seeds, quick=args.quick, config=config, reuse=args.reuse)
    print(format_summary(results))
    print(f"built in {results['build_seconds']:.0f} s -> {args.out or RESULTS_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
