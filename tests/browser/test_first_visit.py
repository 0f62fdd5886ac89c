"""A fresh server whose very first visitor opens a deep link still shows the app's navigation.

Streamlit treats an app with a lessons/ folder as an old-style multipage app until
app.py first calls st.navigation; lessons/_ui.use_app_navigation() undoes that.
"""
import pytest

from conftest import ARTIFACTS, start_server, stop_server

pytestmark = pytest.mark.browser


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
