"""The one panel for a live run on any page: start it, watch it, Stop it, get it back on reload.

    job = _jobs.current("lab")                       # this reader's run, or one named in the URL
    if st.button("Train"):
        job = _jobs.start(work, kind="lab", label="Pretraining run", max_seconds=60)
    view = _jobs.panel(job, draw=draw_live_state)    # polls while it runs; None when there is no job

Every run goes through engine.jobs.SYSTEM: the server-wide cap, the queue, the time bound.
The panel is a fragment that re-runs every second while the run is active. Each poll tells the
job someone is watching; when the tab is closed the polls stop and the job system stops the run
within seconds, freeing its slot. The run's id sits in the URL (?run=…), so a reader who
reloads the page gets the same run back while the server still holds it.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from engine import jobs

RUN_PARAM = "run"  # the URL query key holding the run id
POLL_SECONDS = 1.0


def owner() -> str:
    """This browser session's id in the job system (a new tab is a new owner)."""
    if "_job_owner" not in st.session_state:
        st.session_state["_job_owner"] = uuid.uuid4().hex
    return st.session_state["_job_owner"]


def start(work: jobs.Work, *, kind: str, label: str, max_seconds: float) -> jobs.Job:
    """Submit a run for this reader (stopping their earlier run of this kind) and name it in the URL."""
    job = jobs.SYSTEM.submit(work, kind=kind, owner=owner(), label=label, max_seconds=max_seconds)
    st.session_state[f"_job_{kind}"] = job.id
    st.query_params[RUN_PARAM] = job.id
    return job


def current(kind: str) -> jobs.Job | None:
    """This reader's latest run of `kind`: from this session, or from the URL after a reload."""
    job = jobs.SYSTEM.get(st.session_state.get(f"_job_{kind}"))
    if job is None:
        linked = jobs.SYSTEM.get(st.query_params.get(RUN_PARAM))
        if linked is not None and linked.kind == kind:
            job = linked
            st.session_state[f"_job_{kind}"] = job.id
    return job


def forget(kind: str) -> None:
    """Drop this reader's run of `kind` from the page (its result stays in the job system a while)."""
    st.session_state.pop(f"_job_{kind}", None)
    st.query_params.pop(RUN_PARAM, None)


STOPPED_WORDS = {
    None: "finished",
    "stop": "stopped (you pressed Stop)",
    "time": "stopped at its time limit",
    "abandoned": "stopped because nobody was watching it",
    "replaced": "stopped because a newer run took its place",
}


def status_line(view: jobs.JobView, *, show_time: bool = True) -> str:
    """One plain sentence about where the run stands. The time bound is the page's to state: the
    job's own bound adds a margin for preparing and scoring, which would read as a contradiction."""
    if view.status == jobs.QUEUED:
        running, queued = jobs.SYSTEM.counts()
        return (f"Waiting for a free slot: {running} run(s) are using this server's {jobs.SYSTEM.max_running} "
                f"slots; yours is number {view.queue_position} in the queue.")
    if view.status == jobs.RUNNING:
        return f"{view.message or 'Running…'}" + (f" ({view.elapsed:.0f} s so far)" if show_time else "")
    if view.status == jobs.FAILED:
        return f"The run failed: {view.error}"
    return f"The run {STOPPED_WORDS.get(view.stopped_by, view.stopped_by)} after {view.elapsed:.0f} s."


def panel(job: jobs.Job | None, *, draw: Callable[[jobs.JobView], None] | None = None,
          key: str = "job", every: float = POLL_SECONDS, show_time: bool = True) -> jobs.JobView | None:
    """Show the run's status, progress and Stop button, and `draw(view)` its live state.

    While the run is active this re-runs every `every` seconds (a run training in the same
    process goes faster with fewer redraws: the lab polls every 2 s). When it ends, the whole
    page re-runs once, so the page can show the finished result outside the panel. Returns the
    view from the first draw. show_time=False when the work's own message already says the time."""
    if job is None:
        return None
    first = job.view()
    every = every if first.active else None

    @st.fragment(run_every=every)
    def body() -> None:
        view = job.view()
        if view.status == jobs.FAILED:
            st.error(status_line(view), icon=":material/error:")
        elif view.active:
            st.info(status_line(view, show_time=show_time), icon=":material/hourglass_top:")
        else:
            st.success(status_line(view), icon=":material/check_circle:")
        if view.active:
            st.progress(view.progress or 0.0)
            if st.button("Stop", key=f"{key}-stop-{view.id}", icon=":material/stop:"):
                job.stop()
                view = job.view()
        if draw is not None:
            draw(view)
        ended_key = f"_job_ended_{view.id}"
        if every is not None and not view.active and not st.session_state.get(ended_key):
            st.session_state[ended_key] = True
            st.rerun()  # the page's outer part shows the final result; polling ends

    body()
    return first
