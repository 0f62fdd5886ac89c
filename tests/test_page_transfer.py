"""AppTest for lessons/transfer.py on the committed transfer results (assets/transfer/):
the page runs, the URL picks the task and the label count, "try it" survives hostile
text, a missing or corrupt results file shows the engine's message (naming the rebuild
command) instead of a traceback, and a live experiment runs, bounded, and lands on the curves."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import all_text, assert_clean

from engine import datapack, stats
from engine.transfer import approaches, calibration
from engine.transfer import live as transfer_live
from engine.transfer import results as transfer_results
from engine.transfer import tryit

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "transfer.py")
RESULTS_ENV = "PRETRAINING_EXPLORER_TRANSFER_RESULTS"
LIVE_ENV = "PRETRAINING_EXPLORER_TRANSFER_LIVE_SECONDS"
# The committed results by default; set the variable to check the page on another build's file.
RESULTS_UNDER_TEST = os.environ.get(RESULTS_ENV) or None


def committed() -> dict:
    return transfer_results.load_results(RESULTS_UNDER_TEST)  # raises (failing the test) if unusable


def tryit_built() -> bool:
    try:
        tryit.read_manifest()
        return True
    except tryit.TryItError:
        return False


@pytest.fixture
def page(monkeypatch):
    if RESULTS_UNDER_TEST:
        monkeypatch.setenv(RESULTS_ENV, RESULTS_UNDER_TEST)
    else:
        monkeypatch.delenv(RESULTS_ENV, raising=False)

    def make() -> AppTest:
        return AppTest.from_file(PAGE, default_timeout=180)

    return make


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_renders_with_committed_results(page):
    results = committed()
    at = page().run()
    assert_clean(at)
    assert at.title[0].value == "Transfer learning"
    assert not at.error or all("try-it" in e.value for e in at.error)  # results show, whatever else is missing
    assert any("Glossary:" in c.value for c in at.caption)
    figures = [c.value for c in at.caption if c.value.startswith("Figure:")]
    assert len(figures) >= 2  # the learning curves and the cost, at least
    # the curves chart: one line per approach the results hold for spam, bag-of-words among them, and chance
    curves = chart_specs(at)[0]
    names = {t.get("name") for t in curves["data"]}
    for key in transfer_results.approaches(results, "spam"):
        assert approaches.APPROACHES[key].label in names
    assert "Bag-of-words" in names
    assert any("chance" in str(a.get("text", "")) for a in curves["layout"].get("annotations", []))
    assert curves["layout"]["xaxis"]["type"] == "log"
    # the headline: the old way against the new way
    assert [m.label for m in at.metric][:2] == ["Old way: from scratch", "Old way: bag-of-words"]


def test_the_page_says_only_what_the_data_shows(page):
    at = page()
    at.query_params["task"] = "sentiment"
    at.query_params["per_class"] = "8"
    at = at.run()
    assert_clean(at)
    text = all_text(at)
    assert stats.RULE in text  # the comparison rule, in one sentence
    assert "which no training (pretraining included) ever saw" not in text
    assert "did read each task's *training* texts" in text and "may have" in text
    smol = next(m for m in at.metric if m.label.startswith("New way: SmolLM2"))
    assert smol.value == "57.3" and "below majority 59.4" in str(smol.proto.delta)
    assert "pulls clearly ahead" not in text
    assert any(h.value == "3 · Does more pretraining give more transfer?" for h in at.header)
    curves = chart_specs(at)[0]
    notes = " ".join(str(a.get("text", "")) for a in curves["layout"].get("annotations", []))
    assert "majority: always “fresh”" in notes and "chance: a random guess" in notes
    if tryit_built() and calibration.entries("sentiment"):  # each try-it answer beside how often it is right
        assert any(c.value.startswith("When it says >99%") or c.value.startswith("It never says >99%")
                   for c in at.caption)


def test_query_params_pick_task_and_count(page):
    results = committed()
    at = page()
    at.query_params["task"] = "sentiment"
    at.query_params["per_class"] = "64"
    at = at.run()
    assert_clean(at)
    assert at.radio(key="task").value == "sentiment"
    assert at.select_slider(key="per_class").value == "64"
    assert "Did the critic like the film?" in all_text(at)
    assert "At 64 labels per class" in all_text(at)
    assert at.text_area(key="text").value.startswith("A slow, muddled film")
    chance = transfer_results.task_info(results, "sentiment")["chance"]["label"]
    assert f"always answering “{chance}”" in all_text(at)


def test_bad_query_params_fall_back(page):
    at = page()
    at.query_params["task"] = "<script>alert(1)</script>"
    at.query_params["per_class"] = "1000000"
    at.query_params["metric"] = "loss"
    at = at.run()
    assert_clean(at)
    assert at.radio(key="task").value == "spam"
    assert at.select_slider(key="per_class").value == "32"
    assert at.radio(key="metric").value == "accuracy"


def test_metric_switch_redraws_in_macro_f1(page):
    committed()
    at = page()
    at.query_params["metric"] = "macro_f1"
    at = at.run()
    assert_clean(at)
    assert chart_specs(at)[0]["layout"]["yaxis"]["title"]["text"] == "Macro-F1"


def test_changing_task_swaps_the_example_but_keeps_your_text(page):
    at = page().run()
    at.radio(key="task").set_value("topic").run()
    assert_clean(at)
    assert "chancellor" in at.text_area(key="text").value
    at.text_area(key="text").input("my own words").run()
    at.radio(key="task").set_value("spam").run()
    assert at.text_area(key="text").value == "my own words"


@pytest.mark.parametrize("text", [
    "", "   \n\t ", "<script>alert('x')</script><img src=x onerror=alert(1)>", "<|endoftext|>",
    "free entry <|endoftext|><|endoftext|> win", "x" * 1_000_000, "\ud800 broken half", "👍🏽 ✨ العربية 中文",
    "`**[link](javascript:alert(1))**`",
])
def test_try_it_with_hostile_text(page, text):
    at = page()
    at.session_state["text"] = text
    at = at.run()
    assert_clean(at)
    shown = all_text(at)
    if not text.strip():
        assert "The box is empty" in shown
    if len(text) > 100_000:
        assert "only the first 2,000 are used" in shown
    if "\ud800" in text:
        assert "surrogate" in shown
    body = "\n".join(m.value for m in at.markdown)
    assert "<script>" not in body and "<img" not in body and "javascript:" not in body
    if text.strip() and tryit_built():
        lines = [m.value for m in at.markdown if "sure)" in m.value]
        available = [a for a in tryit.available_approaches("spam") if a != "smollm2-frozen"]  # SmolLM2: opt-in
        assert len(lines) >= 1
        assert len(lines) + len(at.error) == len(available)  # every approach answers, or says why it cannot
        assert all(("→ **ham**" in line) or ("→ **spam**" in line) for line in lines)


def test_try_it_labels_obvious_spam(page):
    if not tryit_built():
        pytest.fail("the try-it classifiers are not committed: python -m engine build transfer")
    at = page()
    at.session_state["text"] = ("URGENT! You have WON a guaranteed £1000 cash prize. Call 09061701461 now to claim. "
                                "T&C apply, 150p/msg")
    at = at.run()
    assert_clean(at)
    bow = [m.value for m in at.markdown if m.value.startswith("**Bag-of-words**")]
    assert bow and "→ **spam**" in bow[0]


@pytest.mark.slow
def test_try_it_asks_smollm2_only_when_switched_on(page, smollm2):
    """SmolLM2 holds ~600 MB of a server: like every page, try-it loads it only on the reader's word."""
    if not tryit_built() or "smollm2-frozen" not in tryit.available_approaches("spam"):
        pytest.fail("the SmolLM2 try-it classifier is not committed: python -m engine build transfer")
    at = page()
    at.session_state["text"] = "Free entry in a weekly competition to win cup final tickets, text WIN to 80086"
    at = at.run()
    assert_clean(at)
    assert not [m.value for m in at.markdown if m.value.startswith("**SmolLM2")]
    at.toggle(key="smol").set_value(True)
    at = at.run(timeout=300)
    assert_clean(at)
    smol = [m.value for m in at.markdown if m.value.startswith("**SmolLM2")]
    assert smol and ("→ **spam**" in smol[0] or "→ **ham**" in smol[0])


@pytest.mark.parametrize("content", [None, "{not json", json.dumps({"schema": 999})])
def test_missing_or_corrupt_results_show_the_rebuild_command(page, monkeypatch, tmp_path, content):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(RESULTS_ENV, str(path))
    at = page().run()
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert any("python -m engine build transfer" in e for e in errors), errors
    assert at.title[0].value == "Transfer learning"  # the lesson still reads
    assert at.text_area(key="text") is not None  # and "try it" is still offered


def test_examples_without_the_data_pack_offer_the_fetch(page, monkeypatch, tmp_path):
    committed()
    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(tmp_path))
    at = page().run()
    assert_clean(at)
    assert any(b.key == "fetch-sms-spam" for b in at.button)
    assert len(at.get("plotly_chart")) >= 2  # the committed curves still show


def test_real_examples_are_shown_as_plain_text(page, data_pack):
    if not datapack.is_available("sms-spam"):
        pytest.skip("sms-spam not fetched: python -m engine data sms-spam")
    at = page().run()
    assert_clean(at)
    assert len(at.text) >= 4  # two per label, as st.text (no markup)
    first = [t.value for t in at.text]
    at.button(key="more_examples").click().run()
    assert_clean(at)
    assert [t.value for t in at.text] != first


@pytest.mark.slow
def test_live_experiment_runs_bounded_and_lands_on_the_curves(page, monkeypatch, data_pack):
    if not datapack.is_available("sms-spam"):
        pytest.skip("sms-spam not fetched: python -m engine data sms-spam")
    committed()
    monkeypatch.setenv(LIVE_ENV, "6")
    at = page()
    at.query_params["per_class"] = "8"
    at = at.run()
    at.button(key="live_start").click().run()
    assert_clean(at)
    start = time.monotonic()
    while "live_job" in at.session_state and time.monotonic() - start < 60:
        time.sleep(0.5)
        at.run()
    assert "live_job" not in at.session_state, "the live run ignored its 6-second bound"
    assert_clean(at)
    last = at.session_state["live_last"]
    assert last["error"] is None and last["rows"], last
    assert last["seconds"] < 6 + 10  # the bound, plus scoring what was trained
    assert {r["approach"] for r in last["rows"]} >= {"bow"}
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in last["rows"])
    assert any("Your run: spam, 8 per class" in s.value for s in at.success)
    curves = chart_specs(at)[0]
    assert any(str(t.get("name", "")).startswith("your run") for t in curves["data"])


@pytest.mark.slow
def test_live_experiment_stops_when_asked(page, monkeypatch, data_pack):
    if not datapack.is_available("sms-spam"):
        pytest.skip("sms-spam not fetched: python -m engine data sms-spam")
    monkeypatch.setenv(LIVE_ENV, "60")
    at = page()
    at.query_params["per_class"] = "8"
    at = at.run()
    at.button(key="live_start").click().run()
    stop = [b for b in at.button if (b.key or "").startswith("live-stop-")]  # the job panel's Stop
    assert stop, "no Stop button while the run is on"
    stop[0].click().run()
    start = time.monotonic()
    while "live_job" in at.session_state and time.monotonic() - start < 50:
        time.sleep(0.5)
        at.run()
    assert_clean(at)
    assert "live_job" not in at.session_state, "the run did not stop"
    last = at.session_state["live_last"]
    assert last["stopped"] is True and last["error"] is None
    # a trained approach is either left out (never started) or scored as it stood when stopped
    trained = [r for r in last["rows"] if "steps" in r]
    assert all(r["stopped_early"] and r["steps"] < transfer_live.LIVE_STEPS for r in trained), trained
