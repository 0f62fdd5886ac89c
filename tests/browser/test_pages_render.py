"""Load every page the app registers in real Chromium: it must finish running
with no exception and no error alert. Screenshots land in test-artifacts/.

The page list comes from app.py's table, so a new page is covered the moment
its file exists.
"""
from __future__ import annotations

import pytest

from lessons._site import HOME_TITLE, available_pages
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 240_000  # a page that loads a model on 2 slow cores may take a while
URL_PATHS = [""] + [p.url_path for p in available_pages()]
VIEWS = {
    "light": dict(viewport={"width": 1280, "height": 900}, color_scheme="light"),
    "dark": dict(viewport={"width": 1280, "height": 900}, color_scheme="dark"),
    "narrow": dict(viewport={"width": 390, "height": 844}, color_scheme="light", device_scale_factor=2,
                   is_mobile=True, has_touch=True),
}
# Every page in light; home and glossary also in dark and at phone width.
CASES = [(u, "light") for u in URL_PATHS] + [
    (u, v) for u in ("", "glossary") if u in URL_PATHS for v in ("dark", "narrow")
]


def wait_for_app(page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Until Streamlit reports the script finished and stays finished (a page
    that syncs widgets to the URL may rerun once straight away)."""
    done = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    page.wait_for_selector(done, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                           timeout=timeout_ms)
    page.wait_for_timeout(750)
    page.wait_for_selector(done, timeout=timeout_ms)
    for chart in page.locator('[data-testid="stPlotlyChart"]').all():
        chart.locator(".main-svg").first.wait_for(timeout=60_000)


def open_page(browser, server_url: str, path: str, view: str):
    """A fresh context in `view` at server_url/path, run to the end: (context, page, page_errors)."""
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server_url}/{path}", timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    return context, page, errors


def assert_clean_page(page, page_errors) -> None:
    """No Python exception, no error alert, no JavaScript error."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    alerts = page.locator('[data-testid="stAlertContentError"]')
    assert alerts.count() == 0, alerts.first.inner_text()
    assert not page_errors, page_errors


def overflow_px(page) -> float:
    """How far the main area is wider than the window (a phone must not scroll sideways)."""
    return page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth - window.innerWidth")


def screenshot_whole_page(page, path) -> None:
    """Streamlit scrolls inside its own container, so a "full page" shot only
    shows the window: grow the window to the content's height first."""
    size = page.viewport_size
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 120, size["height"]), 12_000)})
    page.wait_for_timeout(750)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def background_luminance(page) -> float:
    rgb = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )
    r, g, b = (int(x) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def assert_renders_well(page, page_errors, view: str, shot: str, *, heading: str | None = None,
                        min_charts: int = 0) -> None:
    """What every page passes in every view: a screenshot for the artifacts, a clean page, the
    view's theme, its heading and charts, and on a phone nothing wider than the screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot_whole_page(page, ARTIFACTS / f"{shot}.png")
    assert_clean_page(page, page_errors)
    assert (background_luminance(page) > 0.5) == (view != "dark"), f"{view} view painted with the wrong theme"
    if heading:
        assert page.get_by_role("heading", name=heading).first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= min_charts
    if view == "narrow":
        overflow = overflow_px(page)
        assert overflow <= 1, f"main area is {overflow}px wider than a 390px screen"


@pytest.mark.parametrize("url_path,view", CASES, ids=[f"{u or 'home'}-{v}" for u, v in CASES])
def test_page_renders(browser, server_url, url_path, view):
    context, page, console_errors = open_page(browser, server_url, url_path, view)
    try:
        assert_renders_well(page, console_errors, view, f"{url_path or 'home'}-{view}",
                            heading=HOME_TITLE if url_path == "" else None)
    finally:
        context.close()


def test_glossary_term_link_opens_that_term(browser, server_url):
    if "glossary" not in URL_PATHS:
        pytest.skip("no glossary page")
    context = browser.new_context(**VIEWS["light"])
    page = context.new_page()
    try:
        page.goto(f"{server_url}/glossary?term=softmax", timeout=RUN_TIMEOUT_MS)
        wait_for_app(page)
        cards = page.locator('[class*="st-key-term-"]')
        assert cards.count() == 1
        assert "Softmax" in cards.first.inner_text()
        page.get_by_role("link", name="Logits").first.click()
        page.wait_for_url("**/glossary?term=logits", timeout=30_000)
        wait_for_app(page)
        assert "Logits" in page.locator('[class*="st-key-term-"]').first.inner_text()
    finally:
        context.close()


def test_theme_switcher_offers_light_and_dark(browser, server_url):
    """Both [theme.light] and [theme.dark] are configured, so the menu lets a
    reader switch, and each choice repaints the app."""
    context = browser.new_context(**VIEWS["light"])
    page = context.new_page()
    try:
        page.goto(server_url, timeout=RUN_TIMEOUT_MS)
        wait_for_app(page)
        assert background_luminance(page) > 0.5
        for choice, light in (("Dark", False), ("Light", True)):
            page.locator('[data-testid="stMainMenu"]').click()
            page.locator(f'[data-testid="stMainMenuItem-theme-{choice}"]').click()
            page.wait_for_timeout(500)
            assert (background_luminance(page) > 0.5) == light, f"{choice} theme not applied"
            page.keyboard.press("Escape")
    finally:
        context.close()
