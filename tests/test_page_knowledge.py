"""AppTest for lessons/knowledge.py on the committed world build: the page runs clean, the URL picks a
person, reader-typed names of every awkward kind get real answers or a clear message, and missing or
corrupt artifacts show the engine's message (with the rebuild command), never a traceback."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import all_text, assert_clean, markdown_body

from engine.world import results as wr
from lanes import needs_world

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "knowledge.py")
ENV = "PRETRAINING_EXPLORER_WORLD_DIR"

pytestmark = needs_world


@pytest.fixture
def page(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)

    def make() -> AppTest:
        return AppTest.from_file(PAGE, default_timeout=300)

    return make


def test_renders_with_committed_artifacts(page):
    at = page().run()
    assert_clean(at)
    assert not at.error
    assert at.title[0].value == "Recall and hallucination"
    assert len(at.get("plotly_chart")) == 4  # recall, one fact of the person, hallucination, invented name
    assert any(c.value.startswith("Glossary:") for c in at.caption)
    assert sum(c.value.startswith("Figure:") for c in at.caption) >= 4
    text = all_text(at)
    assert "trained phrasing" in text and "new phrasings" in text
    assert "I don't know" in text
    assert at.toggle(key="smol").value is False  # SmolLM2 loads only when asked
    body = markdown_body(at)  # the truth pass: what the page says is what the data shows
    assert "in the wording it was read in" not in body and "different wording" not in body
    assert "12\nwordings" in body or "12 wordings" in body
    assert "mostly recalled in a wording never used for them" in body  # measured on the seed models
    assert "shares out among the candidate answers" in body and "(seeds: " in body
    assert "always naming the most common answer" in body


def test_query_selects_a_person_and_shows_their_documents(page, world):
    known = world.people[~world.people["held_out"]].iloc[-1]["name"]
    card = wr.person_card(world, known)
    at = page()
    at.query_params["person"] = known
    at = at.run()
    assert_clean(at)
    assert at.selectbox(key="person").value == known
    assert any(e.label.startswith(f"The {len(card['documents']):,} documents that mention") for e in at.expander)
    facts_table = at.dataframe[1].value  # [0] is the recall table
    assert list(facts_table["true answer"]) == [f["answer"] for f in card["facts"]]
    assert f"{known} was born in the town of" in markdown_body(at)


def test_query_selects_a_held_out_person(page, world):
    held = world.people[world.people["held_out"]].iloc[0]["name"]
    at = page()
    at.query_params["person"] = held
    at.query_params["ask"] = "birth_year"
    at = at.run()
    assert_clean(at)
    assert at.selectbox(key="person").value == held
    assert at.radio(key="ask").value == "birth_year"
    assert "never read a word about" in all_text(at)
    assert "exists only in the table of facts" in markdown_body(at)


def test_unknown_person_in_the_url_falls_back_to_the_default(page):
    at = page()
    at.query_params["person"] = "Nobody <script>alert(1)</script>"
    at = at.run()
    assert_clean(at)
    assert at.selectbox(key="person").value in set(wr.load_world().people["name"])


def test_phrasing_changes_the_prompt(page, world):
    known = world.people[~world.people["held_out"]].iloc[0]["name"]
    at = page()
    at.query_params["person"] = known
    at = at.run()
    at.radio(key="phrasing").set_value("new-2").run()
    assert_clean(at)
    assert f"The birthplace of {known} is listed as" in markdown_body(at)
    at.radio(key="fact").set_value("birth_year").run()
    assert_clean(at)
    assert f"The birth year of {known} is listed as" in markdown_body(at)


def test_invented_name_gets_a_confident_answer_of_the_right_kind(page, world):
    at = page()
    at.query_params["name"] = "Quessa Brindlewort"
    at = at.run()
    assert_clean(at)
    assert "There is no such person, yet the answer is a town" in markdown_body(at)
    town_answer = [m.value for m in at.markdown if "Quessa Brindlewort was born in the town of" in m.value]
    assert town_answer and any(f"**{t}**" in town_answer[0] for t in world.towns)
    at.radio(key="ask").set_value("birth_year").run()
    assert_clean(at)
    year_answer = [m.value for m in at.markdown if "Quessa Brindlewort was born in the year" in m.value][0]
    assert any(f"**{y}**" in year_answer for y in world.answers_of_kind("year"))


def test_a_name_from_the_world_is_recognised(page, world):
    at = page()
    at.query_params["name"] = world.people[~world.people["held_out"]].iloc[0]["name"]
    at = at.run()
    assert_clean(at)
    assert "is a person of this world" in all_text(at)


@pytest.mark.parametrize("name, expect", [
    ("", "Type a name"),
    ("   \n\t ", "Type a name"),
    ("<script>alert('x')</script><img src=x onerror=alert(1)>", None),
    ("<|endoftext|>Dara<|endoftext|> Voskell", "<|endoftext|> marks the end of a document"),
    ("<|endoftext|>", "Type a name"),
    ("Zoë Ångström-Łukasz 李小龍 👩\u200d🔬 \u202eRTL", None),
    ("a\u200bb\x00c\x1b[2J", "invisible characters were removed"),
    ("N" * 100_000, "only the first 60 are used"),
    ("`**[link](javascript:alert(1))**`", None),
])
def test_awkward_invented_names(page, name, expect):
    at = page()
    at.session_state["name"] = name
    at = at.run()
    assert_clean(at)
    text = all_text(at)
    if expect:
        assert expect in text
    if expect != "Type a name":
        assert "was born in the town of" in markdown_body(at)  # a real answer was produced
    body = markdown_body(at)  # markup characters reach st.markdown only backslash-escaped
    assert not re.search(r"(?<!\\)<(script|img)", body) and not re.search(r"(?<!\\)\]\(javascript", body)


def test_smollm_section_degrades_without_the_data_pack(page, tmp_path, monkeypatch):
    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(tmp_path))
    at = page()
    at.query_params["smol"] = "true"
    at = at.run()
    assert_clean(at)
    assert any(b.key == "fetch-smollm2" for b in at.button)
    assert "cannot run" in all_text(at)
    assert len(at.get("plotly_chart")) >= 4  # the rest of the page still works


@pytest.mark.slow
def test_smollm_answers_about_an_invented_town(page, smollm2_gguf):
    from engine import smollm

    if not smollm.gguf_available():
        pytest.skip("SmolLM2 not fetched: python -m engine data smollm2")
    at = page()
    at.query_params["smol"] = "true"
    at.query_params["town"] = "Brelvamouth"
    at = at.run()  # converts once if needed, then loads the cached copy
    assert_clean(at)
    assert any("Brelvamouth is a small town in the country of" in m.value for m in at.markdown)
    assert any(c.value.startswith("Figure: SmolLM2's top") for c in at.caption)


def broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "world"
    shutil.copytree(wr.WORLD_DIR, root)
    return root


@pytest.mark.parametrize("damage", ["missing folder", "no results", "corrupt manifest", "corrupt results",
                                    "missing weights"])
def test_broken_artifacts_show_the_engines_message(page, tmp_path, monkeypatch, damage):
    root = tmp_path / "nowhere" if damage == "missing folder" else broken_copy(tmp_path)
    if damage == "no results":
        (root / "results.json").unlink()
    elif damage == "corrupt manifest":
        (root / "manifest.json").write_text("{not json")
    elif damage == "corrupt results":
        manifest = json.loads((root / "manifest.json").read_text())
        manifest.pop("results_sha256", None)
        (root / "manifest.json").write_text(json.dumps(manifest))
        (root / "results.json").write_text('{"recall": []}')
    elif damage == "missing weights":
        for weights in root.glob("models/seed-*/model.safetensors"):
            weights.unlink()
    monkeypatch.setenv(ENV, str(root))
    at = page().run()
    assert_clean(at)
    assert at.error, "the page should say what is wrong"
    assert "python -m engine build world" in at.error[0].value
