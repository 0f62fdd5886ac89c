"""Tokens: how text becomes the pieces a model reads, in five real tokenizers
and in one the reader trains. Reads top to bottom like the lesson."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine.tokens import bpe
from engine.tokens import encodings
from engine.textinput import clean_user_text, html_escape, visible_text
from lessons._ui import bounded_text_area, ensure_source, figure, glossary_links

MAX_TEXT = 4_000  # text box bound: keeps the URL and five encodings quick
MAX_CHIPS = 300  # chips drawn per encoding; counts always cover the whole text
MAX_SENTENCE = 300
CORPUS_CHARS = 300_000  # a data-pack corpus is cut to this before training
REPLAY_CHARS = 50_000  # the merge replay and the curve use this much of the training text

EXAMPLES: dict[str, str] = {
    "English": "The quick brown fox jumps over the lazy dog, and then it takes a nap.",
    "Rare long word": "My doctor mentioned pneumonoultramicroscopicsilicovolcanoconiosis and antidisestablishmentarianism in one breath.",
    "Numbers": "Call 555-0199 before 2025-12-31. 1234567 + 89 = 1234656, and pi is about 3.14159.",
    "Code": "def mean(xs):\n    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)\n",
    "Chinese": "我喜欢在周末读书和散步。",
    "Arabic": "أحب القراءة في عطلة نهاية الأسبوع.",
    "Hindi": "मुझे सप्ताहांत पर किताबें पढ़ना पसंद है।",
    "Emoji": "Nice work 👍🏽 say hi to the family 👨‍👩‍👧‍👦 from 🇯🇵 ❤️",
    "Spaces": "one two  three   four    five\n\n        eight spaces of indent\tand a tab",
    "Special-token text": "A reader may type <|endoftext|> or <|fim_prefix|>: here it is only characters.",
}

# Built-in training text for "Build your own BPE", so the page works with no data pack.
SAMPLE_TEXT = """\
A tokenizer is trained before the model ever sees a sentence. It reads a pile of text and \
counts which two neighbouring pieces turn up together most often. The most common pair is \
glued into a new piece, the text is rewritten with that piece, and the counting starts again. \
After a few hundred rounds the common words of the text have become single pieces, while a \
rare word is still spelled out from smaller parts.

The same counting that finds "the" and "ing" also finds the spaces in front of words, the \
endings of verbs, and the pieces of numbers. Nothing in the method knows what a word is. It \
only knows which bytes sit next to which other bytes, and how often. That is why a tokenizer \
trained on English splits a Spanish or a Hindi sentence into many more pieces than an English \
one: the pairs it learned are the pairs it saw.

Every merge makes the vocabulary one token larger and most texts a little shorter. A larger \
vocabulary means fewer tokens for the model to read, so more text fits in its window and each \
step covers more meaning. But every token needs its own row of numbers in the model, and a \
token that appears only a handful of times in training is hard to learn well. Real models \
settle somewhere between fifty thousand and two hundred thousand tokens.

The theme of this text is the tokenizer, the thing that turns writing into numbers. The \
thinking behind it is simple; the consequences are everywhere: in the price of a request, in \
the length of a context window, in how well a model can spell, rhyme, or count the letters \
in a word.
"""

CORPORA = {"shakespeare": "Shakespeare's plays", "bible": "King James Bible", "bbc-news": "BBC News articles"}
CHIP_HUES = (210, 30, 140, 280, 0, 90)

# Chips are HTML so that each one can carry its own tooltip. Every piece of
# reader text that goes in is passed through html_escape; colours are
# translucent so the same chips read on light and dark themes.
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


# ---------------------------------------------------------------- cached engine calls


@st.cache_data(max_entries=64, show_spinner=False)
def pieces_for(text: str, name: str) -> list[encodings.TokenPiece]:
    return encodings.token_pieces(text, name)


@st.cache_data(max_entries=16, show_spinner="Training a tokenizer…")
def trained(text: str, vocab_size: int) -> bpe.TrainedBPE:
    return bpe.train_bpe(text, vocab_size)


@st.cache_data(max_entries=16, show_spinner="Replaying the merges…")
def replayed(text: str, vocab_size: int) -> list[bpe.MergeStep]:
    return bpe.replay_merges(text[:REPLAY_CHARS], trained(text, vocab_size))


@st.cache_data(max_entries=16, show_spinner=False)
def curve(text: str, vocab_size: int) -> list[tuple[int, float]]:
    model = trained(text, vocab_size)
    sizes = [256 + round(i * len(model.merges) / 12) for i in range(13)]
    return bpe.compression_curve(text[:REPLAY_CHARS], model, sizes)


@st.cache_data(max_entries=16, show_spinner=False)
def real_points(text: str) -> list[tuple[int, float, str]]:
    """(vocabulary size, chars per token, name) of the five real tokenizers on `text`."""
    return [
        (encodings.get_encoding(n).n_vocab, encodings.summarise(text, n).chars_per_token, n)
        for n in encodings.ENCODING_NAMES
    ]


@st.cache_data(max_entries=8, show_spinner="Reading the corpus…")
def corpus(name: str) -> str:
    return bpe.corpus_text(name, max_chars=CORPUS_CHARS)


def chip(label: str, tip: str, hue: int, *, partial: bool = False) -> str:
    cls = f"tk h{hue % len(CHIP_HUES)}" + (" partial" if partial else "")
    return (
        f'<span class="{cls}" tabindex="0" dir="auto" title="{html_escape(tip)}">'
        f'{html_escape(label)}<span class="tip">{html_escape(tip)}</span></span>'
    )


def shown(data: bytes) -> str:
    """A token's bytes as the reader sees them: visible whitespace, hex for stray bytes."""
    return encodings.bytes_label(data, visible_text)


def is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def chip_row(chips: list[str]) -> None:
    st.html(CHIP_CSS + '<div class="tk-row">' + "".join(chips) + "</div>")


def show_example() -> None:
    """Pill callback: put the chosen example in the text box."""
    choice = st.session_state.get("example")
    if choice in EXAMPLES:
        st.session_state["text"] = EXAMPLES[choice]


def step_by(delta: int, last: int) -> None:
    st.session_state["step"] = max(0, min(last, st.session_state.get("step", 0) + delta))


# ---------------------------------------------------------------- the lesson

st.title("Tokens")
st.markdown(
    "A language model never sees letters. Before training, a **tokenizer** cuts every text into "
    "**tokens**, pieces chosen from a fixed list called the vocabulary, and each token is a number. "
    "The model reads and writes those numbers. Most tokens are whole common words or parts of "
    "words; a rare word is built from several smaller pieces."
)

try:
    encodings.install_tiktoken_files()
except encodings.EncodingFilesError as exc:
    st.error(f"The tokenizer files are not available: {exc}", icon=":material/error:")
    st.stop()

st.subheader("Type something, or pick an example")
example = st.pills(
    "Examples", list(EXAMPLES), key="example", on_change=show_example, bind="query-params",
    label_visibility="collapsed",
)
text = bounded_text_area(
    "Text to tokenize", key="text", default=EXAMPLES.get(example or "", EXAMPLES["English"]),
    max_chars=MAX_TEXT, height=110,
)

if not text:
    st.info("The box is empty: an empty text is zero tokens in every tokenizer. Type something or pick an example.")

st.subheader("The same text in five real tokenizers")
st.markdown(
    "These are the vocabularies OpenAI published for GPT-2 (`gpt2`, `r50k_base`), for code-aware "
    "GPT-3 models (`p50k_base`, which adds tokens for runs of spaces), for GPT-3.5 and GPT-4 "
    "(`cl100k_base`) and for GPT-4o (`o200k_base`). Hover over a token, or tap it, to see its id, "
    "its bytes and its rank: for these tokenizers the id *is* the rank, the order in which the "
    "pair was learned, so a small number means a piece that was very common in training."
)
show_bytes = st.toggle("Show every token as its bytes", key="bytes", bind="query-params")

summaries, all_pieces = [], {}
for name in encodings.ENCODING_NAMES:
    pieces = pieces_for(text, name)
    all_pieces[name] = pieces
    summaries.append(encodings.summarise(text, name))

st.dataframe(
    pd.DataFrame(
        {
            "tokenizer": [s.name for s in summaries],
            "tokens": [s.n_tokens for s in summaries],
            "chars / token": [round(s.chars_per_token, 2) for s in summaries],
            "vocabulary": [s.vocab_size for s in summaries],
        }
    ),
    hide_index=True,
    width="stretch",
)

for name in encodings.ENCODING_NAMES:
    pieces = all_pieces[name]
    st.markdown(f"**{name}** · {len(pieces):,} tokens")
    if not pieces:
        st.caption("No tokens.")
        continue
    chips = []
    for i, p in enumerate(pieces[:MAX_CHIPS]):
        label = p.hex if show_bytes else shown(p.data)
        kind = "a single byte" if len(p.data) == 1 else f"{len(p.data)} bytes"
        tip = f"id {p.id} · bytes {p.hex} · rank {p.id} ({kind})"
        if p.text is None:
            tip += " · part of a character"
        chips.append(chip(label, tip, i, partial=p.text is None))
    chip_row(chips)
    if len(pieces) > MAX_CHIPS:
        st.caption(f"Showing the first {MAX_CHIPS} of {len(pieces):,} tokens; the counts above cover all of them.")

with st.expander("Token ids", icon=":material/pin:"):
    for name in encodings.ENCODING_NAMES:
        ids = [p.id for p in all_pieces[name]]
        st.code(f"{name}: {ids[:MAX_CHIPS]}" + (" …" if len(ids) > MAX_CHIPS else ""), language=None)

st.subheader("When one character is several tokens")
st.markdown(
    "Tokenizers work on **bytes**, not on letters. In UTF-8 an English letter is one byte, but "
    "a Chinese character is three and an emoji is four, and a family emoji is several emoji "
    "joined by invisible characters. If a tokenizer never learned a piece for those bytes, it "
    "splits the character. Such tokens are not text on their own, so the chips above show their "
    "bytes in hex, like ⟨E4 BD⟩, with a dashed border, instead of a broken symbol."
)
byte_view = st.selectbox("Tokenizer for the byte view", encodings.ENCODING_NAMES, key="byteview")
split = encodings.split_characters(text, all_pieces[byte_view])
if split:
    st.dataframe(
        pd.DataFrame(
            {
                "character": [visible_text(s.char) for s in split[:200]],
                "UTF-8 bytes": [s.data.hex(" ").upper() for s in split[:200]],
                "spread over token ids": [", ".join(map(str, s.token_ids)) for s in split[:200]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption(f"In {byte_view}, every character of this text sits inside a single token. Try the Chinese or Emoji example.")

st.subheader("Why pieces of words?")
st.markdown(
    "A vocabulary of whole words would need millions of entries and would still meet words it "
    "has never seen. A vocabulary of single bytes can spell anything, but makes texts very long. "
    "Sub-word pieces sit in between: any text can still be written, because the 256 bytes are "
    "always in the vocabulary, and the common stretches of text get short codes. The usual way "
    "to choose the pieces is **byte-pair encoding** (BPE): start from bytes and repeatedly glue "
    "together the pair seen most often. You can do it yourself below."
)

# ---------------------------------------------------------------- build your own BPE

st.subheader("Build your own BPE tokenizer")
source = st.radio(
    "Train on",
    ["sample", "text", *CORPORA],
    format_func=lambda s: {"sample": "a built-in sample text", "text": "the text in the box above", **CORPORA}[s],
    horizontal=True,
    key="train_on",
    bind="query-params",
)
training_text = SAMPLE_TEXT
if source == "text":
    training_text = text
elif source in CORPORA:
    if ensure_source(source, purpose=f"Training on {CORPORA[source]}"):
        training_text = corpus(source)
        st.caption(f"Training on the first {len(training_text):,} characters of {CORPORA[source]}.")
    else:
        st.caption("Until then, the built-in sample text is used.")

vocab_size = st.slider(
    "Vocabulary size (256 bytes + merges)", min_value=260, max_value=2000, value=400, step=10,
    key="vocab", bind="query-params",
)

if not training_text.strip():
    st.info("There is no text to train on. Type something in the box, or train on the sample text.")
    glossary_links("token", "tokenizer", "bpe", "vocabulary", "byte", "context-window")
    st.stop()

model = trained(training_text, vocab_size)
steps = replayed(training_text, vocab_size)
n_merges = len(model.merges)
if model.vocab_size < vocab_size:
    st.info(
        f"Training stopped at {model.vocab_size} tokens ({n_merges} merges): after that no pair "
        "of pieces appeared at least twice. A longer text or a corpus gives more to learn."
    )
if len(training_text) > REPLAY_CHARS:
    st.caption(f"The step-by-step replay and the curve use the first {REPLAY_CHARS:,} characters of the training text.")

if n_merges:
    st.markdown(
        "Step through the merges in the order they were learned. Each one takes the most frequent "
        "neighbouring pair and makes it a new token; the count is how often the pair stood side "
        "by side at that moment."
    )
    # the step lives in session state (the ◀ ▶ buttons move it), kept within range
    st.session_state["step"] = min(st.session_state.get("step", min(10, n_merges)), n_merges)
    k = st.slider("Merges applied", 0, n_merges, key="step")
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("◀ one back", key="prev", on_click=step_by, args=(-1, n_merges), disabled=k == 0)
        st.button("one more ▶", key="next", on_click=step_by, args=(1, n_merges), disabled=k == n_merges)

    if k:
        s = steps[k - 1]
        st.html(
            CHIP_CSS + '<div class="tk-row">Merge '
            f"{k}: {chip(shown(s.left), s.left.hex(' ').upper(), 0)} + "
            f"{chip(shown(s.right), s.right.hex(' ').upper(), 1)} → "
            f"{chip(shown(s.new), f'new token id {s.new_id}', 2)} "
            f"· the pair occurred {s.count:,} times</div>"
        )
    recent = steps[max(0, k - 8) : k]
    if recent:
        st.dataframe(
            pd.DataFrame(
                {
                    "merge": [s.rank + 1 for s in recent],
                    "pair": [
                        f"{shown(s.left)} + {shown(s.right)}"
                        for s in recent
                    ],
                    "times seen": [s.count for s in recent],
                    "new token": [shown(s.new) for s in recent],
                    "id": [s.new_id for s in recent],
                }
            ),
            hide_index=True,
            width="stretch",
        )

    raw_sentence = st.text_input(
        "Sentence to watch", value="The thinking behind the tokenizer is simple.", max_chars=MAX_SENTENCE,
        key="sentence", bind="query-params",
    )
    sentence, notices = clean_user_text(raw_sentence, max_chars=MAX_SENTENCE)
    for notice in notices:
        st.caption(notice)
    toks = model.encode(sentence, k)
    st.markdown(f"After {k} merges this sentence is **{len(toks)} tokens** ({len(sentence.encode('utf-8'))} bytes).")
    if toks:
        chip_row(
            [
                chip(shown(t), f"bytes {t.hex(' ').upper()}", i, partial=not is_text(t))
                for i, t in enumerate(toks[:MAX_CHIPS])
            ]
        )

    st.markdown("**Compression grows with the vocabulary**")
    points = curve(training_text, vocab_size)
    real = real_points(training_text[:REPLAY_CHARS])
    fig = go.Figure()
    fig.add_scatter(
        x=[v for v, _ in points], y=[r for _, r in points], mode="lines+markers", name="your tokenizer",
        hovertemplate="vocabulary %{x}<br>%{y:.2f} characters per token<extra></extra>",
    )
    # gpt2, r50k_base and p50k_base sit at almost the same point: one label for the three
    labels, seen = [], set()
    for v, _, _ in real:
        group = round(v, -4)
        names = [n.removesuffix("_base") for w, _, n in real if round(w, -4) == group]
        labels.append("" if group in seen else " / ".join(names))
        seen.add(group)
    fig.add_scatter(
        x=[v for v, _, _ in real], y=[r for _, r, _ in real], customdata=[n for _, _, n in real],
        mode="markers+text", name="real tokenizers", marker_symbol="diamond", marker_size=10,
        text=labels, textposition=["bottom center" if i % 2 == 0 else "top center" for i in range(len(labels))],
        hovertemplate="%{customdata}: vocabulary %{x:,}<br>%{y:.2f} characters per token<extra></extra>",
    )
    ticks = [256, 1000, 10_000, 50_000, 100_000, 200_000]
    fig.update_layout(
        xaxis=dict(title="vocabulary size (log scale)", type="log", tickvals=ticks,
                   ticktext=["256", "1k", "10k", "50k", "100k", "200k"], range=[2.3, 5.55]),
        yaxis=dict(title="characters per token", rangemode="tozero"),
        margin=dict(l=10, r=10, t=10, b=10), height=360,
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
    )
    first, last = points[0][1], points[-1][1]
    figure(
        fig,
        alt=(
            f"Characters per token on the training text rise from {first:.2f} with 256 byte tokens to "
            f"{last:.2f} with {points[-1][0]} tokens; the real tokenizers, with 50,000 to 200,000 "
            "tokens, reach " + ", ".join(f"{n} {r:.2f}" for _, r, n in real) + "."
        ),
    )
else:
    st.info("This text has no pair of pieces that occurs twice, so there is nothing to merge yet.")

st.subheader("Why not just make the vocabulary huge?")
st.markdown(
    "A bigger vocabulary packs more characters into each token, so a text costs fewer tokens "
    "and more of it fits in the model's context window. The price: every token needs its own "
    "learned vector at the model's input and its own score at the output, so the model grows; "
    "and the rarer a token, the fewer examples the model gets to learn what it means. The curve "
    "above flattens for the same reason: the first merges capture very common pairs, later ones "
    "save less and less. Real tokenizers stop somewhere between about 50,000 and 200,000 tokens, "
    "and newer ones lean larger to serve many languages and code."
)
glossary_links("token", "tokenizer", "bpe", "vocabulary", "byte", "context-window")
