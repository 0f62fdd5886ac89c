"""Tokens drawn as chips: inert HTML, one coloured chip per token with its id and bytes as a
tooltip, for st.html.

Every piece of reader text that goes in passes through textinput.html_escape; colours are
translucent so the same chips read on light and dark themes. A token that is only part of a
character (a stray byte run) gets a dashed border and shows its bytes in hex. Not handled:
right-to-left layout beyond each chip isolating its own direction.
"""
from __future__ import annotations

from engine.textinput import html_escape, visible_text
from engine.tokens.bpe import MergeStep
from engine.tokens.encodings import TokenPiece, bytes_label

CHIP_HUES = (210, 30, 140, 280, 0, 90)

CHIP_CSS = """<style>
.tk-row{display:flex;flex-wrap:wrap;gap:3px;line-height:1.5;margin:.2rem 0 .6rem 0}
.tk{position:relative;display:inline-block;padding:0 .3em;border-radius:.35em;border:1px solid;
 white-space:pre;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;
 unicode-bidi:isolate;cursor:help;color:inherit}
.tk:focus{outline:2px solid currentColor;outline-offset:1px}
.tk .tip{display:none;position:absolute;left:0;top:100%;z-index:10;margin-top:3px;padding:.2em .45em;
 border-radius:.3em;background:#222;color:#fff;font-size:.75rem;white-space:normal;width:max-content;max-width:min(18rem,80vw)}
.tk:hover .tip,.tk:focus .tip{display:block}
.tk.partial{border-style:dashed}
""" + "".join(
    f".h{i}{{background:hsla({h},80%,55%,.20);border-color:hsla({h},70%,50%,.65)}}\n" for i, h in enumerate(CHIP_HUES)
) + "</style>"


def shown(data: bytes) -> str:
    """A token's bytes as the reader sees them: visible whitespace, hex for stray bytes."""
    return bytes_label(data, visible_text)


def is_text(data: bytes) -> bool:
    """True when the bytes are whole UTF-8 characters."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def chip(label: str, tip: str, hue: int, *, partial: bool = False) -> str:
    """One chip: `label` on a coloured ground, `tip` on hover or focus (both escaped)."""
    cls = f"tk h{hue % len(CHIP_HUES)}" + (" partial" if partial else "")
    return (
        f'<span class="{cls}" tabindex="0" dir="auto" title="{html_escape(tip)}">'
        f'{html_escape(label)}<span class="tip">{html_escape(tip)}</span></span>'
    )


def row(chips: list[str]) -> str:
    """Chips in a wrapping row, with the style they need."""
    return CHIP_CSS + '<div class="tk-row">' + "".join(chips) + "</div>"


def piece_chips(pieces: list[TokenPiece], *, as_bytes: bool, limit: int) -> list[str]:
    """Chips for one encoding's tokens (the first `limit`): text or hex, id, bytes, and what the id is
    (ids 0-255 are the raw bytes; above that the id is the merge's rank)."""
    chips = []
    for i, p in enumerate(pieces[:limit]):
        kind = "a raw byte (ids 0-255)" if p.id < 256 else f"a learned piece of {len(p.data)} bytes, merge rank {p.id}"
        tip = f"id {p.id} · bytes {p.hex} · {kind}"
        if p.text is None:
            tip += " · part of a character"
        chips.append(chip(p.hex if as_bytes else shown(p.data), tip, i, partial=p.text is None))
    return chips


def byte_chips(tokens: list[bytes], *, limit: int) -> list[str]:
    """Chips for a sentence in a trained BPE (tokens as bytes)."""
    return [chip(shown(t), f"bytes {t.hex(' ').upper()}", i, partial=not is_text(t)) for i, t in enumerate(tokens[:limit])]


def merge_html(k: int, step: MergeStep) -> str:
    """Merge k as a row: left chip + right chip → the new token, and how often the pair stood together."""
    return (
        CHIP_CSS + '<div class="tk-row">Merge '
        f"{k}: {chip(shown(step.left), step.left.hex(' ').upper(), 0)} + "
        f"{chip(shown(step.right), step.right.hex(' ').upper(), 1)} → "
        f"{chip(shown(step.new), f'new token id {step.new_id}', 2)} "
        f"· the pair occurred {step.count:,} times</div>"
    )
