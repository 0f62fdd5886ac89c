"""A lab run as the page draws it: the LabSnapshot read from the run's JobView.

The live run (engine.lab.live) publishes its state through the job system; `snapshot(view)`
turns one JobView into the typed record the page and the readings use, so they never touch
the job itself. Not handled: runs of other kinds (their state has none of these keys).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from engine import jobs
from engine.lab.experiment import LabSettings
from engine.scale import training_flops


@dataclass
class Sample:
    step: int
    tokens_seen: int
    text: str  # the continuation only (the prompt is in the snapshot); raw: escape at display time
    word_share: float | None  # share of its words that are words of the training text
    copied_share: float | None  # share of its word 4-grams copied verbatim from the training text


@dataclass
class LabSnapshot:
    """A copy of a run's state at one moment; the page draws it and never touches the job's lists."""

    id: str  # the job's id
    status: str  # "queued", "preparing", "running", "done", "failed"
    stopped_by: str | None  # "steps", "time", "stop", "abandoned", "replaced" once done
    error: str | None
    queue_position: int  # place in the server-wide queue, 1 = starts next (0 when not queued)
    settings: LabSettings | None  # None until the run starts (a queued run has published nothing)
    vocab_kind: str | None
    vocab_size: int | None
    ln_vocab: float | None  # the loss of a uniform guess over the vocabulary
    params: int | None
    train_tokens: int | None  # length of the training part, in tokens
    step: int
    tokens_seen: int
    elapsed: float  # seconds of training
    train_points: list[tuple[int, float]]  # (step, mean train loss since the previous point)
    val_points: list[tuple[int, float]]  # (step, validation loss)
    samples: list[Sample]
    prompt: str
    reference_copied_share: float | None  # the held-out text's own 4-gram overlap with the training text
    notices: list[str]

    @property
    def active(self) -> bool:
        return self.status in ("queued", "preparing", "running")

    @property
    def best_val(self) -> tuple[int, float] | None:
        return min(self.val_points, key=lambda p: p[1]) if self.val_points else None

    @property
    def start_loss(self) -> float | None:
        return self.train_points[0][1] if self.train_points else None

    @property
    def latest_train_loss(self) -> float | None:
        return self.train_points[-1][1] if self.train_points else None

    @property
    def compute_flops(self) -> float:
        return training_flops(self.params or 0, self.tokens_seen)


def _status(view: jobs.JobView) -> str:
    if view.status == jobs.RUNNING:
        return view.state.get("phase", "preparing")
    return view.status  # queued, done, failed


def _stopped_by(view: jobs.JobView) -> str | None:
    """Why a finished run ended: the job system's reason (Stop, nobody watching, time) first,
    else the training loop's own ("steps", "time")."""
    if view.active:
        return None
    reason = view.stopped_by or view.result
    return "stop" if reason == "callback" else reason


def snapshot(view: jobs.JobView) -> LabSnapshot:
    """The LabSnapshot of a lab job at the moment `view` was taken."""
    s = view.state
    vocab_size = s.get("vocab_size")
    return LabSnapshot(
        id=view.id, status=_status(view), stopped_by=_stopped_by(view), error=view.error,
        queue_position=view.queue_position, settings=s.get("settings"), vocab_kind=s.get("vocab_kind"),
        vocab_size=vocab_size, ln_vocab=math.log(vocab_size) if vocab_size else None, params=s.get("params"),
        train_tokens=s.get("train_tokens"), step=s.get("step", 0), tokens_seen=s.get("tokens_seen", 0),
        elapsed=s.get("elapsed", 0.0), train_points=list(s.get("train_points", [])),
        val_points=list(s.get("val_points", [])), samples=list(s.get("samples", [])), prompt=s.get("prompt", ""),
        reference_copied_share=s.get("reference_copied_share"), notices=list(s.get("notices", [])),
    )
