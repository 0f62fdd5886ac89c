"""Transfer learning: one model per task from scratch against one pretrained base tuned
cheaply per task, measured on three real tasks (spam, sentiment, topic). Reads top to
bottom like the lesson; every number comes from the committed results of
`python -m engine build transfer`, or from a run the reader starts here."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import datapack, scale
from engine.manifest import built_at
from engine.transfer import live as transfer_live
from engine.transfer import results as transfer_results
from engine.transfer import tryit
from engine.tasks import TASKS, few_shot, load_task
from lessons._ui import bounded_text_area, ensure_source, figure, glossary_links, url_choice

TASK_NAMES = ("spam", "sentiment", "topic")
TASK_TITLES = {"spam": "Spam (SMS)", "sentiment": "Sentiment (film reviews)", "topic": "Topic (BBC News)"}
PER_CLASS = ("8", "16", "32", "64", "128", "256", "all")
METRICS = {"accuracy": "Accuracy", "macro_f1": "Macro-F1"}
METRIC_WORDS = {"accuracy": "accuracy", "macro_f1": "macro-F1"}  # the same, inside a sentence
# One colour per approach, readable on the light and the dark theme; the old way is dashed.
COLORS = {"bag-of-words": "#9c755f", "from scratch": "#e15759", "our base, frozen": "#76b7b2",
          "our base, fine-tuned": "#59a14f", "SmolLM2, frozen": "#4e79a7", "MiniLM, frozen": "#f28e2b"}
MAX_TRY_CHARS = 2_000  # the try-it box; a model reads only its first 128 tokens anyway
EXAMPLE_CHARS = 600  # characters of a real example shown (BBC articles are long)
EXAMPLES_PER_LABEL = 2
# A test (or a facilitator) can point the page at another results file.
RESULTS_ENV = "PRETRAINING_EXPLORER_TRANSFER_RESULTS"
# A test (or a facilitator on a slow machine) can shorten the live experiment; it never runs past 60 s.
LIVE_SECONDS_ENV = "PRETRAINING_EXPLORER_TRANSFER_LIVE_SECONDS"
POLL_SECONDS = 1.0
MAX_LIVE_ROWS = 40  # the reader's own rows kept on the curves

TRY_DEFAULTS = {
    "spam": "WINNER!! You have been selected for a free holiday. Text CLAIM to 80062 now, only 1.50/msg.",
    "sentiment": "A slow, muddled film that never decides what it wants to say, despite two fine performances.",
    "topic": "The chancellor said interest rates would stay on hold as figures showed the economy grew "
             "faster than expected in the last quarter.",
}

CAVEATS = """
- **The SmolLM2 here is the Instruct model.** The only SmolLM2 that can be had offline was, after its
  next-token pretraining, also tuned to follow instructions. So its features come from next-token
  prediction *plus* that tuning; no plain base SmolLM2 is available to tell the two apart. Its huge
  pretraining text may also have contained these public data sets.
- **MiniLM was trained for more than one thing.** all-MiniLM-L6-v2 is a BERT-family encoder (first
  trained to fill in hidden words), then trained further to place sentences with similar meaning near
  each other, which is close to what a topic classifier wants.
- **Every neural model reads only the first 128 tokens** of a text, so a news article is judged by its
  opening paragraph or so. Bag-of-words counts every word of the whole text: on long articles it sees
  more than the others do.
- **The test set is a fixed sample.** Each task is scored on the same seeded sample of at most 500
  held-out texts (topic: all of them), the same for every approach and seed. Differences of a point or
  two are within the noise; the bands show how much the scores move between seeds.
- **Our base model is tiny.** {size} of pretraining, against hundreds of millions to billions of
  parameters and trillions of tokens for real base models. Whatever it gains over training from scratch,
  it gains from very little; how far the real bases go beyond it is the scale lesson.
"""


def follow_task() -> None:
    """When the task changes, swap the try-it box's example for the new task's (never the reader's own text)."""
    text = st.session_state.get("text")
    if text is None or text.strip() == "" or text in TRY_DEFAULTS.values():
        st.session_state["text"] = TRY_DEFAULTS.get(st.session_state.get("task"), "")


def example_text(text: str) -> str:
    """A real example, whitespace collapsed and cut for reading (shown with st.text: no markup)."""
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS].rstrip() + " …"


@st.cache_resource(show_spinner="Reading the task's examples…", max_entries=3)
def task_data(name: str):
    """The task's deduplicated examples and splits (shared, read-only)."""
    return load_task(name)


# ---------------------------------------------------------------- committed results


@st.cache_data(show_spinner=False, max_entries=4)
def _results_at(path: str, mtime: float) -> dict:
    return transfer_results.load_results(path)


def committed_results() -> dict:
    """The committed results, re-read when the file changes (TransferResultsError if unusable)."""
    path = Path(os.environ.get(RESULTS_ENV) or transfer_results.RESULTS_FILE)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = -1.0
    return _results_at(str(path), mtime)


def per_class_value(key: str) -> int | None:
    return None if key == "all" else int(key)


def spread(point: dict) -> str:
    """mean ± sd over seeds, in points; a single seed says so instead of showing ± 0."""
    if point["n_seeds"] < 2:
        return f"{pts(point['mean'])} (1 seed)"
    return f"{pts(point['mean'])} ± {pts(point['sd'])}"


def pts(value: float | None) -> str:
    """A score as points out of 100 (how the page talks about scores)."""
    return "—" if value is None else f"{100 * value:.1f}"


def approach_label(key: str) -> str:
    a = transfer_results.APPROACHES.get(key)
    return a.label if a else key


def x_of(point: dict, n_labels: int) -> float:
    """Where a curve point sits on the x axis: its labels per class ('all': the mean per class)."""
    return point["n_train"] / n_labels if point["per_class"] is None else float(point["per_class"])


def rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def curves_figure(results: dict, task: str, metric: str, chosen: str, live_rows: list[dict]) -> tuple[go.Figure, str]:
    """One line per approach (mean over seeds, band ± one sd), the chance line, the chosen count,
    and the reader's live rows as crosses. Returns the figure and its alt text."""
    info = transfer_results.task_info(results, task)
    n_labels = len(info["labels"])
    fig = go.Figure()
    all_x = None
    summary = []
    lowest = min(info["chance"][metric], 0.4)
    for key in transfer_results.approaches(results, task):
        points = transfer_results.curve(results, task, key, metric)
        if not points:
            continue
        color = COLORS.get(key, "#888888")
        xs = [x_of(p, n_labels) for p in points]
        means = [p["mean"] for p in points]
        lowest = min([lowest] + [p["mean"] - p["sd"] for p in points])
        if points[-1]["per_class"] is None:
            all_x = xs[-1]
        if any(p["sd"] > 0 for p in points):
            upper = [p["mean"] + p["sd"] for p in points]
            lower = [p["mean"] - p["sd"] for p in points]
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=upper + lower[::-1], fill="toself", mode="lines",
                                     line=dict(width=0), fillcolor=rgba(color, 0.16), hoverinfo="skip",
                                     showlegend=False, legendgroup=key))
        fig.add_trace(go.Scatter(
            x=xs, y=means, mode="lines+markers", name=approach_label(key), legendgroup=key,
            line=dict(color=color, width=2.5, dash="dash" if key in transfer_results.OLD_WAY else "solid"),
            marker=dict(size=7),
            customdata=[[p["label"], p["sd"], p["n_seeds"], p["n_train"]] for p in points],
            hovertemplate=("%{fullData.name}<br>%{customdata[0]} per class (%{customdata[3]} examples)<br>"
                           + METRICS[metric] + " %{y:.3f} ± %{customdata[1]:.3f} over %{customdata[2]} seeds"
                           "<extra></extra>"),
        ))
        summary.append(f"{approach_label(key)} {pts(points[0]['mean'])} at {points[0]['label']} per class" if len(points) == 1
                       else f"{approach_label(key)} from {pts(points[0]['mean'])} at {points[0]['label']} to "
                            f"{pts(points[-1]['mean'])} at {points[-1]['label']}")
    mine = [row for row in live_rows if row.get("task") == task and metric in row]
    if mine:  # one legend entry for every cross
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="your runs",
                                 marker=dict(symbol="x", size=11, color="#8c8c8c")))
    for row in mine:
        lowest = min(lowest, row[metric])
        x = row["n_train"] / n_labels if row.get("per_class") is None else float(row["per_class"])
        fig.add_trace(go.Scatter(
            x=[x], y=[row[metric]], mode="markers", name=f"your run: {approach_label(row['approach'])}",
            marker=dict(symbol="x", size=13, color=COLORS.get(row["approach"], "#888888"),
                        line=dict(width=1, color=COLORS.get(row["approach"], "#888888"))),
            hovertemplate=f"your run (seed {row.get('seed')})<br>%{{y:.3f}}<extra></extra>", showlegend=False,
        ))
    chance = info["chance"][metric]
    fig.add_hline(y=chance, line=dict(color="rgba(128,128,128,0.9)", width=1.5, dash="dot"),
                  annotation_text=f"chance: always “{info['chance']['label']}”", annotation_position="bottom right",
                  annotation_font_size=11)
    chosen_x = (all_x if chosen == "all" else float(chosen)) if (chosen != "all" or all_x) else None
    if chosen_x:
        fig.add_vline(x=chosen_x, line=dict(color="rgba(128,128,128,0.6)", width=1))
    ticks = [8, 16, 32, 64, 128, 256]
    texts = [str(t) for t in ticks]
    if all_x:
        ticks.append(all_x)
        texts.append("all" if all_x / 256 > 1.6 else "<br>all")
    fig.update_layout(
        height=460, margin=dict(l=10, r=10, t=10, b=10), hovermode="closest",
        xaxis=dict(type="log", title="labelled examples per class", tickvals=ticks, ticktext=texts),
        yaxis=dict(title=METRICS[metric], range=[max(0.0, lowest - 0.05), 1.0], tickformat=".0%"),
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0),
    )
    alt = (f"{METRICS[metric]} on {task} against labelled examples per class (log scale), one line per approach, "
           f"mean over seeds with a band of one standard deviation: " + "; ".join(summary)
           + f". Always answering “{info['chance']['label']}” scores {pts(chance)}.")
    return fig, alt


def checkpoint_figure(results: dict, task: str, metric: str) -> tuple[go.Figure | None, str, list[dict]]:
    """Our base's gain over from scratch against its pretraining tokens, one point per snapshot."""
    fig = go.Figure()
    parts, rows = [], []
    for key in ("our base, fine-tuned", "our base, frozen"):
        points = [p for p in transfer_results.checkpoint_curve(results, task, key, metric) if p["gain"] is not None]
        if not points:
            continue
        color = COLORS[key]
        xs = [p["tokens_seen"] for p in points]
        gains = [100 * p["gain"] for p in points]
        sds = [100 * p["sd"] for p in points]
        fig.add_trace(go.Scatter(
            x=xs + xs[::-1], y=[g + d for g, d in zip(gains, sds)] + [g - d for g, d in zip(gains, sds)][::-1],
            fill="toself", mode="lines", line=dict(width=0), fillcolor=rgba(color, 0.16), hoverinfo="skip",
            showlegend=False))
        fig.add_trace(go.Scatter(
            x=xs, y=gains, mode="lines+markers", name=approach_label(key), line=dict(color=color, width=2.5),
            marker=dict(size=8), customdata=[[p["checkpoint"], p["mean"], p["scratch_mean"]] for p in points],
            hovertemplate=("%{customdata[0]}: %{x:.3s} tokens<br>" + METRICS[metric]
                           + " %{customdata[1]:.3f} vs from scratch %{customdata[2]:.3f}<extra></extra>")))
        parts.append(f"{approach_label(key)}: {gains[0]:+.1f} points at {xs[0] / 1e6:.0f}M tokens, "
                     f"{gains[-1]:+.1f} at {xs[-1] / 1e6:.0f}M")
        rows += [dict(p, approach=key) for p in points]
    if not rows:
        return None, "", []
    fig.add_hline(y=0, line=dict(color="rgba(128,128,128,0.9)", width=1.5, dash="dot"),
                  annotation_text="no gain: as good as from scratch", annotation_position="bottom right",
                  annotation_font_size=11)
    ticks = sorted({p["tokens_seen"] for p in rows})
    bow_gain = transfer_results.gain_at(results, task, "bag-of-words", rows[0]["per_class"], metric)
    if bow_gain is not None:  # the old strong baseline, which reads no pretraining at all, as a level
        fig.add_trace(go.Scatter(
            x=[ticks[0], ticks[-1]], y=[100 * bow_gain] * 2, mode="lines", name=approach_label("bag-of-words"),
            line=dict(color=COLORS["bag-of-words"], width=2, dash="dash"),
            hovertemplate=f"bag-of-words: {100 * bow_gain:+.1f} points over from scratch<extra></extra>"))
        parts.append(f"bag-of-words, with no pretraining, sits at {100 * bow_gain:+.1f}")
    fig.update_layout(
        height=360, margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(type="log", title="tokens our base had read in pretraining", tickvals=ticks,
                   ticktext=[f"{t / 1e6:.0f}M" if t >= 1e6 else f"{t / 1e3:.0f}k" for t in ticks]),
        yaxis=dict(title=f"gain in {METRIC_WORDS[metric]} (points)", tickformat="+.0f", zeroline=False),
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
    )
    alt = (f"Gain of our base over from-scratch on {task}, in points of {METRICS[metric]}, at "
           f"{rows[0]['per_class']} labels per class, against pretraining tokens (log scale): " + "; ".join(parts) + ".")
    return fig, alt, rows


def mean_at(results: dict, task: str, key: str, per_class: int | None, metric: str) -> float | None:
    p = transfer_results.point(results, task, key, per_class, metric)
    return None if p is None else p["mean"]


def versus(a: float, b: float) -> str:
    """'3.2 points ahead of' / 'level with' / 'behind': how a compares with b."""
    d = 100 * (a - b)
    if abs(d) < 2:
        return "level with"
    return f"{abs(d):.0f} points {'ahead of' if d > 0 else 'behind'}"


def our_tokens(results: dict) -> float | None:
    pre = results.get("cost", {}).get("pretraining") or {}
    return pre.get("tokens_seen") or None


def smollm2_tokens(results: dict) -> float | None:
    pub = next((p for p in results.get("cost", {}).get("published", []) if "SmolLM2" in p.get("model", "")), None)
    return (pub or {}).get("tokens") or None


def reading(results: dict, task: str, metric: str, per_class: int = 32) -> str:
    """The plain-words reading of one task's curves, with the measured numbers filled in.
    Every comparison is worked out from the numbers, so the words follow the results."""
    at = {k: mean_at(results, task, k, per_class, metric) for k in transfer_results.APPROACHES}
    at = {k: v for k, v in at.items() if v is not None}
    full = {k: v for k in transfer_results.APPROACHES if (v := mean_at(results, task, k, None, metric)) is not None}
    chance = transfer_results.task_info(results, task)["chance"][metric]
    name = METRIC_WORDS[metric]
    real = {k: at[k] for k in ("SmolLM2, frozen", "MiniLM, frozen") if k in at}
    best_real = max(real, key=real.get) if real else None
    bow, scratch, ft = at.get("bag-of-words"), at.get("from scratch"), at.get("our base, fine-tuned")
    lines = []
    if task == "spam":
        lines.append(
            "**Spam is a task where counting words goes a long way.** Spam messages give themselves away with "
            "words like *free*, *win*, *claim*, *txt* and long phone numbers, and bag-of-words needs no knowledge "
            "of language to spot them.")
    elif task == "topic":
        lines.append(
            "**News sections have strong word cues too:** *match* and *coach* mean sport, *shares* and *profits* "
            "business, *election* politics. Bag-of-words is a strong opponent here.")
    else:
        lines.append(
            "**Sentiment is where pretraining matters.** Whether a critic liked a film hangs on phrasing (*not bad "
            "at all*, *never decides what it wants to be*) more than on single words, and a few dozen labelled "
            "snippets cannot teach a model what those phrases mean.")
    if bow is not None and best_real:
        lines.append(
            f"At {per_class} labels per class, bag-of-words scores {pts(bow)} {name}, {versus(bow, real[best_real])} "
            f"{approach_label(best_real)} ({pts(real[best_real])}), and {versus(bow, chance)} always answering the "
            f"commonest label ({pts(chance)}).")
    if "bag-of-words" in full and len(full) > 1:
        others = {k: v for k, v in full.items() if k != "bag-of-words"}
        top = max(others, key=others.get)
        gap = full["bag-of-words"] - others[top]
        if gap > -0.02:
            lines.append(
                f"With every labelled example (the *all* point) bag-of-words reaches {pts(full['bag-of-words'])}, "
                f"{versus(full['bag-of-words'], others[top])} the best other line ({approach_label(top)}: "
                f"{pts(others[top])}): given enough labels, counting words is enough here, and pretraining mostly "
                "buys a head start when labels are few.")
        else:
            lines.append(
                f"Even with every labelled example (the *all* point) bag-of-words reaches {pts(full['bag-of-words'])}, "
                f"{versus(full['bag-of-words'], others[top])} {approach_label(top)} ({pts(others[top])}).")
    if scratch is not None and ft is not None:
        lines.append(
            f"The same small transformer trained from scratch scores {pts(scratch)}; started from our pretrained base "
            f"and tuned with exactly the same budget it scores {pts(ft)}, {versus(ft, scratch)} from scratch.")
    if task == "sentiment" and best_real:
        floor = max(v for k, v in at.items() if k in transfer_results.OLD_WAY) if any(
            k in transfer_results.OLD_WAY for k in at) else chance
        ahead = [k for k, v in at.items() if v - floor >= 0.05]
        if ahead and set(ahead) <= set(real):
            lines.append(
                f"Only the real pretrained bases pull clearly ahead of the old way: {approach_label(best_real)} reaches "
                f"{pts(real[best_real])} with nothing trained but a straight-line classifier on its features.")
        elif ahead:
            lines.append("Clearly ahead of the old way here: " + ", ".join(
                f"{approach_label(k)} ({pts(at[k])})" for k in ahead) + ".")
        ours, theirs = our_tokens(results), smollm2_tokens(results)
        if ours and theirs:
            lines.append(
                f"Our base read {ours / 1e6:.1f} million tokens; SmolLM2 read {theirs / 1e12:.0f} trillion, "
                f"{scale.times_smaller(ours, theirs)} more. That is the difference between knowing which words "
                "turn up in reviews and knowing what they mean.")
    if task == "topic" and best_real:
        top = max(at, key=at.get)
        lines.append(
            f"{approach_label(best_real)} reaches {pts(real[best_real])}"
            + (": a straight-line classifier on a pretrained model's numbers for a text sorts the articles as well "
               "as anything here." if at[top] - real[best_real] < 0.02 else
               f"; the best line here is {approach_label(top)} ({pts(at[top])})."))
    smol = at.get("SmolLM2, frozen")
    old_best = max([v for k, v in at.items() if k in transfer_results.OLD_WAY], default=None)
    if task != "spam" and smol is not None and old_best is not None and smol - old_best >= 0.05:
        lines.append(
            f"SmolLM2's line matters most for the lesson. Only the straight line on top was trained on these "
            f"labels, and it scores {pts(smol)}, {versus(smol, old_best)} the best of the old way. So what tells "
            f"{'the sections' if task == 'topic' else 'fresh from rotten'} apart was already in SmolLM2's numbers "
            "for a text, put there by predicting the next token over trillions of tokens (and perhaps helped by "
            "its instruction tuning: see the caveats below).")
    return "\n\n".join(lines)


def scale_reading(rows: list[dict], task: str, results: dict) -> str:
    """Plain words for the snapshot chart: did the gain grow with pretraining tokens?"""
    words, biggest = [], 0.0
    for key in ("our base, fine-tuned", "our base, frozen"):
        points = [p for p in rows if p["approach"] == key]
        biggest = max([biggest] + [abs(p["gain"]) for p in points])
        if len(points) < 2:
            continue
        first, last = points[0], points[-1]
        grew = last["gain"] - first["gain"]
        trend = ("grew" if grew > 0.02 else "shrank" if grew < -0.02 else "barely moved")
        words.append(f"{approach_label(key)}: the gain {trend}, from {100 * first['gain']:+.1f} points after "
                     f"{first['tokens_seen'] / 1e6:.0f}M tokens to {100 * last['gain']:+.1f} after "
                     f"{last['tokens_seen'] / 1e6:.0f}M")
    text = "; ".join(words) + "." if words else ""
    ours, theirs = our_tokens(results), smollm2_tokens(results)
    more = f" SmolLM2 read {scale.times_smaller(ours, theirs)} more." if ours and theirs else ""
    if biggest < 0.03:
        text += (" The gain stays within a few points of zero at every snapshot: this much next-token prediction on "
                 "a model this small did not learn what the task needs." + more)
    else:
        text += (" Every point is the same tiny model with the same tuning budget; only the amount of unlabelled "
                 "text it had read before differs." + more)
    return text


def seconds_words(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 90:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def cost_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "what": [r["what"] for r in rows],
        "time on this machine": [seconds_words(r["seconds"]) for r in rows],
        "FLOPs": ["—" if r["flops"] is None else f"{r['flops']:.1e}" for r in rows],
    })


def cost_figure(rows: list[dict]) -> tuple[go.Figure, str]:
    """Compute of each row with a FLOPs figure, on a log scale (published pretraining included)."""
    shown = [r for r in rows if r.get("flops")]
    colors = ["#8c8c8c" if "published" in r["what"] else "#4e79a7" if "Pretrain" in r["what"] or "shared" in r["what"]
              else "#59a14f" if "All" in r["what"] and "pretrain" in r["what"] else "#e15759" if "scratch" in r["what"]
              else "#76b7b2" for r in shown]
    fig = go.Figure(go.Bar(
        x=[r["flops"] for r in shown], y=[r["what"] + "  " for r in shown], orientation="h", marker_color=colors,
        text=[f"{r['flops']:.1e}" for r in shown], textposition="auto",
        hovertemplate="%{y}<br>%{x:.2e} FLOPs<extra></extra>",
    ))
    fig.update_layout(height=80 + 38 * len(shown), margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(type="log", title="FLOPs (log scale)", exponentformat="power", dtick=3),
                      yaxis=dict(autorange="reversed", automargin=True))
    alt = "Compute on a log scale: " + "; ".join(f"{r['what']} {r['flops']:.1e} FLOPs" for r in shown) + "."
    return fig, alt


def cost_reading(results: dict, rows: list[dict]) -> str:
    cost = results.get("cost", {})
    pre = cost.get("pretraining") or {}
    per = cost.get("per_task", [])
    n_tasks = len(results["tasks"])

    def mean_seconds(key):
        found = [c["seconds"] for c in per if c["approach"] == key]
        return sum(found) / len(found) if found else None

    ft, scratch = mean_seconds("our base, fine-tuned"), mean_seconds("from scratch")
    words = []
    if pre.get("flops"):
        words.append(
            f"Our base read {pre['tokens_seen'] / 1e6:.1f} million tokens with {pre['params'] / 1e6:.1f} million "
            f"parameters: about {pre['flops']:.1e} FLOPs"
            + (f", {seconds_words(pre.get('train_seconds'))} on this machine" if pre.get("train_seconds") else "")
            + f". Shared by {n_tasks} tasks, each carries 1/{n_tasks} of it.")
    if ft is not None and scratch is not None:
        words.append(
            f"Per task, fine-tuning our base and training from scratch cost the same ({seconds_words(ft)} and "
            f"{seconds_words(scratch)}): same model, same steps. What differs is what the same compute buys: the "
            "pretrained start scores higher with the same labels (section 2), so a task needs fewer labels, and "
            "labels are what cost people's time.")
    smol = next((p for p in cost.get("published", []) if p.get("flops") and "SmolLM2" in p.get("model", "")), None)
    if smol and pre.get("flops"):
        words.append(
            f"Be honest about scale: SmolLM2-135M's published pretraining, {smol['tokens'] / 1e12:.0f} trillion tokens, "
            f"is about {smol['flops']:.1e} FLOPs, {scale.times_smaller(pre['flops'], smol['flops'])} ours. Nobody pays that "
            "per task; it is paid once and shared by everyone who tunes the model, which is the whole point.")
    return "\n\n".join(words)


def budget_words(b: dict) -> str:
    if not b:
        return "see docs/TRANSFER.md"
    return (f"{b.get('steps')} {b.get('optimizer', 'AdamW')} steps of {b.get('batch_size')} examples, peak learning "
            f"rate {b.get('lr')}, {b.get('schedule', '')}, weight decay {b.get('weight_decay')}; {b.get('head', '')}")


@st.cache_resource(show_spinner="Loading our base model (once per server)…")
def shared_base():
    """Our base model, shared by every reader and only ever read (fine-tuning trains a copy)."""
    from engine.models import load_artifact

    return load_artifact("base")


def ready_smollm2() -> bool:
    """Convert SmolLM2 once, with progress, before the first try-it needs it."""
    from engine import smollm

    if smollm.is_converted():
        return True
    bar = st.progress(0.0, text="Converting SmolLM2 once (about a minute on two cores)…")
    try:
        smollm.convert(progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
    except smollm.SmolLMError as exc:
        bar.empty()
        st.error(str(exc), icon=":material/error:")
        return False
    bar.empty()
    return True


# Each label keeps one colour wherever it appears (spam and rotten red, ham blue, fresh green).
LABEL_COLORS = {"ham": "#4e79a7", "spam": "#e15759", "rotten": "#e15759", "fresh": "#59a14f",
                "business": "#4e79a7", "entertainment": "#b07aa1", "politics": "#e15759", "sports": "#59a14f",
                "tech": "#f28e2b"}


def sure(confidence: float) -> str:
    """A probability as a reader reads it: 84%, and never a rounded-up 100%."""
    return ">99%" if confidence >= 0.995 else f"{confidence:.0%}"


def show_predictions(predictions: list, labels: list[str]) -> None:
    """Each approach's label and confidence, as lines of text and as stacked probability bars."""
    with st.container(border=True, key="try_table"):
        for p in predictions:
            read = ("" if p.tokens_read is None else
                    f" · read {p.tokens_read} tokens" + (" (the rest was cut)" if p.truncated else ""))
            st.markdown(f"**{approach_label(p.approach)}** → **{p.label}** ({sure(p.confidence)} sure){read}")
    names = [approach_label(p.approach) + "  " for p in predictions]
    fig = go.Figure([
        go.Bar(name=label, y=names, x=[p.probabilities.get(label, 0.0) for p in predictions], orientation="h",
               marker_color=LABEL_COLORS.get(label, "#8c8c8c"),
               hovertemplate=f"{label}: " + "%{x:.1%}<extra>%{y}</extra>")
        for label in labels
    ])
    fig.update_layout(barmode="stack", height=90 + 34 * len(predictions), margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(range=[0, 1], tickformat=".0%", title="probability of each label"),
                      yaxis=dict(autorange="reversed", automargin=True),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, traceorder="normal"))
    agree = {p.label for p in predictions}
    alt = ("Each approach's probability for every label: " + "; ".join(
        f"{approach_label(p.approach)} says {p.label} at {sure(p.confidence)}" for p in predictions)
           + (". They all agree." if len(agree) == 1 else f". They disagree: {', '.join(sorted(agree))}."))
    figure(fig, alt=alt, key="try_bars")


class LiveRun:
    """One reader's live experiment on a worker thread, so the page can show progress and a Stop
    button while it runs. The thread only calls the engine; the page reads the fields it sets."""

    def __init__(self, task: str, per_class: int, seed: int, max_seconds: float, data, base, slot: threading.Lock):
        self.task, self.per_class, self.seed, self.max_seconds = task, per_class, seed, max_seconds
        self.stop = threading.Event()
        self.fraction, self.message = 0.0, "waiting for the machine"
        self.rows: list[dict] | None = None
        self.error: str | None = None
        self.started = time.monotonic()
        self._args = (data, base, slot)
        self.thread = threading.Thread(target=self._run, name="transfer-live", daemon=True)
        self.thread.start()

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = min(max(float(fraction), 0.0), 1.0), message

    def _run(self) -> None:
        data, base, slot = self._args
        if not slot.acquire(timeout=self.max_seconds):
            self.error = "Another reader's experiment kept the machine busy for a minute; try again."
            return
        try:
            self.rows = transfer_live.run_live(self.task, self.per_class, self.seed, progress=self._progress,
                                               stop=self.stop, max_seconds=self.max_seconds,
                                               models={"base": base}, data=data)
        except Exception as exc:  # a reader-facing message, never a traceback
            self.error = f"The experiment failed: {exc}"
        finally:
            slot.release()

    @property
    def done(self) -> bool:
        return not self.thread.is_alive()


@st.cache_resource
def live_slot() -> threading.Lock:
    """One live experiment at a time on this server: the machine has two cores."""
    return threading.Lock()


def live_seconds() -> float:
    """The live run's time bound: 60 s, or less where a test or a slow machine asks for it."""
    try:
        return min(60.0, max(1.0, float(os.environ.get(LIVE_SECONDS_ENV, "60"))))
    except ValueError:
        return 60.0


def headline(results: dict, task: str, per_class_key: str, metric: str) -> None:
    """The page's spine in four numbers: the old way against the new way, at the chosen label count."""
    per_class = per_class_value(per_class_key)
    at = {k: mean_at(results, task, k, per_class, metric) for k in transfer_results.APPROACHES}
    note = ""
    if all(v is None for v in at.values()):  # nothing measured at this count: show the reference count
        note = f" (nothing was measured at {per_class_key}; these are at 32)"
        per_class_key, per_class = "32", 32
        at = {k: mean_at(results, task, k, per_class, metric) for k in transfer_results.APPROACHES}
    real = {k: at[k] for k in ("SmolLM2, frozen", "MiniLM, frozen") if at.get(k) is not None}
    best_real = max(real, key=real.get) if real else None
    scratch = at.get("from scratch")
    if not note and scratch is None:
        note = " (the trained approaches were not run at this count)"
    st.markdown(f"**Test {METRIC_WORDS[metric]} with {per_class_key} labelled examples per class**{note}:")
    cols = st.columns(4)
    cells = [("Old way: from scratch", scratch), ("Old way: bag-of-words", at.get("bag-of-words")),
             ("New way: our base, fine-tuned", at.get("our base, fine-tuned")),
             (f"New way: {approach_label(best_real)}" if best_real else "New way: a real base", real.get(best_real))]
    for col, (label, value) in zip(cols, cells):
        delta = None
        if value is not None and scratch is not None and not label.endswith("from scratch"):
            delta = f"{100 * (value - scratch):+.1f} vs from scratch"
        col.metric(label, pts(value), delta=delta, delta_color="normal" if delta else "off")


def live_note(row: dict) -> str:
    """What the reader should know about one live row (a trained approach cut short, say)."""
    if "steps" not in row:
        return ""
    if row.get("stopped_early"):
        if not row["steps"]:
            return "stopped before its first step: an untrained model, scored as it stands"
        return f"stopped early, after {row['steps']} of {transfer_live.LIVE_STEPS} steps"
    return f"{row['steps']} training steps"


# ---------------------------------------------------------------- the lesson
st.title("Transfer learning")
st.markdown(
    """
For a long time, every language task got **its own model, trained from nothing**. A spam filter
learned from messages someone had labelled spam or not; a review classifier from reviews labelled
good or bad. Each model had to learn the language *and* the task from the same small pile of
labels, and the next task started from zero again.

The way large language models are made turns this around. **Pretrain one base model once**, on
lots of text nobody had to label, by predicting the next token. Then reach each task with a
**short, cheap tuning run** on a few labelled examples: either keep the base frozen and fit a
straight-line classifier on the numbers it gives each text (a *linear probe*), or *fine-tune*
every weight briefly with a small new output layer on top.

Below, both ways are measured on three real tasks: the same few labelled examples go to every
approach, and every approach is scored on the same held-out test texts, which no training
(pretraining included) ever saw.
"""
)
glossary_links("transfer-learning", "pretraining", "base-model", "tuning", "fine-tuning", "linear-probe",
               "bag-of-words", "learning-curve", "next-token-prediction", "masked-language-modeling",
               "instruction-tuning", "parameters", "flops", "token")

# ---------------------------------------------------------------- committed results
results = None
try:
    results = committed_results()
except transfer_results.TransferResultsError as exc:
    st.error(str(exc), icon=":material/error:")

# A live experiment that finished since the last run: its rows join the reader's own (drawn on the curves).
live_job = st.session_state.get("live_job")
if live_job is not None and live_job.done:
    del st.session_state["live_job"]
    st.session_state["live_rows"] = (st.session_state.get("live_rows", []) + (live_job.rows or []))[-MAX_LIVE_ROWS:]
    st.session_state["live_last"] = {"rows": live_job.rows or [], "error": live_job.error,
                                     "stopped": live_job.stop.is_set(), "task": live_job.task,
                                     "per_class": live_job.per_class, "seed": live_job.seed,
                                     "seconds": time.monotonic() - live_job.started}
    live_job = None


# ---------------------------------------------------------------- 1. the task
st.header("1 · Choose a task")
task_name = url_choice(st.radio, "Task", {t: TASK_TITLES[t] for t in TASK_NAMES}, key="task", default="spam",
                       horizontal=True, on_change=follow_task)
task = TASKS[task_name]
per_class_key = url_choice(
    st.select_slider, "Labelled examples per class", {p: p for p in PER_CLASS}, key="per_class", default="32",
    help="How many labelled examples of each label every approach learns from; 'all' is the whole training split.",
)
per_class = per_class_value(per_class_key)
metric = url_choice(st.radio, "Score", METRICS, key="metric", default="accuracy", horizontal=True,
                    help="Accuracy: the share of test texts labelled right. Macro-F1: how well each label is found, "
                         "averaged over labels, so the rare label (spam) counts as much as the common one.")
st.markdown(f"{task.description} Labels: " + ", ".join(f"**{label}**" for label in task.labels) + ".")

# ---------------------------------------------------------------- real examples
with st.expander("Read real examples of this task", icon=":material/article:"):
    if ensure_source(task.source, purpose="Reading this task's examples"):
        try:
            data = task_data(task_name)
        except Exception as exc:  # MissingSourceError, a corrupt file: the engine's message says what to do
            st.error(str(exc), icon=":material/error:")
        else:
            st.session_state.setdefault("example_seed", 0)
            shown = few_shot(data.train, EXAMPLES_PER_LABEL, seed=st.session_state["example_seed"])
            for label in task.labels:
                st.markdown(f"**{label}**")
                for example in (e for e in shown if e.label == label):
                    with st.container(border=True):
                        st.text(example_text(example.text))
            if st.button("Show other examples", icon=":material/shuffle:", key="more_examples"):
                st.session_state["example_seed"] += 1
                st.rerun()
            st.caption(
                f"Drawn at random from the training split ({len(data.train):,} texts). Long texts are cut "
                f"here for reading; the neural models read each text's first 128 tokens."
            )

if results is not None and task_name in results["tasks"]:
    info = transfer_results.task_info(results, task_name)
    headline(results, task_name, per_class_key, metric)
    balance = pd.DataFrame({
        "label": info["labels"],
        "training examples": [info["per_class_train"].get(label, 0) for label in info["labels"]],
        "test examples scored": [info["per_class_test"].get(label, 0) for label in info["labels"]],
    })
    st.dataframe(balance, hide_index=True, width="stretch")
    st.caption(
        f"{info['train_size']:,} training texts, {info['validation_size']:,} for validation and {info['test_size_full']:,} "
        f"for test, split by a hash of each text after exact duplicates were removed; every approach is scored on the "
        f"same {info['test_size']:,} test texts. The labels are not balanced, so always answering "
        f"“{info['chance']['label']}” already scores {pts(info['chance']['accuracy'])} accuracy: that is the chance line "
        "in the charts. Macro-F1 (the average over labels of how well each one is found) does not reward that trick."
    )
elif results is not None:
    st.warning(f"The committed results have no rows for {task_name}. Rebuild them with "
               f"`{transfer_results.REBUILD}`.", icon=":material/warning:")
    results = None

# ---------------------------------------------------------------- 2. the curves
st.header("2 · The learning curves")
st.markdown(
    "Each line is one way to use the labelled examples, scored on the same test texts. Left to right, every "
    "approach gets more labels; the band around a line shows how much the score moved between training seeds "
    "(a different random sample of labelled examples each time). Dashed lines are the old way: they know nothing "
    "but the task's labels. Solid lines start from a pretrained model."
)
with st.expander("The six approaches", icon=":material/list:"):
    st.markdown("\n".join(f"- **{a.label}**: {a.description}" for a in transfer_results.APPROACHES.values()))
if results is not None:
    live_rows = st.session_state.get("live_rows", [])
    fig, alt = curves_figure(results, task_name, metric, per_class_key, live_rows)
    figure(fig, alt=alt, key="curves")
    rows = []
    for key in transfer_results.approaches(results, task_name):
        p = transfer_results.point(results, task_name, key, per_class, metric)
        rows.append({"approach": approach_label(key),
                     METRICS[metric]: "not run at this count" if p is None else spread(p),
                     "seeds": 0 if p is None else p["n_seeds"]})
    st.markdown(f"**At {per_class_key} labels per class** (points out of 100, mean ± standard deviation over seeds):")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if any(r["seeds"] == 0 for r in rows):
        trained = ", ".join(results.get("recipe", {}).get("trained_per_class", []))
        st.caption(f"A row marked “not run” was not measured at this count: the two trained approaches cost about a "
                   f"hundred times more than the rest, so they were measured at {trained or 'a few counts'} labels "
                   "per class only.")

    st.subheader("Reading the curves")
    # read at the chosen count where the trained approaches were measured there, else at 32
    measured = transfer_results.point(results, task_name, "from scratch", per_class, metric) is not None
    st.markdown(reading(results, task_name, metric, per_class if measured and per_class else 32))

# ---------------------------------------------------------------- 3. scale
st.header("3 · More pretraining, more transfer")
st.markdown(
    "Our base model was saved at several points of its pretraining, each after reading more text, and at the end. "
    "Each snapshot was tuned on the same labelled examples as the finished base. If pretraining "
    "is what makes transfer work, the gain over training from scratch should grow with the tokens read."
)
if results is not None:
    ck_fig, ck_alt, ck_rows = checkpoint_figure(results, task_name, metric)
    if ck_fig is None:
        measured = sorted({r["task"] for r in results.get("checkpoints", [])})
        if measured:
            st.info(f"The committed build measured the snapshots on {' and '.join(measured)} only; choose "
                    f"{'that task' if len(measured) == 1 else 'one of those'} above to see this chart.",
                    icon=":material/info:")
        else:
            st.info(f"The committed results have no base snapshots. `{transfer_results.REBUILD}` measures them once "
                    "`python -m engine build base` has saved the snapshots.", icon=":material/info:")
    else:
        figure(ck_fig, alt=ck_alt, key="checkpoints")
        st.markdown(scale_reading(ck_rows, task_name, results))

# ---------------------------------------------------------------- 4. cost
st.header("4 · What it costs")
st.markdown(
    "Pretraining is the expensive part, and it is paid **once**: every task built on the base shares it. "
    "Each task then costs only its short tuning run. Training from scratch has no shared part: every new task "
    "pays for its whole model again, and needs more labels to get as far."
)
if results is not None:
    cost_rows = transfer_results.cost_table(results)
    if cost_rows:
        cost_fig, cost_alt = cost_figure(cost_rows)
        figure(cost_fig, alt=cost_alt, key="cost")
        st.dataframe(cost_frame(cost_rows), hide_index=True, width="stretch")
        with st.expander("How each row was counted", icon=":material/calculate:"):
            st.markdown("\n".join(f"- **{r['what']}**: {r['note']}" for r in cost_rows if r.get("note")))
        st.markdown(cost_reading(results, cost_rows))

# ---------------------------------------------------------------- caveats
st.header("How far to trust these numbers")
pre = ((results or {}).get("cost") or {}).get("pretraining") or {}
st.markdown(CAVEATS.format(size=(
    f"{pre['params'] / 1e6:.1f} million parameters and {pre['tokens_seen'] / 1e6:.0f} million tokens"
    if pre.get("params") and pre.get("tokens_seen") else "A few million parameters and a few million tokens")))
if results is not None:
    r = results.get("recipe", {})
    m = results.get("manifest", {})
    with st.expander("The recipe behind every number", icon=":material/receipt_long:"):
        st.markdown(
            f"- Built with `{r.get('command', transfer_results.REBUILD)}` on {m.get('machine', 'this machine')}, "
            f"{built_at(m) or 'date unknown'}, in {m.get('build_seconds', 0) / 60:.0f} minutes "
            f"({m.get('workers', 1)} worker process{'es' if m.get('workers', 1) > 1 else ''}, "
            f"{m.get('torch_threads', 1)} torch thread each).\n"
            f"- Seeds: {', '.join(str(s) for s in r.get('seeds', []))}. Labels per class: "
            f"{', '.join(r.get('per_class', []))} (trained approaches: {', '.join(r.get('trained_per_class', []))}).\n"
            f"- Trained approaches: {budget_words(r.get('trained_budget', {}))}.\n"
            f"- Frozen probes: {r.get('probe', '')}. Bag-of-words: {r.get('bag_of_words', '')}.\n"
            f"- Test: {r.get('test', '')}. Texts cut to {r.get('max_tokens', 128)} tokens for the neural models."
        )
        for note in m.get("notes", []) + ([f"{len(m['skipped'])} runs skipped"] if m.get("skipped") else []):
            st.caption(f"Note from the build: {note}")

# ---------------------------------------------------------------- 5. try it
st.header("5 · Try it")
try:
    tryit_recipe = tryit.trained_on()
except tryit.TryItError:
    tryit_recipe = {}
st.markdown(
    f"Type a text message, a film review or a news snippet and see what each approach makes of it, as a "
    f"**{task_name}** classifier. Each approach uses the classifier it trained on "
    f"{tryit_recipe.get('per_class') or 32} labelled examples per class (seed {tryit_recipe.get('seed') or 0}) "
    "in the committed build. The confidence is the probability it gives its label; two labels at "
    "50/50 would mean it has no idea."
)
text = bounded_text_area("Your text", key="text", default=TRY_DEFAULTS[task_name], max_chars=MAX_TRY_CHARS, height=110,
                         help=f"Up to {MAX_TRY_CHARS:,} characters; the neural models read only the first 128 tokens.")
missing: dict[str, str] | None = None
try:
    missing = tryit.unavailable_approaches(task_name)
except (tryit.TryItError, KeyError) as exc:
    st.error(str(exc), icon=":material/error:")
if not text.strip():
    st.info("The box is empty. Type a message, a review or a news snippet to label it.", icon=":material/edit:")
elif missing is not None:
    if "SmolLM2, frozen" not in missing and not ready_smollm2():
        st.stop()
    predictions, failures = [], {}
    with st.spinner("Labelling your text with every approach…"):
        for approach in tryit.available_approaches(task_name):  # one at a time: one broken piece hides no other
            try:
                predictions += tryit.classify(task_name, text, models={"base": shared_base()}, approaches=[approach])
            except (tryit.TryItError, ValueError) as exc:
                failures[approach] = str(exc)
    if predictions:
        show_predictions(predictions, list(task.labels))
    for approach, why in failures.items():
        st.error(f"{approach_label(approach)}: {why}", icon=":material/error:")
    if predictions and "<|" in text:
        st.caption("Text like <|endoftext|> is read as typed by bag-of-words; our tokenizer reads "
                   "<|endoftext|> as its end-of-document token, the same way it did in training.")
if missing:
    with st.expander(f"{len(missing)} approach{'es' if len(missing) > 1 else ''} need a model from the data pack",
                     icon=":material/download:"):
        for approach, why in missing.items():
            st.markdown(f"- **{approach_label(approach)}**: {why}")
        for source, approach in (("smollm2", "SmolLM2, frozen"), ("minilm", "MiniLM, frozen")):
            if approach in missing and ensure_source(source, purpose=f"The {approach_label(approach)} classifier"):
                st.rerun()

# ---------------------------------------------------------------- 6. run it yourself
st.header("6 · Run a fresh experiment")
st.markdown(
    f"The curves above were measured, not drawn. Check it: this trains and scores four approaches on a fresh draw "
    f"of labelled examples, here and now, in at most {live_seconds():.0f} seconds. It is the build's recipe shrunk to "
    f"fit a minute: {transfer_live.LIVE_STEPS} training steps instead of the build's 100 and {transfer_live.LIVE_TEST} "
    "test texts instead of up to 500, so expect noisier and somewhat lower scores for the two trained approaches. "
    "Your results appear as crosses on the learning curves in section 2."
)
if not datapack.is_available(task.source):
    st.info(f"A live experiment needs this task's examples: fetch **{task.source}** under *Read real examples* "
            "in section 1 (or run `python -m engine data " + task.source + "`).", icon=":material/download:")
else:
    live_pc = min(per_class or transfer_live.LIVE_MAX_PER_CLASS, transfer_live.LIVE_MAX_PER_CLASS)
    if per_class is None or per_class > live_pc:
        st.caption(f"A live run takes at most {transfer_live.LIVE_MAX_PER_CLASS} examples per class to fit its "
                   f"minute, so this one uses {live_pc} (you chose {per_class_key}).")
    seed = st.number_input("Seed (which labelled examples are drawn)", min_value=0, max_value=9_999, value=3, step=1,
                           key="seed", bind="query-params", disabled=live_job is not None,
                           help="The committed curves used seeds 0, 1 and 2; any other seed is a draw they never saw.")
    b1, b2 = st.columns(2)
    start = b1.button(f"Run it: {task_name}, {live_pc} per class", type="primary", icon=":material/play_arrow:",
                      disabled=live_job is not None, key="live_start", width="stretch")
    stop = b2.button("Stop", icon=":material/stop:", disabled=live_job is None, key="live_stop", width="stretch")
    if start and live_job is None:
        try:
            data, base = task_data(task_name), shared_base()
        except Exception as exc:  # the engine's message names the fix (fetch the data, rebuild the base)
            st.error(str(exc), icon=":material/error:")
        else:
            st.session_state["live_job"] = LiveRun(task_name, live_pc, int(seed), live_seconds(), data, base,
                                                      live_slot())
            st.rerun()
    if stop and live_job is not None:
        live_job.stop.set()
    if live_job is not None:
        @st.fragment(run_every=POLL_SECONDS)
        def live_progress() -> None:
            job = st.session_state.get("live_job")
            if job is None or job.done:
                st.rerun()
                return
            elapsed = time.monotonic() - job.started
            clock = (f"{elapsed:.0f} s of at most {job.max_seconds:.0f} s" if elapsed <= job.max_seconds else
                     f"{elapsed:.0f} s: past its {job.max_seconds:.0f} s bound because the machine is busy; "
                     "the step in progress finishes, nothing new starts")
            st.progress(job.fraction, text=f"{job.message} · {clock}" + (" · stopping…" if job.stop.is_set() else ""))

        live_progress()

last = st.session_state.get("live_last")
if last is not None:
    if last["error"]:
        st.error(last["error"], icon=":material/error:")
    if last["rows"]:
        how = "you stopped it" if last["stopped"] else "it finished"
        st.success(f"Your run: {last['task']}, {last['per_class']} per class, seed {last['seed']}; {how} after "
                   f"{last['seconds']:.0f} s.", icon=":material/check_circle:")
        table = []
        for row in last["rows"]:
            committed = (transfer_results.point(results, row["task"], row["approach"], row["per_class"], metric)
                         if results is not None else None)
            table.append({
                "approach": approach_label(row["approach"]),
                f"your {METRIC_WORDS[metric]}": pts(row[metric]),
                f"committed {METRIC_WORDS[metric]}": "not measured at this count" if committed is None
                else spread(committed),
                "seconds": f"{row['seconds']:.1f}",
                "note": live_note(row),
            })
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
        if last["task"] != task_name:
            st.caption(f"This run was on {last['task']}; choose that task above to see it on its curves.")
    elif not last["error"]:
        st.info("The run stopped before any approach finished, so there is nothing to show.", icon=":material/info:")
if st.session_state.get("live_rows") and live_job is None:
    if st.button("Clear my runs from the curves", key="live_clear"):
        st.session_state.pop("live_rows", None)
        st.session_state.pop("live_last", None)
        st.rerun()
