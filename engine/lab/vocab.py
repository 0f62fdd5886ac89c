"""The lab's two vocabularies: one token per character of the text, or our corpus BPE.

Both round-trip the text they were built for and take reader text as plain text. Not handled:
characters the character vocabulary never saw (they are dropped when encoding), and training a
new BPE per run (the BPE is the committed one in assets/tokenizer).
"""
from __future__ import annotations

import numpy as np
from tokenizers import Tokenizer

from engine import ourtokenizer

VOCABULARIES = {"characters": "Characters of the text", "bpe": "Our BPE (4,096 tokens)"}


class VocabularyError(ValueError):
    """A vocabulary cannot be had; the message says why (and how to rebuild) in plain words."""


class CharVocab:
    """One token per distinct character of the text: a vocabulary of a few dozen symbols.

    Built from the whole text (training and held-out part), like knowing the
    alphabet before reading; every string of those characters round-trips.
    """

    kind = "characters"

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self._index = {c: i for i, c in enumerate(self.chars)}

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        return np.array([self._index[c] for c in text if c in self._index], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class BpeVocab:
    """Our corpus BPE (assets/tokenizer, 4,096 tokens). A typed "<|endoftext|>" stays plain text:
    we encode with special tokens off, so a reader cannot inject the document separator."""

    kind = "bpe"

    def __init__(self):
        if not ourtokenizer.TOKENIZER_FILE.is_file():
            raise VocabularyError(f"Our BPE tokenizer is not built. Build it with: {ourtokenizer.REBUILD_COMMAND}")
        self._tok = Tokenizer.from_file(str(ourtokenizer.TOKENIZER_FILE))  # our own copy
        self._tok.encode_special_tokens = True

    @property
    def size(self) -> int:
        return self._tok.get_vocab_size()

    def encode(self, text: str) -> np.ndarray:
        return np.array(self._tok.encode(text, add_special_tokens=False).ids, dtype=np.int64)

    def decode(self, ids) -> str:
        return self._tok.decode([int(i) for i in ids], skip_special_tokens=False)


def make_vocab(kind: str, text: str) -> CharVocab | BpeVocab:
    """The vocabulary `kind` ("characters" or "bpe") for `text`; VocabularyError if unknown or unbuilt."""
    if kind == "characters":
        return CharVocab(text)
    if kind == "bpe":
        return BpeVocab()
    raise VocabularyError(f"Unknown vocabulary {kind!r}; choose one of {', '.join(VOCABULARIES)}.")
