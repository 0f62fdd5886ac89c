"""The next-token lesson's figures and tables, built from engine.probes' and engine.nudge's
results: plotly figures and pandas tables, no Streamlit.

Colours are the caller's (the pages' palette, lessons/_charts.py), passed by meaning. Token text
in labels goes through display.label (visible, HTML-escaped: plotly reads tags). Not handled:
alt texts (engine.nexttoken.readings says those).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine import probes
from engine.textinput import token_label as label
from engine.nudge import NudgeResult, TokenChange
from engine.textinput import visible_text

BARS_LEGEND = dict(orientation="h", y=1.02, yanchor="bottom")


def top_bars(dist: probes.NextTokenDistribution, *, color: str) -> go.Figure:
    """The likeliest next tokens as horizontal bars, the likeliest on top."""
    top = dist.top
    fig = go.Figure(go.Bar(
        x=[t.prob for t in top], y=[f"{label(t.text)}  " for t in top], orientation="h",
        text=[f"{t.prob:.1%}" for t in top], textposition="auto",
        hovertext=[f"token id {t.token_id}" for t in top], marker_color=color,
    ))
    fig.update_layout(yaxis=dict(autorange="reversed", type="category"), xaxis=dict(title="probability", tickformat=".0%"),
                      height=60 + 30 * len(top), margin=dict(l=10, r=10, t=10, b=40))
    return fig


def before_after(names: list[str], before: list[float], after: list[float], *, before_name: str, after_name: str,
                 before_color: str, after_color: str) -> go.Figure:
    """Grouped bars: a distribution before and after a change, one row per token."""
    fig = go.Figure([
        go.Bar(name=before_name, y=names, x=before, orientation="h", marker_color=before_color),
        go.Bar(name=after_name, y=names, x=after, orientation="h", marker_color=after_color),
    ])
    fig.update_layout(barmode="group", yaxis=dict(autorange="reversed", type="category"),
                      xaxis=dict(title="probability", tickformat=".0%"), height=80 + 34 * len(names),
                      legend=BARS_LEGEND, margin=dict(l=10, r=10, t=30, b=40))
    return fig


def reshape_order(dist: probes.NextTokenDistribution, reshaped: np.ndarray, *, top_k: int, most: int = 15) -> list[int]:
    """Token ids worth showing before and after the sampling settings: the model's top, then the new top."""
    ids = [t.token_id for t in dist.top] + [int(i) for i in np.argsort(-reshaped)[:top_k]]
    return list(dict.fromkeys(ids))[:most]


def reshape_bars(dist: probes.NextTokenDistribution, reshaped: np.ndarray, tokenizer, *, top_k: int,
                 before_color: str, after_color: str) -> go.Figure:
    """The model's distribution against the one the sampling settings leave, on the tokens worth showing."""
    order = reshape_order(dist, reshaped, top_k=top_k)
    return before_after([label(probes.token_piece(tokenizer, i)) + "  " for i in order],
                        [dist.probs[i] for i in order], [reshaped[i] for i in order], before_name="before (the model)",
                        after_name="after the settings", before_color=before_color, after_color=after_color)


def causal_mask(pl: probes.PositionLoss, *, color: str) -> go.Figure:
    """Which positions each prediction may look at: a lower triangle (start token first)."""
    n = len(pl.tokens)
    token_labels = [label(t.text) for t in pl.tokens]
    # what row i sees: the start token and tokens 0..i-1 (its target, token i, is what it predicts)
    fig = go.Figure(go.Heatmap(
        z=np.tril(np.ones((n, n + 1), dtype=np.int8)), x=list(range(n + 1)), y=list(range(n)),
        colorscale=[[0, "rgba(128,128,128,0.08)"], [1, color]], showscale=False, xgap=1, ygap=1,
        hovertemplate="predicting token %{y} may look at position %{x}<extra></extra>",
    ))
    fig.update_layout(
        xaxis=dict(title="positions it may look at", tickvals=list(range(n + 1)),
                   ticktext=[label(pl.start_token)] + token_labels, side="top", tickangle=-60),
        yaxis=dict(title="predicting", tickvals=list(range(n)), ticktext=token_labels, autorange="reversed"),
        height=min(900, 160 + 22 * n), margin=dict(l=10, r=10, t=90, b=10),
    )
    return fig


def surprise_bars(pl: probes.PositionLoss) -> go.Figure:
    """The loss at every position in bits, darker where the model was more surprised."""
    n = len(pl.tokens)
    bits = [t.bits for t in pl.tokens]
    fig = go.Figure(go.Bar(
        x=list(range(n)), y=bits, marker=dict(color=bits, colorscale="OrRd", cmin=0),
        text=[f"{b:.1f}" for b in bits], textposition="outside",
        hovertext=[f"{label(t.text)}: p = {t.prob:.2%}" for t in pl.tokens], hoverinfo="text",
    ))
    fig.update_layout(xaxis=dict(tickvals=list(range(n)), ticktext=[label(t.text) for t in pl.tokens], tickangle=-60),
                      yaxis=dict(title="surprise (bits)"), height=340, margin=dict(l=10, r=10, t=20, b=10))
    return fig


def change_bars(changes: list[TokenChange], *, gain_color: str, loss_color: str) -> go.Figure:
    """Each token's change in probability from one step, in percentage points."""
    fig = go.Figure(go.Bar(
        y=[label(c.text) + "  " for c in changes], x=[c.change * 100 for c in changes], orientation="h",
        marker_color=[gain_color if c.change >= 0 else loss_color for c in changes],
        text=[f"{c.change * 100:+.2f}" for c in changes], textposition="auto",
    ))
    fig.update_layout(yaxis=dict(autorange="reversed", type="category"), xaxis=dict(title="change (percentage points)"),
                      height=60 + 28 * len(changes), margin=dict(l=10, r=10, t=10, b=40))
    return fig


def continuation_table(score: probes.ContinuationScore) -> pd.DataFrame:
    return pd.DataFrame({
        "token": [visible_text(t.text) for t in score.tokens],
        "probability": [t.prob for t in score.tokens],
        "log-prob (nats)": [t.logprob for t in score.tokens],
        "surprise (bits)": [t.bits for t in score.tokens],
    })


def related_table(result: NudgeResult) -> pd.DataFrame:
    """What the step did to p(target) after the other prefixes."""
    return pd.DataFrame({
        "prefix": [visible_text(r.prefix) for r in result.related],
        "p(target) before": [r.p_before for r in result.related],
        "p(target) after": [r.p_after for r in result.related],
        "rank before": [r.rank_before for r in result.related],
        "rank after": [r.rank_after for r in result.related],
        "top token after": [visible_text(r.top_after) for r in result.related],
    })


def watched_table(result: NudgeResult, like: list[str]) -> pd.DataFrame:
    """Each watched word after the same prefix: its group, its probability before and after, and the ratio."""
    return pd.DataFrame({
        "word": [visible_text(w.text) for w in result.watched],
        "group": ["like the target" if w.text.strip() in like else "unlike it" for w in result.watched],
        "tokens": [w.n_tokens for w in result.watched],
        "p before": [w.p_before for w in result.watched],
        "p after": [w.p_after for w in result.watched],
        "times as likely": [w.ratio for w in result.watched],
    })
