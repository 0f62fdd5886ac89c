"""What the world build measures on each model: recall of static facts by exposure, and event
answers around a knowledge cutoff, aggregated into the tables of assets/world/results.json.

    res = score_recall(lm, world)               # per-probe scores of every static person fact
    cut = score_cutoff(lm, world, "2030-12-31")  # event probes before/after, with and without a document
    tables(recall_runs, cutoff_runs, cutoffs)   # the JSON-ready tables the pages read

Not handled: reading the committed tables back (engine.world.results.load_results).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from engine.world.events import context_prompt, event_facts, latest_read_answers, shortest_document, static_facts
from engine.world.knowledge import recall_by_exposure, score_probes, score_world


def score_recall(lm, world):
    """Per-probe scores of every static person fact (the same four relations in
    every bucket, held-out people as exposure 0)."""
    return score_world(lm, world, static_facts(world))


def score_cutoff(lm, world, cutoff: str):
    """Event probes for one model: before/after its cutoff, whether it named the
    latest town it read about the person, and (after the cutoff) the same trained
    probe with a post-cutoff document that states the event placed in the prompt."""
    events = event_facts(world)
    probes = world.probes(events)
    res = score_probes(lm, probes, world.answer_sets, facts=world.facts)
    dates = events.set_index("fact_id")["date"]
    read = world.exposure_until(cutoff).set_axis(world.facts["fact_id"])
    latest = latest_read_answers(world, cutoff)
    res["date"] = res["fact_id"].map(dates)
    res["year"] = res["date"].str[:4].astype(int)
    res["period"] = (res["date"] > cutoff).map({True: "after", False: "before"})
    res["read_mentions"] = res["fact_id"].map(read)
    res["latest_read"] = res["fact_id"].map(latest)
    res["said_latest_read"] = res["model_answer"] == res["latest_read"]
    after = res[(res["period"] == "after") & (res["style"] == "trained")]
    rows = []
    for r in after.itertuples():
        doc = shortest_document(world, r.fact_id)
        rows.append({"fact_id": r.fact_id, "style": "with document", "template": 0,
                     "prompt": context_prompt(doc["text"], r.prompt), "answer": r.answer,
                     "answer_kind": r.answer_kind, "relation": r.relation})
    if rows:
        ctx = score_probes(lm, pd.DataFrame(rows), world.answer_sets, facts=world.facts)
        ctx["date"] = ctx["fact_id"].map(dates)
        ctx["year"] = ctx["date"].str[:4].astype(int)
        ctx["period"] = "after"
        ctx["read_mentions"] = ctx["fact_id"].map(read)
        ctx["latest_read"] = ctx["fact_id"].map(latest)
        ctx["said_latest_read"] = ctx["model_answer"] == ctx["latest_read"]
        res = pd.concat([res, ctx], ignore_index=True)
    return res


def _agg(frame, keys):
    return frame.groupby(keys).agg(
        probes=("correct", "size"), accuracy=("correct", "mean"), mean_rank=("rank", "mean"),
        top_prob=("top_prob", "mean"), p_truth=("p_truth", "mean"), entropy_bits=("entropy_bits", "mean"),
        right_kind=("right_kind", "mean")).reset_index()


def tables(recall_runs: dict, cutoff_runs: dict, cutoffs: dict) -> dict:
    """The measured tables, as JSON-ready lists of records."""
    per_seed, by_rel, halluc = [], [], []
    for name, (seed, res) in recall_runs.items():
        t = recall_by_exposure(res, by=("style",))
        t.insert(0, "model", name)
        t.insert(1, "seed", seed)
        per_seed.append(t)
        r = recall_by_exposure(res, by=("style", "relation"))
        r.insert(0, "model", name)
        r.insert(1, "seed", seed)
        by_rel.append(r)
        frame = res.copy()
        frame["group"] = np.where(frame["held_out"], "never read (held out)",
                                  np.where(frame["exposure"] <= 2, "read 1-2 times", "read 4+ times"))
        h = _agg(frame, ["style", "group"])
        h2 = _agg(frame[~frame["held_out"]].assign(group="all known people"), ["style", "group"])
        h = pd.concat([h, h2], ignore_index=True)
        h.insert(0, "model", name)
        h.insert(1, "seed", seed)
        halluc.append(h)
    per_seed = pd.concat(per_seed, ignore_index=True)
    metrics = ["accuracy", "mean_rank", "top_prob", "p_truth", "entropy_bits", "right_kind"]
    g = per_seed.groupby(["style", "exposure"])
    mean = g[metrics].mean().add_suffix("_mean").join(g[metrics].std(ddof=1).add_suffix("_sd"))
    mean = mean.join(g["probes"].first()).join(g["chance"].mean()).join(g["seed"].nunique().rename("seeds"))
    mean = mean.reset_index()
    by_rel = pd.concat(by_rel, ignore_index=True)
    halluc = pd.concat(halluc, ignore_index=True)
    gh = halluc.groupby(["style", "group"])
    hmean = gh[metrics].mean().add_suffix("_mean").join(gh[metrics].std(ddof=1).add_suffix("_sd"))
    hmean = hmean.join(gh["probes"].first()).reset_index()

    cut_rows, by_year = [], []
    for name, res in cutoff_runs.items():
        c = res.groupby(["style", "period"]).agg(
            probes=("correct", "size"), accuracy=("correct", "mean"), top_prob=("top_prob", "mean"),
            right_kind=("right_kind", "mean"), said_latest_read=("said_latest_read", "mean"),
            has_latest_read=("latest_read", lambda s: float(s.notna().mean())),
            read_mentions=("read_mentions", "mean")).reset_index()
        c.insert(0, "model", name)
        c.insert(1, "cutoff", cutoffs[name])
        cut_rows.append(c)
        y = res.groupby(["style", "year"]).agg(probes=("correct", "size"), accuracy=("correct", "mean"),
                                               said_latest_read=("said_latest_read", "mean")).reset_index()
        y.insert(0, "model", name)
        y.insert(1, "cutoff", cutoffs[name])
        by_year.append(y)
    cut = pd.concat(cut_rows, ignore_index=True) if cut_rows else pd.DataFrame()
    years = pd.concat(by_year, ignore_index=True) if by_year else pd.DataFrame()

    def records(df):
        return json.loads(df.to_json(orient="records"))

    return {"recall": records(per_seed), "recall_mean": records(mean), "recall_by_relation": records(by_rel),
            "hallucination": records(halluc), "hallucination_mean": records(hmean),
            "cutoff": records(cut), "cutoff_by_year": records(years)}
