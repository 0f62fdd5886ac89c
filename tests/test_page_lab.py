"""AppTest for lessons/lab.py with the "tiny" recipe (the page is under test, not the model):
it renders, starts a run that shows progress and finishes, stops, takes hostile text, gets its
run back from the URL after a reload, and says where a queued run stands."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import assert_clean, all_text

from engine import jobs
from engine.lab import experiment, live, readings, snapshot

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "lab.py")


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("PRETRAINING_EXPLORER_LAB_PRESET", "tiny")
    monkeypatch.setattr(jobs, "SYSTEM", jobs.JobSystem(max_running=2))  # a fresh cap per test

    def make(source: str | None = "paste") -> AppTest:
        """The page; most tests are about pasted text ("Memorise a short text"). source=None: the default."""
        at = AppTest.from_file(PAGE, default_timeout=120)
        if source:
            at.query_params["source"] = source
        return at

    return make


def run_of(at: AppTest) -> jobs.Job | None:
    """The run the page started, found as a reload would find it: by the id in its URL."""
    return jobs.SYSTEM.get(at.query_params.get("run"))


def start_a_minute_run(page) -> tuple[AppTest, jobs.Job | None]:
    """A fresh session that presses Start with a 60 s limit: (the page, its run)."""
    at = page()
    at.query_params["seconds"] = "60"
    at = at.run()
    at.button(key="start").click().run()
    return at, run_of(at)


def stop_button(at: AppTest, job: jobs.Job):
    return at.button(key=f"lab-stop-{job.id}")


def has_stop_button(at: AppTest) -> bool:
    return any(str(b.key).startswith("lab-stop-") for b in at.button)


def run_until(at: AppTest, predicate, timeout: float = 60.0) -> AppTest:
    deadline = time.monotonic() + timeout
    while not predicate(at):
        assert time.monotonic() < deadline, all_text(at)
        time.sleep(0.5)
        at.run()
        assert_clean(at)
    return at


def test_the_default_is_a_big_text(page, data_pack):
    at = page(source=None).run()
    assert_clean(at)
    assert at.radio(key="source").value == "corpus" and at.selectbox(key="corpus").value == "shakespeare"
    assert at.radio(key="source").options == ["Learn from a big text (default)", "Memorise a short text"]
    assert any(f"first {experiment.CORPUS_SLICE_CHARS:,} characters" in c.value for c in at.caption)


def test_the_default_run_learns_its_validation_loss_falls(page, data_pack):
    """The default (a corpus slice), run with the tiny recipe: the validation loss falls with the training
    loss, and the page's reading, computed from the run, says it is learning, not memorising."""
    at = page(source=None)
    at.query_params["steps"] = "300"
    at.query_params["seconds"] = "30"
    at = at.run()
    at.button(key="start").click().run()
    job = run_of(at)
    at = run_until(at, lambda a: not job.view().active, timeout=90)
    at.run()
    assert_clean(at)
    snap = snapshot.snapshot(job.view())
    assert snap.status == "done" and snap.settings.source == "shakespeare"
    assert snap.val_points[-1][1] < snap.val_points[0][1] - 0.5
    assert readings.regime(snap) == "learning"
    text = all_text(at)
    assert "What this run shows is **learning**" in text
    assert f"{snap.val_points[0][1]:.2f} → {snap.val_points[-1][1]:.2f}" in text
    assert "words found in the training text" in at.dataframe[0].value.columns


def test_renders_with_pasted_text(page):
    at = page().run()
    assert_clean(at)
    assert at.title[0].value == "Pretraining lab"
    assert at.text_area(key="text").value == experiment.DEFAULT_TEXT
    assert any("Glossary:" in c.value for c in at.caption)
    assert any(c.value.startswith("Figure:") for c in at.caption)  # the ruler, before any run
    assert not at.button(key="start").disabled and not has_stop_button(at)


def test_query_params_set_the_inputs(page):
    at = page()
    at.query_params["text"] = "Some text. " * 40
    at.query_params["seconds"] = "20"
    at.query_params["steps"] = "200"
    at.query_params["vocab"] = "bpe"
    at = at.run()
    assert_clean(at)
    assert at.radio(key="vocab").value == "bpe" and at.radio(key="source").value == "paste"
    assert at.text_area(key="text").value == "Some text. " * 40
    assert at.slider(key="seconds").value == 20 and at.slider(key="steps").value == 200


def test_corpus_source_reads_a_slice(page, data_pack):
    from engine import datapack

    if not datapack.is_available("shakespeare"):
        pytest.skip("the shakespeare source is not fetched")
    at = page(source="corpus")
    at.query_params["corpus"] = "shakespeare"
    at = at.run()
    assert_clean(at)
    assert any(f"first {experiment.CORPUS_SLICE_CHARS:,} characters" in c.value for c in at.caption)
    assert not at.button(key="start").disabled


def test_a_tiny_job_shows_progress_then_finishes(page):
    at = page()
    at.query_params["steps"] = "100"
    at.query_params["seconds"] = "20"
    at = at.run()
    at.button(key="start").click().run()
    assert_clean(at)
    job = run_of(at)
    at = run_until(at, lambda a: snapshot.snapshot(job.view()).settings is not None)
    settings = snapshot.snapshot(job.view()).settings
    assert settings.preset == "tiny" and settings.max_steps == 100
    at = run_until(at, lambda a: not job.view().active)
    at.run()
    assert_clean(at)
    text = all_text(at)
    assert "Finished after 100 steps" in text, text
    assert "ln V" in text and "evenly over all" in text
    assert len(at.get("plotly_chart")) == 3  # loss, meter, ruler
    assert [m.label for m in at.metric] == ["Step", "Tokens seen", "Training loss", "Validation loss"]
    assert at.dataframe[0].value["step"].tolist()[0] == 0
    assert not at.button(key="start").disabled  # another run may start; the old one stays until then


def test_stop_button_ends_the_job(page):
    at, job = start_a_minute_run(page)
    deadline = time.monotonic() + 60
    while snapshot.snapshot(job.view()).step < 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    at.run()
    assert_clean(at)
    assert at.get("progress") and "Training: step" in all_text(at)  # the live view, while it runs
    assert at.button(key="start").disabled and not stop_button(at, job).disabled
    stop_button(at, job).click().run()
    assert_clean(at)
    job.join(30)
    at.run()
    assert snapshot.snapshot(job.view()).stopped_by == "stop"
    assert "you stopped it" in all_text(at)


def test_a_reload_gets_the_run_back_from_the_url(page):
    at, job = start_a_minute_run(page)
    assert job is not None and job.kind == live.KIND
    reloaded = page()  # a fresh session: nothing in session state, only the URL
    reloaded.query_params["run"] = job.id
    reloaded = reloaded.run()
    assert_clean(reloaded)
    assert reloaded.button(key="start").disabled and has_stop_button(reloaded)
    assert jobs.SYSTEM.counts()[0] == 1  # the same run, not a second one
    stop_button(reloaded, job).click().run()
    job.join(30)
    reloaded.run()
    assert_clean(reloaded)
    assert "you stopped it" in all_text(reloaded) and not reloaded.button(key="start").disabled


def test_a_closed_tab_run_is_stopped_as_abandoned_and_frees_its_slot(page, monkeypatch):
    monkeypatch.setattr(jobs, "SYSTEM", jobs.JobSystem(max_running=1, abandon_seconds=1.0, watch_every=0.1))
    at, job = start_a_minute_run(page)
    del at  # the tab is closed: nobody polls the panel any more
    deadline = time.monotonic() + 30
    while jobs.SYSTEM.counts() != (0, 0):
        assert time.monotonic() < deadline, jobs.SYSTEM.counts()
        time.sleep(0.1)
    assert snapshot.snapshot(job.view()).stopped_by == "abandoned"


def test_queued_message_when_the_server_is_full(page, monkeypatch):
    full = jobs.JobSystem(max_running=1)
    blocker = live.start(experiment.LabSettings(text=experiment.DEFAULT_TEXT, preset="tiny", max_steps=5000,
                                                max_seconds=60), system=full)
    monkeypatch.setattr(jobs, "SYSTEM", full)
    try:
        at = page().run()
        at.button(key="start").click().run()
        assert_clean(at)
        assert "Waiting for a free slot" in all_text(at) and "number 1 in the queue" in all_text(at)
        job = run_of(at)
        stop_button(at, job).click().run()  # leaving the queue
        assert_clean(at)
        assert not job.view().active and full.counts() == (1, 0)
    finally:
        blocker.stop()
        blocker.join(20)


@pytest.mark.parametrize("text", [
    "", "x" * 60_000, "<|endoftext|>" * 30, "<script>alert('x')</script><img src=x onerror=alert(1)>" * 5,
    "\ud800\udfff\ud800 broken" * 20, "a\u200db\u200d👨\u200d👩\u200d👧 \u202eRTL שלום " * 20, "short",
])
def test_hostile_text(page, text):
    at = page()
    at.session_state["text"] = text
    at.query_params["steps"] = "100"
    at = at.run()
    assert_clean(at)
    if not at.button(key="start").disabled:
        at.button(key="start").click().run()
        assert_clean(at)
        job = run_of(at)
        if job is None:  # refused before training, in plain words
            assert at.error and ("at least" in at.error[0].value or "no text" in at.error[0].value)
            return
        job.join(60)
        at.run()
        assert_clean(at)
        html = "\n".join(m.value for m in at.markdown)
        assert "<script>" not in html and "<img" not in html  # samples and prompt are escaped
    else:
        assert not text.strip()
