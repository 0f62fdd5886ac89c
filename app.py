"""Pretraining Explorer: the page table, the navigation, and the home page.

Run with `streamlit run app.py`. The home page imports nothing heavy (no torch,
no transformers, no engine module that loads them) so it paints fast.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageSpec:
    section: str  # sidebar heading the page sits under
    file: str  # script path relative to the repository root
    url_path: str  # the page's address: /<url_path>
    title: str  # label in the navigation and in links
    icon: str  # Material icon shown beside the title


# One line per page. A page is registered only when its file exists, so a
# lesson that is not written yet never shows up as a placeholder.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("Tokens", "pages/tokens.py", "tokens", "Tokens", ":material/data_array:"),
    PageSpec("Pretraining", "pages/next_token.py", "next-token", "Next-token prediction", ":material/keyboard_tab:"),
    PageSpec("Pretraining", "pages/lab.py", "lab", "Pretraining lab", ":material/science:"),
    PageSpec("Tuning", "pages/transfer.py", "transfer", "Transfer learning", ":material/call_split:"),
    PageSpec("What a model knows", "pages/knowledge.py", "knowledge", "Recall and hallucination",
             ":material/psychology:"),
    PageSpec("What a model knows", "pages/cutoff.py", "cutoff", "Knowledge cutoff", ":material/event_busy:"),
    PageSpec("What a model knows", "pages/tuning.py", "tuning", "Tuning cannot add facts", ":material/tune:"),
    PageSpec("Reference", "pages/glossary.py", "glossary", "Glossary", ":material/menu_book:"),
)

HOME_SECTION = "Start"
HOME_TITLE = "Pretraining Explorer"


def available_pages() -> list[PageSpec]:
    """The rows of PAGES whose script is on disk, in table order."""
    return [p for p in PAGES if (ROOT / p.file).is_file()]


def page_by_url_path() -> dict[str, PageSpec]:
    """Registered pages by url_path (the home page is not in the table)."""
    return {p.url_path: p for p in available_pages()}


# The road from raw text to an assistant. Each stage names the url_paths of the
# pages that show it; a stage whose pages do not exist yet is described with no link.
STAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "1 · Tokens",
        "Text is cut into tokens, the pieces a model actually reads, by a tokenizer fixed before training starts.",
        ("tokens",),
    ),
    (
        "2 · Pretraining",
        "One model learns to guess the next token across a vast amount of unlabelled text. "
        "The result is a base model: fluent, knowledgeable, but not yet helpful.",
        ("next-token", "lab"),
    ),
    (
        "3 · Tuning",
        "A short, cheap second round of training on a small labelled set teaches the base model "
        "a job: classify, follow instructions, hold a conversation.",
        ("transfer",),
    ),
    (
        "4 · Assistant",
        "The tuned model answers questions. It knows only what its pretraining text held, up to "
        "a cutoff date, and fills gaps with confident guesses.",
        ("knowledge", "cutoff", "tuning"),
    ),
)


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
        (10.6, "Labelled<br>emails", "Spam<br>model"),
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


def home() -> None:
    from pages._ui import figure, glossary_links

    st.title(HOME_TITLE)
    st.markdown(
        "How is a large language model made? Mostly by one long, plain exercise: "
        "**read an enormous amount of text and keep guessing the next piece**. "
        "That exercise is called *pretraining*. This app lets you do it yourself, "
        "on small models that train on an ordinary laptop, and see what comes out."
    )

    st.header("Why pretraining changed things")
    st.markdown(
        "For a long time each language task got its own model. A spam filter was "
        "trained from nothing on emails someone had labelled spam or not; a "
        "sentiment model on reviews labelled good or bad; a topic classifier on "
        "labelled news. Every new task meant new labels and a model that started "
        "out knowing no language at all."
    )
    st.markdown(
        "*Transfer learning* turns this around. One big model is pretrained once "
        "on text nobody had to label, simply by predicting the next token. To win "
        "at that game it has to pick up spelling, grammar, facts and a good deal of "
        "reasoning. That **base model** is then adapted to each task by a short, "
        "cheap tuning run on a small labelled set. The expensive learning happens "
        "once and is shared by every task built on top."
    )
    figure(
        transfer_learning_figure(),
        alt=(
            "Top: three labelled datasets (emails, reviews, articles) each train their own "
            "model from zero. Bottom: one pile of unlabelled text pretrains a single base "
            "model once, and three short tuning runs turn it into the spam, sentiment and topic models."
        ),
        key="home-transfer",
    )

    st.header("From text to assistant")
    st.markdown("Every chat assistant went through these stages. Follow the links to try each one.")
    pages = page_by_url_path()
    # Two stages a row: four narrow cards would cut the page titles short.
    columns = [c for _ in range(0, len(STAGES), 2) for c in st.columns(2)]
    for column, (title, text, url_paths) in zip(columns, STAGES):
        with column, st.container(border=True, height="stretch"):
            st.markdown(f"**{title}**")
            st.markdown(text)
            for url_path in url_paths:
                if url_path in pages:
                    spec = pages[url_path]
                    st.page_link(spec.file, label=spec.title, icon=spec.icon)

    st.header("What to keep in mind")
    st.markdown(
        "- The objective is narrow; what a model must learn to meet it at scale is not.\n"
        "- A base model continues text. Answering questions politely is taught later, by tuning.\n"
        "- Tuning changes how a model talks far more than what it knows.\n"
        "- Not every model is pretrained the same way: BERT-style encoders fill in hidden "
        "words, T5-style models rebuild removed spans."
    )
    glossary_links("pretraining", "transfer-learning", "base-model", "tuning", "next-token-prediction", "token")


def home_page() -> st.Page:
    """The home page as a Page object; st.page_link needs this form to link to
    it, because it is a function in this file rather than a page file."""
    return st.Page(home, title="Home", icon=":material/home:", default=True)


def build_navigation() -> dict[str, list]:
    """Sections -> st.Page objects, home first, from the PAGES table."""
    sections: dict[str, list] = {HOME_SECTION: [home_page()]}
    for spec in available_pages():
        sections.setdefault(spec.section, []).append(
            st.Page(spec.file, url_path=spec.url_path, title=spec.title, icon=spec.icon)
        )
    return sections


def main() -> None:
    st.set_page_config(
        page_title=HOME_TITLE,
        page_icon=":material/school:",
        layout="wide",
        menu_items={"About": "Pretraining Explorer: an explorable explainer of how language models are made."},
    )
    st.navigation(build_navigation()).run()


if __name__ == "__main__":
    main()
