"""Tuning cannot add facts: tune a world model on question-answer pairs about facts
it knows, or about facts it never learned, and measure what it fits and what it forgets.

    classified = classify_facts(lm, world)          # known / unknown / never read, by the model's own probe
    split = split_facts(classified, seed=0)         # tuning pools and held-out dev sets, by person
    run = run_mix(lm, world, split, "unknown", TuneConfig())  # per-epoch curves of one mix, on a copy
    run_seed(lm, world, TuneConfig(seed=0))         # classify, split and every mix: one seed's results

The rest of the family: engine.world.qa (the question-answer form and its tuner),
engine.world.tuning_build (seeds x mixes -> assets/world_tuning), engine.world.tuning_results
(reading them back), engine.world.tuning_live (a short live run on a session-owned copy).

After Gekhman et al. (2024), "Does fine-tuning LLMs on new knowledge encourage
hallucinations?". A fact is *known* when the pretrained model gets it right
from the phrasing it was trained on (engine.world.knowledge's cloze probe, scored
over every candidate of the answer's kind); *unknown* when it read the fact
but gets it wrong; *never read* when the person was held out of pretraining.
Tuning data are question-answer pairs ("Question: Where was X born?\\nAnswer:
Y"), with the loss on the answer only. Mixes of equal size: only known facts,
only unknown facts (read-but-wrong and never-read), half and half, and no tuning.
Every epoch we score, in question-answer form, the tuning set's known part and
unknown part, a dev set of known facts the model was not tuned on (other
people), and never-read people; "right kind" says whether the model's top next
token is an answer of the asked kind at all (it has learned the format).

Not handled: sampling-based knowledge categories (the paper's MaybeKnown,
WeaklyKnown), LoRA or other partial tuning, early stopping on a dev set (we
record every epoch, so the page can show where stopping early would have
helped), and organisation facts (founded_in).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from engine.nudge import session_copy
from engine.world.knowledge import score_probes
from engine.world.qa import RELATIONS, QATuner, TuneConfig, ask, encode_pairs, padding_id, qa_probes

CATEGORIES = ("known", "unknown", "never read")
# mix -> fraction of the tuning set drawn from known facts (None: no tuning at all)
MIXES = {"known": 1.0, "half": 0.5, "unknown": 0.0, "none": None}
MIX_LABELS = {"known": "only known facts", "half": "half known, half unknown", "unknown": "only unknown facts",
              "none": "no tuning"}
METRICS = {
    "train_known": "tuning set, known part: accuracy",
    "train_unknown": "tuning set, unknown part: accuracy",
    "dev_known": "known facts not tuned on: accuracy",
    "dev_cloze": "known facts not tuned on, trained phrasing (cloze): accuracy",
    "never_read": "never-read people: accuracy",
    "right_kind": "answers of the right kind (question-answer form)",
    "never_read_confidence": "never-read people: top candidate probability",
    "loss": "tuning loss (nats per answer token)",
}


# --- which facts the model knows ----------------------------------------------------------------


def classify_facts(lm, world, facts: pd.DataFrame | None = None, *, relations: Sequence[str] = RELATIONS
                   ) -> pd.DataFrame:
    """Each fact with the model's own verdict: category "known" (read, and the
    trained-phrasing probe ranks the truth first among all candidates of its
    kind), "unknown" (read, probe wrong) or "never read" (held-out person).
    Exposure alone does not decide it: two facts read equally often can differ."""
    facts = world.facts if facts is None else facts
    facts = facts[facts["relation"].isin(relations)]
    if facts.empty:
        return facts.assign(probe_correct=pd.Series(dtype=bool), probe_p_truth=pd.Series(dtype=float),
                            category=pd.Series(dtype=object)).reset_index(drop=True)
    scored = score_probes(lm, world.probes(facts, styles=("trained",)), world.answer_sets, facts=world.facts)
    scored = scored.set_index("fact_id")
    out = facts.copy()
    out["probe_correct"] = out["fact_id"].map(scored["correct"]).astype(bool)
    out["probe_p_truth"] = out["fact_id"].map(scored["p_truth"]).astype(float)
    out["category"] = np.where(out["held_out"], "never read", np.where(out["probe_correct"], "known", "unknown"))
    return out.reset_index(drop=True)


def _round_robin(frame: pd.DataFrame, quota: dict[str, int], relations: Sequence[str], rng: np.random.Generator
                 ) -> pd.DataFrame:
    """quota[relation] random rows of each relation, interleaved (birth_town,
    birth_year, ...) so that any prefix of the result is as balanced as the quotas."""
    picks = []
    for j, rel in enumerate(relations):
        rows = frame[frame["relation"] == rel]
        take = rows.iloc[rng.permutation(len(rows))[: quota.get(rel, 0)]].reset_index(drop=True)
        take["_order"] = np.arange(len(take)) * len(relations) + j
        picks.append(take)
    out = pd.concat(picks) if picks else frame.iloc[0:0].assign(_order=0)
    return out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def _fill_quota(counts: dict[str, int], n: int, relations: Sequence[str]) -> dict[str, int]:
    """Split n over relations as evenly as the available counts allow."""
    quota = {r: 0 for r in relations}
    left = n
    while left > 0:
        open_ = [r for r in relations if quota[r] < counts.get(r, 0)]
        if not open_:
            break
        for r in open_:
            if left == 0:
                break
            quota[r] += 1
            left -= 1
    return quota


def split_facts(classified: pd.DataFrame, *, n_tune: int = 160, n_dev: int = 200, n_never_read: int = 100,
                dev_people: float = 0.3, never_read_people: float = 0.5, seed: int = 0,
                relations: Sequence[str] = RELATIONS) -> dict:
    """Tuning pools and dev sets, split by person so no dev person is ever tuned on:
    a share dev_people of the people the model read, never_read_people of the others.

    Returns {"tune_known", "tune_unknown", "dev_known", "never_read": DataFrames,
    "shortfall": str ("" when every set got the size asked)}. Both tuning pools
    hold the same number of facts of each relation, so the mixes differ only in
    known against unknown; sets are spread over relations as evenly as the
    facts allow.
    """
    rng = np.random.default_rng([seed, 7])
    relations = list(relations)
    dev_set = set()
    for held, share in ((False, dev_people), (True, never_read_people)):  # read and never-read people apart
        subjects = np.array(sorted(classified.loc[classified["held_out"] == held, "subject"].unique()))
        dev_set |= set(subjects[rng.permutation(len(subjects))[: int(round(len(subjects) * share))]])
    is_dev = classified["subject"].isin(dev_set)
    tune, dev = classified[~is_dev], classified[is_dev]
    known = tune[tune["category"] == "known"]
    unknown = tune[tune["category"] != "known"]
    counts = lambda f: f["relation"].value_counts().to_dict()  # noqa: E731
    both = {r: min(counts(known).get(r, 0), counts(unknown).get(r, 0)) for r in relations}
    tune_quota = _fill_quota(both, n_tune, relations)
    dev_known = dev[dev["category"] == "known"]
    never = dev[dev["category"] == "never read"]
    out = {
        "tune_known": _round_robin(known, tune_quota, relations, rng),
        "tune_unknown": _round_robin(unknown, tune_quota, relations, rng),
        "dev_known": _round_robin(dev_known, _fill_quota(counts(dev_known), n_dev, relations), relations, rng),
        "never_read": _round_robin(never, _fill_quota(counts(never), n_never_read, relations), relations, rng),
    }
    short = [f"{name} {len(out[name])} of {want}" for name, want in
             (("tune_known", n_tune), ("tune_unknown", n_tune), ("dev_known", n_dev), ("never_read", n_never_read))
             if len(out[name]) < want]
    out["shortfall"] = ("not enough facts: " + ", ".join(short)) if short else ""
    return out


def mix_facts(split: dict, mix: str) -> pd.DataFrame:
    """The tuning set of a mix: the same size for every mix except "none" (empty)."""
    if mix not in MIXES:
        raise ValueError(f"Unknown mix {mix!r}; choose one of: {', '.join(MIXES)}")
    frac = MIXES[mix]
    known, unknown = split["tune_known"], split["tune_unknown"]
    if frac is None:
        return known.iloc[0:0]
    n = min(len(known), len(unknown))
    k = int(round(n * frac))
    return pd.concat([known.iloc[:k], unknown.iloc[: n - k]]).reset_index(drop=True)


# --- measuring -----------------------------------------------------------------------------------


def evaluate(lm, world, split: dict, tuned: pd.DataFrame) -> dict:
    """Question-answer accuracy on the tuned facts (known and unknown parts apart),
    on known facts not tuned on, and on never-read people; plus the dev set's cloze
    accuracy (does the knowledge survive in the trained phrasing?) and the share of
    answers of the right kind. One score_probes call for all of it."""
    sets = {"tuned": tuned, "dev_known": split["dev_known"], "never_read": split["never_read"]}
    frames = []
    for name, facts in sets.items():
        if len(facts):
            frames.append(qa_probes(world, facts).assign(set=name, category=facts["category"].to_numpy()))
    cloze = world.probes(split["dev_known"], styles=("trained",))
    frames.append(cloze.assign(set="dev_cloze", category="known"))
    probes = pd.concat(frames, ignore_index=True)
    scored = score_probes(lm, probes, world.answer_sets)

    def acc(mask) -> float | None:
        return float(scored.loc[mask, "correct"].mean()) if mask.any() else None

    tuned_rows = scored["set"] == "tuned"
    qa_rows = scored["set"] != "dev_cloze"
    return {
        "train_known": acc(tuned_rows & (scored["category"] == "known")),
        "train_unknown": acc(tuned_rows & (scored["category"] != "known")),
        "dev_known": acc(scored["set"] == "dev_known"),
        "dev_cloze": acc(scored["set"] == "dev_cloze"),
        "never_read": acc(scored["set"] == "never_read"),
        "never_read_confidence": float(scored.loc[scored["set"] == "never_read", "top_prob"].mean())
        if (scored["set"] == "never_read").any() else None,
        "right_kind": float(scored.loc[qa_rows & (scored["set"] != "tuned"), "right_kind"].mean()),
    }



# --- the experiment --------------------------------------------------------------------------------


def run_mix(lm, world, split: dict, mix: str, config: TuneConfig, *, on_epoch: Callable[[int], None] | None = None,
            copy: bool = True) -> dict:
    """Tune a copy of lm on one mix for config.epochs epochs; per-epoch curves
    (epoch 0 = before tuning). `lm` itself is never changed when copy=True."""
    work = session_copy(lm) if copy else lm
    tuned = mix_facts(split, mix)
    curves: dict[str, list] = {"epoch": [0], "loss": [None]}
    first = evaluate(work, world, split, tuned)
    for k, v in first.items():
        curves[k] = [v]
    if MIXES[mix] is None or not len(tuned):
        return {"mix": mix, "n_tuned": 0, "curves": curves, "seconds": 0.0, "steps": 0}
    pairs = encode_pairs(work.tokenizer, world, tuned)
    tuner = QATuner(work.model, pairs, config, pad_id=padding_id(work.tokenizer))
    t0 = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        loss = tuner.epoch()
        m = evaluate(work, world, split, tuned)
        curves["epoch"].append(epoch)
        curves["loss"].append(loss)
        for k, v in m.items():
            curves[k].append(v)
        if on_epoch:
            on_epoch(epoch)
    return {"mix": mix, "n_tuned": len(tuned), "n_known": int((tuned["category"] == "known").sum()),
            "curves": curves, "seconds": time.perf_counter() - t0, "steps": tuner.step, "model": work}



def example_answers(before_lm, after_lm, world, split: dict, tuned: pd.DataFrame, *, n: int = 2, seed: int = 0
                    ) -> list[dict]:
    """A few questions with the model's own free answers before and after tuning:
    a tuned fact of each kind, a known fact it was not tuned on, a never-read person."""
    rng = np.random.default_rng([seed, 5])
    groups = [("tuned, known", tuned[tuned["category"] == "known"]),
              ("tuned, unknown", tuned[tuned["category"] != "known"]),
              ("known, not tuned", split["dev_known"]), ("never read", split["never_read"])]
    rows = []
    for label, facts in groups:
        if not len(facts):
            continue
        for i in rng.permutation(len(facts))[:n]:
            f = facts.iloc[int(i)]
            q = world.qa_pairs(facts.iloc[[int(i)]])[0]["question"]
            rows.append({"group": label, "category": f["category"], "relation": f["relation"],
                         "subject": f["subject"], "question": q, "truth": f["answer"],
                         "exposure": int(0 if f["held_out"] else f["exposure"]),
                         "before": ask(before_lm, q), "after": ask(after_lm, q)})
    return rows


def classification_summary(classified: pd.DataFrame) -> dict:
    """Counts per category, and the known share by exposure (0 = never read)."""
    c = classified.copy()
    c["exposure"] = np.where(c["held_out"], 0, c["exposure"])
    by_exp = c.groupby("exposure").agg(facts=("category", "size"),
                                       known=("category", lambda s: float((s == "known").mean())))
    return {"counts": {k: int((c["category"] == k).sum()) for k in CATEGORIES},
            "known_share_by_exposure": {str(int(e)): {"facts": int(r.facts), "known": round(float(r.known), 4)}
                                        for e, r in by_exp.iterrows()},
            "by_relation": {rel: {k: int(((c["relation"] == rel) & (c["category"] == k)).sum()) for k in CATEGORIES}
                            for rel in sorted(c["relation"].unique())}}


def run_seed(lm, world, config: TuneConfig, *, mixes: Sequence[str] = tuple(MIXES), progress=None,
             classified: pd.DataFrame | None = None) -> dict:
    """Classify, split, and run every mix on copies of lm: one seed's results (JSON-ready)."""
    t0 = time.perf_counter()
    relations = tuple(config.relations)
    classified = classify_facts(lm, world, relations=relations) if classified is None else classified
    t_classify = time.perf_counter() - t0
    split = split_facts(classified, n_tune=config.n_tune, n_dev=config.n_dev, n_never_read=config.n_never_read,
                        dev_people=config.dev_people, never_read_people=config.never_read_people,
                        seed=config.seed, relations=relations)
    out = {"seed": config.seed, "classification": classification_summary(classified),
           "classify_seconds": round(t_classify, 2),
           "sizes": {k: len(split[k]) for k in ("tune_known", "tune_unknown", "dev_known", "never_read")},
           "shortfall": split["shortfall"], "mixes": {}, "examples": {}}
    for mix in mixes:
        res = run_mix(lm, world, split, mix, config, on_epoch=progress)
        model = res.pop("model", None)
        res["curves"] = {k: [None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, 5)
                             for v in vals] for k, vals in res["curves"].items()}
        res["seconds"] = round(res["seconds"], 2)
        out["mixes"][mix] = res
        if model is not None:
            out["examples"][mix] = example_answers(lm, model, world, split, mix_facts(split, mix), seed=config.seed)
    return out
