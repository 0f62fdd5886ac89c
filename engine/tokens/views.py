"""The tokens page's tables and its one figure, built from engine.tokens' results: pandas
tables and a plotly compression curve, no Streamlit.

Token text goes through chips.shown (visible whitespace, hex for stray bytes). Not handled:
alt texts (engine.tokens.readings says those).
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from engine.textinput import visible_text
from engine.tokens import bpe, encodings
from engine.tokens.chips import shown
from engine.tokens.readings import real_labels

CURVE_POINTS = 13  # points on the compression curve, from 256 byte tokens to the whole vocabulary
TICKS = [256, 1000, 10_000, 50_000, 100_000, 200_000]


def summary_table(summaries: list[encodings.EncodingSummary]) -> pd.DataFrame:
    return pd.DataFrame({
        "tokenizer": [s.name for s in summaries],
        "tokens": [s.n_tokens for s in summaries],
        "chars / token": [round(s.chars_per_token, 2) for s in summaries],
        "vocabulary": [s.vocab_size for s in summaries],
    })


def split_table(split: list[encodings.SplitCharacter], *, limit: int = 200) -> pd.DataFrame:
    """Characters spread over several tokens: the character, its bytes, and the token ids that hold them."""
    return pd.DataFrame({
        "character": [visible_text(s.char) for s in split[:limit]],
        "UTF-8 bytes": [s.data.hex(" ").upper() for s in split[:limit]],
        "spread over token ids": [", ".join(map(str, s.token_ids)) for s in split[:limit]],
    })


def merges_table(steps: list[bpe.MergeStep]) -> pd.DataFrame:
    return pd.DataFrame({
        "merge": [s.rank + 1 for s in steps],
        "pair": [f"{shown(s.left)} + {shown(s.right)}" for s in steps],
        "times seen": [s.count for s in steps],
        "new token": [shown(s.new) for s in steps],
        "id": [s.new_id for s in steps],
    })


def curve(text: str, model: bpe.TrainedBPE) -> list[tuple[int, float]]:
    """(vocabulary size, characters per token) of `model` cut at evenly spaced merge counts."""
    sizes = [256 + round(i * len(model.merges) / (CURVE_POINTS - 1)) for i in range(CURVE_POINTS)]
    return bpe.compression_curve(text, model, sizes)


def real_points(text: str) -> list[tuple[int, float, str]]:
    """(vocabulary size, chars per token, name) of the five real tokenizers on `text`."""
    return [
        (encodings.get_encoding(n).n_vocab, encodings.summarise(text, n).chars_per_token, n)
        for n in encodings.ENCODING_NAMES
    ]


def compression_figure(points: list[tuple[int, float]], real: list[tuple[int, float, str]]) -> go.Figure:
    """Characters per token against vocabulary size (log scale): your tokenizer's curve and the real ones."""
    fig = go.Figure()
    fig.add_scatter(
        x=[v for v, _ in points], y=[r for _, r in points], mode="lines+markers", name="your tokenizer",
        hovertemplate="vocabulary %{x}<br>%{y:.2f} characters per token<extra></extra>",
    )
    labels = real_labels(real)
    fig.add_scatter(
        x=[v for v, _, _ in real], y=[r for _, r, _ in real], customdata=[n for _, _, n in real],
        mode="markers+text", name="real tokenizers", marker_symbol="diamond", marker_size=10,
        text=labels, textposition=["bottom center" if i % 2 == 0 else "top center" for i in range(len(labels))],
        hovertemplate="%{customdata}: vocabulary %{x:,}<br>%{y:.2f} characters per token<extra></extra>",
    )
    fig.update_layout(
        xaxis=dict(title="vocabulary size (log scale)", type="log", tickvals=TICKS,
                   ticktext=["256", "1k", "10k", "50k", "100k", "200k"], range=[2.3, 5.55]),
        yaxis=dict(title="characters per token", rangemode="tozero"),
        margin=dict(l=10, r=10, t=10, b=10), height=360,
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
    )
    return fig
