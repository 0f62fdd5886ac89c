"""One job system for every live run on the server: a cap, a queue, Stop, a time bound, an owner.

    job = jobs.SYSTEM.submit(work, kind="lab", owner=session_id, max_seconds=60, label="…")
    view = job.view()        # a copy for the page; reading it also tells the job someone watches
    job.stop()               # ends it at the work's next look at ctx.stopped()
    jobs.SYSTEM.get(job.id)  # a reader who reloads gets the run back from the id in the URL

`work(ctx)` runs on its own thread once a slot is free. It reports with ctx.progress(fraction,
message) and ctx.publish(**state) (anything the page draws while it runs), checks ctx.stopped()
(or hands ctx.stop_event to a training loop) and returns its result. At most `max_running` jobs
run at once across the server; the rest wait in order and can see their place.

A watchdog thread ends what nobody needs any more: a job nobody has viewed for
`abandon_seconds` (its tab was closed or left) is stopped, or dropped from the queue, and so is
a job past its time bound. Starting a job of a kind stops the same owner's earlier active job
of that kind, so one reader never holds two slots for one demo.

Not handled: jobs across processes (each server process has its own cap; run one process per
replica), persistence across restarts, and killing work that never looks at ctx.stopped().
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import settings

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class JobError(RuntimeError):
    """Raised by work to end its job with a message meant for the reader (no traceback shown)."""


@dataclass(frozen=True)
class JobView:
    """A job at one moment, copied so the page never touches the job's own fields."""

    id: str
    kind: str
    label: str
    owner: str
    status: str  # queued, running, done, failed
    stopped_by: str | None  # None (finished), "stop", "abandoned", "time", "replaced"
    error: str | None
    queue_position: int  # 1 = starts next; 0 when not queued
    progress: float | None  # 0..1 when the work reports it
    message: str
    elapsed: float  # seconds since the work started (0 while queued)
    max_seconds: float
    result: Any
    state: dict = field(default_factory=dict)  # what the work published, copied

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)


class JobContext:
    """What the work function sees of its job: report progress, publish state, look for Stop."""

    def __init__(self, job: Job):
        self._job = job
        self.stop_event = job._stop  # hand this to loops that take a threading.Event

    @property
    def deadline(self) -> float:
        """time.monotonic() value past which the job is over its time bound."""
        return self._job._started + self._job.max_seconds

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def stopped(self) -> bool:
        """True once the reader pressed Stop, nobody watches any more, or time is up."""
        if time.monotonic() > self.deadline:
            self._job._request_stop("time")
        return self._job._stop.is_set()

    def progress(self, fraction: float | None, message: str = "") -> None:
        with self._job._lock:
            self._job._progress = None if fraction is None else min(max(float(fraction), 0.0), 1.0)
            self._job._message = message

    def publish(self, **state) -> None:
        """Merge state the page draws while the job runs (keep values small or copy-cheap)."""
        with self._job._lock:
            self._job._state.update(state)

    def append(self, key: str, item) -> None:
        """Add one item to a published list (loss points, samples) without copying the list."""
        with self._job._lock:
            self._job._state.setdefault(key, []).append(item)


Work = Callable[[JobContext], Any]


class Job:
    """One live run: queued, then running on its own thread, then done or failed."""

    def __init__(self, system: JobSystem, work: Work, *, kind: str, owner: str, label: str, max_seconds: float):
        self.id = secrets.token_urlsafe(9)  # goes in the URL; unguessable, so links stay private
        self.kind, self.owner, self.label = kind, owner, label
        self.max_seconds = float(max_seconds)
        self._system = system
        self._work = work
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._status, self._stopped_by, self._error, self._result = QUEUED, None, None, None
        self._progress: float | None = None
        self._message = "Waiting for a free slot…"
        self._state: dict = {}
        self._created = self._last_seen = time.monotonic()
        self._started = 0.0
        self._ended: float | None = None
        self._thread: threading.Thread | None = None

    # -- for the page -------------------------------------------------------------------------

    def view(self) -> JobView:
        """A consistent copy of the job; also marks it as watched."""
        self.touch()
        place = self._system.queue_position(self)
        with self._lock:
            if self._status == RUNNING:
                elapsed = time.monotonic() - self._started
            elif self._started and self._ended is not None:
                elapsed = self._ended - self._started
            else:
                elapsed = 0.0
            state = {k: list(v) if isinstance(v, list) else v for k, v in self._state.items()}
            return JobView(self.id, self.kind, self.label, self.owner, self._status, self._stopped_by, self._error,
                           place, self._progress, self._message, elapsed, self.max_seconds, self._result, state)

    def touch(self) -> None:
        """Someone is still looking at this job (the page's polling fragment calls this)."""
        self._last_seen = time.monotonic()

    def stop(self, reason: str = "stop") -> None:
        """End the job: a running one at its work's next look at stopped(), a queued one now."""
        self._request_stop(reason)
        self._system._cancel(self)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the job to end (tests, benchmarks, CLI); a waiter counts as watching. True if it ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.touch()
            with self._lock:
                ended = self._status in (DONE, FAILED)
            if ended:
                if self._thread is not None:
                    self._thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            if self._thread is not None:
                self._thread.join(0.05)
            else:
                time.sleep(0.02)

    @property
    def unwatched_seconds(self) -> float:
        return time.monotonic() - self._last_seen

    # -- internals --------------------------------------------------------------------------------

    def _request_stop(self, reason: str) -> None:
        with self._lock:
            if self._stopped_by is None and self._status in (QUEUED, RUNNING):
                self._stopped_by = reason
        self._stop.set()

    def _finish(self, status: str, *, error: str | None = None, result=None) -> None:
        with self._lock:
            self._status, self._error, self._result = status, error, result
            self._ended = time.monotonic()
            if status == DONE and self._progress is not None and self._stopped_by is None:
                self._progress = 1.0

    def _start(self) -> None:
        with self._lock:
            self._status, self._message = RUNNING, "Starting…"
            self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"job-{self.kind}-{self.id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            result = self._work(JobContext(self))
        except JobError as exc:
            self._finish(FAILED, error=str(exc))
        except Exception as exc:  # noqa: BLE001  the page shows it; the server keeps going
            self._finish(FAILED, error=f"{type(exc).__name__}: {exc}")
        else:
            self._finish(DONE, result=result)
        finally:
            self._work = None  # drop whatever the work closed over (models, data)
            self._system._finished(self)


class JobSystem:
    """The server-wide cap and queue, plus the watchdog that frees abandoned slots."""

    def __init__(self, *, max_running: int | None = None, abandon_seconds: float | None = None,
                 keep_finished: int = 200, watch_every: float = 1.0):
        self.max_running = max(1, int(max_running or settings.jobs_max_running()))
        self.abandon_seconds = float(abandon_seconds or settings.jobs_abandon_seconds())
        self.keep_finished = keep_finished
        self.watch_every = watch_every
        self._lock = threading.Lock()
        self._running: list[Job] = []
        self._queue: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}  # by id, finished ones kept (bounded) so a reload finds its result
        self._watchdog: threading.Thread | None = None

    def submit(self, work: Work, *, kind: str, owner: str = "", label: str = "",
               max_seconds: float = 60.0) -> Job:
        """Queue `work`; it starts at once when a slot is free. Stops the owner's earlier job of this kind."""
        if owner:
            for old in self.jobs_of(owner, kind=kind, active=True):
                old.stop("replaced")
        job = Job(self, work, kind=kind, owner=owner, label=label or kind, max_seconds=max_seconds)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            start = len(self._running) < self.max_running
            (self._running if start else self._queue).append(job)
        if start:
            job._start()
        self._ensure_watchdog()
        return job

    def get(self, job_id: str | None) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id) if job_id else None

    def jobs_of(self, owner: str, *, kind: str | None = None, active: bool | None = None) -> list[Job]:
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.owner == owner and (kind is None or j.kind == kind)]
        if active is not None:
            jobs = [j for j in jobs if (j._status in (QUEUED, RUNNING)) == active]
        return jobs

    def queue_position(self, job: Job) -> int:
        with self._lock:
            try:
                return self._queue.index(job) + 1
            except ValueError:
                return 0

    def counts(self) -> tuple[int, int]:
        """(running, queued)."""
        with self._lock:
            return len(self._running), len(self._queue)

    def sweep(self) -> None:
        """Stop every job nobody watches and every job past its time bound (the watchdog's round)."""
        now = time.monotonic()
        with self._lock:
            running, queued = list(self._running), list(self._queue)
        for job in running + queued:
            if job.unwatched_seconds > self.abandon_seconds:
                job.stop("abandoned")
            elif job in running and job._started and now - job._started > job.max_seconds:
                job._request_stop("time")

    # -- internals -------------------------------------------------------------------------------------

    def _cancel(self, job: Job) -> None:
        with self._lock:
            if job not in self._queue:
                return
            self._queue.remove(job)
        job._finish(DONE)

    def _finished(self, job: Job) -> None:
        with self._lock:
            if job in self._running:
                self._running.remove(job)
            starting, dropped = [], []
            while self._queue and len(self._running) < self.max_running:
                nxt = self._queue.popleft()
                if nxt.unwatched_seconds > self.abandon_seconds:  # its tab closed while it waited
                    dropped.append(nxt)
                    continue
                self._running.append(nxt)
                starting.append(nxt)
        for job in dropped:
            job._request_stop("abandoned")
            job._finish(DONE)
        for nxt in starting:
            nxt._start()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j._status in (DONE, FAILED)]
        for job in sorted(finished, key=lambda j: j._created)[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[job.id]

    def _ensure_watchdog(self) -> None:
        with self._lock:
            if self._watchdog is not None and self._watchdog.is_alive():
                return
            self._watchdog = threading.Thread(target=self._watch, name="jobs-watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        while True:
            time.sleep(self.watch_every)
            self.sweep()
            with self._lock:
                if not self._running and not self._queue:
                    self._watchdog = None
                    return


SYSTEM = JobSystem()  # the server's one system: every page's live runs share its cap
