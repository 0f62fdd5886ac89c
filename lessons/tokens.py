"""Tokens: how text becomes the pieces a model reads, in five real tokenizers
and in one the reader trains. Reads top to bottom like the lesson."""
from __future__ import annotations

import streamlit as st

from engine.textinput import clean_user_text
from engine.tokens import bpe, chips, encodings, examples, readings, views, vocabularies
from lessons._ui import bounded_text_area, ensure_source, figure, glossary_links

# ---------------------------------------------------------------- cached engine calls


@st.cache_data(max_entries=64, show_spinner=False)
def pieces_for(text: str, name: str) -> list[encodings.TokenPiece]:
    return encodings.token_pieces(text, name)


@st.cache_data(max_entries=16, show_spinner="Training a tokenizer…")
def trained(text: str, vocab_size: int) -> bpe.TrainedBPE:
    return bpe.train_bpe(text, vocab_size)


@st.cache_data(max_entries=16, show_spinner="Replaying the merges…")
def replayed(text: str, vocab_size: int) -> list[bpe.MergeStep]:
    return bpe.replay_merges(text[:examples.REPLAY_CHARS], trained(text, vocab_size))


@st.cache_data(max_entries=16, show_spinner=False)
def curve(text: str, vocab_size: int) -> list[tuple[int, float]]:
    return views.curve(text[:examples.REPLAY_CHARS], trained(text, vocab_size))


@st.cache_data(max_entries=16, show_spinner=False)
def real_points(text: str) -> list[tuple[int, float, str]]:
    return views.real_points(text)


@st.cache_data(show_spinner=False)
def real_sizes() -> list[vocabularies.VocabSize]:
    return vocabularies.real_vocab_sizes()


@st.cache_data(max_entries=8, show_spinner="Reading the corpus…")
def corpus(name: str) -> str:
    return bpe.corpus_text(name, max_chars=examples.CORPUS_CHARS)


def show_example() -> None:
    """Pill callback: put the chosen example in the text box."""
    choice = st.session_state.get("example")
    if choice in examples.EXAMPLES:
        st.session_state["text"] = examples.EXAMPLES[choice]


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
    "Examples", list(examples.EXAMPLES), key="example", on_change=show_example, bind="query-params",
    label_visibility="collapsed",
)
text = bounded_text_area(
    "Text to tokenize", key="text", default=examples.EXAMPLES.get(example or "", examples.EXAMPLES["English"]),
    max_chars=examples.MAX_TEXT, height=110,
)

if not text:
    st.info("The box is empty: an empty text is zero tokens in every tokenizer. Type something or pick an example.")

st.subheader("The same text in five real tokenizers")
st.markdown(
    "These are the vocabularies OpenAI published for GPT-2 (`gpt2`), for GPT-3 (`r50k_base`, the "
    "same ranks as GPT-2's under another name), for code-aware GPT-3 models (`p50k_base`, which adds "
    "tokens for runs of spaces), for GPT-3.5 and GPT-4 (`cl100k_base`) and for GPT-4o (`o200k_base`). "
    "Hover over a token, or tap it, to see its id and its bytes."
)
st.markdown(readings.byte_ids_sentence(vocabularies.byte_ids("gpt2")))
show_bytes = st.toggle("Show every token as its bytes", key="bytes", bind="query-params")

summaries, all_pieces = [], {}
for name in encodings.ENCODING_NAMES:
    pieces = pieces_for(text, name)
    all_pieces[name] = pieces
    summaries.append(encodings.summarise(text, name))

st.dataframe(views.summary_table(summaries), hide_index=True, width="stretch")

for name in encodings.ENCODING_NAMES:
    pieces = all_pieces[name]
    st.markdown(f"**{name}** · {len(pieces):,} tokens")
    if not pieces:
        st.caption("No tokens.")
        continue
    st.html(chips.row(chips.piece_chips(pieces, as_bytes=show_bytes, limit=examples.MAX_CHIPS)))
    if cut := readings.chips_cut(examples.MAX_CHIPS, len(pieces)):
        st.caption(cut)

with st.expander("Token ids", icon=":material/pin:"):
    for name in encodings.ENCODING_NAMES:
        ids = [p.id for p in all_pieces[name]]
        st.code(f"{name}: {ids[:examples.MAX_CHIPS]}" + (" …" if len(ids) > examples.MAX_CHIPS else ""), language=None)

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
    st.dataframe(views.split_table(split), hide_index=True, width="stretch")
else:
    st.caption(readings.nothing_split(byte_view))

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
    ["sample", "text", *examples.CORPORA],
    format_func=lambda s: {"sample": "a built-in sample text", "text": "the text in the box above", **examples.CORPORA}[s],
    horizontal=True,
    key="train_on",
    bind="query-params",
)
training_text = examples.SAMPLE_TEXT
if source == "text":
    training_text = text
elif source in examples.CORPORA:
    if ensure_source(source, purpose=f"Training on {examples.CORPORA[source]}"):
        training_text = corpus(source)
        st.caption(f"Training on the first {len(training_text):,} characters of {examples.CORPORA[source]}.")
    else:
        st.caption("Until then, the built-in sample text is used.")

vocab_size = st.slider(
    "Vocabulary size (256 bytes + merges)", min_value=260, max_value=2000, value=400, step=10,
    key="vocab", bind="query-params",
)

if not training_text.strip():
    st.info("There is no text to train on. Type something in the box, or train on the sample text.")
    glossary_links("token", "tokenizer", "bpe", "vocabulary", "byte", "context-window", "corpus")
    st.stop()

model = trained(training_text, vocab_size)
steps = replayed(training_text, vocab_size)
n_merges = len(model.merges)
if stopped := readings.stopped_early(model, vocab_size):
    st.info(stopped)
if len(training_text) > examples.REPLAY_CHARS:
    st.caption(f"The step-by-step replay and the curve use the first {examples.REPLAY_CHARS:,} characters of the training text.")

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
        st.html(chips.merge_html(k, steps[k - 1]))
    recent = steps[max(0, k - 8) : k]
    if recent:
        st.dataframe(views.merges_table(recent), hide_index=True, width="stretch")

    raw_sentence = st.text_input(
        "Sentence to watch", value="The thinking behind the tokenizer is simple.", max_chars=examples.MAX_SENTENCE,
        key="sentence", bind="query-params",
    )
    sentence, notices = clean_user_text(raw_sentence, max_chars=examples.MAX_SENTENCE)
    for notice in notices:
        st.caption(notice)
    toks = model.encode(sentence, k)
    st.markdown(readings.sentence_length(k, toks, sentence))
    if toks:
        st.html(chips.row(chips.byte_chips(toks, limit=examples.MAX_CHIPS)))

    st.markdown("**Compression grows with the vocabulary**")
    points = curve(training_text, vocab_size)
    real = real_points(training_text[:examples.REPLAY_CHARS])
    figure(views.compression_figure(points, real), alt=readings.compression_alt(points, real))
else:
    st.info("This text has no pair of pieces that occurs twice, so there is nothing to merge yet.")

st.subheader("Why not just make the vocabulary huge?")
st.markdown(
    "A bigger vocabulary packs more characters into each token, so a text costs fewer tokens "
    "and more of it fits in the model's context window. The price: every token needs its own "
    "learned vector at the model's input and its own score at the output, so the model grows; "
    "and the rarer a token, the fewer examples the model gets to learn what it means. The curve "
    "above flattens for the same reason: the first merges capture very common pairs, later ones "
    "save less and less."
)
st.markdown(readings.vocabulary_range(real_sizes()))
glossary_links("token", "tokenizer", "bpe", "vocabulary", "byte", "context-window", "corpus")
