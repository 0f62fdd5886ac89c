"""What a lab run trains on: its settings, the reader's text checked and cut, the held-out tenth,
and the encoded ids, ready for the live run (engine.lab.live).

Every run is bounded in text size, steps and seconds; unusable input raises LabInputError with a
plain message before anything is queued. Not handled: more than one text per run, or choosing
which part is held out (always the last tenth).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.lab.vocab import CharVocab, BpeVocab, VocabularyError, make_vocab
from engine.presets import get_preset
from engine.settings import lab_max_seconds
from engine.textinput import clean_user_text
from engine.tokens.bpe import corpus_text

# --- bounds ---------------------------------------------------------------------------------

MAX_TEXT_CHARS = 50_000  # a pasted text is cut to this (the page says so)
CORPUS_SLICE_CHARS = 200_000  # how much of a corpus source the lab trains on
MIN_TEXT_CHARS = 200  # below this there is too little to train and hold out
VAL_FRACTION = 0.1  # the last 10% of the text is held out for validation
MAX_STEPS = 5_000
PREPARE_SECONDS = 30.0  # a job's allowance on top of its training time: a fresh model, step 0, first imports

DEFAULT_TEXT = """\
Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it, "and what is the use of a book," thought Alice, "without pictures or conversations?"

So she was considering in her own mind (as well as she could, for the hot day made her feel very sleepy and stupid), whether the pleasure of making a daisy-chain would be worth the trouble of getting up and picking the daisies, when suddenly a White Rabbit with pink eyes ran close by her.

There was nothing so very remarkable in that; nor did Alice think it so very much out of the way to hear the Rabbit say to itself, "Oh dear! Oh dear! I shall be late!" (when she thought it over afterwards, it occurred to her that she ought to have wondered at this, but at the time it all seemed quite natural); but when the Rabbit actually took a watch out of its waistcoat-pocket, and looked at it, and then hurried on, Alice started to her feet, for it flashed across her mind that she had never before seen a rabbit with either a waistcoat-pocket, or a watch to take out of it, and burning with curiosity, she ran across the field after it, and fortunately was just in time to see it pop down a large rabbit-hole under the hedge.

In another moment down went Alice after it, never once considering how in the world she was to get out again.

The rabbit-hole went straight on like a tunnel for some way, and then dipped suddenly down, so suddenly that Alice had not a moment to think about stopping herself before she found herself falling down a very deep well.

Either the well was very deep, or she fell very slowly, for she had plenty of time as she went down to look about her and to wonder what was going to happen next. First, she tried to look down and make out what she was coming to, but it was too dark to see anything; then she looked at the sides of the well, and noticed that they were filled with cupboards and book-shelves; here and there she saw maps and pictures hung upon pegs. She took down a jar from one of the shelves as she passed; it was labelled "ORANGE MARMALADE", but to her great disappointment it was empty: she did not like to drop the jar for fear of killing somebody underneath, so managed to put it into one of the cupboards as she fell past it.

"Well!" thought Alice to herself, "after such a fall as this, I shall think nothing of tumbling down stairs! How brave they'll all think me at home! Why, I wouldn't say anything about it, even if I fell off the top of the house!" (Which was very likely true.)

Down, down, down. Would the fall never come to an end? "I wonder how many miles I've fallen by this time?" she said aloud. "I must be getting somewhere near the centre of the earth. Let me see: that would be four thousand miles down, I think" (for, you see, Alice had learnt several things of this sort in her lessons in the schoolroom, and though this was not a very good opportunity for showing off her knowledge, as there was no one to listen to her, still it was good practice to say it over) "yes, that's about the right distance, but then I wonder what Latitude or Longitude I've got to?" (Alice had no idea what Latitude was, or Longitude either, but thought they were nice grand words to say.)

Presently she began again. "I wonder if I shall fall right through the earth! How funny it'll seem to come out among the people that walk with their heads downward! The Antipodes, I think" (she was rather glad there was no one listening, this time, as it didn't sound at all the right word) "but I shall have to ask them what the name of the country is, you know. Please, Ma'am, is this New Zealand or Australia?" (and she tried to curtsey as she spoke; fancy curtseying as you're falling through the air! Do you think you could manage it?) "And what an ignorant little girl she'll think me for asking! No, it'll never do to ask: perhaps I shall see it written up somewhere."
"""
DEFAULT_TEXT_SOURCE = "The opening of Lewis Carroll's Alice's Adventures in Wonderland (1865, public domain)"


class LabInputError(ValueError):
    """The reader's input cannot be trained on; the message says why in plain words."""


@dataclass(frozen=True)
class LabSettings:
    text: str  # the training text (pasted, or a corpus slice)
    source: str = "your text"  # a label for the page: "your text" or a corpus source name
    vocabulary: str = "characters"  # "characters" or "bpe"
    max_steps: int = 3_000  # bound on optimiser steps
    max_seconds: float = 60.0  # bound on wall time (the learning rate decays over it)
    preset: str = "lab"  # model and optimiser recipe (engine/presets.py); tests use "tiny"
    sample_every: int = 100  # steps between samples
    sample_length: int = 200  # characters (character vocabulary) or tokens / 3 (BPE) per sample
    seed: int = 1337


def max_seconds_cap() -> float:
    """The server's hard cap on one run's training time (PRETRAINING_EXPLORER_LAB_MAX_SECONDS)."""
    return lab_max_seconds()


def training_seconds(settings: LabSettings) -> float:
    """The run's bound on training time: what the reader asked for, within [1 s, the server's cap]."""
    return min(max(float(settings.max_seconds), 1.0), max_seconds_cap())


def training_steps(settings: LabSettings) -> int:
    """The run's bound on optimiser steps, within [1, MAX_STEPS]."""
    return min(max(int(settings.max_steps), 1), MAX_STEPS)


def job_seconds(settings: LabSettings) -> float:
    """The job system's time bound for the run: its training time plus time to prepare."""
    return training_seconds(settings) + PREPARE_SECONDS


@dataclass
class PreparedData:
    vocab: CharVocab | BpeVocab
    train_ids: np.ndarray  # (N,) int64
    val_ids: np.ndarray  # (M,) int64
    train_text: str
    val_text: str
    prompt: str  # the fixed start every sample continues
    notices: list[str] = field(default_factory=list)


def corpus_slice(name: str) -> str:
    """The first CORPUS_SLICE_CHARS characters of a data-pack source, documents in reading order."""
    return corpus_text(name, max_chars=CORPUS_SLICE_CHARS)


def split_text(text: str, val_fraction: float = VAL_FRACTION) -> tuple[str, str]:
    """(train, validation): the last `val_fraction` of the text is held out, cut at a space if one is near."""
    cut = int(len(text) * (1 - val_fraction))
    space = text.rfind(" ", max(0, cut - 40), cut)
    if space > 0:
        cut = space
    return text[:cut], text[cut:]


def fixed_prompt(text: str, max_chars: int = 24) -> str:
    """The first few words of the text: every sample starts from it, so samples are comparable."""
    head = text.lstrip()[: max_chars + 1]
    if len(head) > max_chars and " " in head:
        head = head[: head.rfind(" ")]
    return head[:max_chars]


def prepare(settings: LabSettings) -> PreparedData:
    """Check and cut the text, build the vocabulary, encode both parts; LabInputError if unusable."""
    limit = CORPUS_SLICE_CHARS if settings.source != "your text" else MAX_TEXT_CHARS
    text, notices = clean_user_text(settings.text or "", max_chars=limit)
    if not text.strip():
        raise LabInputError("There is no text to train on. Paste some text (a few thousand characters is plenty).")
    if len(text) < MIN_TEXT_CHARS:
        raise LabInputError(
            f"The text has {len(text):,} characters; the lab needs at least {MIN_TEXT_CHARS:,} "
            "so that it can train on most of it and hold out the last tenth to test on."
        )
    train_text, val_text = split_text(text)
    try:
        vocab = make_vocab(settings.vocabulary, text)
    except VocabularyError as exc:
        raise LabInputError(str(exc)) from exc
    context = get_preset(settings.preset).context
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    if len(train_ids) < context + 2:
        raise LabInputError(
            f"The text is {len(train_ids):,} tokens long in this vocabulary; training windows are "
            f"{context} tokens, so please give it more text."
        )
    if len(val_ids) < 2:
        raise LabInputError("The held-out last tenth of the text is too short to test on; please add text.")
    return PreparedData(vocab, train_ids, val_ids, train_text, val_text, fixed_prompt(train_text), notices)
