"""The tuning page's live run: tune a session-owned copy of the shared world model on a few
dozen question-answer pairs, bounded in steps and seconds, and ask it before and after.

    result = tune_demo(base_lm, world, mix="unknown", steps=200, max_seconds=60)
    job = jobs.SYSTEM.submit(demo_work(base_lm, world, mix="unknown", steps=200, max_seconds=60), kind="tuning")

demo_work wraps tune_demo for engine.jobs: progress and the loss curve are reported to the
job, its stop event ends the run after the current step, and a sample with nothing to tune
on fails the job with a plain message.

Not handled: keeping the tuned copy anywhere but in the returned result (the page keeps it
in the reader's session).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Event

import numpy as np

from engine import jobs
from engine.nudge import session_copy
from engine.world.qa import QATuner, ask, encode_pairs, padding_id
from engine.world.tuning import MIXES, TuneConfig, classify_facts, mix_facts, split_facts

MAX_DEMO_SECONDS = 120.0
MAX_DEMO_STEPS = 2000


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
                    pad_id=padding_id(lm.tokenizer))
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


def demo_work(base_lm, world, *, mix: str, steps: int, max_seconds: float) -> jobs.Work:
    """tune_demo as an engine.jobs work function: it reports progress (and each step's loss
    under "losses"), honours the job's stop event and returns the DemoResult."""
    def work(ctx: jobs.JobContext) -> DemoResult:
        ctx.progress(0.0, "Sorting a sample of the world's facts into known and unknown…")

        def progress(info: dict) -> None:
            frac = max(info["step"] / max(info["steps"], 1), info["elapsed"] / max(max_seconds, 1.0))
            ctx.progress(min(frac, 1.0), f"Tuning: step {info['step']} of {info['steps']}, "
                                         f"loss {info['loss']:.2f}, {info['elapsed']:.0f} s")
            ctx.append("losses", info["loss"])

        try:
            return tune_demo(base_lm, world, mix=mix, steps=steps, progress=progress, stop=ctx.stop_event,
                             max_seconds=max_seconds)
        except ValueError as exc:
            raise jobs.JobError(str(exc)) from None

    return work
