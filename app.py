"""Pretraining Explorer: the navigation, built from the page table in lessons/_site.py.

Run with `streamlit run app.py`. Every page, the home page too, is a file in lessons/.
The page folder is not called pages/: Streamlit treats a pages/ folder beside the entry
script as an old-style multipage app until the first st.navigation call of a server, and
readers who open links on a fresh server in that moment got a "Page not found" dialog.
"""
from __future__ import annotations

import streamlit as st

from lessons._imports import modules_for, warm
from lessons._site import HOME, HOME_SECTION, HOME_TITLE, available_pages, page_by_url_path


def build_navigation() -> dict[str, list]:
    """Sections -> st.Page objects, home first, from the PAGES table."""
    sections: dict[str, list] = {HOME_SECTION: [st.Page(HOME.file, title=HOME.title, icon=HOME.icon, default=True)]}
    for spec in available_pages():
        sections.setdefault(spec.section, []).append(
            st.Page(spec.file, url_path=spec.url_path, title=spec.title, icon=spec.icon)
        )
    return sections


def main() -> None:
    st.set_page_config(
        page_title=HOME_TITLE,
        page_icon=":material/school:",
        layout="wide",
        menu_items={"About": "Pretraining Explorer: an explorable explainer of how language models are made."},
    )
    page = st.navigation(build_navigation())
    spec = page_by_url_path().get(page.url_path, HOME)
    warm(modules_for(spec.imports))
    page.run()


if __name__ == "__main__":
    main()
