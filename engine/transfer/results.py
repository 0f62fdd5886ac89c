"""Read the committed transfer-learning results (assets/transfer/results.json) for the page.

`python -m engine build transfer` (engine/transfer/build.py) writes the file: one row per
(task, approach, labelled examples per class, seed) scored on a fixed test subset, one row
per (base checkpoint, task, approach, seed) at 32 labels per class, the measured costs, the
task facts, the recipe and a manifest. This module only reads and summarises it; nothing
here imports torch or streamlit, so the page can show the results on a fresh clone offline.

Approaches are named by the ids of engine.transfer.approaches: `load_results` maps the keys the
file stores ("our base, fine-tuned", ...) to ids, and `stored_form` maps back for writing, so
the committed file never needs rewriting.
Not handled: results files of another schema version (they raise TransferResultsError,
which names the rebuild command).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from engine.manifest import built_at
from engine.paths import ASSETS_DIR
from engine.transfer.approaches import APPROACHES, approach_id, label, stored

RESULTS_DIR = ASSETS_DIR / "transfer"
RESULTS_FILE = RESULTS_DIR / "results.json"
SCHEMA = 1
REBUILD = "python -m engine build transfer"
METRICS = ("accuracy", "macro_f1")


class TransferResultsError(Exception):
    """The results file is missing or unreadable; the message names the rebuild command."""


def load_results(path: Path | str | None = None) -> dict:
    """The parsed results file; TransferResultsError (naming the rebuild command) if it is
    missing, not JSON, of another schema, or lacks its tables."""
    path = Path(path) if path else RESULTS_FILE
    if not path.is_file():
        raise TransferResultsError(f"No transfer results at {_show(path)}. Rebuild them with `{REBUILD}`.")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransferResultsError(f"The transfer results at {_show(path)} are unreadable ({exc.__class__.__name__}). "
                                   f"Rebuild them with `{REBUILD}`.") from None
    if not isinstance(results, dict) or results.get("schema") != SCHEMA:
        raise TransferResultsError(f"The transfer results at {_show(path)} are not schema {SCHEMA}. "
                                   f"Rebuild them with `{REBUILD}`.")
    missing = [k for k in ("runs", "checkpoints", "tasks", "cost", "recipe", "manifest") if k not in results]
    if missing or not isinstance(results.get("runs"), list) or not isinstance(results.get("tasks"), dict):
        raise TransferResultsError(f"The transfer results at {_show(path)} lack {', '.join(missing) or 'valid tables'}. "
                                   f"Rebuild them with `{REBUILD}`.")
    return with_ids(results)


def _rename(results: dict, name) -> dict:
    """A copy of results with every approach key passed through name()."""
    out = dict(results)
    for table in ("runs", "checkpoints"):
        out[table] = [dict(r, approach=name(r["approach"])) if "approach" in r else r for r in results.get(table, [])]
    if isinstance(results.get("cost"), dict):
        out["cost"] = dict(results["cost"], per_task=[dict(c, approach=name(c["approach"]))
                                                      for c in results["cost"].get("per_task", [])])
    if isinstance(results.get("recipe"), dict) and "approaches" in results["recipe"]:
        out["recipe"] = dict(results["recipe"], approaches=[name(a) for a in results["recipe"]["approaches"]])
    tryit = results.get("tryit")
    if isinstance(tryit, dict) and isinstance(tryit.get("approaches"), dict):
        out["tryit"] = dict(tryit, approaches={t: {name(a): e for a, e in v.items()}
                                               for t, v in tryit["approaches"].items()})
    return out


def with_ids(results: dict) -> dict:
    """The results with approaches named by id (a file may store ids or the schema-1 keys)."""
    return _rename(results, approach_id)


def stored_form(results: dict) -> dict:
    """The results as the file stores them: approaches under their schema-1 keys."""
    return _rename(results, stored)


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ASSETS_DIR.parent))
    except ValueError:
        return str(path)


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")


def _mean_sd(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, sd


def tasks(results: dict) -> list[str]:
    return list(results["tasks"])


def approaches(results: dict, task: str | None = None) -> list[str]:
    """Approach ids present in the results (for a task), in APPROACHES order."""
    present = {r["approach"] for r in results["runs"] if task is None or r["task"] == task}
    return [k for k in APPROACHES if k in present] + sorted(present - set(APPROACHES))


def _label_order(per_class) -> float:
    return math.inf if per_class is None else float(per_class)


def curve(results: dict, task: str, approach: str, metric: str = "accuracy") -> list[dict]:
    """The learning curve: one point per labelled-examples-per-class count, ordered by count
    ("all", the whole train split, last). Each point: per_class (int, or None for all), label
    ("8" ... "all"), n_train (examples trained on), mean, sd (over seeds; 0 with one), n_seeds."""
    _check_metric(metric)
    groups: dict = {}
    for r in results["runs"]:
        if r["task"] == task and r["approach"] == approach:
            groups.setdefault(r["per_class"], []).append(r)
    out = []
    for per_class in sorted(groups, key=_label_order):
        rows = groups[per_class]
        mean, sd = _mean_sd([float(r[metric]) for r in rows])
        out.append({"per_class": per_class, "label": "all" if per_class is None else str(per_class),
                    "n_train": int(rows[0]["n_train"]), "mean": mean, "sd": sd,
                    "n_seeds": len({r["seed"] for r in rows})})
    return out


def point(results: dict, task: str, approach: str, per_class: int | None, metric: str = "accuracy") -> dict | None:
    """One point of curve() (None if that count was not run)."""
    for p in curve(results, task, approach, metric):
        if p["per_class"] == per_class:
            return p
    return None


def checkpoint_curve(results: dict, task: str, approach: str, metric: str = "accuracy") -> list[dict]:
    """Our base at increasing pretraining tokens (approach "ours-finetuned" or "ours-frozen"), at the checkpoint rows' labels per class: one point per checkpoint ordered by
    tokens_seen, with checkpoint (artifact name), tokens_seen, mean, sd, n_seeds, and
    scratch_mean / scratch_sd (from scratch with the same labels and seeds) and gain (mean - scratch_mean)."""
    _check_metric(metric)
    groups: dict = {}
    for r in results.get("checkpoints", []):
        if r["task"] == task and r["approach"] == approach:
            groups.setdefault(r["checkpoint"], []).append(r)
    out = []
    for name, rows in groups.items():
        mean, sd = _mean_sd([float(r[metric]) for r in rows])
        per_class = rows[0]["per_class"]
        seeds = {r["seed"] for r in rows}
        scratch = [float(r[metric]) for r in results["runs"] if r["task"] == task and r["approach"] == "scratch"
                   and r["per_class"] == per_class and r["seed"] in seeds]
        s_mean, s_sd = _mean_sd(scratch) if scratch else (None, None)
        out.append({"checkpoint": name, "tokens_seen": int(rows[0]["tokens_seen"]), "per_class": per_class,
                    "mean": mean, "sd": sd, "n_seeds": len(seeds), "scratch_mean": s_mean, "scratch_sd": s_sd,
                    "gain": None if s_mean is None else mean - s_mean,
                    "val_loss": rows[0].get("val_loss")})
    return sorted(out, key=lambda p: p["tokens_seen"])


def cost_table(results: dict) -> list[dict]:
    """Rows (what, seconds, flops, note): pretraining our base once, the same amortised over the
    tasks, tuning per task, from scratch per task, the totals for all tasks both ways, and the
    real bases' published pretraining scale (seconds None where not measured here)."""
    cost = results["cost"]
    rows = []
    pre = cost.get("pretraining")
    n_tasks = max(1, len(results["tasks"]))
    if pre:
        rows.append({"what": f"Pretrain our base once ({pre['tokens_seen'] / 1e6:.1f}M tokens)",
                     "seconds": pre.get("train_seconds"), "flops": pre.get("flops"),
                     "note": f"{pre.get('params', 0) / 1e6:.1f}M parameters; FLOPs ≈ 6 × parameters × tokens; "
                             f"seconds as measured by the base build on {pre.get('machine', 'this machine')}"})
        rows.append({"what": f"…shared by {n_tasks} tasks (per task)",
                     "seconds": _div(pre.get("train_seconds"), n_tasks), "flops": _div(pre.get("flops"), n_tasks),
                     "note": "one pretraining serves every task"})
    per = cost.get("per_task", [])

    def secs(entries) -> tuple[float, str]:
        """CPU seconds where every entry has them (one free core's time), else wall seconds."""
        if entries and all(c.get("cpu_seconds") is not None for c in entries):
            return sum(c["cpu_seconds"] for c in entries), "CPU seconds of one thread"
        return sum(c["seconds"] for c in entries), "wall seconds on the shared machine"

    for key in ("ours-finetuned", "ours-frozen", "scratch", "bow"):
        found = [c for c in per if c["approach"] == key]
        if not found:
            continue
        total, kind = secs(found)
        flops = [c["flops"] for c in found if c.get("flops") is not None]
        rows.append({"what": f"{APPROACHES[key].label}, per task", "seconds": total / len(found),
                     "flops": sum(flops) / len(flops) if flops else None,
                     "note": f"{found[0].get('note', '')}; mean of {len(found)} tasks, {kind}"})
    ft = [c for c in per if c["approach"] == "ours-finetuned"]
    sc = [c for c in per if c["approach"] == "scratch"]
    if pre and ft and sc:
        ft_s, ft_kind = secs(ft)
        sc_s, sc_kind = secs(sc)
        rows.append({"what": f"All {len(ft)} tasks, pretrain once + fine-tune each",
                     "seconds": (pre.get("train_seconds") or 0) + ft_s,
                     "flops": pre["flops"] + sum(c.get("flops") or 0 for c in ft),
                     "note": f"the new way (tuning: {ft_kind})"})
        rows.append({"what": f"All {len(sc)} tasks, one model from scratch each",
                     "seconds": sc_s, "flops": sum(c.get("flops") or 0 for c in sc),
                     "note": f"the old way ({sc_kind})"})
    for pub in cost.get("published", []):
        rows.append({"what": f"{pub['model']} pretraining (published)", "seconds": None, "flops": pub.get("flops"),
                     "note": pub.get("note", "")})
    return rows


def _div(value, n):
    return None if value is None else value / n


def task_info(results: dict, task: str) -> dict:
    """labels, description, chance ({accuracy, macro_f1, label}: always the test subset's
    commonest label), train_size, validation_size, test_size (scored), test_size_full,
    per_class_train / per_class_test (label -> examples)."""
    try:
        return results["tasks"][task]
    except KeyError:
        raise KeyError(f"unknown task {task!r}; the results have {', '.join(results['tasks'])}") from None


def gain_at(results: dict, task: str, approach: str, per_class: int = 32, metric: str = "accuracy",
            against: str = "scratch") -> float | None:
    """mean(approach) - mean(against) at per_class labels per class (None if either is missing)."""
    a, b = point(results, task, approach, per_class, metric), point(results, task, against, per_class, metric)
    return None if a is None or b is None else a["mean"] - b["mean"]


def scores(results: dict, task: str, approach: str, per_class: int | None, metric: str = "accuracy") -> list[float]:
    """The per-seed scores behind point() (ordered by seed; empty if that count was not run)."""
    _check_metric(metric)
    rows = [r for r in results["runs"] if r["task"] == task and r["approach"] == approach and r["per_class"] == per_class]
    return [float(r[metric]) for r in sorted(rows, key=lambda r: r["seed"])]


def checkpoint_scores(results: dict, task: str, approach: str, checkpoint: str, metric: str = "accuracy") -> list[float]:
    """The per-seed scores of one base snapshot (ordered by seed)."""
    _check_metric(metric)
    rows = [r for r in results.get("checkpoints", []) if r["task"] == task and r["approach"] == approach
            and r["checkpoint"] == checkpoint]
    return [float(r[metric]) for r in sorted(rows, key=lambda r: r["seed"])]


def baselines(results: dict, task: str, metric: str = "accuracy") -> dict:
    """What needs no model: {"majority": always answering the test subset's commonest label,
    "majority_label", "chance": a uniform random guess (accuracy 1 / number of labels; macro-F1
    its expected value, each label's F1 from precision = its share and recall = 1 / labels)}."""
    _check_metric(metric)
    info = task_info(results, task)
    k = len(info["labels"])
    if metric == "accuracy":
        chance = 1 / k
    else:
        total = sum(info["per_class_test"].values()) or 1
        shares = [info["per_class_test"].get(lab, 0) / total for lab in info["labels"]]
        chance = sum(2 * s / k / (s + 1 / k) for s in shares) / k
    return {"majority": info["chance"][metric], "majority_label": info["chance"]["label"], "chance": chance,
            "n_labels": k}


def tryit_info(results: dict) -> dict:
    """What the saved try-it classifiers were trained on: {"per_class", "seed", "approaches"}."""
    return results.get("tryit", {})


def budget_words(b: dict) -> str:
    if not b:
        return "see docs/TRANSFER.md"
    return (f"{b.get('steps')} {b.get('optimizer', 'AdamW')} steps of {b.get('batch_size')} examples, peak learning "
            f"rate {b.get('lr')}, {b.get('schedule', '')}, weight decay {b.get('weight_decay')}; {b.get('head', '')}")


def recipe_lines(results: dict) -> str:
    """The recipe behind every number, as a markdown list."""
    r, m = results.get("recipe", {}), results.get("manifest", {})
    return (
        f"- Built with `{r.get('command', 'python -m engine build transfer')}` on {m.get('machine', 'this machine')}, "
        f"{built_at(m) or 'date unknown'}, in {m.get('build_seconds', 0) / 60:.0f} minutes "
        f"({m.get('workers', 1)} worker process{'es' if m.get('workers', 1) > 1 else ''}, "
        f"{m.get('torch_threads', 1)} torch thread each).\n"
        f"- Seeds: {', '.join(str(s) for s in r.get('seeds', []))}. Labels per class: "
        f"{', '.join(r.get('per_class', []))} (trained approaches: {', '.join(r.get('trained_per_class', []))}).\n"
        f"- Trained approaches: {budget_words(r.get('trained_budget', {}))}.\n"
        f"- Frozen probes: {r.get('probe', '')}. Bag-of-words: {r.get('bag_of_words', '')}.\n"
        f"- Test: {r.get('test', '')}. Texts cut to {r.get('max_tokens', 128)} tokens for the neural models."
    )


def build_notes(results: dict) -> list[str]:
    m = results.get("manifest", {})
    return m.get("notes", []) + ([f"{len(m['skipped'])} runs skipped"] if m.get("skipped") else [])


def markdown_report(results: dict, metric: str = "accuracy") -> str:
    """The results as markdown tables (docs/TRANSFER.md): per task, approach x labels per class
    (mean ± sd over seeds, n seeds), then the checkpoint table and the cost table."""
    out = []
    for task in tasks(results):
        info = task_info(results, task)
        out.append(f"### {task}: {metric.replace('_', '-')}\n")
        out.append(f"Test subset {info['test_size']} of {info['test_size_full']}; always answering "
                   f"\"{info['chance']['label']}\" scores accuracy {info['chance']['accuracy']:.3f}, macro-F1 "
                   f"{info['chance']['macro_f1']:.3f}.\n")
        labels = []
        for a in approaches(results, task):
            for p in curve(results, task, a, metric):
                if p["label"] not in labels:
                    labels.append(p["label"])
        labels.sort(key=lambda s: math.inf if s == "all" else int(s))
        out.append("| approach | " + " | ".join(labels) + " |")
        out.append("|---" * (len(labels) + 1) + "|")
        for a in approaches(results, task):
            cells = {p["label"]: p for p in curve(results, task, a, metric)}
            row = []
            for lab in labels:
                p = cells.get(lab)
                if p is None:
                    row.append("·")
                elif p["n_seeds"] > 1:
                    row.append(f"{p['mean']:.3f} ± {p['sd']:.3f} ({p['n_seeds']})")
                else:
                    row.append(f"{p['mean']:.3f} (1)")
            out.append(f"| {label(a)} | " + " | ".join(row) + " |")
        out.append("")
        for a in ("ours-finetuned", "ours-frozen"):
            pts = checkpoint_curve(results, task, a, metric)
            if pts:
                out.append(f"{APPROACHES[a].label} at {pts[0]['per_class']} per class, by pretraining tokens "
                           f"(from scratch: {pts[0]['scratch_mean']:.3f}):\n" if pts[0]['scratch_mean'] is not None
                           else f"{APPROACHES[a].label} by pretraining tokens:\n")
                out.append("| checkpoint | tokens | " + metric.replace("_", "-") + " | gain over from scratch | seeds |")
                out.append("|---|---|---|---|---|")
                for p in pts:
                    gain = "·" if p["gain"] is None else f"{p['gain']:+.3f}"
                    out.append(f"| {p['checkpoint']} | {p['tokens_seen'] / 1e6:.1f}M | {p['mean']:.3f} ± {p['sd']:.3f} "
                               f"| {gain} | {p['n_seeds']} |")
                out.append("")
    out.append("### Cost\n")
    out.append("| what | seconds | FLOPs | note |")
    out.append("|---|---|---|---|")
    for r in cost_table(results):
        sec = "·" if r["seconds"] is None else f"{r['seconds']:,.1f}"
        fl = "·" if r["flops"] is None else f"{r['flops']:.2e}"
        out.append(f"| {r['what']} | {sec} | {fl} | {r['note']} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    print(markdown_report(load_results(sys.argv[1] or None if len(sys.argv) > 1 else None),
                          sys.argv[2] if len(sys.argv) > 2 else "accuracy"))
