"""Every glossary "See it on" link lands on a page that names the term, every slug a page passes to
glossary_links exists, and the corrected entries say what the sources say."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from engine import glossary
from engine.glossary import TERMS
from lessons import _site

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = {"": _site.HOME.file, **{p.url_path: p.file for p in _site.PAGES}}
NEW = """common-crawl rlhf dpo decoder-only encoder encoder-decoder entropy bits transformer frozen-features head
accuracy majority-class validation-data held-out-data memorisation corpus prompt inference sampling seed checkpoint
sft alignment""".split()


def page_source(url_path: str) -> str:
    """The page's file, plus the readings of each lesson package it imports (the sentences it shows)."""
    text = (ROOT / PAGE_FILES[url_path]).read_text(encoding="utf-8")
    for package in sorted(set(re.findall(r"^from engine\.(\w+) import", text, re.M))):
        readings = ROOT / "engine" / package / "readings.py"
        if readings.is_file():
            text += "\n" + readings.read_text(encoding="utf-8")
    return text


def normalised(text: str) -> str:
    return re.sub(r"[-\s]+", " ", re.sub(r"[*`]", "", text.casefold()))


def names(term: glossary.Term) -> list[str]:
    return [term.name, term.name.split(" (")[0], *term.aliases]


def mentions(source: str, term: glossary.Term) -> bool:
    """A whole-word match (a plural 's' allowed), hyphens and spaces alike, case-insensitive."""
    text = normalised(source)
    return any(re.search(r"\b" + re.escape(normalised(n)) + r"s?\b", text) for n in names(term))


@pytest.mark.parametrize("slug", sorted(TERMS))
def test_see_it_on_links_land_where_the_term_is_shown(slug):
    term = TERMS[slug]
    for url_path in term.pages:
        assert url_path in PAGE_FILES, f"{slug}: no page {url_path!r}"
        assert mentions(page_source(url_path), term), f"{slug}: {PAGE_FILES[url_path]} never names {names(term)}"


def test_mentions_is_whole_word():
    head = TERMS["head"]
    assert not mentions('st.header("1 · ahead")', head) and mentions("a small new output layer on top", head)
    assert mentions("keep the base frozen", TERMS["frozen-features"])
    assert mentions("never read (held out)", TERMS["held-out-data"])


def glossary_slugs_used() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for path in sorted((ROOT / "lessons").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "glossary_links":
                used[path.name] = used.get(path.name, []) + [a.value for a in node.args if isinstance(a, ast.Constant)]
    return used


def test_every_slug_a_page_passes_to_glossary_links_exists():
    used = glossary_slugs_used()
    assert "tokens.py" in used and "home.py" in used
    for page, slugs in used.items():
        assert slugs, page
        missing = [s for s in slugs if s not in TERMS]
        assert not missing, f"{page} links unknown glossary terms {missing}"


def test_new_terms_exist_and_unshown_ones_have_no_link():
    assert set(NEW) <= set(TERMS)
    for slug in ("rlhf", "dpo", "decoder-only", "encoder-decoder", "alignment"):
        assert TERMS[slug].pages == (), slug
    assert "commoncrawl.org" in TERMS["common-crawl"].definition and "2.5 to 3.5 billion" in TERMS["common-crawl"].definition


def test_corrected_entries():
    step = TERMS["gradient-step"].definition
    assert "millions of these" not in step
    assert "about a hundred thousand steps, each on millions of tokens" in step and "Brown et al. 2020, Table 2.1" in step
    assert 300e9 / 3.2e6 == pytest.approx(94_000, rel=0.01)  # the 94,000 the entry says
    window = TERMS["context-window"].definition
    assert "no memory other than" not in window and "only memory of this conversation" in window
    assert "weights" in window


def test_parameter_counts_are_read_from_the_manifests():
    counts = glossary.committed_parameter_counts()
    assert counts["models/base"] == 1_334_016 and counts["world/models/seed-0"] == 432_768
    text = TERMS["parameters"].definition
    assert "thousands" not in text and "0.43 to 1.33 million" in text
    assert glossary.parameters_definition({}).endswith("hundreds of billions in the largest published models.")
