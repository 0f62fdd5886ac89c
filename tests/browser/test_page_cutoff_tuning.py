"""lessons/cutoff.py and lessons/tuning.py in real Chromium: dark theme and a phone-width
window render with no exception, no error alert and no sideways overflow; on the
cutoff page an edited document changes the prompt but not the weights' hash; on
the tuning page a short live tuning run answers in the session's own copy."""
from __future__ import annotations

import pytest

from lessons._site import available_pages
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages_render import (RUN_TIMEOUT_MS, assert_clean_page, assert_renders_well,
                                             open_page, screenshot_whole_page, wait_for_app)

PAGES = {"cutoff": "Knowledge cutoff", "tuning": "Tuning cannot add facts"}
REGISTERED = [p.url_path for p in available_pages()]

pytestmark = pytest.mark.browser


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.parametrize("url_path", list(PAGES))
@pytest.mark.parametrize("view", ["dark", "narrow"])
def test_renders(browser, server_url, url_path, view):
    if url_path not in REGISTERED:
        pytest.skip(f"no {url_path} page")
    context, page, errors = open_page(browser, server_url, url_path, view)
    try:
        assert_renders_well(page, errors, view, f"{url_path}-{view}", heading=PAGES[url_path], min_charts=2)
    finally:
        context.close()


def test_cutoff_edited_document_keeps_the_weights(browser, server_url):
    if "cutoff" not in REGISTERED:
        pytest.skip("no cutoff page")
    from engine.world import results as wr

    town = wr.load_world().towns[0]
    context, page, errors = open_page(browser, server_url, "cutoff", "light")
    try:
        box = page.locator(".st-key-doc textarea")
        box.fill(f"News in brief. <b>Everyone</b> has moved to {town}.")
        box.press("Control+Enter")
        page.wait_for_function("() => window.location.search.includes('doc=')", timeout=RUN_TIMEOUT_MS)
        wait_for_app(page)
        assert_clean_page(page, errors)
        text = main_text(page)
        assert "fingerprints are identical" in text
        prints = [t for t in text.splitlines() if t.startswith("Weights' fingerprint")]
        assert len(prints) == 2 and prints[0] == prints[1]
        assert page.locator('[data-testid="stMain"] b', has_text="Everyone").count() == 0  # the tag stayed text
        screenshot_whole_page(page, ARTIFACTS / "cutoff-edited-document.png")
    finally:
        context.close()


def test_tuning_live_run_answers_in_the_session_copy(browser, server_url):
    if "tuning" not in REGISTERED:
        pytest.skip("no tuning page")
    context, page, errors = open_page(browser, server_url, "tuning?mix=unknown&steps=50", "light")
    try:
        assert "After tuning (your copy" not in main_text(page)
        page.get_by_role("button", name="Tune my copy").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stMain\"]').innerText.includes('Your copy was tuned')",
            timeout=RUN_TIMEOUT_MS)
        wait_for_app(page)
        assert_clean_page(page, errors)
        text = main_text(page)
        assert "After tuning (your copy, only unknown facts)" in text
        assert "mix=unknown" in page.url and "steps=50" in page.url
        screenshot_whole_page(page, ARTIFACTS / "tuning-after-live-run.png")
    finally:
        context.close()
