"""Home: what pretraining is, why transfer learning replaced one model per task, and the
road from tokens to an assistant, each stage linked to the pages that show it.

Imports nothing heavy (no torch, no transformers, no engine module that loads them) so it
paints fast.
"""
from __future__ import annotations

import streamlit as st

from lessons._charts import transfer_learning_figure
from lessons._site import HOME_TITLE, STAGES, page_by_url_path
from lessons._ui import figure, glossary_links


def home() -> None:
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
        "trained from nothing on text messages (SMS) someone had labelled spam or not; a "
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
    st.markdown(
        "Where does that text come from? For the big models: web crawls such as Common Crawl, "
        "books, code and encyclopedias. The small base model in this app read the data pack's "
        "public-domain prose (Shakespeare's plays and the King James Bible), WordNet's dictionary "
        "definitions, and the texts of the classification tasks' training sets with their labels "
        "left out."
    )
    figure(
        transfer_learning_figure(),
        alt=(
            "Top: three labelled datasets (SMS messages, reviews, articles) each train their own "
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
    glossary_links("pretraining", "transfer-learning", "base-model", "tuning", "next-token-prediction", "token",
                   "common-crawl", "encoder")


home()
