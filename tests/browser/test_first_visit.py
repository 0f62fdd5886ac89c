"""First visits on a freshly started server: deep links show the app's own navigation, and
thirty readers opening links to every page at once all get their page, with no exception and
no "Page not found" dialog.

Both once went wrong. With a folder called pages/ beside app.py, Streamlit ran its old
folder-based navigation until the server's first st.navigation call, so early visitors of
/next-token got "Page not found" (the page folder is now lessons/). And sessions importing
numpy, pandas and torch for the first time on thirty threads at once got half-initialised
modules (app.py now warms them under one lock, lessons/_imports.py).
"""
from __future__ import annotations

import time

import pytest

from lessons._site import available_pages
from tests.browser.conftest import ARTIFACTS, start_server, stop_server

pytestmark = pytest.mark.browser

VISITORS = 30
ALL_DONE_S = 600  # thirty first visits share two slow cores: models load, torch is imported once


def test_first_visitor_on_a_deep_link_gets_the_app_navigation(browser):
    proc, url = start_server(ARTIFACTS / "streamlit-first-visit.log")  # a fresh server, no visitor yet
    try:
        page = browser.new_page()
        page.goto(f"{url}/tokens?text=first%20visit")
        page.wait_for_selector('[data-testid="stSidebarNav"] >> text=Pretraining lab', timeout=90_000)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Home" in nav and "Glossary" in nav
        assert "ui" not in nav.split() and "app" not in nav.split()  # the folder's own page list
        assert page.url.endswith("/tokens?text=first%20visit")
        page.wait_for_selector("textarea", timeout=90_000)
        assert page.locator("textarea").first.input_value() == "first visit"
        page.close()
    finally:
        stop_server(proc)


def test_thirty_concurrent_first_visits_spread_over_every_page(browser):
    """Thirty fresh browser contexts open direct links to every page at once on a new server."""
    paths = [""] + [p.url_path for p in available_pages()]
    proc, url = start_server(ARTIFACTS / "streamlit-thirty-visits.log")
    contexts, pages = [], []
    try:
        for i in range(VISITORS):
            context = browser.new_context(viewport={"width": 1100, "height": 800})
            page = context.new_page()
            page.goto(f"{url}/{paths[i % len(paths)]}", wait_until="commit", timeout=120_000)
            contexts.append(context)
            pages.append((paths[i % len(paths)], page))
        deadline = time.monotonic() + ALL_DONE_S
        problems = []
        for path, page in pages:
            left_ms = max(1_000, int((deadline - time.monotonic()) * 1000))
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] '
                                   '[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                                   timeout=left_ms)
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=left_ms)
            if page.get_by_text("Page not found").count():
                problems.append(f"/{path}: a 'Page not found' dialog")
            exceptions = page.locator('[data-testid="stException"]')
            if exceptions.count():
                problems.append(f"/{path}: {exceptions.first.inner_text()[:300]}")
            heading = page.locator("h1").first.inner_text(timeout=10_000)
            if not heading.strip():
                problems.append(f"/{path}: no page heading")
        for i, (path, page) in enumerate(pages[: len(paths)]):
            page.screenshot(path=str(ARTIFACTS / f"thirty-visits-{i:02d}-{path or 'home'}.png"))
        assert not problems, "\n".join(problems)
    finally:
        for context in contexts:
            context.close()
        stop_server(proc)
