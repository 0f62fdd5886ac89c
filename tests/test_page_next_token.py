"""AppTest for lessons/next_token.py on a tiny stand-in model (the page is under
test, not the model), plus one run on the real base artifact when it exists."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import assert_clean, all_text

from engine import nudge
from engine.models import weights_fingerprint
from tests import tiny_lm

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "next_token.py")
ENV = "PRETRAINING_EXPLORER_NEXT_TOKEN_MODEL_DIR"


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    return tiny_lm.build(tmp_path_factory.mktemp("tiny_page"))


@pytest.fixture
def page(standin, monkeypatch):
    monkeypatch.setenv(ENV, str(standin))

    def make() -> AppTest:
        return AppTest.from_file(PAGE, default_timeout=120)

    return make


def test_renders_with_defaults(page):
    at = page().run()
    assert_clean(at)
    assert at.title[0].value == "Next-token prediction"
    assert len(at.get("plotly_chart")) >= 4  # bars, reshape, mask, surprise
    assert any("Glossary:" in c.value for c in at.caption)
    assert any(c.value.startswith("Figure:") for c in at.caption)
    assert [m.label for m in at.metric][:3] == ["Tokens in the prefix", "Mass of the top 10", "Entropy"]


def test_query_params_set_the_inputs(page):
    at = page()
    at.query_params["prefix"] = "The cat sat on the"
    at.query_params["temperature"] = "0.5"
    at.query_params["target"] = "rug"
    at = at.run()
    assert_clean(at)
    assert at.text_area(key="prefix").value == "The cat sat on the"
    assert at.slider(key="temperature").value == 0.5
    assert at.text_input(key="target").value == "rug"


@pytest.mark.parametrize("text", [
    "", "x" * 1_000_000, "<|endoftext|>", "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "\ud800\udfff\ud800 broken", "a\u200db\u200d👨\u200d👩\u200d👧", "\u202eRTL override שלום",
    "\x00\x01\x07\x1b[2J control", "`**[link](javascript:alert(1))**`",
])
def test_hostile_text_in_every_box(page, text):
    at = page()
    for key in ("prefix", "continuation", "sentence", "mprefix", "target", "related", "like", "unlike"):
        at.session_state[key] = text
    at = at.run()
    assert_clean(at)
    first_run = all_text(at)
    if "\ud800" in text:
        assert "surrogate" in first_run
    if any(b.key == "step" for b in at.button):  # a target exists: nudge on it too
        at.button(key="step").click().run()
        assert_clean(at)
    if text == "":
        assert "start-of-document token" in all_text(at)
    if len(text) > 100_000:  # the boxes keep their bound; the model reads what fits its window
        assert "dropped" in all_text(at) and "left out" in all_text(at)
    body = "\n".join(str(getattr(e, "value", "")) for e in at.markdown)
    assert "<script>" not in body and "<img" not in body


def test_generate_one_token_at_a_time_and_undo(page):
    at = page()
    at.session_state["prefix"] = "The cat sat on the"
    at = at.run()
    first = at.button(key="gen-0").label
    at.button(key="gen-0").click().run()
    assert_clean(at)
    grown = at.session_state["prefix"]
    assert grown.startswith("The cat sat on the") and len(grown) > len("The cat sat on the")
    assert first
    at.button(key="gen-sample").click().run()
    assert_clean(at)
    assert len(at.session_state["prefix"]) >= len(grown)
    at.button(key="gen-undo").click().run()
    assert at.session_state["prefix"] == grown


def test_continuation_table_and_totals(page):
    at = page()
    at.session_state["prefix"] = "The cat sat on the"
    at.session_state["continuation"] = " mat."
    at = at.run()
    assert_clean(at)
    assert len(at.dataframe) >= 1
    assert "nats" in all_text(at) and "bits" in all_text(at)


def test_nudge_is_session_owned_and_reset_works(page):
    a = page()
    a.session_state["mprefix"] = "The cat sat on the"
    a.session_state["target"] = "rug"
    a.session_state["lr"] = 0.03
    a = a.run()
    a.button(key="step").click().run()
    assert_clean(a)
    state = a.session_state["nudge_state"]
    shared = state["source"]
    fingerprint = weights_fingerprint(shared.model)
    assert state["steps"] == 1 and state["result"].p_after > state["result"].p_before
    assert not nudge.parameters_equal(state["lm"].model, shared.model)

    b = page()
    b.session_state["mprefix"] = "The king said unto"
    b.session_state["target"] = "Moses"
    b = b.run()
    assert "nudge_state" not in b.session_state  # B sees no step of A's
    b.button(key="step").click().run()
    assert_clean(b)
    b_state = b.session_state["nudge_state"]
    assert b_state["source"] is shared  # both sessions read the same cached model...
    assert b_state["lm"].model is not state["lm"].model  # ...and nudge their own copies
    assert weights_fingerprint(shared.model) == fingerprint  # the shared model never changed
    # A's copy carries only A's step
    a.button(key="step").click().run()
    assert a.session_state["nudge_state"]["steps"] == 2 and b.session_state["nudge_state"]["steps"] == 1
    a.button(key="reset").click().run()
    assert_clean(a)
    assert "nudge_state" not in a.session_state
    assert weights_fingerprint(shared.model) == fingerprint


def test_step_reads_words_like_and_unlike_the_target(page):
    at = page().run()
    assert "Adam optimiser on batches of millions of tokens" in all_text(at)
    at.button(key="step").click().run()
    assert_clean(at)
    r = at.session_state["nudge_state"]["result"]
    assert [w.text.strip() for w in r.watched] == ["rug", "carpet", "floor", "roof", "wall"]
    assert "After this step the 3 words like the target" in all_text(at)
    assert len(at.dataframe) >= 2  # the watched words' table and the related prefixes'


def test_multi_token_target_is_explained(page):
    at = page()
    at.session_state["target"] = "catastrophically"
    at = at.run()
    assert_clean(at)
    assert "nudges only its first token" in all_text(at)


def test_smollm2_without_gguf_offers_the_fetch(page, tmp_path, monkeypatch):
    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(tmp_path))
    at = page()
    at.query_params["model"] = "smollm2"
    at = at.run()
    assert_clean(at)
    assert any(b.key == "fetch-smollm2" for b in at.button)
    assert "data pack" in all_text(at)


def test_hub_opt_in_never_crashes(page, monkeypatch):
    from engine import hub

    monkeypatch.setattr(hub, "reachable", lambda **kw: hub.HubStatus(False, hub.OFFLINE_MESSAGE))
    at = page()
    at.query_params["hub"] = "true"
    at = at.run()
    assert_clean(at)
    assert "cannot reach the Hugging Face hub" in all_text(at)
    assert at.selectbox(key="model").options == [
        "Our base model (built here, trained on Shakespeare, the King James Bible, BBC news, WordNet)",
        at.selectbox(key="model").options[1],
    ]


@pytest.mark.slow
def test_real_base_model(monkeypatch):
    if not (ROOT / "assets" / "models" / "base" / "manifest.json").is_file():
        pytest.skip("base model artifact not built yet: python -m engine build base")
    monkeypatch.delenv(ENV, raising=False)
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert_clean(at)
    at.button(key="step").click().run()
    assert_clean(at)
    r = at.session_state["nudge_state"]["result"]
    assert r.p_after > r.p_before and r.target.piece == " mat"
    assert [w.text for w in r.watched] == [" rug", " carpet", " floor", " roof", " wall"]
    assert "within the noise" in all_text(at)  # the cat-and-mat reading, computed from the step on our base


@pytest.mark.slow
def test_smollm2_page_when_converted(page, smollm2_gguf):
    from engine import smollm

    if not smollm.gguf_available():
        pytest.skip("SmolLM2 GGUF not fetched: python -m engine data smollm2")
    at = page()
    at.query_params["model"] = "smollm2"
    at.session_state["prefix"] = "The capital of France is"
    at = at.run()  # converts once if needed (~30 s), then loads the cached copy
    assert_clean(at)
    assert at.selectbox(key="model").value == "smollm2"
    assert "tuned" in all_text(at)
    assert "The microscope always uses our base model" in all_text(at)
    assert "Paris" in at.button(key="gen-0").label
