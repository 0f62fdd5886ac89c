"""pages/knowledge.py in real Chromium: dark theme and a phone-width window render with no exception,
no error alert and no sideways overflow; a deep link opens a person; typing a made-up name gets an answer.

(Not named test_page_knowledge.py: tests/ has no packages, so pytest needs each test file's name unique.)
"""
from __future__ import annotations

import pytest

from app import available_pages
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages_render import (RUN_TIMEOUT_MS, assert_clean_page, background_luminance, open_page,
                                             overflow_px, screenshot_whole_page, wait_for_app)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif("knowledge" not in [p.url_path for p in available_pages()], reason="no knowledge page"),
]


@pytest.mark.parametrize("view", ["dark", "narrow"])
def test_knowledge_renders(browser, server_url, view):
    context, page, console_errors = open_page(browser, server_url, "knowledge", view)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot_whole_page(page, ARTIFACTS / f"knowledge-{view}.png")
        assert_clean_page(page, console_errors)
        assert page.get_by_role("heading", name="Recall and hallucination").is_visible()
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 4
        assert (background_luminance(page) > 0.5) == (view != "dark")
        if view == "narrow":
            overflow = overflow_px(page)
            assert overflow <= 1, f"main area is {overflow}px wider than a 390px screen"
    finally:
        context.close()


def test_deep_link_person_and_typing_a_made_up_name(browser, server_url):
    from engine import world_results as wr

    world = wr.load_world()
    held = world.people[world.people["held_out"]].iloc[0]["name"]
    context, page, console_errors = open_page(browser, server_url, f"knowledge?person={held.replace(' ', '%20')}",
                                              "light")
    try:
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert f"{held} was born in the town of" in main and "never read a word about" in main

        box = page.locator(".st-key-name input")
        box.fill("Ossery <b>Quint</b>")
        box.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stMain\"]').innerText"
            ".includes('Ossery <b>Quint</b> was born in the town of')", timeout=RUN_TIMEOUT_MS)
        wait_for_app(page)
        assert_clean_page(page, console_errors)
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "There is no such person, yet the answer is a town" in main
        assert page.locator('[data-testid="stMain"] b', has_text="Quint").count() == 0  # the tag stayed text
        assert "name=Ossery" in page.url  # the name lives in the URL, so the link reproduces it
        screenshot_whole_page(page, ARTIFACTS / "knowledge-invented-name.png")
    finally:
        context.close()
