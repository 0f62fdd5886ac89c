"""AppTest for lessons/cutoff.py on the committed world artifacts (assets/world):
the page runs clean, the URL picks the event and the model, a reader's document
of any shape is handled, the weights never change, and missing or corrupt
artifacts show the engine's message naming the rebuild command."""
from __future__ import annotations

import re
import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import all_text, assert_clean, markdown_body, page_with_query

from engine.world import results as wr
from lanes import needs_world

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "cutoff.py")
ENV = "PRETRAINING_EXPLORER_WORLD_DIR"

pytestmark = needs_world


@pytest.fixture(scope="module")
def variants():
    return [n for n in wr.world_model_names() if n.startswith("cutoff")]


def make(**query) -> AppTest:
    return page_with_query(PAGE, timeout=180, **query)


def test_renders_with_committed_artifacts(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    at = make().run()
    assert_clean(at)
    assert not at.error
    assert at.title[0].value == "Knowledge cutoff"
    assert len(at.get("plotly_chart")) >= 3  # timeline, answers per variant, tool panel (+ by year)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Glossary:") and "Knowledge cutoff" in c for c in captions)
    assert sum(c.startswith("Figure:") for c in captions) == len(at.get("plotly_chart"))
    # the tool panel reports both fingerprints, and they are equal
    prints = [c for c in captions if c.startswith("Weights' fingerprint")]
    assert len(prints) == 2 and prints[0] == prints[1]
    assert any("fingerprints are identical" in s.value for s in at.success)


def test_page_states_the_measured_numbers_and_no_overclaim(monkeypatch, world, variants):
    """Issue 11: the page says what the committed results show, beside chance, and labels its example."""
    from engine.world import cutoff_readings as cr
    from engine.world import events as we

    monkeypatch.delenv(ENV, raising=False)
    at = make().run()
    assert_clean(at)
    text = all_text(at)
    table = wr.load_results()["cutoff"]
    ordered = sorted(variants, key=wr.model_cutoff)
    rows = cr.cutoff_rows(table, ordered, {n: wr.model_cutoff(n) for n in ordered})
    chance = cr.town_chance(len(world.answers_of_kind("town")))
    assert cr.cutoff_reading(rows, chance=chance, majority=cr.majority_share(we.event_facts(world)["answer"])) in text
    assert cr.tool_reading(table, ordered[0], ordered, chance=chance) in text
    by_year = wr.load_results()["cutoff_by_year"]
    assert cr.by_year_caption(by_year, ordered, {n: wr.model_cutoff(n) for n in ordered}) in text
    for stale in ("last thing it read", "up to its dashed line", "the latest thing it read", "changed the answer, not"):
        assert stale not in text
    assert any(h.value.startswith("The same with a real model: SmolLM2") for h in at.subheader)
    assert cr.smollm_reading(cr.SMOLLM_SURVEY) in text  # SmolLM2's recorded survey, Kimby and all
    # the first visit's example: the earliest model names the person's older town, labelled as uncommon
    summary = at.dataframe[0].value.to_dict("records")
    assert {r["answer is"] for r in summary} <= {"right", "wrong", cr.LATEST_LABEL}
    first = next(r for r in summary if r["event is"] == "after its cutoff")
    if first["answer is"] == cr.LATEST_LABEL:
        share = cr.cutoff_cell(table, first["model"], "after", "said_latest_read")
        assert "the uncommon case" in text and f"**{share:.0%}** of the events after its cutoff" in text


def test_url_picks_event_and_model(monkeypatch, world, variants):
    from engine.world.events import event_facts

    monkeypatch.delenv(ENV, raising=False)
    events = event_facts(world).sort_values("date")
    last = events.iloc[-1]
    at = make(event=last["fact_id"], tool_model=variants[-1]).run()
    assert_clean(at)
    assert at.selectbox(key="event").value == last["fact_id"]
    assert at.selectbox(key="tool_model").value == variants[-1]
    # the chosen event's own document is offered in the box, and the question is about its subject
    doc = wr.post_cutoff_document(world, last["fact_id"])
    assert at.text_area(key="doc").value == doc["text"][: wr.MAX_DOCUMENT_CHARS]
    assert last["subject"] in markdown_body(at)
    # one row per cutoff variant in the side-by-side table
    table = at.dataframe[0].value
    assert list(table["model"]) == sorted(variants, key=wr.model_cutoff)
    assert set(table["event is"]) <= {"after its cutoff", "before its cutoff"}


def test_url_carries_an_edited_document(monkeypatch, world):
    monkeypatch.delenv(ENV, raising=False)
    town = world.towns[-1]
    doc = f"News in brief. Everyone moved to {town}."
    at = make(doc=doc).run()
    assert_clean(at)
    assert at.text_area(key="doc").value == doc  # a shared link reproduces the reader's document


def test_unknown_url_values_fall_back(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    at = make(event="F99999999", tool_model="no-such-model").run()
    assert_clean(at)
    assert at.selectbox(key="event").value != "F99999999"
    assert at.selectbox(key="tool_model").value.startswith("cutoff")


def test_choosing_another_event_brings_its_document(monkeypatch, world):
    from engine.world.events import event_facts

    monkeypatch.delenv(ENV, raising=False)
    at = make().run()
    first = at.selectbox(key="event").value
    other = next(f for f in event_facts(world)["fact_id"] if f != first)
    at.selectbox(key="event").set_value(other).run()
    assert_clean(at)
    assert at.text_area(key="doc").value == wr.post_cutoff_document(world, other)["text"]


@pytest.mark.parametrize("text", [
    "", "   \n  ", "<|endoftext|>", "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "x" * 100_000, "\ud800 broken half", "a\u200db 👨\u200d👩\u200d👧 \u202eRTL שלום", "`**[link](javascript:alert(1))**`",
])
def test_reader_document_of_any_shape(monkeypatch, text):
    monkeypatch.delenv(ENV, raising=False)
    at = make()
    at.session_state["doc"] = text
    at = at.run()
    assert_clean(at)
    assert not at.error
    shown = all_text(at)
    if not text.strip():
        assert "document box is empty" in shown
    if text == "<|endoftext|>":
        assert "end of a document" in shown
    if len(text) > wr.MAX_DOCUMENT_CHARS:
        assert f"first {wr.MAX_DOCUMENT_CHARS:,}" in shown  # bounded, and said so
    if "\ud800" in text:
        assert "surrogate" in shown
    body = markdown_body(at)
    assert not re.search(r"(?<!\\)<(script|img)", body)  # markup from the reader is escaped, so inert
    assert not re.search(r"(?<!\\)\]\(javascript", body)
    prints = [c.value for c in at.caption if c.value.startswith("Weights' fingerprint")]
    assert len(prints) == 2 and prints[0] == prints[1]


def test_a_document_changes_the_answer_not_the_weights(monkeypatch, world, variants):
    """A document in the prompt changes the distribution; the weights' hash does not move."""
    monkeypatch.delenv(ENV, raising=False)
    at = make().run()
    fact_id = at.selectbox(key="event").value
    fact = world.facts.set_index("fact_id").loc[fact_id]
    model = at.selectbox(key="tool_model").value
    lm = wr.load_world_model(model)
    before_hash = wr.weights_hash(lm)
    other = next(t for t in world.towns if t != fact["answer"])
    doc = f"{fact['subject']} moved to {other}. " * 3
    at.text_area(key="doc").set_value(doc).run()
    assert_clean(at)
    direct = wr.with_context(lm, world, doc, fact_id)
    assert wr.weights_hash(lm) == before_hash == direct["hash_before"] == direct["hash_after"]
    # the document is really in the prompt: the answer distribution differs from the question alone
    assert direct["with"]["candidates"] != direct["without"]["candidates"]
    # the page shows the same top answer the engine computes for this prompt
    shown = [m for m in at.metric if m.label == "Answer"]
    assert [m.value for m in shown] == [direct["without"]["candidates"][0][0], direct["with"]["candidates"][0][0]]


def test_missing_artifacts_show_the_rebuild_command(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, str(tmp_path / "nowhere"))
    at = make().run()
    assert_clean(at)
    assert at.error and "python -m engine build world" in at.error[0].value
    assert not at.get("plotly_chart")


def test_corrupt_results_show_the_rebuild_command(monkeypatch, tmp_path):
    copy = tmp_path / "world"
    shutil.copytree(wr.WORLD_DIR, copy)
    (copy / "results.json").write_text("{ not json", encoding="utf-8")
    manifest = json.loads((copy / "manifest.json").read_text("utf-8"))
    manifest.pop("results_sha256", None)  # let the JSON check, not the checksum, catch it
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv(ENV, str(copy))
    at = make().run()
    assert_clean(at)
    assert at.error and "python -m engine build world" in at.error[0].value


def test_corrupt_model_shows_the_rebuild_command(monkeypatch, tmp_path, variants):
    copy = tmp_path / "world"
    shutil.copytree(wr.WORLD_DIR, copy)
    (copy / "models" / variants[0] / "model.safetensors").write_bytes(b"not a safetensors file")
    monkeypatch.setenv(ENV, str(copy))
    at = make().run()
    assert_clean(at)
    assert at.error and "python -m engine build world" in at.error[0].value


@pytest.mark.slow
def test_real_model_reads_the_document_and_keeps_its_weights(monkeypatch, smollm2):
    from engine import smollm

    if not smollm.is_converted():
        pytest.skip("SmolLM2 not fetched and converted: python -m engine data smollm2")
    monkeypatch.delenv(ENV, raising=False)
    at = make(real="true").run()
    assert_clean(at)
    assert not at.error
    tops = [m for m in at.metric if m.label == "Likeliest town"]
    assert len(tops) == 2
    prints = [re.search(r"Weights' fingerprint \(sha256\): `([0-9a-f]+)", c.value) for c in at.caption]
    prints = [m.group(1) for m in prints if m]
    assert len(prints) == 4 and prints[2] == prints[3]  # SmolLM2's own pair, equal
    ranks = [int(re.search(r"ranks \*\*(\d+)\*\*", c.value).group(1)) for c in at.caption if "(the truth) ranks" in c.value]
    assert len(ranks) == 2 and all(r >= 1 for r in ranks)
    assert any(c.startswith("Figure: SmolLM2") for c in (c.value for c in at.caption))
    assert "For this event SmolLM2 names **" in all_text(at)


def test_real_model_is_opt_in(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    at = make().run()
    assert_clean(at)
    assert not [m for m in at.metric if m.label == "Likeliest town"]
    assert "Switch the toggle on" in all_text(at)
