"""lessons/knowledge.py in real Chromium: dark theme and a phone-width window render with no exception,
no error alert and no sideways overflow; a deep link opens a person; typing a made-up name gets an answer.

(Not named test_page_knowledge.py: tests/ has no packages, so pytest needs each test file's name unique.)
"""
from __future__ import annotations

import pytest

from lessons._site import available_pages
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages_render import (RUN_TIMEOUT_MS, assert_clean_page, assert_renders_well, open_page,
                                             screenshot_whole_page, wait_for_app)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif("knowledge" not in [p.url_path for p in available_pages()], reason="no knowledge page"),
]


@pytest.mark.parametrize("view", ["dark", "narrow"])
def test_knowledge_renders(browser, server_url, view):
    context, page, console_errors = open_page(browser, server_url, "knowledge", view)
    try:
        assert_renders_well(page, console_errors, view, f"knowledge-{view}", heading="Recall and hallucination",
                            min_charts=4)
    finally:
        context.close()


def test_deep_link_person_and_typing_a_made_up_name(browser, server_url):
    from engine.world import results as wr

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
