"""World, model and reader text made inert for st.markdown: the one escaping step the
knowledge, cutoff and tuning pages share (and engine.world.readings uses for the names it
puts in a sentence).

    markdown_text("<b>Quint</b> *x*")   # '\\<b\\>Quint\\</b\\> \\*x\\*': shown as typed, never run as markup

Every markdown or HTML special character is backslash-escaped (CommonMark shows an escaped
punctuation character as itself), invisible and control characters become visible marks
(engine.textinput.visible_text), broken surrogate halves become U+FFFD, spaces stay spaces and
a line break stays a line break. For plotly labels, which read HTML, use
engine.textinput.html_escape instead.

Not handled: anything but st.markdown (HTML attributes, plotly, st.text need no markdown escaping).
"""
from __future__ import annotations

from engine.textinput import fix_surrogates, visible_text

MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:&="


def markdown_text(text: str) -> str:
    """`text` for st.markdown: shown exactly as written, with no markup run and nothing invisible."""
    shown = "".join(ch if ch in " \n" else visible_text(ch) for ch in fix_surrogates(str(text)))
    escaped = "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in shown)
    return escaped.replace("\n", "  \n")


def token_markdown(piece: str) -> str:
    """A model's token for st.markdown: every space and invisible character shown as a mark."""
    return markdown_text(visible_text(fix_surrogates(piece)))
