"""The glossary: its data is consistent with the app's page table, and the page
lists, searches and opens single terms from the URL."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lessons import _site as app
from engine.glossary import TERMS, search

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
REQUIRED = """token tokenizer bpe vocabulary byte context-window next-token-prediction
causal-language-modeling probability-distribution logits softmax temperature top-k top-p
loss cross-entropy perplexity gradient-step learning-rate pretraining base-model parameters
flops tuning transfer-learning knowledge-cutoff hallucination masked-language-modeling
span-corruption""".split()

pytestmark = pytest.mark.skipif(not (ROOT / "lessons/glossary.py").is_file(), reason="no glossary page")


def glossary(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("lessons/glossary.py")
    at.query_params.update(query)
    return at.run()


def cards(at: AppTest) -> list[str]:
    """Term names, in page order, from each card's heading."""
    return [m.value.removeprefix("#### ").split("  ")[0] for m in at.markdown if m.value.startswith("#### ")]


# --- data ---------------------------------------------------------------------

def test_required_terms_are_defined():
    assert set(REQUIRED) <= set(TERMS)
    names = [t.name for t in TERMS.values()]
    assert len(names) == len(set(names))
    for slug, term in TERMS.items():
        assert term.definition.strip() and len(term.definition) < 400, slug


def test_related_terms_exist():
    for slug, term in TERMS.items():
        assert term.related, f"{slug} relates to nothing"
        assert slug not in term.related
        assert set(term.related) <= set(TERMS), f"{slug}: {set(term.related) - set(TERMS)}"


def test_every_term_page_is_one_the_app_declares():
    declared = {""} | {p.url_path for p in app.PAGES}  # "" is the home page
    for slug, term in TERMS.items():
        assert set(term.pages) <= declared, f"{slug}: {set(term.pages) - declared}"


def test_search_matches_names_before_definitions():
    assert search("") == list(TERMS)
    assert search("SOFTMAX")[0] == "softmax"
    hits = search("probability")
    assert "softmax" in hits and "token" not in hits
    assert search("no such words here") == []


# --- page ---------------------------------------------------------------------

def test_lists_every_term_without_a_query():
    at = glossary()
    assert not at.exception
    assert cards(at) == [TERMS[s].name for s in TERMS]


def test_term_in_url_opens_that_entry():
    at = glossary(term="token")
    assert not at.exception
    assert cards(at) == ["Token"]
    assert any(m.value.startswith("#### Token") and "selected" in m.value for m in at.markdown)
    related = {link.proto.query_string for link in at.page_link if link.proto.page == "glossary"}
    assert related == {f"term={s}" for s in TERMS["token"].related}
    assert at.query_params["term"] == "token"


def test_show_all_clears_the_term():
    at = glossary(term="softmax")
    at.button[0].click().run()
    assert not at.exception
    assert "term" not in at.query_params
    assert len(cards(at)) == len(TERMS)


def test_unknown_term_warns_and_lists_everything():
    at = glossary(term="<script>alert(1)</script>")
    assert not at.exception
    assert at.warning and "no glossary entry" in at.warning[0].value
    assert len(cards(at)) == len(TERMS)


def test_search_box_filters():
    at = glossary()
    at.text_input(key="q").input("sampling").run()
    assert not at.exception
    assert set(cards(at)) == {TERMS[s].name for s in search("sampling")}
    assert "Top-k sampling" in cards(at)


def test_search_with_no_match_says_so():
    at = glossary(q="zzzz")
    assert not at.exception
    assert cards(at) == []
    assert at.info


def test_terms_link_to_the_registered_pages_that_show_them():
    at = glossary(term="pretraining")
    shown = [link.value.removeprefix("See it on: ") for link in at.page_link if link.value.startswith("See it on")]
    titles = {"": "Home"} | {p.url_path: p.title for p in app.available_pages()}
    assert shown == [titles[u] for u in TERMS["pretraining"].pages if u in titles]
    assert "Home" in shown
