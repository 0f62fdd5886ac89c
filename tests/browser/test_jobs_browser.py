"""Live runs in a real browser: a closed tab's run frees its server slot within 30 s.

The server gets one slot (PRETRAINING_EXPLORER_JOBS=1). Reader A starts a lab run; reader B
starts one and waits in the queue; A closes the tab. Nobody polls A's run any more, so the job
system's watchdog stops it, and B's run starts.
"""
from __future__ import annotations

import time

import pytest

from tests.browser.conftest import ARTIFACTS, start_server, stop_server

pytestmark = pytest.mark.browser

FREED_WITHIN_S = 30
LAB = "lab?seconds=120&steps=5000"  # long enough that only Stop or the watchdog ends it


def start_run(browser, url: str):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/{LAB}", timeout=240_000)
    page.get_by_role("button", name="Start training").click(timeout=240_000)
    return context, page


def test_a_closed_tabs_run_frees_its_slot(browser):
    proc, url = start_server(ARTIFACTS / "streamlit-jobs.log", env={"PRETRAINING_EXPLORER_JOBS": "1"})
    try:
        a_context, a_page = start_run(browser, url)
        a_page.get_by_text("of at most").first.wait_for(timeout=240_000)  # A's run is training
        b_context, b_page = start_run(browser, url)
        b_page.get_by_text("number 1 in the queue").first.wait_for(timeout=120_000)
        assert "run=" in b_page.url  # the run is named in the URL, so a reload finds it
        a_context.close()  # reader A closes the tab
        closed = time.monotonic()
        b_page.get_by_text("of at most").first.wait_for(timeout=(FREED_WITHIN_S + 30) * 1000)
        freed_after = time.monotonic() - closed
        print(f"slot freed {freed_after:.1f} s after the tab closed")
        b_page.screenshot(path=str(ARTIFACTS / "jobs-slot-freed.png"))
        assert freed_after < FREED_WITHIN_S, f"B waited {freed_after:.0f} s for A's abandoned slot"
        b_page.get_by_role("button", name="Stop").click()
        b_page.get_by_text("you pressed Stop").first.wait_for(timeout=60_000)
        b_context.close()
    finally:
        stop_server(proc)
