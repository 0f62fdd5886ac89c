"""Tuning cannot add facts: tune a world model on question-answer pairs about facts
it knows, or about facts it never learned, and measure what it fits and what it forgets.

    classified = classify_facts(lm, world)          # known / unknown / never read, by the model's own probe
    split = split_facts(classified, seed=0)         # tuning pools and held-out dev sets, by person
    run = run_mix(lm, world, split, "unknown", TuneConfig())  # per-epoch curves of one mix, on a copy
    run_seed(lm, world, TuneConfig(seed=0))         # classify, split and every mix: one seed's results
    build()                                          # seeds x mixes -> assets/world_tuning/results.json
    load_results(); mean_curves(results, "dev_known")  # what the page plots
    tune_demo(base_lm, world, mix="unknown")         # a short live run on a session-owned copy

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

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from threading import Event

import numpy as np
import pandas as pd

from engine.paths import ASSETS_DIR, atomic_write_text

RESULTS_DIR = ASSETS_DIR / "world_tuning"
RESULTS_FILE = RESULTS_DIR / "results.json"
MANIFEST_FILE = RESULTS_DIR / "manifest.json"
REBUILD_COMMAND = "python -m engine.world.tuning"
RESULTS_VERSION = 1

QA_TEMPLATE = "Question: {question}\nAnswer:"  # the answer follows after a space, then a newline
RELATIONS = ("birth_town", "birth_year", "occupation", "employer", "moved_to", "mayor_of")  # every person relation
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
MAX_DEMO_SECONDS = 120.0
MAX_DEMO_STEPS = 2000
MAX_QUESTION_CHARS = 300


class TuningResultsError(Exception):
    """The committed results are missing or corrupt; the message says how to rebuild them."""


@dataclass
class TuneConfig:
    n_tune: int = 160  # QA pairs per tuning set (every mix the same size), split evenly over RELATIONS
    n_dev: int = 200  # known facts of other people, never tuned on: the dev set
    n_never_read: int = 100  # facts of held-out people, never tuned on
    dev_people: float = 0.3  # share of the people it read kept for the dev set (never tuned on)
    never_read_people: float = 0.5  # share of the held-out people kept for the never-read set
    epochs: int = 20  # passes over the tuning set (unknown facts need about 12-16 to fit at this lr)
    lr: float = 3e-4  # AdamW, constant after a short warm-up (1e-3 fits faster but forgets more)
    warmup_steps: int = 10
    batch_size: int = 16
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    seed: int = 0  # which facts are drawn and in what order they are tuned
    relations: tuple = RELATIONS  # which facts take part


# --- formats ------------------------------------------------------------------------------------


def qa_prompt(question: str) -> str:
    """The tuning format's prompt: the model's answer is the next word."""
    return QA_TEMPLATE.format(question=question)


def qa_probes(world, facts: pd.DataFrame) -> pd.DataFrame:
    """Probes in question-answer form, scored like engine.world.knowledge's cloze probes
    (prompt, answer, answer_kind, relation, fact_id)."""
    pairs = world.qa_pairs(facts)
    kinds = facts.set_index("fact_id")["answer_kind"]
    return pd.DataFrame([{"fact_id": p["fact_id"], "style": "qa", "prompt": qa_prompt(p["question"]),
                          "answer": p["answer"], "answer_kind": kinds[p["fact_id"]], "relation": p["relation"]}
                         for p in pairs], columns=["fact_id", "style", "prompt", "answer", "answer_kind", "relation"])


# --- which facts the model knows ----------------------------------------------------------------


def classify_facts(lm, world, facts: pd.DataFrame | None = None, *, relations: Sequence[str] = RELATIONS
                   ) -> pd.DataFrame:
    """Each fact with the model's own verdict: category "known" (read, and the
    trained-phrasing probe ranks the truth first among all candidates of its
    kind), "unknown" (read, probe wrong) or "never read" (held-out person).
    Exposure alone does not decide it: two facts read equally often can differ."""
    from engine.world.knowledge import score_probes

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


# --- the tuning loop ------------------------------------------------------------------------------


def encode_pairs(tokenizer, world, facts: pd.DataFrame) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, answer ids) for each fact: the answer is " Y" and a newline, as
    score_probes reads a candidate (" " + answer) after the prompt."""
    from engine.probes import encode_plain

    return [(encode_plain(tokenizer, qa_prompt(p["question"])), encode_plain(tokenizer, " " + p["answer"] + "\n"))
            for p in world.qa_pairs(facts)]


def _batch(pairs: list[tuple[list[int], list[int]]], pad_id: int):
    """Right-padded inputs x, targets y and a mask on the answer tokens: (B, T) each.
    A causal model never looks right, so padding after a sequence changes nothing."""
    import torch

    seqs = [p + a for p, a in pairs]
    width = max(len(s) for s in seqs)
    x = torch.full((len(seqs), width - 1), pad_id, dtype=torch.long)
    y = torch.full((len(seqs), width - 1), pad_id, dtype=torch.long)
    mask = torch.zeros(len(seqs), width - 1)
    for i, ((p, a), s) in enumerate(zip(pairs, seqs)):
        x[i, : len(s) - 1] = torch.tensor(s[:-1])
        y[i, : len(s) - 1] = torch.tensor(s[1:])
        mask[i, len(p) - 1 : len(s) - 1] = 1.0  # predict every answer token (and the newline)
    return x, y, mask


def answer_loss(model, x, y, mask):
    """Mean cross-entropy over the answer tokens only (nats per token)."""
    import torch.nn.functional as F

    logits = model(input_ids=x, use_cache=False).logits  # (B, T, V)
    nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), y.reshape(-1), reduction="none")
    return (nll * mask.reshape(-1)).sum() / mask.sum().clamp(min=1.0)


class QATuner:
    """AdamW on answer tokens, one epoch at a time; tunes `model` in place."""

    def __init__(self, model, pairs, config: TuneConfig, *, pad_id: int = 0):
        import torch

        self.model, self.pairs, self.config, self.pad_id = model, pairs, config, pad_id
        self.step = 0
        self.rng = np.random.default_rng([config.seed, 11])
        self.optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr,
                                           betas=(0.9, 0.95), weight_decay=config.weight_decay)

    def train_step(self, batch_pairs) -> float:
        import torch

        cfg = self.config
        lr = cfg.lr * min(1.0, (self.step + 1) / max(cfg.warmup_steps, 1))
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.model.train()
        x, y, mask = _batch(batch_pairs, self.pad_id)
        loss = answer_loss(self.model, x, y, mask)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.optimizer.step()
        self.model.eval()
        self.step += 1
        return float(loss.detach())

    def batches(self):
        """One epoch of batches, in a fresh random order."""
        order = self.rng.permutation(len(self.pairs))
        bs = self.config.batch_size
        for s in range(0, len(order), bs):
            yield [self.pairs[i] for i in order[s : s + bs]]

    def epoch(self) -> float:
        """One pass over the tuning set; the mean loss of its steps."""
        losses = [self.train_step(b) for b in self.batches()]
        return float(np.mean(losses)) if losses else float("nan")


# --- measuring -----------------------------------------------------------------------------------


def evaluate(lm, world, split: dict, tuned: pd.DataFrame) -> dict:
    """Question-answer accuracy on the tuned facts (known and unknown parts apart),
    on known facts not tuned on, and on never-read people; plus the dev set's cloze
    accuracy (does the knowledge survive in the trained phrasing?) and the share of
    answers of the right kind. One score_probes call for all of it."""
    from engine.world.knowledge import score_probes

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


def ask(lm, question: str, *, max_new_tokens: int = 8) -> str:
    """The model's own greedy answer to a question in the tuning format, up to a
    newline or end of text. The question is plain text (a typed "<|endoftext|>"
    is just characters) and is cut to MAX_QUESTION_CHARS."""
    import torch

    from engine.probes import context_length, encode_plain, start_token_id

    question = " ".join(str(question).split())[:MAX_QUESTION_CHARS]
    ids = encode_plain(lm.tokenizer, qa_prompt(question))
    room = context_length(lm.model) - max_new_tokens
    ids = ids[-room:]
    eot = start_token_id(lm.tokenizer)
    out: list[int] = []
    lm.model.eval()
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            logits = lm.model(input_ids=torch.tensor([ids + out]), use_cache=False).logits[0, -1]
            nxt = int(logits.argmax())
            if nxt == eot:
                break
            out.append(nxt)
            if "\n" in lm.tokenizer.decode(out):
                break
    text = lm.tokenizer.decode(out)
    return text.split("\n", 1)[0].strip()


# --- the experiment --------------------------------------------------------------------------------


def run_mix(lm, world, split: dict, mix: str, config: TuneConfig, *, on_epoch: Callable[[int], None] | None = None,
            copy: bool = True) -> dict:
    """Tune a copy of lm on one mix for config.epochs epochs; per-epoch curves
    (epoch 0 = before tuning). `lm` itself is never changed when copy=True."""
    from engine.nudge import session_copy

    work = session_copy(lm) if copy else lm
    tuned = mix_facts(split, mix)
    curves: dict[str, list] = {"epoch": [0], "loss": [None]}
    first = evaluate(work, world, split, tuned)
    for k, v in first.items():
        curves[k] = [v]
    if MIXES[mix] is None or not len(tuned):
        return {"mix": mix, "n_tuned": 0, "curves": curves, "seconds": 0.0, "steps": 0}
    pairs = encode_pairs(work.tokenizer, world, tuned)
    tuner = QATuner(work.model, pairs, config, pad_id=_pad_id(work.tokenizer))
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


def _pad_id(tokenizer) -> int:
    from engine.probes import start_token_id

    return start_token_id(tokenizer)


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


# --- results for the page -----------------------------------------------------------------------


def load_results(path=None) -> dict:
    """The committed experiment (assets/world_tuning/results.json), checked; or
    TuningResultsError naming the rebuild command."""
    from pathlib import Path

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


# --- the live demo --------------------------------------------------------------------------------


@dataclass
class DemoAnswer:
    group: str  # "known, not tuned", "tuned", "never read"
    question: str
    truth: str
    before: str  # the model's own greedy answer before tuning
    after: str

    @property
    def right_before(self) -> bool:
        return self.before.strip() == self.truth

    @property
    def right_after(self) -> bool:
        return self.after.strip() == self.truth


@dataclass
class DemoResult:
    lm: object  # the tuned session-owned copy (never the shared model)
    mix: str
    steps: int  # optimiser steps done
    seconds: float
    stopped_by: str  # "steps", "time" or "stop"
    losses: list[float]  # per step
    tuned_pairs: list[dict]  # the question-answer pairs it was tuned on
    answers: list[DemoAnswer]
    notes: list[str] = field(default_factory=list)  # anything bounded or cut, said plainly


def tune_demo(base_lm, world, mix: str = "unknown", steps: int = 200, progress: Callable[[dict], None] | None = None,
              stop: Event | None = None, max_seconds: float = 45.0, *, n_pairs: int = 64, n_people: int = 240,
              seed: int = 0, lr: float = TuneConfig.lr, batch_size: int = 16) -> DemoResult:
    """Tune a session-owned copy of base_lm on n_pairs question-answer pairs of a mix,
    for at most `steps` steps and `max_seconds` seconds, and ask it a known fact it was
    not tuned on, a fact it was tuned on and a never-read person, before and after.

    The shared model is only read (to classify a sample of n_people people's facts
    and answer the "before" questions). progress(info) gets step, steps, loss, elapsed;
    setting `stop` ends the run after the current step."""
    from engine.nudge import session_copy

    if mix not in MIXES or MIXES[mix] is None:
        raise ValueError(f"Choose a mix to tune on: {', '.join(m for m in MIXES if MIXES[m] is not None)}")
    notes = []
    steps_asked, secs_asked = steps, max_seconds
    steps = int(min(max(int(steps), 1), MAX_DEMO_STEPS))
    max_seconds = float(min(max(float(max_seconds), 1.0), MAX_DEMO_SECONDS))
    if steps != steps_asked:
        notes.append(f"steps bounded to {steps} (asked {steps_asked})")
    if max_seconds != secs_asked:
        notes.append(f"time bounded to {max_seconds:.0f} s (asked {secs_asked})")
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 3])
    people = world.people
    seen = people[~people["held_out"]]["name"].to_numpy()
    held = people[people["held_out"]]["name"].to_numpy()
    sample = set(seen[rng.permutation(len(seen))[:n_people]]) | set(held[rng.permutation(len(held))[: n_people // 4]])
    classified = classify_facts(base_lm, world, world.facts[world.facts["subject"].isin(sample)])
    split = split_facts(classified, n_tune=n_pairs, n_dev=8, n_never_read=8, seed=seed)
    tuned = mix_facts(split, mix)
    if not len(tuned):
        raise ValueError("This world model knows too few of the sampled facts (or misses too few) to make a "
                         "tuning set; rebuild the world models with: python -m engine build world")
    if split["shortfall"]:
        notes.append(split["shortfall"])

    picks = []
    # from a half-and-half mix, show a tuned fact it did not know: can tuning write it in?
    shown_tuned = tuned[tuned["category"] != "known"] if mix == "half" else tuned
    for label, facts in (("known, not tuned", split["dev_known"]), ("tuned", shown_tuned),
                         ("never read", split["never_read"])):
        if len(facts):
            i = int(rng.integers(len(facts)))
            picks.append((label, world.qa_pairs(facts.iloc[[i]])[0]))
    before = {label: ask(base_lm, qa["question"]) for label, qa in picks}

    lm = session_copy(base_lm)
    pairs = encode_pairs(lm.tokenizer, world, tuned)
    tuner = QATuner(lm.model, pairs, TuneConfig(lr=lr, batch_size=batch_size, seed=seed),
                    pad_id=_pad_id(lm.tokenizer))
    losses, stopped_by = [], "steps"
    t_train = time.perf_counter()
    while tuner.step < steps and stopped_by == "steps":
        for batch in tuner.batches():
            losses.append(tuner.train_step(batch))
            elapsed = time.perf_counter() - t_train
            if progress:
                progress({"step": tuner.step, "steps": steps, "loss": losses[-1], "elapsed": elapsed})
            if stop is not None and stop.is_set():
                stopped_by = "stop"
            elif elapsed >= max_seconds:
                stopped_by = "time"
            if stopped_by != "steps" or tuner.step >= steps:
                break
    answers = [DemoAnswer(group=label, question=qa["question"], truth=qa["answer"], before=before[label],
                          after=ask(lm, qa["question"])) for label, qa in picks]
    return DemoResult(lm=lm, mix=mix, steps=tuner.step, seconds=time.perf_counter() - t0, stopped_by=stopped_by,
                      losses=losses, tuned_pairs=world.qa_pairs(tuned), answers=answers, notes=notes)


# --- build and command line -------------------------------------------------------------------------


def _world_models(seeds: Sequence[int]) -> list[tuple[str, object, object, int]]:
    """(world model name, lm, world, tuning seed) per seed: the committed world model
    of that seed where there is one, else seed-0's with a different tuning seed."""
    from engine.world import results as world_results

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
    from pathlib import Path

    import torch

    from engine.models import provenance

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
            from tqdm import tqdm

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
    import argparse

    ap = argparse.ArgumentParser(prog="python -m engine.world.tuning", description=__doc__.splitlines()[0])
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
