"""Glossary: every term the app uses, in plain words, with links to the pages
that show it at work and to the terms it leans on.

`?term=<slug>` in the URL opens one entry; `?q=<words>` searches.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from app import home_page, page_by_url_path
from engine.glossary import TERMS, search
from pages._ui import figure

PAGES = page_by_url_path()
GLOSSARY_FILE = "pages/glossary.py"


def page_links(term) -> None:
    """Links to the registered pages that show `term` ("" is the home page)."""
    shown = False
    for url_path in term.pages:
        if url_path == "":
            st.page_link(home_page(), label="See it on: Home")
            shown = True
        elif url_path in PAGES:
            spec = PAGES[url_path]
            st.page_link(spec.file, label=f"See it on: {spec.title}", icon=spec.icon)
            shown = True
    if not shown:
        st.caption("No page shows this one yet.")


def term_card(slug: str, *, selected: bool = False) -> None:
    term = TERMS[slug]
    with st.container(border=True, key=f"term-{slug}"):
        st.markdown(f"#### {term.name}" + ("  :primary-badge[selected]" if selected else ""))
        st.markdown(term.definition)
        page_links(term)
        related = [s for s in term.related if s in TERMS]
        if related:
            with st.container(horizontal=True, gap="small", key=f"related-{slug}"):
                st.caption("Related:")
                for other in related:
                    st.page_link(GLOSSARY_FILE, label=TERMS[other].name, query_params={"term": other})


st.title("Glossary")
st.markdown(
    "The words this app uses, each in a sentence or two. Every entry links to the "
    "pages where you can watch the idea at work, and to the terms it builds on."
)

term_param = st.query_params.get("term", "")
if term_param:
    # Re-state it: a page_link to this same page passes the new term to the
    # script but leaves the old one in the address bar until it is set again.
    st.query_params["term"] = term_param
query = st.text_input(
    "Search the glossary",
    key="q",
    placeholder="e.g. softmax, loss, sampling",
    max_chars=100,
    bind="query-params",
)

if term_param and term_param in TERMS and not query:
    term_card(term_param, selected=True)
    if st.button("Show all terms", icon=":material/list:"):
        del st.query_params["term"]
        st.rerun()
else:
    if term_param and term_param not in TERMS:
        st.warning(f"There is no glossary entry called “{term_param[:60]}”. Here is the whole list.")
    slugs = search(query)
    if query:
        st.caption(f"{len(slugs)} of {len(TERMS)} terms match “{query}”.")
    if not slugs:
        st.info("Nothing matches. Try a shorter word, or clear the search box.")
    for slug in slugs:
        term_card(slug)
