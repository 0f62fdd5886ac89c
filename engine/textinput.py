"""Make reader-typed text safe to process: bounded, valid Unicode, reported.

Nothing here escapes HTML; pages escape at the point where text meets markup
(`html_escape`). Control characters, zero-width joiners and right-to-left text
are kept: they are real text a tokenizer must handle, and the lesson shows them.
"""
from __future__ import annotations

import html
import unicodedata

DEFAULT_MAX_CHARS = 20_000


def clean_user_text(text: str | None, *, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[str, list[str]]:
    """Return (text, notices): text cut to `max_chars`, lone surrogates replaced.

    Every change is reported in `notices`, in plain words, so the page can say
    what it did instead of silently altering the reader's input.
    """
    notices: list[str] = []
    if text is None:
        return "", notices
    if len(text) > max_chars:
        notices.append(
            f"Your text has {len(text):,} characters; only the first {max_chars:,} are used here."
        )
        text = text[:max_chars]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (half of a UTF-16 pair) cannot become UTF-8 bytes.
        text = fix_surrogates(text)
        notices.append("Some characters were broken halves of a pair (lone surrogates); each became \ufffd.")
    return text, notices


def fix_surrogates(text: str) -> str:
    """Replace lone surrogates with U+FFFD so the string encodes as UTF-8."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


_VISIBLE = {"\n": "↵", "\t": "⇥", " ": "·", "\r": "␍"}


def _is_variation_selector(ch: str) -> bool:
    """U+FE00..FE0F and U+E0100..E01EF: invisible, they pick an emoji or text style."""
    return 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF


def visible_text(piece: str) -> str:
    """Show whitespace and invisible characters as marks, so a token of spaces
    or a zero-width joiner is something the reader can see."""
    out = []
    for ch in piece:
        if ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") or ch == "\ufffd" or _is_variation_selector(ch):
            out.append(f"⟨U+{ord(ch):04X}⟩")
        else:
            out.append(ch)
    return "".join(out)


def html_escape(text: str) -> str:
    """Escape for HTML text and attribute values: nothing a reader types runs."""
    return html.escape(fix_surrogates(text), quote=True)


# --- text made inert where it meets markup: the one set of escaping helpers -----------------------

MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:&="  # CommonMark shows a backslash-escaped punctuation mark as itself


def markdown_text(text: str) -> str:
    """Reader, model or world text for st.markdown: shown exactly as written, no markup run,
    nothing invisible. Spaces stay spaces and a line break stays a line break."""
    shown = "".join(ch if ch in " \n" else visible_text(ch) for ch in fix_surrogates(str(text)))
    escaped = "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in shown)
    return escaped.replace("\n", "  \n")


def token_markdown(piece: str) -> str:
    """A token for st.markdown: every space and invisible character shown as a mark."""
    return markdown_text(visible_text(fix_surrogates(piece)))


def token_label(piece: str) -> str:
    """A token for a plotly label (plotly reads tags): visible marks, HTML-escaped."""
    return html_escape(visible_text(piece))


def inert_html(text: str) -> str:
    """Model or reader text for an HTML block: control characters shown as marks (line breaks and
    tabs kept for the layout), everything escaped."""
    shown = "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\n\t" else c
        for c in text
    )
    return html_escape(shown)
