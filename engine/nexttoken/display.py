"""Reader and model text made safe where it meets markup: st.markdown, or a plotly label.

Whitespace and invisible characters become visible marks first (engine.textinput.visible_text),
so a token of spaces can be seen. Not handled: HTML blocks (use textinput.html_escape).
"""
from __future__ import annotations

from engine.textinput import html_escape, visible_text

MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def md(text: str) -> str:
    """Reader or model text made safe for st.markdown: visible, no markup."""
    return "".join("\\" + c if c in MARKDOWN_SPECIALS else c for c in visible_text(text))


def label(piece: str) -> str:
    """Token text for a plotly label: visible and HTML-escaped (plotly reads tags)."""
    return html_escape(visible_text(piece))
