"""`python -m engine build transfer`: measure transfer learning and write assets/transfer/.

For each task (topic, sentiment, spam) and each approach of engine.transfer.experiment, train on a
seeded few-shot sample at several labelled-examples-per-class counts and score on the same
fixed test subset; then our base's snapshots at increasing pretraining tokens at 32 labels
per class; then the costs. Writes, atomically:
- assets/transfer/results.json: rows, checkpoint rows, task facts, costs, recipe, manifest
  (read by engine.transfer.results);
- assets/transfer/tryit/: the classifiers trained at 32 labels per class, seed 0, that the
  page's "try it" box uses (engine.transfer.tryit): fp16 safetensors for the trained transformers,
  npz for the linear heads and the bag-of-words vocabulary; no pickle.

Budgets (documented in docs/TRANSFER.md): the two trained approaches get the same 100 AdamW
steps of 16 examples at a fixed peak lr of 1e-3 (the earlier validation grid picked 1e-3 in
12 of 18 runs, and its one 3e-3 pick was the worst row); bag-of-words and the frozen probes
are cheap and run at every count. Features are cached on disk (engine.transfer.features), and each
finished row in cache_dir()/transfer/rows.jsonl keyed by everything it depends on (weights'
sha256 included), so an interrupted or repeated build only computes what is new.
--max-minutes stops starting trained runs past a wall-time bound; what was skipped is
listed in the manifest, never silently dropped.

--workers N (the CLI's default: 2, one per core of this machine) spreads the rows over N
processes of one torch thread each (run_parallel); the results are the same rows a
one-process build computes. Not handled: GPUs, tuning heads on the real bases.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from engine.paths import ASSETS_DIR, REPO_ROOT, atomic_write_bytes, atomic_write_text, cache_dir
from engine.models import portable_config
from engine.transfer.results import RESULTS_DIR, SCHEMA

ALL_PER_CLASS = (8, 16, 32, 64, 128, 256, None)  # None: the whole train split
CHECKPOINTS = ("base-1m", "base-2m", "base-4m", "base-8m", "base")
TRAINED = ("from scratch", "our base, fine-tuned")
FROZEN_MODEL = {"our base, frozen": "base", "SmolLM2, frozen": "smollm2", "MiniLM, frozen": "minilm"}
TRYIT_PER_CLASS = 32
TRYIT_SEED = 0
TRYIT_DIR = RESULTS_DIR / "tryit"
SLUG = {"bag-of-words": "bag-of-words", "from scratch": "from-scratch", "our base, frozen": "our-base-frozen",
        "our base, fine-tuned": "our-base-fine-tuned", "SmolLM2, frozen": "smollm2-frozen",
        "MiniLM, frozen": "minilm-frozen"}
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


@dataclass
class BuildConfig:
    tasks: tuple[str, ...] = ("topic", "sentiment", "spam")
    approaches: tuple[str, ...] = ("bag-of-words", "from scratch", "our base, frozen", "our base, fine-tuned",
                                   "SmolLM2, frozen", "MiniLM, frozen")
    per_class: tuple = ALL_PER_CLASS  # counts for bag-of-words and the frozen probes
    trained_per_class: tuple = ALL_PER_CLASS  # counts for the two trained approaches (each run ~10-20 CPU s)
    seeds: tuple[int, ...] = (0, 1, 2)
    checkpoints: tuple[str, ...] = CHECKPOINTS
    checkpoint_tasks: tuple[str, ...] = ("topic", "sentiment", "spam")
    checkpoint_per_class: int = 32
    checkpoint_seeds: tuple[int, ...] = (0, 1, 2)
    steps: int = 100
    batch_size: int = 16
    lr: float = 1e-3
    test_size: int = 500
    max_tokens: int = 128
    tryit: bool = True
    max_minutes: float | None = None  # no new trained runs after this
    quick: bool = False
    out: str | None = None
    use_row_cache: bool = True
    checkpoints_only: bool = False  # only the snapshot rows (to fill the row cache ahead of a build)
    cached_only: bool = False  # compose the results from rows earlier builds finished; skip (and list) the rest
    adopt_tryit: bool = False  # with cached_only: list the try-it files an interrupted build saved
    workers: int = 1  # processes computing rows (the CLI's default: 2, this machine's cores)
    notes: list[str] = field(default_factory=list)


def _label(per_class) -> str:
    return "all" if per_class is None else str(per_class)


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}, Python {platform.python_version()}"


class RowCache:
    """Finished rows, one JSON line each, keyed by everything they depend on. A miss re-reads
    lines appended since (another build running beside this one may have just finished it)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.rows: dict[str, dict] = {}
        self.reused = 0
        self._offset = 0
        self._refresh()

    def _refresh(self) -> None:
        if not self.path or not self.path.is_file():
            return
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        end = data.rfind(b"\n") + 1  # a half-written last line waits for the next read
        self._offset += end
        for line in data[:end].decode("utf-8", "replace").splitlines():
            try:
                entry = json.loads(line)
                self.rows[entry["key"]] = entry["row"]
            except (json.JSONDecodeError, KeyError, TypeError):
                continue

    @staticmethod
    def key(**parts) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def get(self, key: str) -> dict | None:
        if key not in self.rows:
            self._refresh()
        row = self.rows.get(key)
        if row is not None:
            self.reused += 1
            return dict(row, reused=True)
        return None

    def put(self, key: str, row: dict) -> None:
        self.rows[key] = row
        if self.path:
            import fcntl

            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:  # workers append to one file: one line at a time
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.write(json.dumps({"key": key, "row": row}) + "\n")
                fh.flush()


def _param_count(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


class Builder:
    def __init__(self, config: BuildConfig, *, tasks: dict | None = None, models: dict | None = None,
                 row_cache: RowCache | None = None, tryit_dir: Path | None = None, log=print):
        from engine.transfer import experiment as transfer

        self.c = config
        self.transfer = transfer
        self.task_data = tasks or {}
        self.models = models or {}
        self.supplied = set(self.models)  # models given by the caller (tests' stand-ins): workers get them too
        self.cache = row_cache or RowCache(None)
        self.tryit_dir = tryit_dir
        self.log = log
        self.t_start = time.perf_counter()
        self.skipped: list[str] = []
        self.feature_rate: dict[tuple[str, str], float] = {}  # (task, model) -> seconds per text, measured cold
        self.fingerprints: dict[str, str] = {}
        self.tryit: dict = {"per_class": TRYIT_PER_CLASS, "seed": TRYIT_SEED, "approaches": {}}

    # --- models and data ---
    def data(self, task: str):
        if task not in self.task_data:
            from engine.tasks import load_task

            self.task_data[task] = load_task(task)
        return self.task_data[task]

    def model(self, name: str):
        if name not in self.models:
            if name == "smollm2":
                from engine import smollm

                self.models[name] = smollm.load()
            elif name == "minilm":
                from engine.transfer import features

                self.models[name] = features.load_encoder()
            else:
                from engine.models import load_artifact

                self.models[name] = load_artifact(name)
        return self.models[name]

    def fingerprint(self, name: str) -> str:
        if name not in self.fingerprints:
            from engine.transfer.features import model_fingerprint

            m = self.model(name)
            self.fingerprints[name] = model_fingerprint(m[0] if isinstance(m, tuple) else m.model)
        return self.fingerprints[name]

    def shape_id(self, name: str) -> str:
        """What a from-scratch model takes from our base: its tokenizer and its shape, not its weights."""
        lm = self.model(name)
        cfg = lm.model.config
        shape = {k: getattr(cfg, k, None) for k in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head",
                                                      "activation_function")}
        tok = ""
        if hasattr(lm.tokenizer, "backend_tokenizer"):
            spec = json.loads(lm.tokenizer.backend_tokenizer.to_str())
            for transient in ("truncation", "padding"):  # set by each call's arguments, not the tokenizer
                spec.pop(transient, None)
            tok = json.dumps(spec, sort_keys=True)
        return hashlib.sha256((json.dumps(shape, sort_keys=True) + tok).encode()).hexdigest()

    def budget(self):
        return self.transfer.Budget(steps=self.c.steps, batch_size=self.c.batch_size, lrs=(self.c.lr,),
                                    max_tokens=self.c.max_tokens)

    def test_subset(self, task: str):
        return self.transfer.stratified_subset(self.data(task).test, self.c.test_size, seed=0)

    def out_of_time(self) -> bool:
        return self.c.max_minutes is not None and time.perf_counter() - self.t_start > self.c.max_minutes * 60

    # --- features ---
    def extractor(self, task: str, model_name: str):
        from engine.transfer import features

        m = self.model(model_name)

        def extract(texts):
            before = features.stats["computed"]
            t0 = time.perf_counter()
            if model_name == "minilm":
                x = features.encoder_features(texts, encoder=m, max_tokens=self.c.max_tokens)
            else:
                x = features.decoder_features(m, texts, max_tokens=self.c.max_tokens)
            computed = features.stats["computed"] - before
            if computed >= 20 and (task, model_name) not in self.feature_rate:
                self.feature_rate[(task, model_name)] = (time.perf_counter() - t0) / computed
            return x

        return extract

    def with_feature_time(self, row: dict) -> dict:
        """A probe row whose features another call (or worker) computed gets the measured rate."""
        a = row["approach"]
        if a not in FROZEN_MODEL or row.get("feature_seconds_per_text") is not None or row.get("reused"):
            return row
        name = row.get("base", "base") if a == "our base, frozen" else FROZEN_MODEL[a]
        rate = self.feature_rate.get((row["task"], name))
        if rate is None:
            return row
        return dict(row, feature_seconds_per_text=rate, seconds=row["probe_seconds"] + rate * row["n_train"])

    def token_count(self, model_name: str, texts) -> int:
        m = self.model(model_name)
        tok = m[1] if isinstance(m, tuple) else m.tokenizer
        ids = tok(list(texts), add_special_tokens=True, truncation=True, max_length=self.c.max_tokens)["input_ids"]
        return int(sum(max(1, len(r)) for r in ids))

    def params(self, model_name: str) -> int:
        m = self.model(model_name)
        return _param_count(m[0] if isinstance(m, tuple) else m.model)

    # --- one row ---
    def row_key(self, task: str, approach: str, per_class, seed: int, base: str = "base") -> str:
        """Everything a row depends on, weights' sha256 included."""
        uses_base = approach in ("our base, frozen", "our base, fine-tuned")
        model_name = FROZEN_MODEL.get(approach)
        return RowCache.key(task=task, approach=approach, per_class=per_class, seed=seed, test_size=self.c.test_size,
                            max_tokens=self.c.max_tokens, steps=self.c.steps, lr=self.c.lr, batch=self.c.batch_size,
                            base=self.fingerprint(base) if uses_base else (
                                self.shape_id(base) if approach == "from scratch" else None),
                            model=self.fingerprint(model_name) if model_name and model_name != "base" else None,
                            train_ids=None, v=1)

    def prewarm(self, task: str, model_name: str, samples) -> None:
        """Compute (or find) the frozen features every row of (task, model) will read: the test
        subset and each (per_class, seed) training sample, in one call (its rate is measured)."""
        from engine.tasks import few_shot

        texts = {e.text: None for e in self.test_subset(task)}
        for per_class, seed in samples:
            texts.update({e.text: None for e in few_shot(self.data(task).train, per_class, seed)})
        self.extractor(task, model_name)(list(texts))

    def run(self, task: str, approach: str, per_class, seed: int, *, base: str = "base",
            save_tryit: bool = False) -> dict | None:
        """One row (None with cached_only when no earlier build finished it)."""
        from engine.transfer.baselines import bag_of_words, linear_probe
        from engine.tasks import few_shot

        data = self.data(task)
        model_name = FROZEN_MODEL.get(approach)
        key = self.row_key(task, approach, per_class, seed, base)
        if not save_tryit:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        if self.c.cached_only:
            return None
        train = few_shot(data.train, per_class, seed)
        evaluate_on = self.test_subset(task)
        labels = list(data.labels)
        row = {"task": task, "approach": approach, "per_class": per_class, "label": _label(per_class),
               "n_train": len(train), "seed": seed, "n_test": len(evaluate_on)}
        keep: dict = {}
        t0 = time.perf_counter()
        c0 = time.process_time()  # CPU seconds: what the row costs on one free core, however busy the machine
        if approach == "bag-of-words":
            s = bag_of_words(train, evaluate_on, keep=keep)
            row.update(seconds=time.perf_counter() - t0, flops=None)
        elif approach in FROZEN_MODEL:
            name = model_name if approach != "our base, frozen" else base
            extract = self.extractor(task, name)
            extract([e.text for e in train])  # features first, so the fit is timed alone
            t1 = time.perf_counter()
            s = linear_probe(extract, train, evaluate_on, method=approach, keep=keep)
            fit = time.perf_counter() - t1
            rate = self.feature_rate.get((task, name))
            tokens = self.token_count(name, [e.text for e in train])
            row.update(seconds=fit + (rate * len(train) if rate else 0.0), probe_seconds=fit,
                       feature_seconds_per_text=rate, tokens_read=tokens, flops=2 * self.params(name) * tokens)
        elif approach in TRAINED:
            lm = self.model(base)
            budget = self.budget()
            kw = dict(validation=(), labels=labels, budget=budget, seed=seed, keep=keep)
            if approach == "from scratch":
                import copy

                s, info = self.transfer.from_scratch(train, evaluate_on, tokenizer=lm.tokenizer,
                                                     vocab_size=lm.model.config.vocab_size,
                                                     preset=copy.deepcopy(lm.model.config), **kw)
            else:
                s, info = self.transfer.fine_tune(lm, train, evaluate_on, **kw)
            n = _param_count(keep["model"])
            row.update(seconds=time.perf_counter() - t0, lr=info["lr"], steps=info["steps"],
                       tokens_trained=info["tokens_trained"], params=n, flops=6 * n * info["tokens_trained"])
        else:
            raise ValueError(f"unknown approach {approach!r}")
        row.update(accuracy=s.accuracy, macro_f1=s.macro_f1, cpu_seconds=time.process_time() - c0)
        if approach != "bag-of-words" and approach in ("from scratch", "our base, fine-tuned", "our base, frozen"):
            row["base"] = base
        if save_tryit and self.tryit_dir is not None:
            self.save_tryit(task, approach, keep, labels)
        self.cache.put(key, row)
        return row

    # --- try-it classifiers ---
    def save_tryit(self, task: str, approach: str, keep: dict, labels: list[str]) -> None:
        import io

        folder = self.tryit_dir
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{task}-{SLUG[approach]}"
        entry: dict = {"labels": labels}
        if approach == "bag-of-words":
            pipe = keep["model"]
            vec, clf = pipe.steps[0][1], pipe.steps[1][1]
            vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
            buf = io.BytesIO()
            np.savez_compressed(buf, terms=np.array(vocab, dtype=str), idf=vec.idf_.astype(np.float32),
                                coef=clf.coef_.astype(np.float32), intercept=clf.intercept_.astype(np.float32),
                                classes=np.array([str(c) for c in clf.classes_], dtype=str))
            atomic_write_bytes(folder / f"{stem}.npz", buf.getvalue())
            entry.update(file=f"{stem}.npz", kind="bag-of-words",
                         settings={"ngram_range": list(vec.ngram_range), "sublinear_tf": vec.sublinear_tf,
                                   "lowercase": vec.lowercase})
        elif approach in FROZEN_MODEL:
            pipe = keep["model"]
            scaler, clf = pipe.steps[0][1], pipe.steps[1][1]
            buf = io.BytesIO()
            np.savez(buf, mean=scaler.mean_.astype(np.float32), scale=scaler.scale_.astype(np.float32),
                     coef=clf.coef_.astype(np.float32), intercept=clf.intercept_.astype(np.float32),
                     classes=np.array([str(c) for c in clf.classes_], dtype=str))
            atomic_write_bytes(folder / f"{stem}.npz", buf.getvalue())
            model_name = FROZEN_MODEL[approach]
            entry.update(file=f"{stem}.npz", kind="frozen", model=model_name,
                         model_sha256=self.fingerprint(model_name))
        else:
            import torch
            from safetensors.torch import save as st_save

            clf = keep["model"]
            state = {k: v.detach().to(torch.float16).contiguous() for k, v in clf.state_dict().items()}
            atomic_write_bytes(folder / f"{stem}.safetensors", st_save(state))
            entry.update(file=f"{stem}.safetensors", kind="trained", config=portable_config(clf.body.config))
        self.tryit["approaches"].setdefault(task, {})[approach] = entry

    def adopt_tryit_files(self, folder: Path, tasks) -> None:
        """Manifest entries for try-it files an interrupted build saved (newer than our base's
        weights, so never a head trained on an older base); a --cached-only build uses this."""
        from engine.models import MODELS_DIR

        weights = MODELS_DIR / "base" / "model.safetensors"
        base_time = weights.stat().st_mtime if weights.is_file() else 0.0
        self.tryit_dir = folder
        for task in tasks:
            labels = list(self.data(task).labels)
            for approach, slug in SLUG.items():
                ext = "safetensors" if approach in TRAINED else "npz"
                path = folder / f"{task}-{slug}.{ext}"
                if not path.is_file() or path.stat().st_mtime < base_time:
                    continue
                entry: dict = {"labels": labels, "file": path.name}
                if approach == "bag-of-words":
                    entry.update(kind="bag-of-words", settings={"ngram_range": [1, 2], "sublinear_tf": True,
                                                                "lowercase": True})
                elif approach in FROZEN_MODEL:
                    name = FROZEN_MODEL[approach]
                    entry.update(kind="frozen", model=name, model_sha256=self.fingerprint(name))
                else:
                    entry.update(kind="trained", config=portable_config(self.model("base").model.config))
                self.tryit["approaches"].setdefault(task, {})[approach] = entry

    def write_tryit_manifest(self) -> None:
        if self.tryit_dir is None or not self.tryit["approaches"]:
            return
        base = self.model("base")
        tok_path = self.tryit_dir / "tokenizer.json"
        base.tokenizer.backend_tokenizer.save(str(tok_path))
        manifest = dict(self.tryit, base_sha256=self.fingerprint("base"), max_tokens=self.c.max_tokens,
                        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        atomic_write_text(self.tryit_dir / "manifest.json", json.dumps(manifest, indent=1) + "\n")

# --- several worker processes ------------------------------------------------------------------
# Each worker is a spawned process with its own Builder (models loaded on first use, one torch
# thread). The parent hands out jobs one at a time, in order, to whichever worker is free:
# first the frozen features of each (task, model) (the slow real bases start at once), then the
# trained runs, then the cheap probe and bag-of-words rows that read the features now on disk.
# Rows go to the shared row cache (appends under a lock) and back to the parent, which
# composes the results exactly as a one-process build does.

_worker: dict = {}


def _worker_init(config: BuildConfig, tasks, models, cache_path, tryit_dir, feature_folder, threads, deadline):
    import torch

    from engine.transfer import features

    torch.set_num_threads(max(1, threads))
    if feature_folder:
        features.enable_disk_cache(Path(feature_folder))
    _worker["builder"] = Builder(config, tasks=dict(tasks or {}), models=dict(models or {}),
                                 row_cache=RowCache(Path(cache_path) if cache_path else None),
                                 tryit_dir=Path(tryit_dir) if tryit_dir else None, log=lambda *a: None)
    _worker["deadline"] = deadline


def _worker_job(job):
    """One job in a worker: ("features", task, model, samples) or (index, run arguments, save)."""
    b: Builder = _worker["builder"]
    if job[0] == "features":
        _, task, model_name, samples = job
        b.prewarm(task, model_name, samples)
        return {"job": job, "rates": dict(b.feature_rate)}
    index, (kind, task, a, k, seed, base), save = job
    deadline = _worker["deadline"]
    if a in TRAINED and deadline is not None and time.time() > deadline:  # the features are done by now
        return {"job": job, "index": index, "row": None, "why": "time bound"}
    b.tryit["approaches"] = {}
    row = b.run(task, a, k, seed, base=base, save_tryit=save)
    return {"job": job, "index": index, "row": row, "tryit": b.tryit["approaches"], "rates": dict(b.feature_rate)}


def run_parallel(b: Builder, jobs: list[tuple], saves: list[bool], *, workers: int, progress: bool) -> dict[int, dict | str]:
    """Rows for `jobs` computed by `workers` processes: {job index: row, or why it is missing}.
    Rows an earlier build finished come from the row cache here, without a worker."""
    import multiprocessing

    from tqdm import tqdm

    from engine.transfer import features

    c = b.c
    out: dict[int, dict | str] = {}
    todo: list[tuple] = []
    for i, (job, save) in enumerate(zip(jobs, saves)):
        kind, task, a, k, seed, base = job
        cached = None if save else b.cache.get(b.row_key(task, a, k, seed, base))
        if cached is not None:
            out[i] = cached
        else:
            todo.append((i, job, save))
    if not todo:
        return out
    # features first: every (task, frozen model) some missing row reads, biggest models first
    samples: dict[tuple[str, str], set] = {}
    for _, (kind, task, a, k, seed, base), _ in todo:
        if a in FROZEN_MODEL:
            name = base if a == "our base, frozen" else FROZEN_MODEL[a]
            samples.setdefault((task, name), set()).add((k, seed))
    size = {"smollm2": 0, "minilm": 1}
    feature_jobs = [("features", t, m, sorted(v, key=str)) for (t, m), v in
                    sorted(samples.items(), key=lambda kv: (size.get(kv[0][1], 2), c.tasks.index(kv[0][0])))]
    trained = [j for j in todo if j[1][2] in TRAINED]
    rest = [j for j in todo if j[1][2] not in TRAINED]
    queue = feature_jobs + trained + rest
    deadline = time.time() + c.max_minutes * 60 - (time.perf_counter() - b.t_start) if c.max_minutes else None
    supplied_models = {k: v for k, v in b.models.items() if k in b.supplied}
    folder = features._disk["folder"]
    for task in c.tasks:
        b.data(task)  # read once here; the workers get the examples, not the data pack's location
    init = (c, b.task_data, supplied_models or None,
            str(b.cache.path) if b.cache.path else None, str(b.tryit_dir) if b.tryit_dir else None,
            str(folder) if folder else None, _threads(), deadline)
    ctx = multiprocessing.get_context("spawn")  # fork after torch has threads can hang
    tryit: dict[int, dict] = {}
    bar = tqdm(total=len(queue), desc=f"build transfer ({workers} workers)", unit="job", disable=not progress,
               file=sys.stderr)
    with ctx.Pool(workers, initializer=_worker_init, initargs=init) as pool:
        for result in pool.imap_unordered(_worker_job, queue, chunksize=1):
            for key, rate in result.get("rates", {}).items():
                b.feature_rate.setdefault(tuple(key), rate)
            job = result["job"]
            if job[0] == "features":
                bar.set_postfix_str(f"features {job[1]} | {job[2]}")
            else:
                kind, task, a, k, seed, base = job[1]
                bar.set_postfix_str(f"{task} | {a} | {_label(k)} | seed {seed}" + (f" | {base}" if kind == "ckpt" else ""))
                out[result["index"]] = result["row"] if result["row"] is not None else result["why"]
                if result.get("tryit"):
                    tryit[result["index"]] = result["tryit"]
            bar.update()
        pool.close()
        pool.join()
    bar.close()
    for index in sorted(tryit):  # the one-process build's order, whatever order workers finished in
        for t, entries in tryit[index].items():
            b.tryit["approaches"].setdefault(t, {}).update(entries)
    return out


def _available_approaches(approaches, log) -> tuple[list[str], list[str]]:
    from engine import datapack, smollm

    keep, notes = [], []
    for a in approaches:
        if a == "SmolLM2, frozen" and not smollm.is_converted() and not smollm.gguf_available():
            notes.append("SmolLM2 skipped: its data-pack source is not here (python -m engine data fetch smollm2)")
            continue
        if a == "MiniLM, frozen" and not datapack.is_available("minilm"):
            notes.append("MiniLM skipped: its data-pack source is not here (python -m engine data fetch minilm)")
            continue
        keep.append(a)
    for n in notes:
        log(n)
    return keep, notes


def task_facts(data, evaluate_on) -> dict:
    from engine.transfer.baselines import majority_class

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
    """Run the experiments of `config` and return the results dict (not written)."""
    from tqdm import tqdm

    b = Builder(config, tasks=tasks, models=models, row_cache=row_cache, tryit_dir=tryit_dir, log=log)
    c = config
    approaches = list(c.approaches)
    notes = list(c.notes)
    if models is None or not {"smollm2", "minilm"} <= set(models):
        approaches, missing = _available_approaches(approaches, log)
        notes += missing
    checkpoints = []
    for name in c.checkpoints:
        if name in b.models or (ASSETS_DIR / "models" / name / "manifest.json").is_file():
            checkpoints.append(name)
        else:
            notes.append(f"checkpoint {name} not found (python -m engine build base writes it)")

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
    cheap = lambda a: a not in TRAINED and a != "SmolLM2, frozen"  # noqa: E731
    if not c.checkpoints_only:
        add_runs(lambda a: True, lambda a: [k for k in counts(a) if k == TRYIT_PER_CLASS])
    ck_approaches = [a for a in ("our base, fine-tuned", "our base, frozen") if a in approaches]
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
        add_runs(lambda a: a == "SmolLM2, frozen", lambda a: [k for k in c.per_class if k not in (None, TRYIT_PER_CLASS)])
        add_runs(lambda a: a in TRAINED, lambda a: [k for k in c.trained_per_class if k != TRYIT_PER_CLASS])
        add_runs(lambda a: a == "SmolLM2, frozen", lambda a: [k for k in c.per_class if k is None])

    saves = [c.tryit and kind == "run" and k == TRYIT_PER_CLASS and seed == TRYIT_SEED
             for kind, task, a, k, seed, base in jobs]
    parallel = c.workers > 1 and not c.cached_only
    pre = run_parallel(b, jobs, saves, workers=c.workers, progress=progress) if parallel else {}
    runs, ck_rows = [], []
    bar = tqdm(jobs, desc="build transfer", unit="run", disable=not progress or parallel, file=sys.stderr)
    for i, (kind, task, a, k, seed, base) in enumerate(bar):
        bar.set_postfix_str(f"{task} | {a} | {_label(k)} | seed {seed}" + (f" | {base}" if kind == "ckpt" else ""))
        if parallel:
            row = pre.get(i, "not run")
            if isinstance(row, str):
                b.skipped.append(f"{kind} {task} {a} {_label(k)} seed {seed} {base} ({row})")
                continue
        else:
            if a != "bag-of-words" and b.out_of_time():
                b.skipped.append(f"{kind} {task} {a} {_label(k)} seed {seed} {base}")
                continue
            row = b.run(task, a, k, seed, base=base, save_tryit=saves[i] and not c.cached_only)
            if row is None:
                b.skipped.append(f"{kind} {task} {a} {_label(k)} seed {seed} {base} (not computed)")
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
    from engine.models import read_manifest

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
        "tryit": b.tryit if c.tryit else _tryit_summary(TRYIT_DIR),
        "recipe": recipe(c, approaches),
        "manifest": manifest(b, c, notes, checkpoints),
    }
    results["manifest"]["row_seconds_total"] = float(sum(r.get("seconds") or 0 for r in runs + ck_rows))
    results["manifest"]["row_cpu_seconds_total"] = float(sum(r.get("cpu_seconds") or 0 for r in runs + ck_rows))
    if c.tryit:
        b.write_tryit_manifest()
    elif c.cached_only and c.adopt_tryit and (TRYIT_DIR / "tokenizer.json").is_file():
        b.adopt_tryit_files(TRYIT_DIR, c.tasks)
        b.write_tryit_manifest()
        results["tryit"] = _tryit_summary(TRYIT_DIR)
    return results


def costs(b: Builder, runs: list[dict], checkpoints: list[str]) -> dict:
    from engine.models import read_manifest

    out: dict = {"per_task": [], "published": PUBLISHED, "pretraining": None}
    m = b.models["base"].manifest if "base" in b.models else read_manifest("base")
    if m and m.get("tokens_seen"):
        params = int(m.get("params") or b.params("base"))
        out["pretraining"] = {"model": "base", "params": params, "tokens_seen": int(m["tokens_seen"]),
                              "train_seconds": m.get("train_seconds"), "flops": 6 * params * int(m["tokens_seen"]),
                              "machine": "the 2-core development machine, 1 torch thread, shared"}
    notes = {"from scratch": "{steps} AdamW steps of {batch} examples (32 per class); FLOPs ≈ 6 × parameters × tokens read",
             "our base, fine-tuned": "the same budget on a copy of our base",
             "our base, frozen": "features of the 32-per-class examples (forward only, 2 × parameters × tokens; "
                                 "seconds at the rate measured when they were computed) + logistic regression",
             "bag-of-words": "TF-IDF + logistic regression; FLOPs not counted (no network)"}
    for task in {r["task"] for r in runs}:
        for a, note in notes.items():
            rows = [r for r in runs if r["task"] == task and r["approach"] == a and r["per_class"] == TRYIT_PER_CLASS]
            if rows:
                # a probe's cost: its training examples' features at the rate measured when they were
                # computed (its own cpu_seconds miss them when another job computed them first) + the fit
                cpu = [r["seconds"] if a in FROZEN_MODEL else r["cpu_seconds"] for r in rows
                       if (r.get("feature_seconds_per_text") is not None if a in FROZEN_MODEL
                           else r.get("cpu_seconds") is not None)]
                out["per_task"].append({"task": task, "approach": a,
                                        "seconds": float(np.mean([r["seconds"] for r in rows])),
                                        "cpu_seconds": float(np.mean(cpu)) if len(cpu) == len(rows) else None,
                                        "flops": (float(np.mean([r["flops"] for r in rows]))
                                                  if rows[0].get("flops") is not None else None),
                                        "note": note.format(steps=b.c.steps, batch=b.c.batch_size)})
    return out


def _tryit_summary(folder: Path) -> dict:
    """What the try-it classifiers already on disk were trained on (a --cached-only build keeps them)."""
    try:
        m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return {"per_class": m["per_class"], "seed": m["seed"], "created": m.get("created"),
                "approaches": {t: {a: {"kind": e.get("kind")} for a, e in v.items()} for t, v in m["approaches"].items()}}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def recipe(c: BuildConfig, approaches) -> dict:
    return {"approaches": list(approaches), "per_class": [_label(k) for k in c.per_class],
            "trained_per_class": [_label(k) for k in c.trained_per_class], "seeds": list(c.seeds),
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


def manifest(b: Builder, c: BuildConfig, notes: list[str], checkpoints: list[str]) -> dict:
    from engine.transfer import features

    data_pack = {}
    try:
        from engine import datapack

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
    return {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": _git_commit(),
            "machine": _machine(), "torch_threads": _threads(), "workers": c.workers, "build_seconds": time.perf_counter() - b.t_start,
            "rows_reused_from_cache": b.cache.reused,
            "row_seconds_total": None,
            "features": dict(features.stats), "data_pack": data_pack,
            "base_sha256": b.fingerprints.get("base"), "checkpoints": ck, "skipped": b.skipped, "notes": notes}


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def parse(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m engine build transfer", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a tiny run (CI/tests): 2 tasks' worth of seconds; needs --out")
    p.add_argument("--out", help="results file (default assets/transfer/results.json; required with --quick)")
    p.add_argument("--tasks", nargs="+")
    p.add_argument("--approaches", nargs="+")
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
                    approaches=("bag-of-words", "from scratch", "our base, frozen", "our base, fine-tuned"),
                    tasks=("spam", "sentiment"), quick=True, tryit=False)
    if a.tasks:
        c.tasks = tuple(a.tasks)
        c.checkpoint_tasks = tuple(t for t in c.checkpoint_tasks if t in c.tasks)
    if a.approaches:
        c.approaches = tuple(a.approaches)
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
    import torch

    args = parse(argv or [])
    if args.quick and not args.out:
        print("--quick writes a tiny results file for tests; give it --out PATH (the committed results stay)",
              file=sys.stderr)
        return 2
    if args.workers < 1:
        print("--workers: at least 1", file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, args.threads))
    from engine.transfer import features

    config = config_from_args(args)
    out = Path(args.out) if args.out else RESULTS_DIR / "results.json"
    tryit_dir = (Path(args.tryit_dir) if args.tryit_dir else out.parent / "tryit") if config.tryit else None
    scratch, disk_before = None, features._disk["folder"]
    if config.use_row_cache:
        features.enable_disk_cache()
        cache = RowCache(cache_dir() / "transfer" / "rows.jsonl")
    else:  # cold: rows and features in a folder of their own (the workers share it), removed after
        import shutil
        import tempfile

        scratch = Path(tempfile.mkdtemp(prefix="transfer-fresh-", dir=cache_dir()))
        features.enable_disk_cache(scratch / "features")
        cache = RowCache(scratch / "rows.jsonl")
    try:
        results = build(config, row_cache=cache, tryit_dir=tryit_dir)
    finally:
        features._disk["folder"] = disk_before  # the caller's feature cache, as it was
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    atomic_write_text(out, json.dumps(results, indent=1, default=_json_default) + "\n")
    m = results["manifest"]
    print(f"wrote {out}: {len(results['runs'])} rows, {len(results['checkpoints'])} checkpoint rows, "
          f"{m['build_seconds']:.0f} s ({m['rows_reused_from_cache']} rows reused from earlier builds)")
    return 0


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
