"""AppTest for lessons/tuning.py on the committed world model and tuning results:
the page runs clean, the URL picks the mix, steps and question, odd questions
are handled, a live tuning run works on the session's own copy (the shared
model never changes), and missing or corrupt artifacts show the engine's
message naming the rebuild command."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import all_text, assert_clean, markdown_body, page_with_query

from engine import jobs
from engine.world import results as wr
from engine.world import qa
from engine.world import readings as rd
from engine.world import tuning_results as tr
from lanes import needs_world

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "tuning.py")
WORLD_ENV, RESULTS_ENV = "PRETRAINING_EXPLORER_WORLD_DIR", "PRETRAINING_EXPLORER_WORLD_TUNING_RESULTS"

pytestmark = needs_world


@pytest.fixture(autouse=True)
def committed(monkeypatch):
    monkeypatch.delenv(WORLD_ENV, raising=False)
    monkeypatch.delenv(RESULTS_ENV, raising=False)


def make(**query) -> AppTest:
    return page_with_query(PAGE, timeout=300, **query)


def test_renders_with_committed_artifacts():
    at = make().run()
    assert_clean(at)
    assert at.title[0].value == "Tuning cannot add facts"
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Glossary:") and "Tuning" in c for c in captions)
    assert "Base model (pretraining only)" in markdown_body(at)
    assert "Where was" in at.text_input(key="q").value
    if tr.RESULTS_FILE.is_file():
        assert not at.error
        assert len(at.get("plotly_chart")) >= 2  # dev accuracy per mix, fit of known vs unknown pairs
        assert sum(c.startswith("Figure:") for c in captions) == len(at.get("plotly_chart"))
        body = markdown_body(at)
        assert "Gekhman et al. (2024" in body and "37.5" not in body  # the source named, no figure we cannot vouch for
        assert rd.forgetting_reading(tr.load_results()) in body
        assert any("recorded averages" in c for c in captions) and any("picked on the set" in c for c in captions)
    else:  # the engine's message, naming the command that builds the results
        assert at.error and tr.REBUILD_COMMAND in at.error[0].value


def test_url_picks_mix_steps_and_question():
    world = wr.load_world()
    person = world.people[~world.people["held_out"]].iloc[0]["name"]
    question = f"What did {person} do for a living?"
    at = make(mix="unknown", steps="100", q=question).run()
    assert_clean(at)
    assert at.radio(key="mix").value == "unknown"
    assert at.select_slider(key="steps").value == 100
    assert at.text_input(key="q").value == question
    truth = world.facts[(world.facts["subject"] == person) & (world.facts["relation"] == "occupation")]
    assert truth.iloc[0]["answer"] in all_text(at)  # the world's answer is shown beside the model's


def test_a_question_in_other_words_still_finds_its_fact():
    world = wr.load_world()
    person = world.people[~world.people["held_out"]].iloc[0]["name"]
    at = make(q=f"Which company employed {person}?").run()
    assert_clean(at)
    truth = world.facts[(world.facts["subject"] == person) & (world.facts["relation"] == "employer")]
    assert f"The world says: **{truth.iloc[0]['answer']}**" in "\n".join(c.value for c in at.caption)
    assert not any("no right answer" in c.value for c in at.caption)


def test_unknown_url_values_fall_back():
    at = make(mix="everything", steps="12345").run()
    assert_clean(at)
    assert at.radio(key="mix").value == "known"
    assert at.select_slider(key="steps").value == 200


def test_example_buttons_fill_the_question():
    at = make().run()
    at.button(key="ex-never").click().run()
    assert_clean(at)
    assert "never read a word about" in all_text(at)
    at.button(key="ex-often").click().run()
    assert "the model read it in" in all_text(at)


@pytest.mark.parametrize("text", [
    "", "<|endoftext|>", "<script>alert('x')</script><img src=x onerror=alert(1)>", "q" * 50_000,
    "\ud800 broken half", "a\u200db 👨\u200d👩\u200d👧 \u202eRTL שלום", "`**[x](javascript:alert(1))**`", "\x00\x1b[2J",
])
def test_odd_questions(text):
    at = make()
    at.session_state["q"] = text
    at = at.run()
    assert_clean(at)
    shown = all_text(at)
    if not text.strip():
        assert "Type a question first" in shown
    if text == "<|endoftext|>":
        assert "plain characters" in shown
    if len(text) > qa.MAX_QUESTION_CHARS:
        assert f"first {qa.MAX_QUESTION_CHARS:,}" in shown
    if "\ud800" in text:
        assert "surrogate" in shown
    body = markdown_body(at)
    assert not re.search(r"(?<!\\)<(script|img)", body)  # markup from the reader is escaped, so inert
    assert not re.search(r"(?<!\\)\]\(javascript", body)


@pytest.mark.slow
def test_live_tuning_changes_only_the_session_copy():
    a = make(mix="unknown", steps="50").run()
    manifest = wr.read_manifest()
    assert manifest  # the page's shared model is the committed seed-0
    a.button(key="tune").click().run()
    assert_clean(a)
    job = jobs.SYSTEM.get(a.session_state["_job_world-tuning"])  # the run goes through the one job system
    assert job is not None and job.owner == a.session_state["_job_owner"]
    assert job.join(timeout=240)  # tuning runs on the job's thread; the page picks up its result on a rerun
    a.run()
    assert_clean(a)
    state = a.session_state["tune_demo"]
    shared, result = state["source"], state["result"]
    shared_hash = wr.weights_hash(shared)
    assert shared_hash == wr.weights_hash(wr.load_world_model("seed-0"))  # the shared model never changed
    assert result.lm.model is not shared.model and wr.weights_hash(result.lm) != shared_hash
    assert result.mix == "unknown" and 1 <= result.steps <= 50
    assert any("Your copy was tuned" in s.value for s in a.success)
    assert "After tuning (your copy" in markdown_body(a)
    assert len(a.dataframe) >= 1 and len(a.dataframe[0].value) == len(result.answers)

    b = make().run()
    assert "tune_demo" not in b.session_state  # another reader sees no tuning of A's
    assert "After tuning (your copy" not in markdown_body(b)

    a.button(key="forget").click().run()
    assert_clean(a)
    assert "tune_demo" not in a.session_state
    assert wr.weights_hash(shared) == shared_hash


def test_missing_world_shows_the_rebuild_command(monkeypatch, tmp_path):
    monkeypatch.setenv(WORLD_ENV, str(tmp_path / "nowhere"))
    at = make().run()
    assert_clean(at)
    assert at.error and "python -m engine build world" in at.error[0].value


@pytest.mark.parametrize("content", [None, "{ not json", '{"version": 1, "runs": []}'])
def test_missing_or_corrupt_results_show_the_rebuild_command(monkeypatch, tmp_path, content):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(RESULTS_ENV, str(path))
    at = make().run()
    assert_clean(at)
    assert at.error and tr.REBUILD_COMMAND in at.error[0].value
    assert "Base model (pretraining only)" in markdown_body(at)  # the live part still works
