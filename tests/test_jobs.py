"""engine.jobs: the cap and the queue, Stop, the time bound, abandoned runs, owners, reloads."""
from __future__ import annotations

import threading
import time

import pytest

from engine import jobs


def waiting_work(started: threading.Event | None = None, *, result="done"):
    """Work that runs until it is stopped (or 20 s pass), reporting progress as it goes."""

    def work(ctx: jobs.JobContext):
        if started is not None:
            started.set()
        t0 = time.monotonic()
        while not ctx.stopped() and time.monotonic() - t0 < 20:
            ctx.progress((time.monotonic() - t0) / 20, "working")
            ctx.append("ticks", 1)
            time.sleep(0.01)
        return result

    return work


def test_a_job_runs_reports_and_returns_its_result():
    system = jobs.JobSystem(max_running=2)

    def work(ctx):
        ctx.progress(0.5, "half way")
        ctx.publish(points=[1, 2])
        return 42

    job = system.submit(work, kind="demo", owner="a")
    assert job.join(5)
    view = job.view()
    assert (view.status, view.result, view.stopped_by, view.error) == ("done", 42, None, None)
    assert view.state["points"] == [1, 2] and view.progress == 1.0
    assert system.counts() == (0, 0)


def test_the_cap_queues_in_order_and_a_freed_slot_starts_the_next():
    system = jobs.JobSystem(max_running=2)
    first, second = threading.Event(), threading.Event()
    a = system.submit(waiting_work(first), kind="demo", owner="a")
    b = system.submit(waiting_work(second), kind="demo", owner="b")
    c = system.submit(waiting_work(), kind="demo", owner="c")
    d = system.submit(waiting_work(), kind="demo", owner="d")
    assert first.wait(5) and second.wait(5)
    assert system.counts() == (2, 2)
    assert (c.view().status, c.view().queue_position, d.view().queue_position) == ("queued", 1, 2)
    a.stop()
    assert a.join(5) and a.view().stopped_by == "stop"
    deadline = time.monotonic() + 5
    while c.view().status != "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert c.view().status == "running" and d.view().queue_position == 1
    d.stop()  # a queued job leaves the queue at once, never having run
    assert d.view().status == "done" and d.view().stopped_by == "stop" and d.view().elapsed == 0
    for job in (b, c):
        job.stop()
        assert job.join(5)
    assert system.counts() == (0, 0)


def test_failures_are_reported_and_free_the_slot():
    system = jobs.JobSystem(max_running=1)

    def reader_error(ctx):
        raise jobs.JobError("The text is empty.")

    def crash(ctx):
        raise ZeroDivisionError("boom")

    a = system.submit(reader_error, kind="demo")
    b = system.submit(crash, kind="demo")
    assert a.join(5) and b.join(5)
    assert (a.view().status, a.view().error) == ("failed", "The text is empty.")
    assert b.view().status == "failed" and "ZeroDivisionError" in b.view().error
    assert system.counts() == (0, 0)


def test_the_time_bound_stops_a_run():
    system = jobs.JobSystem(max_running=1)
    job = system.submit(waiting_work(), kind="demo", max_seconds=0.3)
    assert job.join(5)
    view = job.view()
    assert view.status == "done" and view.stopped_by == "time" and view.elapsed < 3


def test_an_unwatched_job_is_stopped_and_frees_its_slot():
    """A closed tab stops viewing its job: the watchdog stops it, and the queued one starts."""
    system = jobs.JobSystem(max_running=1, abandon_seconds=0.5, watch_every=0.1)
    started = threading.Event()
    closed_tab = system.submit(waiting_work(started), kind="demo", owner="gone")
    waiting = system.submit(waiting_work(), kind="demo", owner="here")
    assert started.wait(5)
    t0 = time.monotonic()
    while waiting.view().status == "queued" and time.monotonic() - t0 < 10:  # only "here" keeps watching
        time.sleep(0.05)
    assert waiting.view().status == "running"
    assert closed_tab._status == "done" and closed_tab._stopped_by == "abandoned"
    waiting.stop()
    assert waiting.join(5)


def test_an_unwatched_queued_job_leaves_the_queue():
    system = jobs.JobSystem(max_running=1, abandon_seconds=0.4, watch_every=0.1)
    running = system.submit(waiting_work(), kind="demo")
    queued = system.submit(waiting_work(), kind="demo")
    t0 = time.monotonic()
    while queued._status == "queued" and time.monotonic() - t0 < 5:
        running.touch()
        time.sleep(0.05)
    assert queued._status == "done" and queued._stopped_by == "abandoned"
    running.stop()
    assert running.join(5)


def test_a_new_run_replaces_the_same_owners_run_of_that_kind_only():
    system = jobs.JobSystem(max_running=3)
    old = system.submit(waiting_work(), kind="lab", owner="a")
    other_kind = system.submit(waiting_work(), kind="tuning", owner="a")
    other_owner = system.submit(waiting_work(), kind="lab", owner="b")
    new = system.submit(waiting_work(), kind="lab", owner="a")
    assert old.join(5) and old.view().stopped_by == "replaced"
    assert other_kind.view().active and other_owner.view().active and new.view().active
    for job in (other_kind, other_owner, new):
        job.stop()
        assert job.join(5)


def test_a_reload_finds_the_run_by_id_and_ids_are_unguessable():
    system = jobs.JobSystem(max_running=1)
    job = system.submit(lambda ctx: "ok", kind="demo")
    assert job.join(5)
    assert system.get(job.id) is job and system.get("nope") is None and system.get(None) is None
    ids = {system.submit(lambda ctx: None, kind="demo").id for _ in range(50)}
    assert len(ids) == 50 and all(len(i) >= 12 for i in ids)


def test_finished_jobs_are_forgotten_beyond_a_bound():
    system = jobs.JobSystem(max_running=4, keep_finished=5)
    made = [system.submit(lambda ctx: None, kind="demo") for _ in range(12)]
    for job in made:
        assert job.join(5)
    system.submit(lambda ctx: None, kind="demo").join(5)
    assert len(system._jobs) <= 7
    assert system.get(made[-1].id) is not None


@pytest.mark.parametrize("value, expected", [("3", 3), ("zero", 2), ("0", 1)])
def test_the_cap_comes_from_the_settings(monkeypatch, value, expected):
    monkeypatch.setenv("PRETRAINING_EXPLORER_JOBS", value)
    assert jobs.JobSystem().max_running == expected


def test_a_queued_job_whose_tab_closed_never_starts():
    """When a slot frees, a queued job nobody has viewed for abandon_seconds is dropped, not started."""
    system = jobs.JobSystem(max_running=1, abandon_seconds=0.3, watch_every=60)  # no watchdog round in time
    started = []
    running = system.submit(waiting_work(), kind="demo")
    queued = system.submit(lambda ctx: started.append(1), kind="demo")
    time.sleep(0.5)
    running.stop()
    assert running.join(5) and queued.join(5)
    assert queued._stopped_by == "abandoned" and not started and system.counts() == (0, 0)
