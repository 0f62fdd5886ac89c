"""Small widgets every page shares: bounded text boxes and choices bound to the URL,
glossary links, figures with alt text, and data-pack fetches with progress.

Pages stay thin by calling these; anything heavier belongs in engine/.
"""
from __future__ import annotations

import streamlit as st

from engine.textinput import clean_user_text, fix_surrogates


def bounded_text_area(
    label: str,
    *,
    key: str,
    default: str,
    max_chars: int,
    height: int = 120,
    help: str | None = None,
) -> str:
    """A text area whose value lives in the URL query (so a link reproduces it),
    cut to `max_chars` with a notice, and cleaned of text that cannot be encoded.

    The browser enforces `max_chars` on typing and pasting; the same bound is
    applied again here because a hand-made link can carry any length.
    """
    # A value put in session state by code (a callback, another page) may hold
    # lone surrogates; the widget would crash writing them to the URL, so clean
    # it before the widget reads it.
    pending = st.session_state.get(key)
    if isinstance(pending, str) and fix_surrogates(pending) != pending:
        st.session_state[key] = fix_surrogates(pending)
        st.info("Some characters were broken halves of a pair (lone surrogates); each became \ufffd.")
    raw = st.text_area(
        label,
        value=default,
        key=key,
        max_chars=max_chars,
        height=height,
        help=help or f"Up to {max_chars:,} characters; longer pastes are cut to that length.",
        bind="query-params",
    )
    text, notices = clean_user_text(raw, max_chars=max_chars)
    for notice in notices:
        st.info(notice, icon=":material/content_cut:")
    return text


def url_choice(widget, label: str, options: dict, *, key: str, default=None, **kwargs):
    """A radio, selectbox or select slider whose short key (not its long label) lives in the URL
    query, so a facilitator's link opens the same choice. default: the first option when not
    given (or not an option); it is left out of the URL. Keys need not be strings: the URL holds
    str(key)."""
    default = default if default in options else next(iter(options))
    by_text = {str(k): k for k in options}
    if st.session_state.get(key) not in options:
        st.session_state[key] = by_text.get(st.query_params.get(key), default)
    choice = widget(label, list(options), format_func=lambda k: options[k], key=key, **kwargs)
    if choice == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(choice)
    return choice


def next_pages(**why: str) -> None:
    """A "Next:" line linking pages by url path (underscores for hyphens), each with why to go
    there; titles and addresses come from the page table, and pages not on disk are left out."""
    from lessons._site import page_by_url_path

    pages = page_by_url_path()
    links = []
    for key, reason in why.items():
        spec = pages.get(key) or pages.get(key.replace("_", "-"))
        if spec is not None:
            links.append(f"[{spec.title}]({spec.url_path}): {reason}")
    if links:
        st.markdown("Next: " + "; ".join(links) + ".")


def glossary_links(*slugs: str) -> None:
    """One line of links to the glossary entries a page uses."""
    from engine.glossary import TERMS  # plain data, no heavy imports

    links = [f"[{TERMS[s].name}](glossary?term={s})" for s in slugs if s in TERMS]
    if links:
        st.caption("Glossary: " + " · ".join(links))


def figure(fig, *, alt: str, key: str | None = None) -> None:
    """A plotly chart with alt text for screen readers, and the same words as a
    caption, so a reader who cannot see the chart still gets its point."""
    st.plotly_chart(fig, width="stretch", key=key, alt=alt, config={"displaylogo": False})
    st.caption(f"Figure: {alt}")


def ensure_source(name: str, *, purpose: str) -> bool:
    """Offer to fetch a data-pack source on demand, with a progress bar.

    Returns True when the source is on disk. Nothing is fetched without the
    reader pressing the button: fetching is the only network use in the app.
    """
    from engine import datapack

    if datapack.is_available(name):
        return True
    source = datapack.SOURCES[name]
    st.info(
        f"{purpose} needs the **{name}** files from the data pack "
        f"({source.requirement}, about {source.size_mb:g} MB, checked against a pinned sha256). "
        f"You can also fetch it from a terminal: `python -m engine data {name}`.",
        icon=":material/download:",
    )
    if not st.button(f"Fetch {name} now", key=f"fetch-{name}"):
        return False
    bar = st.progress(0.0, text=f"Fetching {name}…")
    try:
        datapack.ensure(name, progress=lambda frac, msg: bar.progress(min(max(frac, 0.0), 1.0), text=msg))
    except datapack.DataPackError as exc:
        bar.empty()
        st.error(str(exc), icon=":material/error:")
        return False
    bar.empty()
    st.success(f"{name} is ready.")
    return True
