"""One row of the transfer build: its settings, its cache key, and computing it.

A row is one (task, approach, labelled examples per class, seed, base) scored on the task's
fixed test subset. `BuildConfig` holds the build's settings; `RowCache` keeps finished rows on
disk keyed by everything they depend on (weights' sha256 included), so an interrupted or
repeated build only computes what is new; `RowBuilder.run` computes one row (and, asked to,
saves its classifier for try-it through engine.transfer.tryit_files).
Rows name approaches by id; the cache file stores their schema-1 keys, as it always has, so
rows cached by earlier builds are still found. Not handled: GPUs, tuning heads on the real bases.
"""
from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.models import load_artifact
from engine.tasks import few_shot, load_task
from engine.transfer import bases, features
from engine.transfer import experiment as transfer
from engine.transfer.approaches import APPROACHES, TRAINED, approach_id, stored
from engine.transfer.baselines import bag_of_words, linear_probe
from engine.transfer.tryit_files import TryItWriter

ALL_PER_CLASS = (8, 16, 32, 64, 128, 256, None)  # None: the whole train split
CHECKPOINTS = ("base-1m", "base-2m", "base-4m", "base-8m", "base")
TRYIT_PER_CLASS = 32
TRYIT_SEED = 0


@dataclass
class BuildConfig:
    tasks: tuple[str, ...] = ("topic", "sentiment", "spam")
    approaches: tuple[str, ...] = tuple(APPROACHES)  # ids
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


def count_label(per_class) -> str:
    """'8' ... or 'all' (None: the whole train split)."""
    return "all" if per_class is None else str(per_class)


def param_count(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


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
                self.rows[entry["key"]] = dict(entry["row"], approach=approach_id(entry["row"]["approach"]))
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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:  # workers append to one file: one line at a time
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.write(json.dumps({"key": key, "row": dict(row, approach=stored(row["approach"]))}) + "\n")
                fh.flush()


class RowBuilder:
    """Computes rows: loads what they read (models, task data) once, measures the frozen
    features' rate, keys each row, and saves try-it classifiers when asked."""

    def __init__(self, config: BuildConfig, *, tasks: dict | None = None, models: dict | None = None,
                 row_cache: RowCache | None = None, tryit_dir: Path | None = None, log=print):
        self.c = config
        self.task_data = tasks or {}
        self.models = models or {}
        self.supplied = set(self.models)  # models given by the caller (tests' stand-ins): workers get them too
        self.cache = row_cache or RowCache(None)
        self.tryit = TryItWriter(tryit_dir, per_class=TRYIT_PER_CLASS, seed=TRYIT_SEED)
        self.log = log
        self.t_start = time.perf_counter()
        self.skipped: list[str] = []
        self.feature_rate: dict[tuple[str, str], float] = {}  # (task, model) -> seconds per text, measured cold
        self.fingerprints: dict[str, str] = {}

    # --- models and data ---
    def data(self, task: str):
        if task not in self.task_data:
            self.task_data[task] = load_task(task)
        return self.task_data[task]

    def model(self, name: str):
        if name not in self.models:
            self.models[name] = bases.load(name) if name in ("smollm2", "minilm") else load_artifact(name)
        return self.models[name]

    def fingerprint(self, name: str) -> str:
        if name not in self.fingerprints:
            m = self.model(name)
            self.fingerprints[name] = features.model_fingerprint(m[0] if isinstance(m, tuple) else m.model)
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

    def budget(self) -> transfer.Budget:
        return transfer.Budget(steps=self.c.steps, batch_size=self.c.batch_size, lrs=(self.c.lr,),
                               max_tokens=self.c.max_tokens)

    def test_subset(self, task: str):
        return transfer.stratified_subset(self.data(task).test, self.c.test_size, seed=0)

    def out_of_time(self) -> bool:
        return self.c.max_minutes is not None and time.perf_counter() - self.t_start > self.c.max_minutes * 60

    @staticmethod
    def frozen_model(approach: str, base: str = "base") -> str | None:
        """The model a frozen approach reads (our base's snapshot for ours-frozen); None for the others."""
        a = APPROACHES[approach]
        if a.kind != "frozen":
            return None
        return base if a.model == "base" else a.model

    # --- features ---
    def extractor(self, task: str, model_name: str):
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
        name = self.frozen_model(row["approach"], row.get("base", "base"))
        if name is None or row.get("feature_seconds_per_text") is not None or row.get("reused"):
            return row
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
        return param_count(m[0] if isinstance(m, tuple) else m.model)

    # --- one row ---
    def row_key(self, task: str, approach: str, per_class, seed: int, base: str = "base") -> str:
        """Everything a row depends on, weights' sha256 included (the approach under its stored
        key, so rows cached before the ids existed are still found)."""
        a = APPROACHES[approach]
        model_name = a.model if a.kind == "frozen" else None
        return RowCache.key(task=task, approach=a.stored, per_class=per_class, seed=seed, test_size=self.c.test_size,
                            max_tokens=self.c.max_tokens, steps=self.c.steps, lr=self.c.lr, batch=self.c.batch_size,
                            base=self.fingerprint(base) if a.model == "base" else (
                                self.shape_id(base) if approach == "scratch" else None),
                            model=self.fingerprint(model_name) if model_name and model_name != "base" else None,
                            train_ids=None, v=1)

    def prewarm(self, task: str, model_name: str, samples) -> None:
        """Compute (or find) the frozen features every row of (task, model) will read: the test
        subset and each (per_class, seed) training sample, in one call (its rate is measured)."""
        texts = {e.text: None for e in self.test_subset(task)}
        for per_class, seed in samples:
            texts.update({e.text: None for e in few_shot(self.data(task).train, per_class, seed)})
        self.extractor(task, model_name)(list(texts))

    def run(self, task: str, approach: str, per_class, seed: int, *, base: str = "base",
            save_tryit: bool = False) -> dict | None:
        """One row (None with cached_only when no earlier build finished it)."""
        data = self.data(task)
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
        row = {"task": task, "approach": approach, "per_class": per_class, "label": count_label(per_class),
               "n_train": len(train), "seed": seed, "n_test": len(evaluate_on)}
        keep: dict = {}
        t0 = time.perf_counter()
        c0 = time.process_time()  # CPU seconds: what the row costs on one free core, however busy the machine
        frozen = self.frozen_model(approach, base)
        if approach == "bow":
            s = bag_of_words(train, evaluate_on, keep=keep)
            row.update(seconds=time.perf_counter() - t0, flops=None)
        elif frozen is not None:
            extract = self.extractor(task, frozen)
            extract([e.text for e in train])  # features first, so the fit is timed alone
            t1 = time.perf_counter()
            s = linear_probe(extract, train, evaluate_on, method=approach, keep=keep)
            fit = time.perf_counter() - t1
            rate = self.feature_rate.get((task, frozen))
            tokens = self.token_count(frozen, [e.text for e in train])
            row.update(seconds=fit + (rate * len(train) if rate else 0.0), probe_seconds=fit,
                       feature_seconds_per_text=rate, tokens_read=tokens, flops=2 * self.params(frozen) * tokens)
        elif approach in TRAINED:
            lm = self.model(base)
            kw = dict(validation=(), labels=labels, budget=self.budget(), seed=seed, keep=keep)
            if approach == "scratch":
                s, info = transfer.from_scratch(train, evaluate_on, tokenizer=lm.tokenizer,
                                                vocab_size=lm.model.config.vocab_size,
                                                preset=copy.deepcopy(lm.model.config), **kw)
            else:
                s, info = transfer.fine_tune(lm, train, evaluate_on, **kw)
            n = param_count(keep["model"])
            row.update(seconds=time.perf_counter() - t0, lr=info["lr"], steps=info["steps"],
                       tokens_trained=info["tokens_trained"], params=n, flops=6 * n * info["tokens_trained"])
        else:
            raise ValueError(f"unknown approach {approach!r}")
        row.update(accuracy=s.accuracy, macro_f1=s.macro_f1, cpu_seconds=time.process_time() - c0)
        if approach in ("scratch", "ours-finetuned", "ours-frozen"):
            row["base"] = base
        if save_tryit and self.tryit.folder is not None:
            self.tryit.save(task, approach, keep, labels, model_sha256=self.fingerprint(frozen) if frozen else None)
        self.cache.put(key, row)
        return row
