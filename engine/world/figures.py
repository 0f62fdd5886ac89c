"""The knowledge, cutoff and tuning pages' figures, built from results with the palette the page
passes in (lessons/_charts: named colours), so the engine never imports a page module.

Each function returns a plotly figure (no Streamlit). Labels that may hold world or reader
text are HTML-escaped (plotly reads tags). Alt texts come from engine.world.readings.

Not handled: themes (the palette's colours read on the light and the dark theme).
"""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.textinput import html_escape, visible_text
from engine.world.cutoff_readings import CUTOFF_COLUMNS
from engine.world.readings import FIT_PARTS, exposure_label
from engine.world.results import RELATION_WORDS
from engine.world.tuning import MIX_LABELS, MIXES
from engine.world.tuning_results import mean_curves


def label(text: str, *, token: bool = False) -> str:
    """Text for a plotly label, HTML-escaped; a token also shows its spaces as ·."""
    return html_escape(visible_text(text) if token else "".join(visible_text(c) if c != " " else c for c in text))


def mix_colours(palette) -> dict[str, str]:
    return {"known": palette.GREEN, "half": palette.BLUE, "unknown": palette.RED, "none": palette.LIGHT_GREY}


# --- recall and hallucination ------------------------------------------------------------------------


def answer_bars(candidates, *, palette, truth: str | None = None, tokens: bool = False,
                height_per_bar: int = 26) -> go.Figure:
    """Horizontal bars of (answer, probability), best on top; the true answer in green."""
    probs = [p for _, p in candidates]
    colours = [palette.TRUTH if a == truth else palette.OTHER if truth is not None else palette.MODEL
               for a, _ in candidates]
    fig = go.Figure(go.Bar(x=probs, y=[label(a, token=tokens) + "  " for a, _ in candidates], orientation="h",
                           marker_color=colours, text=[f"{p:.1%}" for p in probs], textposition="auto"))
    fig.update_layout(yaxis=dict(autorange="reversed", type="category"),
                      xaxis=dict(title="probability", tickformat=".0%", rangemode="tozero"),
                      height=70 + height_per_bar * len(candidates), margin=dict(l=10, r=10, t=10, b=40))
    return fig


def fact_bars_alt(person: str, fact: dict, dist: dict) -> str:
    """answer_bars' alt text for one fact of a person (dist: engine.world.results.answer_distribution)."""
    best, p_best = dist["candidates"][0]
    return (f"The model's top {len(dist['candidates'])} answers for {person}'s "
            f"{RELATION_WORDS.get(fact['relation'], fact['relation'])}: {best} at {p_best:.0%}; "
            f"the truth, {fact['answer']}, is ranked {dist['rank_of_truth']}. "
            f"The fact was stated in {fact['exposure']} documents.")


def invented_bars_alt(relation: str, out: dict) -> str:
    """answer_bars' alt text for a made-up person (out: engine.world.results.invented_person_answers)."""
    best, p_best = out["candidates"][0]
    return (f"Answers for the made-up person's {RELATION_WORDS.get(relation, relation)}: "
            f"{best} at {p_best:.0%}, then {', '.join(a for a, _ in out['candidates'][1:4])}.")


def smollm_tokens_alt(res: dict) -> str:
    """answer_bars' alt text for SmolLM2's next tokens (res: engine.world.results.smollm_invented_town)."""
    tokens = res["top"]
    first, p_first = tokens[0]
    return (f"SmolLM2's top {len(tokens)} next tokens after a sentence about the made-up town "
            f"{res['town']}: {visible_text(first)!r} at {p_first:.0%}, then "
            f"{', '.join(repr(visible_text(t)) for t, _ in tokens[1:4])}.")


def recall_chart(mean, per_seed, measure: str, axis_title: str, axis_format: str, *, palette,
                 majority: float | None = None) -> go.Figure:
    """Recall by exposure: mean over seeds with one sd, each seed as a dot, guessing as a dotted line."""
    fig = go.Figure()
    ticks = [exposure_label(int(e)) for e in sorted(mean["exposure"].unique())]
    for style, name, colour in (("trained", "trained phrasing", palette.BLUE), ("new", "new phrasings", palette.ORANGE)):
        rows = mean[mean["style"] == style].sort_values("exposure")
        if not len(rows):
            continue
        fig.add_trace(go.Scatter(
            x=[exposure_label(int(e)) for e in rows["exposure"]], y=rows[f"{measure}_mean"], name=name,
            mode="lines+markers", line=dict(color=colour, width=3), marker=dict(size=9),
            error_y=dict(type="data", array=rows[f"{measure}_sd"].fillna(0), visible=True, thickness=1.5),
            hovertemplate="%{x}: %{y:.3f} (mean over seeds)<extra>" + name + "</extra>"))
        dots = per_seed[per_seed["style"] == style]
        fig.add_trace(go.Scatter(
            x=[exposure_label(int(e)) for e in dots["exposure"]], y=dots[measure], name=f"{name}, each seed",
            mode="markers", marker=dict(color=colour, size=5, opacity=0.45), showlegend=False,
            hovertemplate="%{x}: %{y:.3f} (" + "seed %{text})<extra></extra>", text=dots["seed"].astype(str)))
    if measure == "accuracy" and len(mean):
        palette.baseline(fig, float(mean["chance"].mean()), f"guessing: {float(mean['chance'].mean()):.0%}",
                         position="bottom right")  # below its line: the majority's name sits above its own
        if majority is not None:
            palette.baseline(fig, majority, f"most common answer: {majority:.0%}")
    fig.update_layout(
        xaxis=dict(title="how many documents stated the fact", type="category", categoryorder="array",
                   categoryarray=ticks),
        yaxis=dict(title=axis_title, tickformat=axis_format, rangemode="tozero"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom"), height=420, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def hallucination_bars(hall, *, palette, chance: float | None = None, majority: float | None = None) -> go.Figure:
    """Confidence beside accuracy per group of people (mean over seeds, one sd)."""
    groups = [label(g) for g in hall["group"]]
    bars = []
    for name, column, colour in (("confidence (top answer's share of the candidates' probability)", "top_prob",
                                  palette.PINK),
                                 ("accuracy", "accuracy", palette.BLUE)):
        bars.append(go.Bar(name=name, x=groups, y=hall[f"{column}_mean"],
                           error_y=dict(type="data", array=hall[f"{column}_sd"].fillna(0)), marker_color=colour,
                           text=[f"{v:.0%}" for v in hall[f"{column}_mean"]], textposition="auto",
                           insidetextanchor="start"))  # at the foot of the bar, clear of the whiskers
    fig = go.Figure(bars)
    for value, name in ((chance, "guessing"), (majority, "most common answer")):
        if value is not None:
            palette.baseline(fig, value, f"{name}: {value:.0%}",
                             position="bottom right" if name == "guessing" else "top left")
    fig.update_layout(barmode="group", yaxis=dict(tickformat=".0%", range=[0, 1.05], title="mean over seeds"),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"), height=400,
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


# --- knowledge cutoff ------------------------------------------------------------------------------------


LANES = {"moved_to": "moves", "mayor_of": "elections"}


def timeline(events, chosen, chosen_label: str, describe, cutoff_of: dict, colour: dict, *, palette) -> go.Figure:
    """Every dated event as a dot in its lane (moves, elections), the chosen one a star, each
    cutoff a dashed line. describe(event row) -> the words shown on hover."""
    fig = go.Figure()
    for lane_i, (rel, lane) in enumerate(LANES.items()):
        rows = events[events["relation"] == rel]
        if not len(rows):
            continue
        # spread the dots of a lane a little, by a stable hash of their id, so they do not sit on one line
        jitter = [((int(f[1:]) * 37) % 100) / 100 * 0.5 - 0.25 for f in rows["fact_id"]]
        fig.add_trace(go.Scatter(
            x=rows["date"], y=[lane_i + j for j in jitter], mode="markers", name=lane, marker=dict(size=6, opacity=0.6),
            hovertext=[label(f"{d}: {describe(r)}") for d, (_, r) in zip(rows["date"], rows.iterrows())],
            hoverinfo="text"))
    fig.add_trace(go.Scatter(
        x=[chosen["date"]], y=[list(LANES).index(chosen["relation"])], mode="markers", name="chosen event",
        marker=dict(size=18, symbol="star", color=palette.RED, line=dict(width=1, color=palette.INK)),
        hovertext=[label(chosen_label)], hoverinfo="text"))
    for n, cutoff in cutoff_of.items():
        fig.add_vline(x=cutoff, line=dict(color=colour[n], dash="dash", width=2))
        fig.add_annotation(x=cutoff, y=1.02, yref="paper", text=label(f"cutoff {cutoff[:4]}"),
                           showarrow=False, xanchor="right", font=dict(color=colour[n], size=11))
    fig.update_layout(
        height=260, margin=dict(l=10, r=10, t=30, b=40), showlegend=True,
        legend=dict(orientation="h", y=-0.25, yanchor="top"),
        yaxis=dict(tickvals=list(range(len(LANES))), ticktext=list(LANES.values()), range=[-0.6, len(LANES) - 0.4],
                   fixedrange=True),
        xaxis=dict(title=None, type="date"))
    return fig


def answers_per_model(answers: dict, titles: dict, truth: str, latest: dict, *, palette) -> go.Figure:
    """One panel of answer bars per model, stacked: the truth green, the newest other town it read for the person amber."""
    names = list(answers)
    sub = make_subplots(rows=len(names), cols=1, vertical_spacing=0.12 / max(1, len(names) - 1) * 2,
                        subplot_titles=[label(titles[n]) for n in names])
    for i, n in enumerate(names, start=1):
        cands = answers[n]["candidates"]
        colours = [palette.TRUTH if a == truth else palette.GOLD if a == latest.get(n) else palette.OTHER
                   for a, _ in cands]
        sub.add_trace(go.Bar(x=[p for _, p in cands], y=[label(a) + "  " for a, _ in cands], orientation="h",
                             marker_color=colours, text=[f"{p:.0%}" for _, p in cands], textposition="auto",
                             showlegend=False, hovertemplate="%{y}: %{x:.1%}<extra></extra>"), row=i, col=1)
        sub.update_yaxes(autorange="reversed", type="category", row=i, col=1)
        sub.update_xaxes(range=[0, 1], tickformat=".0%", row=i, col=1)
    sub.update_layout(height=60 + 190 * len(names), margin=dict(l=10, r=10, t=40, b=30))
    return sub


def answers_per_model_alt(rows: list[dict], truth: str) -> str:
    """answers_per_model's alt text, from engine.world.results.answers_by_model's rows."""
    return f"Truth: {truth}. " + "; ".join(
        f"{s['model']} ({s['event is']}, read it {s['mentions read']} times) answers {s['its answer']} "
        f"at {s['probability']:.0%}, {s['answer is']}" for s in rows) + "."


def tool_alt(model: str, ctx: dict, truth: str) -> str:
    """The tool panel's alt text (ctx: engine.world.results.with_context)."""
    (w_answer, w_p), (c_answer, c_p) = ctx["without"]["candidates"][0], ctx["with"]["candidates"][0]
    same = ctx["hash_before"] == ctx["hash_after"]
    return (f"{model} alone answers {w_answer} at {w_p:.0%}; with the document in the prompt it answers "
            f"{c_answer} at {c_p:.0%}. Truth: {truth}. The weights' hash is "
            f"{'the same' if same else 'different'} before and after.")


def smollm_town_alt(probe: str, real: dict, truth: str) -> str:
    """smollm_town_bars' alt text (real: engine.world.results.smollm_with_context)."""
    p_alone, p_with = dict(real["without"]["candidates"]), dict(real["with"]["candidates"])
    same = real["hash_before"] == real["hash_after"]
    return (f"SmolLM2 completing {probe!r}, scored over the world's {len(p_alone)} towns: alone the "
            f"truth, {truth}, ranks {real['without']['rank_of_truth']} with "
            f"{p_alone[truth]:.0%}; with the document it ranks {real['with']['rank_of_truth']} with "
            f"{p_with[truth]:.0%}. The weights' hash is {'the same' if same else 'different'} "
            "before and after.")


def accuracy_by_year(by_year, variants, cutoff_of: dict, variant_label: dict, colour: dict) -> go.Figure:
    """Each cutoff model's accuracy by the event's year, its cutoff as a dashed line."""
    fig = go.Figure()
    for n in variants:
        rows = by_year[(by_year["model"] == n) & (by_year["style"] == "trained")].sort_values("year")
        if not len(rows):
            continue
        fig.add_trace(go.Scatter(x=rows["year"], y=rows["accuracy"], mode="lines+markers", name=variant_label[n],
                                 line=dict(color=colour[n]), customdata=rows["probes"],
                                 hovertemplate="%{x}: %{y:.0%} of %{customdata} events<extra></extra>"))
        fig.add_vline(x=int(cutoff_of[n][:4]) + 0.5, line=dict(color=colour[n], dash="dash", width=1.5))
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=40),
                      yaxis=dict(title="accuracy", tickformat=".0%", range=[-0.03, 1.03]),
                      xaxis=dict(title="year of the event", dtick=2),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


def cutoff_bars(rows: list[dict], variant_label: dict, *, palette) -> go.Figure:
    """The four numbers per cutoff model (engine.world.cutoff_readings.cutoff_rows) as grouped bars."""
    colours = (palette.GREEN, palette.RED, palette.GOLD, palette.BLUE)
    fig = go.Figure([go.Bar(name=name, x=[variant_label[r["model"]] for r in rows],
                            y=[r[name] if r[name] is not None else 0 for r in rows], marker_color=c,
                            text=[f"{r[name]:.0%}" if r[name] is not None else "n/a" for r in rows],
                            textposition="outside", hovertemplate="%{x}: %{y:.0%}<extra>" + name + "</extra>")
                     for name, c in zip(CUTOFF_COLUMNS, colours)])
    fig.update_layout(barmode="group", height=380, margin=dict(l=10, r=10, t=10, b=40),
                      yaxis=dict(title="share of events", tickformat=".0%", range=[0, 1.12]),
                      legend=dict(orientation="h", y=-0.15, yanchor="top"))
    return fig


def before_after_bars(names: list[str], p_alone: dict, p_with: dict, *, colour_alone: str, colour_with: str,
                      x_title: str, x_range=None) -> go.Figure:
    """One answer distribution without and with a document in the prompt, answer by answer."""
    fig = go.Figure([
        go.Bar(name="question alone", y=[label(a) + "  " for a in names], x=[p_alone.get(a, 0) for a in names],
               orientation="h", marker_color=colour_alone),
        go.Bar(name="document + question", y=[label(a) + "  " for a in names], x=[p_with.get(a, 0) for a in names],
               orientation="h", marker_color=colour_with),
    ])
    fig.update_layout(barmode="group", height=80 + 36 * len(names), margin=dict(l=10, r=10, t=30, b=40),
                      yaxis=dict(autorange="reversed", type="category"),
                      xaxis=dict(title=x_title, tickformat=".0%", **({"range": x_range} if x_range else {})),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


def smollm_town_bars(real: dict, truth: str, top: int, *, palette) -> go.Figure:
    """SmolLM2's share of probability over the world's towns, alone and with the document: its
    top towns of either prompt and the truth (ticked)."""
    towns = list(dict.fromkeys([a for a, _ in real["without"]["candidates"][:top]]
                               + [a for a, _ in real["with"]["candidates"][:top]] + [truth]))
    p_alone, p_with = dict(real["without"]["candidates"]), dict(real["with"]["candidates"])
    names = [("✓ " if t == truth else "") + t for t in towns]
    return before_after_bars(names, {n: p_alone[t] for n, t in zip(names, towns)},
                             {n: p_with[t] for n, t in zip(names, towns)}, colour_alone=palette.OTHER,
                             colour_with=palette.TRUTH, x_title="share of the probability over the world's towns")


# --- tuning ---------------------------------------------------------------------------------------------


def dev_curves(results: dict, *, palette, chance: float | None = None, majority: float | None = None) -> go.Figure:
    """Accuracy on known facts not tuned on, per mix and epoch (band: one sd); no tuning as a flat line."""
    dev, colours, fig = mean_curves(results, "dev_known"), mix_colours(palette), go.Figure()
    for m in MIXES:
        rows, name = dev[dev["mix"] == m], html_escape(MIX_LABELS[m])
        if m == "none" or len(rows) == 1:
            fig.add_hline(y=float(rows["mean"].iloc[0]), line=dict(color=colours[m], dash="dot"),
                          annotation_text=html_escape("before tuning"), annotation_position="bottom right")
        elif len(rows):
            epochs = list(rows["epoch"])
            fig.add_trace(go.Scatter(x=epochs + epochs[::-1],
                                     y=list(rows["mean"] + rows["sd"]) + list(rows["mean"] - rows["sd"])[::-1],
                                     fill="toself", mode="none", fillcolor=colours[m], opacity=0.15,
                                     showlegend=False, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=rows["epoch"], y=rows["mean"], mode="lines+markers", name=name,
                                     line=dict(color=colours[m]),
                                     hovertemplate="epoch %{x}: %{y:.0%}<extra>" + name + "</extra>"))
    for value, name in ((chance, "guessing"), (majority, "most common answer")):
        if value is not None:
            palette.baseline(fig, value, f"{name}: {value:.0%}",
                             position="bottom right" if name == "guessing" else "top left")
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(title="epoch (passes over the tuning pairs)", tickmode="linear", tick0=0,
                                 dtick=max(1, int(dev["epoch"].max()) // 10) if len(dev) else 1),
                      yaxis=dict(title="accuracy on known facts not tuned on", tickformat=".0%", range=[-0.02, 1.02]),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


def fit_curves(results: dict, *, palette) -> go.Figure:
    """In the half-and-half mix: how much of each half of the tuning pairs is answered right, by epoch."""
    colours, fig, last_epoch = mix_colours(palette), go.Figure(), 1
    for part, name in FIT_PARTS:
        rows = mean_curves(results, part)
        rows = rows[rows["mix"] == "half"]
        if not len(rows):
            continue
        last_epoch = max(last_epoch, int(rows["epoch"].max()))
        fig.add_trace(go.Scatter(x=rows["epoch"], y=rows["mean"], mode="lines+markers", name=name,
                                 line=dict(color=colours["known" if part == "train_known" else "unknown"]),
                                 hovertemplate="epoch %{x}: %{y:.0%}<extra>" + name + "</extra>"))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(title="epoch", tickmode="linear", tick0=0, dtick=max(1, last_epoch // 10)),
                      yaxis=dict(title="right on the pairs tuned on", tickformat=".0%", range=[-0.02, 1.02]),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


def loss_curve(losses: list[float], colour: str) -> go.Figure:
    """A live run's tuning loss, step by step."""
    fig = go.Figure(go.Scatter(y=losses, x=list(range(1, len(losses) + 1)), mode="lines", line=dict(color=colour)))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=10, b=40),
                      xaxis=dict(title="step"), yaxis=dict(title="loss (nats per answer token)"))
    return fig
