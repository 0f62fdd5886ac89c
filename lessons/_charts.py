"""One palette and the small chart helpers every page shares.

Colours are named for what they mean, so the same idea has the same colour on every page
(a model's answer in blue, the truth in green, a baseline in grey), and each reads on the
light and the dark theme.
"""
from __future__ import annotations

BLUE, ORANGE, GREEN, RED, PURPLE, GOLD = "#4f7be8", "#e8804f", "#3a9d5d", "#d0543f", "#b05fd0", "#c9a227"
PINK, TEAL, BROWN = "#d6336c", "#76b7b2", "#9c755f"
GREY, LIGHT_GREY, INK = "#8c8c8c", "#9aa7bd", "#1b2230"

MODEL, TRUTH, WRONG, OTHER = BLUE, GREEN, RED, LIGHT_GREY
TRAIN, VALIDATION = BLUE, ORANGE
BASELINE = GREY  # chance, the majority class, a uniform guess: always drawn, always grey
BEFORE, AFTER = LIGHT_GREY, BLUE  # a distribution before and after a change
SERIES = (BLUE, ORANGE, GREEN, PURPLE, GOLD, RED, TEAL, BROWN, PINK)  # for lines with no fixed meaning


def rgba(hex_color: str, alpha: float) -> str:
    """'#rrggbb' with transparency, for bands of spread around a line."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def baseline(fig, value: float, label: str, *, axis: str = "y", position: str = "top left") -> None:
    """A dashed grey line at a baseline (chance, majority class, ln V) with its name on it. Two close
    baselines: put the lower one's name "bottom right", so the names do not overlap."""
    if axis == "y":
        fig.add_hline(y=value, line=dict(color=BASELINE, dash="dash", width=1.5), annotation_text=label,
                      annotation_position=position, annotation_font_color=BASELINE)
    else:
        fig.add_vline(x=value, line=dict(color=BASELINE, dash="dash", width=1.5), annotation_text=label,
                      annotation_position="top right", annotation_font_color=BASELINE)


def tidy(fig, *, height: int = 360, legend_below: bool = True):
    """Common layout: compact margins, a legend under the plot (phones have no room beside it)."""
    layout = dict(height=height, margin=dict(l=8, r=8, t=32, b=8))
    if legend_below:
        layout["legend"] = dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0)
    fig.update_layout(**layout)
    return fig


def transfer_learning_figure():
    """Two stacked panels: one model per task from scratch, against one base
    model pretrained once and tuned cheaply per task.

    Every label sits on an opaque pale fill with dark text, so the figure reads
    the same on the light and the dark theme (plotly cannot know which is on).
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    ink = "#1b2230"  # text: always on a pale fill
    line = "rgba(128,128,128,0.95)"  # arrows and outlines: visible on white and on near-black
    label_fill = "#eef1f6"
    data_fill = "#dbe8ff"  # text a model learns from: blue
    model_fill = "#fde2e5"  # a task model: red
    base_fill = "#cff2e2"  # the shared base model: green

    def box(x0, y0, x1, y1, text, fill):
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=line, width=1.5),
                      fillcolor=fill, layer="below")
        fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=text, showarrow=False,
                           font=dict(size=13, color=ink))

    def label(x, y, text, **kw):
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=11, color=ink),
                           bgcolor=label_fill, borderpad=2, **kw)

    def arrow(x0, y0, x1, y1):
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="",
                           showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=2, arrowcolor=line)

    def heading(y, text):
        fig.add_annotation(x=0, y=y, xanchor="left", text=f"<b>{text}</b>", showarrow=False,
                           font=dict(size=13, color=ink), bgcolor=label_fill, borderpad=4)

    # Top panel: the old way.
    heading(12.3, "Before: one model per task, from scratch")
    for y, data, model in (
        (10.6, "Labelled<br>SMS messages", "Spam<br>model"),
        (9.0, "Labelled<br>reviews", "Sentiment<br>model"),
        (7.4, "Labelled<br>articles", "Topic<br>model"),
    ):
        box(0.1, y - 0.6, 3.9, y + 0.6, data, data_fill)
        arrow(4.0, y, 8.0, y)
        label(6.0, y + 0.35, "train from zero")
        box(8.1, y - 0.6, 11.9, y + 0.6, model, model_fill)
    fig.add_shape(type="line", x0=0, x1=12, y0=6.1, y1=6.1, line=dict(color=line, width=1, dash="dot"))

    # Bottom panel: transfer learning.
    heading(5.5, "After: pretrain once, tune per task")
    box(0.1, 3.4, 3.9, 4.6, "Unlabelled<br>text, huge", data_fill)
    arrow(4.0, 4.0, 8.0, 4.0)
    label(6.0, 4.5, "pretrain once<br>(the costly part)")
    box(8.1, 3.4, 11.9, 4.6, "<b>Base<br>model</b>", base_fill)
    for x, model in ((2.0, "Spam<br>model"), (6.0, "Sentiment<br>model"), (10.0, "Topic<br>model")):
        arrow(10.0, 3.35, x, 1.35)
        box(x - 1.8, 0.1, x + 1.8, 1.3, model, model_fill)
    label(4.4, 2.45, "small labelled set,<br>short cheap tuning run")

    axis = dict(visible=False, fixedrange=True)
    fig.update_layout(
        height=560,
        margin=dict(l=4, r=4, t=8, b=8),
        xaxis=dict(range=[-0.1, 12.1], **axis),
        yaxis=dict(range=[-0.2, 12.8], **axis),
        showlegend=False,
        dragmode=False,
    )
    return fig
