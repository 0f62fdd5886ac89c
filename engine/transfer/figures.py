"""The transfer page's figures, built from the results with the palette the page passes in.

Each function returns a plotly figure (no Streamlit): the learning curves, our base's gain by
pretraining tokens, the compute bars and try-it's probability bars. `palette` is the page's
colour module (lessons/_charts: named colours, rgba, baseline), passed in so the engine never
imports a page module and every page keeps one palette. Alt texts come from
engine.transfer.readings. Not handled: themes (the palette's colours read on light and dark).
"""
from __future__ import annotations

import plotly.graph_objects as go

from engine.transfer.approaches import APPROACHES, OLD_WAY, label
from engine.transfer.readings import METRIC_WORDS, METRICS, bow_gain_over_scratch
from engine.transfer.results import approaches, baselines, curve, task_info

# Each label keeps one colour wherever it appears (spam and rotten red, ham blue, fresh green).
LABEL_COLOURS = {"ham": "BLUE", "spam": "RED", "rotten": "RED", "fresh": "GREEN", "business": "BLUE",
                 "entertainment": "PURPLE", "politics": "RED", "sports": "GREEN", "tech": "ORANGE"}


def colour(key: str, palette) -> str:
    """The approach's colour in the palette (grey for one the registry does not know)."""
    found = APPROACHES.get(key)
    return getattr(palette, found.colour) if found else palette.GREY


def x_of(point: dict, n_labels: int) -> float:
    """Where a curve point sits on the x axis: its labels per class ('all': the mean per class)."""
    return point["n_train"] / n_labels if point["per_class"] is None else float(point["per_class"])


def curves(results: dict, task: str, metric: str, chosen: str, live_rows: list[dict], *, palette) -> go.Figure:
    """One line per approach (mean over seeds, band ± one sd), the majority and chance lines, the chosen count,
    the reader's runs as crosses."""
    info = task_info(results, task)
    n_labels, fig, all_x = len(info["labels"]), go.Figure(), None
    lowest = min(info["chance"][metric], baselines(results, task, metric)["chance"], 0.4)
    for key in approaches(results, task):
        points = curve(results, task, key, metric)
        xs, means = [x_of(p, n_labels) for p in points], [p["mean"] for p in points]
        lowest = min([lowest] + [p["mean"] - p["sd"] for p in points])
        all_x = xs[-1] if points and points[-1]["per_class"] is None else all_x
        if any(p["sd"] > 0 for p in points):
            band = [p["mean"] + p["sd"] for p in points] + [p["mean"] - p["sd"] for p in points][::-1]
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=band, fill="toself", mode="lines", line=dict(width=0),
                                     fillcolor=palette.rgba(colour(key, palette), 0.16), hoverinfo="skip", showlegend=False,
                                     legendgroup=key))
        fig.add_trace(go.Scatter(
            x=xs, y=means, mode="lines+markers", name=label(key), legendgroup=key, marker=dict(size=7),
            line=dict(color=colour(key, palette), width=2.5, dash="dash" if key in OLD_WAY else "solid"),
            customdata=[[p["label"], p["sd"], p["n_seeds"], p["n_train"]] for p in points],
            hovertemplate=("%{fullData.name}<br>%{customdata[0]} per class (%{customdata[3]} examples)<br>"
                           + METRICS[metric] + " %{y:.3f} ± %{customdata[1]:.3f} over %{customdata[2]} seeds"
                           "<extra></extra>")))
    mine = [row for row in live_rows if row.get("task") == task and metric in row]
    if mine:  # one legend entry for every cross
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="your runs",
                                 marker=dict(symbol="x", size=11, color=palette.GREY)))
    for row in mine:
        lowest = min(lowest, row[metric])
        fig.add_trace(go.Scatter(
            x=[x_of(row, n_labels)], y=[row[metric]], mode="markers", showlegend=False,
            name=f"your run: {label(row['approach'])}",
            marker=dict(symbol="x", size=13, color=colour(row["approach"], palette), line=dict(width=1, color=colour(row["approach"], palette))),
            hovertemplate=f"your run (seed {row.get('seed')})<br>%{{y:.3f}}<extra></extra>"))
    base = baselines(results, task, metric)  # both drawn: always the commonest label, and a random guess
    palette.baseline(fig, base["majority"], f"majority: always “{base['majority_label']}” {100 * base['majority']:.1f}")
    palette.baseline(fig, base["chance"], f"chance: a random guess {100 * base['chance']:.1f}")
    chosen_x = all_x if chosen == "all" else float(chosen)
    if chosen_x:
        fig.add_vline(x=chosen_x, line=dict(color="rgba(128,128,128,0.6)", width=1))
    ticks, texts = [8, 16, 32, 64, 128, 256], ["8", "16", "32", "64", "128", "256"]
    if all_x:
        ticks, texts = ticks + [all_x], texts + ["all" if all_x / 256 > 1.6 else "<br>all"]
    fig.update_layout(
        height=460, margin=dict(l=10, r=10, t=10, b=10), hovermode="closest",
        xaxis=dict(type="log", title="labelled examples per class", tickvals=ticks, ticktext=texts),
        yaxis=dict(title=METRICS[metric], range=[max(0.0, lowest - 0.05), 1.0], tickformat=".0%"),
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return fig


def checkpoints(rows: list[dict], results: dict, task: str, metric: str, *, palette) -> go.Figure:
    """Our base's gain over from scratch against its pretraining tokens, one point per snapshot."""
    fig = go.Figure()
    for key in ("ours-finetuned", "ours-frozen"):
        points = [p for p in rows if p["approach"] == key]
        if not points:
            continue
        xs, gains, sds = ([p["tokens_seen"] for p in points], [100 * p["gain"] for p in points],
                          [100 * p["sd"] for p in points])
        fig.add_trace(go.Scatter(
            x=xs + xs[::-1], y=[g + d for g, d in zip(gains, sds)] + [g - d for g, d in zip(gains, sds)][::-1],
            fill="toself", mode="lines", line=dict(width=0), fillcolor=palette.rgba(colour(key, palette), 0.16),
            hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(
            x=xs, y=gains, mode="lines+markers", name=label(key), line=dict(color=colour(key, palette), width=2.5),
            marker=dict(size=8), customdata=[[p["checkpoint"], p["mean"], p["scratch_mean"]] for p in points],
            hovertemplate=("%{customdata[0]}: %{x:.3s} tokens<br>" + METRICS[metric]
                           + " %{customdata[1]:.3f} vs from scratch %{customdata[2]:.3f}<extra></extra>")))
    palette.baseline(fig, 0, "no gain: as good as from scratch")
    ticks = sorted({p["tokens_seen"] for p in rows})
    bow_gain = bow_gain_over_scratch(rows, results, task, metric)
    if bow_gain is not None:  # the old strong baseline, which reads no pretraining at all, as a level
        fig.add_trace(go.Scatter(
            x=[ticks[0], ticks[-1]], y=[100 * bow_gain] * 2, mode="lines", name=label("bow"),
            line=dict(color=colour("bow", palette), width=2, dash="dash"),
            hovertemplate=f"bag-of-words: {100 * bow_gain:+.1f} points over from scratch<extra></extra>"))
    fig.update_layout(
        height=360, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
        xaxis=dict(type="log", title="tokens our base had read in pretraining", tickvals=ticks,
                   ticktext=[f"{t / 1e6:.0f}M" if t >= 1e6 else f"{t / 1e3:.0f}k" for t in ticks]),
        yaxis=dict(title=f"gain in {METRIC_WORDS[metric]} (points)", tickformat="+.0f", zeroline=False))
    return fig


def cost(rows: list[dict], *, palette) -> go.Figure:
    """Compute of each row with a FLOPs figure, on a log scale (published pretraining included)."""
    shown = [r for r in rows if r.get("flops")]
    colors = [palette.GREY if "published" in r["what"] else palette.BLUE if "Pretrain" in r["what"] or "shared" in r["what"]
              else palette.GREEN if "All" in r["what"] and "pretrain" in r["what"]
              else palette.RED if "scratch" in r["what"] else palette.TEAL for r in shown]
    fig = go.Figure(go.Bar(x=[r["flops"] for r in shown], y=[r["what"] + "  " for r in shown], orientation="h",
                           marker_color=colors, text=[f"{r['flops']:.1e}" for r in shown], textposition="auto",
                           hovertemplate="%{y}<br>%{x:.2e} FLOPs<extra></extra>"))
    fig.update_layout(height=80 + 38 * len(shown), margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(type="log", title="FLOPs (log scale)", exponentformat="power", dtick=3),
                      yaxis=dict(autorange="reversed", automargin=True))
    return fig


def predictions(preds: list, labels: list[str], *, palette) -> go.Figure:
    """Each approach's probability for every label, as stacked horizontal bars."""
    names = [label(p.approach) + "  " for p in preds]
    fig = go.Figure([go.Bar(name=lab, y=names, x=[p.probabilities.get(lab, 0.0) for p in preds], orientation="h",
                            marker_color=getattr(palette, LABEL_COLOURS.get(lab, "GREY")),
                            hovertemplate=f"{lab}: " + "%{x:.1%}<extra>%{y}</extra>") for lab in labels])
    fig.update_layout(barmode="stack", height=90 + 34 * len(preds), margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(range=[0, 1], tickformat=".0%", title="probability of each label"),
                      yaxis=dict(autorange="reversed", automargin=True),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, traceorder="normal"))
    return fig
