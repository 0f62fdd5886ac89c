"""Train a small byte-level BPE tokenizer, then replay its merges one at a time.

Training uses the `tokenizers` library (fast, the field's tool). The replay is
a separate, plain-Python teaching path in the style of minbpe: it applies the
learned merges in order to a text and records, for each merge, which pair was
joined, how often that pair occurred at that moment, and the new token.

Not handled: special tokens, normalisation, and GPT-4-style regexes; the
pre-tokenizer is GPT-2's (split into words, numbers, punctuation, spaces).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from engine import corpus, datapack

N_BYTES = 256  # every byte is a token before any merge: nothing is ever unknown


@lru_cache(maxsize=1)
def _byte_to_char() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters.

    Byte-level BPE libraries store tokens as strings; bytes that are spaces or
    control characters are shifted to visible characters (a space is "Ġ").
    """
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    mapping, shift = {}, 0
    for b in range(256):
        if b in keep:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + shift)
            shift += 1
    return mapping


@lru_cache(maxsize=1)
def _char_to_byte() -> dict[str, int]:
    return {c: b for b, c in _byte_to_char().items()}


def symbol_to_bytes(symbol: str) -> bytes:
    """A byte-level token string (like "Ġthe") back to its bytes (b" the")."""
    table = _char_to_byte()
    return bytes(table[c] for c in symbol)


def _pre_tokenizer() -> pre_tokenizers.ByteLevel:
    return pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)


def _tokenizer_from(merges: Sequence[tuple[str, str]]) -> Tokenizer:
    """A tokenizers BPE model holding the 256 bytes plus the given merges."""
    vocab = {c: i for i, c in enumerate(sorted(_char_to_byte()))}
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=list(merges)))
    tok.pre_tokenizer = _pre_tokenizer()
    tok.decoder = decoders.ByteLevel()
    return tok


@dataclass
class TrainedBPE:
    """What training learned: merges in order (as byte-level strings)."""

    merges: list[tuple[str, str]]
    requested_vocab_size: int
    _prefix_cache: dict[int, Tokenizer] = field(default_factory=dict, repr=False)

    @property
    def vocab_size(self) -> int:
        """256 bytes plus one token per merge (may be under the request when
        the text ran out of pairs worth merging)."""
        return N_BYTES + len(self.merges)

    @property
    def vocab(self) -> dict[bytes, int]:
        """token bytes -> id; ids 0..255 are the bytes, merge i makes id 256 + i."""
        out = {bytes([b]): b for b in range(N_BYTES)}
        for i, (left, right) in enumerate(self.merges):
            out[symbol_to_bytes(left + right)] = N_BYTES + i
        return out

    def merge_bytes(self, i: int) -> tuple[bytes, bytes, bytes]:
        left, right = self.merges[i]
        lb, rb = symbol_to_bytes(left), symbol_to_bytes(right)
        return lb, rb, lb + rb

    def tokenizer(self, n_merges: int | None = None) -> Tokenizer:
        """A fast tokenizers model using only the first `n_merges` merges."""
        k = len(self.merges) if n_merges is None else max(0, min(n_merges, len(self.merges)))
        if k not in self._prefix_cache:
            self._prefix_cache[k] = _tokenizer_from(self.merges[:k])
        return self._prefix_cache[k]

    def encode(self, text: str, n_merges: int | None = None) -> list[bytes]:
        """The text as token bytes, after the first `n_merges` merges (all if None)."""
        return [symbol_to_bytes(s) for s in self.tokenizer(n_merges).encode(text).tokens]


def train_bpe(text: str | Iterable[str], vocab_size: int, *, min_frequency: int = 2) -> TrainedBPE:
    """Train byte-level BPE on a text or an iterator of texts.

    `vocab_size` counts the 256 byte tokens; pairs seen fewer than
    `min_frequency` times are not merged, so a short text may stop early.
    """
    if vocab_size < N_BYTES:
        raise ValueError(f"vocab_size must be at least {N_BYTES} (one token per byte).")
    texts = [text] if isinstance(text, str) else text
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = _pre_tokenizer()
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    raw = json.loads(tok.to_str())["model"]["merges"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in raw]
    return TrainedBPE(merges=merges, requested_vocab_size=vocab_size)


# ---------------------------------------------------------------- replay


@dataclass(frozen=True)
class MergeStep:
    """One merge as the replay saw it."""

    rank: int  # 0 for the first merge; the new token's id is 256 + rank
    left: bytes
    right: bytes
    count: int  # how often the pair stood side by side in the text just then

    @property
    def new(self) -> bytes:
        return self.left + self.right

    @property
    def new_id(self) -> int:
        return N_BYTES + self.rank


def words_of(text: str) -> Counter[bytes]:
    """The pre-tokenizer's pieces (words, numbers, spaces) with their counts.
    Merges never cross a piece boundary, so each piece is counted once."""
    return Counter(symbol_to_bytes(piece) for piece, _ in _pre_tokenizer().pre_tokenize_str(text))


def replay_merges(text: str, model: TrainedBPE, *, max_merges: int | None = None) -> list[MergeStep]:
    """Apply the learned merges one by one to `text`, minbpe-style, and record
    the count of each pair at the moment it is merged.

    Kept incremental (pair counts and which words hold each pair are updated
    only where a merge happened) so a few thousand merges on tens of
    thousands of characters replay in about a second.
    """
    word_counts = words_of(text)
    words: list[list[bytes]] = [[bytes([b]) for b in w] for w in word_counts]
    freq: list[int] = list(word_counts.values())

    pair_counts: Counter[tuple[bytes, bytes]] = Counter()
    where: dict[tuple[bytes, bytes], set[int]] = defaultdict(set)
    for i, w in enumerate(words):
        for pair in zip(w, w[1:]):
            pair_counts[pair] += freq[i]
            where[pair].add(i)

    n = len(model.merges) if max_merges is None else min(max_merges, len(model.merges))
    steps: list[MergeStep] = []
    for rank in range(n):
        left, right, new = model.merge_bytes(rank)
        pair = (left, right)
        steps.append(MergeStep(rank, left, right, pair_counts.get(pair, 0)))
        for i in where.pop(pair, ()):
            w, f = words[i], freq[i]
            for p in zip(w, w[1:]):  # forget this word's old pairs
                pair_counts[p] -= f
            words[i] = w = merge_pair(w, pair)
            for p in zip(w, w[1:]):  # and count its new ones
                pair_counts[p] += f
                where[p].add(i)
        pair_counts.pop(pair, None)
    return steps


def merge_pair(tokens: list[bytes], pair: tuple[bytes, bytes]) -> list[bytes]:
    """Replace every left-to-right occurrence of `pair` by the joined token."""
    out, i = [], 0
    while i < len(tokens):
        if i + 1 < len(tokens) and tokens[i] == pair[0] and tokens[i + 1] == pair[1]:
            out.append(pair[0] + pair[1])
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return out


def chars_per_token(text: str, model: TrainedBPE, n_merges: int | None = None) -> float:
    """Compression: how many characters one token carries on average."""
    n_tokens = len(model.tokenizer(n_merges).encode(text).ids)
    return len(text) / n_tokens if n_tokens else 0.0


def compression_curve(text: str, model: TrainedBPE, vocab_sizes: Iterable[int]) -> list[tuple[int, float]]:
    """(vocabulary size, chars per token) for prefixes of the learned merges.

    BPE merges are learned in order, so a tokenizer with a smaller vocabulary
    is just the first merges of a bigger one: one training run gives the curve.
    """
    points = []
    for v in sorted(set(vocab_sizes)):
        k = min(max(v - N_BYTES, 0), len(model.merges))
        points.append((N_BYTES + k, chars_per_token(text, model, k)))
    # sizes beyond what was learned collapse onto the last point
    return sorted(dict(points).items())


def corpus_text(source: str, *, max_chars: int) -> str:
    """Up to `max_chars` of one data-pack corpus as plain text, documents in
    their reading order, for training a tokenizer on something bigger than a
    text box. Raises datapack.MissingSourceError when it is not fetched."""
    parts, total = [], 0
    for doc in corpus.READERS[source](datapack.source_dir(source)):
        parts.append(doc.text)
        total += len(doc.text) + 2
        if total >= max_chars:
            break
    return "\n\n".join(parts)[:max_chars]
