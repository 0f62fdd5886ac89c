"""The committed tuning experiment (assets/world_tuning/results.json), read back and checked,
and the tables the page and the docs draw from it.

    results = load_results()                 # or TuningResultsError naming the rebuild command
    mean_curves(results, "dev_known")        # mean and sd over seeds, per mix and epoch
    summary_table(results); epochs_to_fit(results)
    fact_for_question(world, "Which company employed Dara Voskell?")  # the fact any wording asks about

Not handled: building them (engine.world.tuning_build) or sentences about them (engine.world.readings).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from engine.paths import ASSETS_DIR
from engine.world.tuning import METRICS, MIX_LABELS, MIXES

RESULTS_DIR = ASSETS_DIR / "world_tuning"
RESULTS_FILE = RESULTS_DIR / "results.json"
MANIFEST_FILE = RESULTS_DIR / "manifest.json"
REBUILD_COMMAND = "python -m engine build world-tuning"
RESULTS_VERSION = 1


class TuningResultsError(Exception):
    """The committed results are missing or corrupt; the message says how to rebuild them."""


def load_results(path=None) -> dict:
    """The committed experiment (assets/world_tuning/results.json), checked; or
    TuningResultsError naming the rebuild command."""
    path = Path(path) if path is not None else RESULTS_FILE
    fix = f"Rebuild it with: {REBUILD_COMMAND}"
    if not path.is_file():
        raise TuningResultsError(f"The tuning results are missing (no file {path}). {fix}")
    manifest = path.with_name(MANIFEST_FILE.name)
    try:
        expected = json.loads(manifest.read_text("utf-8")).get("results_sha256") if manifest.is_file() else None
    except (ValueError, UnicodeDecodeError, AttributeError):
        expected = None  # a damaged manifest: the results' own checks below still apply
    try:
        raw = path.read_bytes()
        if expected and hashlib.sha256(raw).hexdigest() != expected:
            raise TuningResultsError(f"The tuning results in {path} do not match the sha256 in {manifest.name} "
                                     f"(truncated or edited?). {fix}")
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TuningResultsError(f"The tuning results in {path} are not valid JSON ({exc}). {fix}") from None
    if not isinstance(data, dict) or data.get("version") != RESULTS_VERSION or not isinstance(data.get("runs"), list) \
            or not data["runs"] or not all(isinstance(r, dict) and isinstance(r.get("mixes"), dict) for r in data["runs"]):
        raise TuningResultsError(f"The tuning results in {path} are incomplete or from another version. {fix}")
    for run in data["runs"]:
        for mix, res in run["mixes"].items():
            curves = res.get("curves") if isinstance(res, dict) else None
            if mix not in MIXES or not isinstance(curves, dict) or not isinstance(curves.get("epoch"), list) or any(
                    not isinstance(v, list) or len(v) != len(curves["epoch"]) for v in curves.values()):
                raise TuningResultsError(f"The tuning results in {path} have a damaged curve ({mix!r}). {fix}")
    return data


def curves(results: dict, metric: str) -> pd.DataFrame:
    """Long table for plotting: world_model, seed, mix, epoch, value (one row per point)."""
    if metric not in METRICS:
        raise KeyError(f"Unknown metric {metric!r}; known: {', '.join(METRICS)}")
    rows = []
    for run in results["runs"]:
        for mix, res in run["mixes"].items():
            for epoch, value in zip(res["curves"]["epoch"], res["curves"].get(metric, [])):
                if value is not None:
                    rows.append({"world_model": run.get("world_model", ""), "seed": run["seed"], "mix": mix,
                                 "epoch": int(epoch), "value": float(value)})
    return pd.DataFrame(rows, columns=["world_model", "seed", "mix", "epoch", "value"])


def mean_curves(results: dict, metric: str) -> pd.DataFrame:
    """Mean and standard deviation over seeds per mix and epoch: mix, epoch, mean, sd, runs.
    "none" has only epoch 0 (nothing was tuned); draw it as a flat reference line."""
    table = curves(results, metric)
    if table.empty:
        return pd.DataFrame(columns=["mix", "epoch", "mean", "sd", "runs"])
    g = table.groupby(["mix", "epoch"])["value"]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1).fillna(0.0), "runs": g.size()}).reset_index()
    order = {m: i for i, m in enumerate(MIXES)}
    return out.sort_values(["mix", "epoch"], key=lambda s: s.map(order) if s.name == "mix" else s).reset_index(drop=True)


def epochs_to_fit(results: dict, *, threshold: float = 0.9) -> pd.DataFrame:
    """Per seed and mix, the first epoch where the known part and the unknown part of
    the tuning set reach `threshold` accuracy (None: never within the run)."""
    rows = []
    for run in results["runs"]:
        for mix, res in run["mixes"].items():
            c = res["curves"]
            row = {"seed": run["seed"], "mix": mix}
            for part in ("train_known", "train_unknown"):
                hit = [e for e, v in zip(c["epoch"], c.get(part, [])) if v is not None and v >= threshold]
                row[part] = hit[0] if hit else None
            rows.append(row)
    return pd.DataFrame(rows, columns=["seed", "mix", "train_known", "train_unknown"])


def summary_table(results: dict) -> pd.DataFrame:
    """Per mix (mean over seeds): dev accuracy before tuning, at its best epoch (what
    early stopping would keep) and at the last epoch; unknown-part fit at the end;
    never-read accuracy and right-kind share at the end."""
    rows = []
    for mix in MIXES:
        per_seed = [r["mixes"][mix]["curves"] for r in results["runs"] if mix in r["mixes"]]
        if not per_seed:
            continue

        def mean(vals):
            vals = [v for v in vals if v is not None]
            return float(np.mean(vals)) if vals else None

        rows.append({
            "mix": mix, "label": MIX_LABELS[mix], "seeds": len(per_seed),
            "dev_before": mean([c["dev_known"][0] for c in per_seed]),
            "dev_best": mean([max(v for v in c["dev_known"] if v is not None) for c in per_seed]),
            "dev_final": mean([c["dev_known"][-1] for c in per_seed]),
            "dev_cloze_final": mean([c["dev_cloze"][-1] for c in per_seed]),
            "fit_known_final": mean([c["train_known"][-1] for c in per_seed]),
            "fit_unknown_final": mean([c["train_unknown"][-1] for c in per_seed]),
            "never_read_final": mean([c["never_read"][-1] for c in per_seed]),
            "right_kind_final": mean([c["right_kind"][-1] for c in per_seed]),
        })
    return pd.DataFrame(rows)


RELATION_CUES = (  # (relation, words any of which name it); checked in order, the first match wins
    ("mayor_of", ("mayor",)), ("founded_in", ("founded", "founding")),
    ("moved_to", ("move", "moved", "live", "lives", "living in", "settle", "relocat", "residence")),
    ("employer", ("work for", "worked for", "employ", "work at", "company", "organisation", "payroll", "hired")),
    ("birth_year", ("what year", "which year", "when was", "year of birth", "birth year", "born when")),
    ("birth_town", ("born", "birthplace", "hometown", "home town", "native")),
    ("occupation", ("job", "living", "occupation", "profession", "trade", "work as", "do for")),
)


def fact_for_question(world, question: str) -> dict | None:
    """The fact a free question asks about: a person (or organisation) of the world named in it and a
    relation it names in any words (RELATION_CUES) that the world holds for them; the latest such fact.
    Returns {answer, relation, subject, read, held_out}, or None when it names no such pair."""
    text = " " + " ".join(str(question).lower().split()) + " "
    facts = world.facts
    named = [s for s in facts["subject"].unique() if s.lower() in text]
    for s in named:  # cues are read outside the names ("Paeborn" holds "born")
        text = text.replace(s.lower(), " ")
    for relation, cues in RELATION_CUES:
        if not any(c in text for c in cues):
            continue
        rows = facts[facts["subject"].isin(named) & (facts["relation"] == relation)]
        if len(rows):
            f = rows.sort_values("date").iloc[-1]
            return {"answer": f["answer"], "relation": relation, "subject": f["subject"], "held_out": bool(f["held_out"]),
                    "read": 0 if f["held_out"] else int(f["exposure"])}
    return None
