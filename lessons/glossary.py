"""Glossary: every term the app uses, in plain words, with links to the pages
that show it at work and to the terms it leans on.

`?term=<slug>` in the URL opens one entry; `?q=<words>` searches.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from engine.glossary import TERMS, search
from lessons._site import HOME, page_by_url_path
from lessons._ui import figure

PAGES = page_by_url_path()
GLOSSARY_FILE = "lessons/glossary.py"


def page_links(term) -> None:
    """Links to the registered pages that show `term` ("" is the home page)."""
    shown = False
    for url_path in term.pages:
        if url_path == "":
            st.page_link(HOME.file, label="See it on: Home", icon=HOME.icon)
            shown = True
        elif url_path in PAGES:
            spec = PAGES[url_path]
            st.page_link(spec.file, label=f"See it on: {spec.title}", icon=spec.icon)
            shown = True
    if not shown:
        st.caption("No page shows this one yet.")


def coverage_figure(slugs: list[str]) -> go.Figure:
    """Dot matrix: which registered page shows which term."""
    columns = [("", "Home")] + [(u, p.title) for u, p in PAGES.items() if u != "glossary"]
    # Columns are named by the page's address, cut at hyphens: titles overlap on a phone.
    labels = [(url_path or "home").replace("-", "-<br>") for url_path, _ in columns]
    rows = [TERMS[s].name for s in reversed(slugs)]  # first term at the top
    xs, ys = [], []
    for slug in slugs:
        for (url_path, _), label in zip(columns, labels):
            if url_path in TERMS[slug].pages:
                xs.append(label)
                ys.append(TERMS[slug].name)
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="markers", marker=dict(size=11), hoverinfo="y"))
    fig.update_layout(
        height=110 + 22 * len(slugs),
        margin=dict(l=8, r=8, t=8, b=8),
        xaxis=dict(type="category", categoryorder="array", categoryarray=labels, range=[-0.5, len(labels) - 0.5],
                   side="top", tickangle=0, fixedrange=True),
        yaxis=dict(type="category", categoryorder="array", categoryarray=rows, range=[-0.5, len(rows) - 0.5],
                   fixedrange=True, automargin=True),
        dragmode=False,
    )
    return fig


def term_card(slug: str, *, selected: bool = False) -> None:
    term = TERMS[slug]
    with st.container(border=True, key=f"term-{slug}"):
        st.markdown(f"#### {term.name}" + ("  :primary-badge[selected]" if selected else ""))
        st.markdown(term.definition)
        page_links(term)
        related = [s for s in term.related if s in TERMS]
        if related:
            with st.container(horizontal=True, gap="small", key=f"related-{slug}"):
                st.caption("Related:", width="content")
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

    if len(slugs) > 1:
        st.subheader("Where each term is shown")
        figure(
            coverage_figure(slugs),
            alt=(
                "A grid with one row per term and one column per page (named by its address); a dot marks each page that shows "
                "the term. Tokenizer terms gather under Tokens, sampling terms under Next-token prediction."
            ),
            key="glossary-coverage",
        )
