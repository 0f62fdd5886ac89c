"""Two meters on a lab sample: how many of its words are found in the training text, and
how many of its word 4-grams are copied from it verbatim (the sign of memorising).

Words are runs of letters and digits, lower-cased; "Rabbit's" stays one word. Not handled:
languages written without spaces (a whole Chinese sentence counts as one word).
"""
from __future__ import annotations

import re

NGRAM = 4  # word n-grams for the copying meter

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped ("Rabbit's" stays one word)."""
    return [w.lower() for w in _WORD.findall(text)]


def ngrams(seq: list[str], n: int = NGRAM) -> list[tuple[str, ...]]:
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


def found_word_share(sample: str, known_words: set[str]) -> float | None:
    """Share of the sample's words that occur somewhere in the training text; None if it has no words."""
    ws = words(sample)
    return sum(w in known_words for w in ws) / len(ws) if ws else None


def copied_share(sample: str, train_ngrams: set[tuple[str, ...]], n: int = NGRAM) -> float | None:
    """Share of the sample's word n-grams found verbatim in the training text; None if it has none."""
    grams = ngrams(words(sample), n)
    return sum(g in train_ngrams for g in grams) / len(grams) if grams else None
