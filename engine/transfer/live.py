"""A small transfer experiment run live, so a reader sees the committed curves are measured.

`run_live(task, per_class, seed)` draws `per_class` labelled examples of each label, trains
four approaches on them (bag-of-words, our base frozen with a linear head, from scratch, our
base fine-tuned) and scores each on a fixed stratified subset of LIVE_TEST test examples.
It is the build's recipe shrunk to fit a minute: LIVE_STEPS optimiser steps instead of the
build's 100, a smaller test subset, at most LIVE_MAX_PER_CLASS examples per class; so its
numbers are noisier and a little lower than the committed ones.

Bounded: every training loop checks a deadline derived from max_seconds and a
threading.Event `stop`; so do frozen features (between chunks of texts) and scoring
(a stopped approach is scored on the test texts done so far and says so:
stopped_early, n_test); a frozen probe cut short and approaches not started are
left out. The shared base is only read: fine-tuning trains a deep copy.
progress(fraction, message) is called as it goes.

`work(...)` wraps run_live for engine.jobs: the job system's Stop and time bound reach the
run through ctx.stop_event, progress goes to ctx.progress, each finished row is published as
it comes (ctx.append("rows", row)), and the job's result is {"rows": [...]}.
Not handled: the real bases (SmolLM2, MiniLM) live; their features take minutes.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from engine import jobs
from engine.models import new_model
from engine.tasks import few_shot, load_task
from engine.transfer import bases, features
from engine.transfer import experiment as transfer
from engine.transfer.approaches import approach_id, label
from engine.transfer.baselines import bag_of_words, linear_probe, score
from engine.transfer.experiment import Budget

LIVE_APPROACHES = ("bow", "ours-frozen", "scratch", "ours-finetuned")  # ids, in the order they run
LIVE_STEPS = 30
LIVE_BATCH = 16
LIVE_LR = 1e-3
LIVE_TEST = 150
LIVE_MAX_PER_CLASS = 64
EVAL_RESERVE = 0.12  # share of max_seconds kept for scoring after each training loop
SCORING_GRACE = 10.0  # the job's bound is the run's plus this: scoring what was trained may finish past it

Progress = Callable[[float, str], None]
CHUNK = 16  # texts between two looks at the clock while computing features or scoring


class _TimeUp(Exception):
    """The deadline or the stop event came while computing features."""


def _bounded(extract, stopped):
    """extract(texts), a chunk at a time, giving up (TimeUp) once stopped() is true."""
    def run(texts):
        parts = []
        for i in range(0, len(texts), CHUNK):
            if stopped():
                raise _TimeUp
            parts.append(np.asarray(extract(texts[i : i + CHUNK])))
        return np.concatenate(parts) if parts else np.zeros((0, 0))

    return run


def live_budget() -> Budget:
    return Budget(steps=LIVE_STEPS, batch_size=LIVE_BATCH, lrs=(LIVE_LR,), warmup_steps=3)


def run_live(task: str, per_class: int, seed: int = 0, progress: Progress | None = None, stop=None,
             max_seconds: float = 60, *, models: dict | None = None, data=None,
             approaches=LIVE_APPROACHES, on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Rows like the results' runs (task, approach, per_class, label, n_train, seed, accuracy,
    macro_f1, mean (= accuracy), sd 0, n_seeds 1, seconds, steps, stopped_early, n_test).

    models may supply {"base": LoadedModel} (the page's shared copy: read, never changed);
    data a TaskData (tests). on_row(row), if given, gets each row as soon as it is scored.
    ValueError for a per_class outside 1..LIVE_MAX_PER_CLASS.
    """
    if not isinstance(per_class, int) or not 1 <= per_class <= LIVE_MAX_PER_CLASS:
        raise ValueError(f"a live run takes 1 to {LIVE_MAX_PER_CLASS} labelled examples per class "
                         f"(the committed curves go further), not {per_class!r}")
    if max_seconds <= 0:
        raise ValueError("max_seconds must be positive")
    t0 = time.perf_counter()
    end = t0 + max_seconds
    report = progress or (lambda f, m: None)
    rows: list[dict] = []

    def stopped() -> bool:
        return (stop is not None and stop.is_set()) or time.perf_counter() >= end

    report(0.0, "reading the task")
    data = data or load_task(task)
    lm = bases.pick("base", models)
    labels = list(data.labels)
    train = few_shot(data.train, per_class, seed)
    evaluate_on = transfer.stratified_subset(data.test, LIVE_TEST, seed=0)
    gold = [e.label for e in evaluate_on]
    budget = replace_budget(live_budget(), lm)
    weights = {"bow": 0.02, "ours-frozen": 0.18, "scratch": 0.4, "ours-finetuned": 0.4}  # shares of the time
    wanted = {approach_id(a) for a in approaches}
    todo = [a for a in LIVE_APPROACHES if a in wanted]
    total = sum(weights[a] for a in todo) or 1.0
    done = 0.0

    def add_row(approach, s, seconds, **extra):
        rows.append({"task": data.task.name, "approach": approach, "per_class": per_class, "label": str(per_class),
                     "n_train": len(train), "seed": seed, "accuracy": s.accuracy, "macro_f1": s.macro_f1,
                     "mean": s.accuracy, "sd": 0.0, "n_seeds": 1, "seconds": seconds, "n_test": len(evaluate_on),
                     "stopped_early": False, **extra})
        if on_row is not None:
            on_row(rows[-1])

    for i, approach in enumerate(todo):
        if stopped():
            break
        a0 = time.perf_counter()
        share = weights[approach] / total
        report(done, f"{label(approach)}: training on {len(train)} examples")
        if approach == "bow":
            add_row(approach, bag_of_words(train, evaluate_on), time.perf_counter() - a0)
        elif approach == "ours-frozen":
            try:
                s = linear_probe(_bounded(lambda t: features.decoder_features(lm, t), stopped), train, evaluate_on,
                                 method=approach)
            except _TimeUp:
                break
            add_row(approach, s, time.perf_counter() - a0)
        else:
            # this loop's slice of the time left, after keeping a scoring reserve for each trained approach left
            later = sum(weights[a] for a in todo[i + 1:]) / total
            trained_left = sum(a in ("scratch", "ours-finetuned") for a in todo[i:])
            usable = end - time.perf_counter() - EVAL_RESERVE * max_seconds * trained_left
            deadline = time.perf_counter() + max(0.0, usable * share / (share + later))
            if approach == "scratch":
                preset = copy.deepcopy(lm.model.config)
                vocab = lm.model.config.vocab_size

                def make_body():
                    return new_model(preset, vocab, seed=seed).transformer
            else:
                def make_body():
                    return copy.deepcopy(lm.model.transformer)  # the shared base is never trained

            start_frac = done

            def on_step(step, steps, _a=approach, _s=start_frac):
                report(min(0.99, _s + share * 0.85 * step / steps), f"{label(_a)}: step {step} of {steps}")

            clf, info = transfer.train_best(make_body, lm.tokenizer, train, (), labels, budget, seed, stop=stop,
                                            deadline=deadline, on_step=on_step)
            report(start_frac + share * 0.9, f"{label(approach)}: scoring {len(evaluate_on)} test examples")
            rows_in = transfer.encode(lm.tokenizer, [e.text for e in evaluate_on], budget.max_tokens)
            predicted: list[int] = []
            for j in range(0, len(rows_in), CHUNK):
                if predicted and stopped():  # at least one chunk is always scored
                    break
                predicted.extend(int(k) for k in transfer.predict(clf, rows_in[j : j + CHUNK],
                                                                   lm.tokenizer.eos_token_id or 0))
            s = score(approach, len(train), gold[: len(predicted)], [labels[k] for k in predicted])
            add_row(approach, s, time.perf_counter() - a0, steps=info["steps"], n_test=len(predicted),
                    stopped_early=info["stopped"] or len(predicted) < len(rows_in))
        done += share
    report(1.0, f"done in {time.perf_counter() - t0:.0f} s")
    return rows


def replace_budget(budget: Budget, lm) -> Budget:
    """The budget with texts cut to what the model's positions hold."""
    return replace(budget, max_tokens=min(budget.max_tokens, lm.model.config.n_positions))


def work(task: str, per_class: int, seed: int = 0, *, max_seconds: float = 60, models: dict | None = None,
         data=None, approaches=LIVE_APPROACHES) -> jobs.Work:
    """run_live as a job's work (engine.jobs): progress to ctx.progress, Stop and the job's time
    bound through ctx.stop_event, each row published as it is scored; returns {"rows": rows}.
    The run keeps to max_seconds itself; give the job a little more, for scoring what was trained."""
    def run(ctx: jobs.JobContext) -> dict:
        ctx.publish(task=task, per_class=per_class, seed=seed)
        try:
            rows = run_live(task, per_class, seed, progress=ctx.progress, stop=ctx.stop_event,
                            max_seconds=max_seconds, models=models, data=data, approaches=approaches,
                            on_row=lambda r: ctx.append("rows", r))
        except ValueError as exc:
            raise jobs.JobError(str(exc)) from None
        return {"rows": rows}

    return run


def outcome(view: jobs.JobView) -> dict:
    """What a page keeps of an ended live job: rows (those published if it failed part way),
    error (a sentence, or None), stopped (the reader pressed Stop), seconds, task, per_class, seed."""
    rows = (view.result or {}).get("rows") or view.state.get("rows", [])
    return {"rows": rows, "error": f"The experiment failed: {view.error}" if view.error else None,
            "stopped": view.stopped_by == "stop", "seconds": view.elapsed,
            **{k: view.state.get(k) for k in ("task", "per_class", "seed")}}
