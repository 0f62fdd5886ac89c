"""The transfer page in real Chromium: dark theme and a phone-width window render clean
(no exception, no error alert, nothing wider than the screen), the curves draw, and
"try it" turns a typed message into a label from every available approach."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages_render import (assert_clean_page, assert_renders_well, screenshot_whole_page,
                                             wait_for_app)
from tests.browser.test_pages_render import open_page as open_shared

pytestmark = pytest.mark.browser


def open_page(browser, server_url, view: str, query: str = ""):
    return open_shared(browser, server_url, f"transfer{query}", view)


@pytest.mark.parametrize("view", ["dark", "narrow"])
def test_transfer_renders_clean(browser, server_url, view):
    context, page, errors = open_page(browser, server_url, view, "?task=sentiment&per_class=64")
    try:
        assert_renders_well(page, errors, view, f"transfer-{view}", heading="Transfer learning", min_charts=2)
    finally:
        context.close()


def test_try_it_labels_a_typed_message(browser, server_url):
    context, page, errors = open_page(browser, server_url, "light", "?task=spam")
    try:
        box = page.locator(".st-key-text textarea")
        box.fill("Congratulations! You won a FREE prize, call 09061701461 now to claim <b>it</b>")
        box.press("Control+Enter")
        wait_for_app(page)
        table = page.locator(".st-key-try_table")
        table.wait_for(timeout=120_000)
        shown = table.inner_text()
        assert "Bag-of-words → spam" in shown  # an obvious spam message, and every approach gives a label
        assert shown.count("→") >= 1 and shown.count("sure)") == shown.count("→")
        # beside each answer, how often that classifier is right on the test texts when it is that sure
        assert shown.count("When it says >99%") + shown.count("It never says >99%") == shown.count("→")
        assert_clean_page(page, errors)
        screenshot_whole_page(page, ARTIFACTS / "transfer-try-it.png")
    finally:
        context.close()
