"""The transfer page in real Chromium: dark theme and a phone-width window render clean
(no exception, no error alert, nothing wider than the screen), the curves draw, and
"try it" turns a typed message into a label from every available approach."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages_render import VIEWS, background_luminance, screenshot_whole_page, wait_for_app

pytestmark = pytest.mark.browser


def open_page(browser, server_url, view: str, query: str = ""):
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server_url}/transfer{query}", timeout=240_000)
    wait_for_app(page)
    return context, page, errors


def assert_clean(page, errors) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    alerts = page.locator('[data-testid="stAlertContentError"]')
    assert alerts.count() == 0, alerts.first.inner_text()
    assert not errors, errors


@pytest.mark.parametrize("view", ["dark", "narrow"])
def test_transfer_renders_clean(browser, server_url, view):
    context, page, errors = open_page(browser, server_url, view, "?task=sentiment&per_class=64")
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot_whole_page(page, ARTIFACTS / f"transfer-{view}.png")
        assert_clean(page, errors)
        assert (background_luminance(page) > 0.5) == (view != "dark")
        assert page.get_by_role("heading", name="Transfer learning").is_visible()
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
        if view == "narrow":
            overflow = page.evaluate(
                "() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth - window.innerWidth"
            )
            assert overflow <= 1, f"main area is {overflow}px wider than a 390px screen"
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
        assert_clean(page, errors)
        screenshot_whole_page(page, ARTIFACTS / "transfer-try-it.png")
    finally:
        context.close()
