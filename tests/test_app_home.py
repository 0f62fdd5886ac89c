"""The entry point and home page: the page table, the home page's content and
links, and that painting the home page never imports torch or transformers."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lessons import _site as app
from lessons._charts import transfer_learning_figure

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def home() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def test_page_table_is_well_formed():
    url_paths = [p.url_path for p in app.PAGES]
    assert len(url_paths) == len(set(url_paths)), "url_paths must be unique"
    for spec in app.PAGES:
        assert spec.url_path and "/" not in spec.url_path
        assert spec.file.startswith("lessons/") and spec.file.endswith(".py")
        assert spec.section != app.HOME_SECTION
    # Only pages whose file exists are registered, in table order.
    assert app.available_pages() == [p for p in app.PAGES if (ROOT / p.file).is_file()]


def test_no_pages_folder_beside_the_entry_script():
    """Streamlit runs a pages/ folder beside app.py as an old-style multipage app until a server's
    first st.navigation call, and early readers got "Page not found": the pages live in lessons/."""
    assert not (ROOT / "pages").exists()
    assert all(spec.file.startswith("lessons/") for spec in [app.HOME, *app.PAGES])


def test_navigation_registers_home_and_existing_pages(home):
    assert not home.exception
    for spec in app.available_pages():
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.switch_page(spec.file)  # raises if st.navigation did not register it


def test_home_renders_the_lesson_and_figure(home):
    assert not home.exception
    assert home.title[0].value == app.HOME_TITLE
    headers = [h.value for h in home.header]
    assert "Why pretraining changed things" in headers
    assert "From text to assistant" in headers
    assert len(home.get("plotly_chart")) == 1
    captions = " ".join(c.value for c in home.caption)
    assert "Figure:" in captions, "the figure's alt text is also shown as a caption"
    assert "glossary?term=transfer-learning" in captions


def test_home_links_only_to_registered_pages(home):
    registered = {p.url_path for p in app.available_pages()}
    linked = {link.proto.page for link in home.page_link}
    assert linked <= registered
    # every stage that has a page on disk links to it; stages without one do not
    expected = {u for _, _, url_paths in app.STAGES for u in url_paths if u in registered}
    assert linked == expected


def test_transfer_learning_figure_has_both_panels():
    fig = transfer_learning_figure()
    texts = " ".join(a.text for a in fig.layout.annotations if a.text)
    for phrase in ("Before", "After", "Base", "pretrain once", "train from zero"):
        assert phrase in texts
    assert fig.layout.dragmode is False


def test_home_page_does_not_import_torch_or_transformers():
    """Run the home page in a fresh interpreter and look at what got imported."""
    code = textwrap.dedent(
        f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({APP!r}, default_timeout=60).run()
        assert not at.exception, at.exception
        assert at.title[0].value == {app.HOME_TITLE!r}
        heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
        print("HEAVY=" + ",".join(heavy))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "HEAVY=\n" in result.stdout, f"home page imported: {result.stdout.strip()}"


def test_home_says_where_pretraining_text_comes_from_and_what_the_spam_task_reads(home):
    text = " ".join(m.value for m in home.markdown)
    assert "text messages (SMS)" in text and "emails" not in text
    assert "Common Crawl" in text and "King James Bible" in text and "labels left out" in text


def test_both_kinds_of_tuning_sit_together():
    """Classifier tuning (transfer) and chat tuning (tuning) share the Tuning section and stage card."""
    sections = {p.url_path: p.section for p in app.PAGES}
    assert sections["transfer"] == sections["tuning"] == "Tuning"
    stage = dict((title, urls) for title, _, urls in app.STAGES)
    assert set(stage["3 · Tuning"]) == {"transfer", "tuning"}
    # every stage card's pages sit under one navigation section, and no page is on two cards
    for _, _, urls in app.STAGES:
        assert len({sections[u] for u in urls}) == 1
    every = [u for _, _, urls in app.STAGES for u in urls]
    assert len(every) == len(set(every))
