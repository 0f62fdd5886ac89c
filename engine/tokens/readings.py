"""The tokens page's readings: sentences about what the tokenizers measurably did to the
reader's text, computed here so a test can hold them against the numbers.

Not handled: reader text inside a sentence (none of these quote it).
"""
from __future__ import annotations

from engine.tokens.bpe import TrainedBPE
from engine.tokens.vocabularies import ByteIds, VocabSize


def chips_cut(shown: int, total: int) -> str | None:
    """Said when an encoding has more tokens than the page draws as chips."""
    if total <= shown:
        return None
    return f"Showing the first {shown} of {total:,} tokens; the counts above cover all of them."


def nothing_split(encoding: str) -> str:
    """Said when no character of the text is spread over several tokens."""
    return (f"In {encoding}, every character of this text sits inside a single token. "
            "Try the Chinese or Emoji example.")


def stopped_early(model: TrainedBPE, vocab_size: int) -> str | None:
    """Said when training ran out of pairs seen twice before reaching the vocabulary size asked for."""
    if model.vocab_size >= vocab_size:
        return None
    return (f"Training stopped at {model.vocab_size} tokens ({len(model.merges)} merges): after that no pair "
            "of pieces appeared at least twice. A longer text or a corpus gives more to learn.")


def sentence_length(k: int, tokens: list[bytes], sentence: str) -> str:
    return f"After {k} merges this sentence is **{len(tokens)} tokens** ({len(sentence.encode('utf-8'))} bytes)."


def real_labels(real: list[tuple[int, float, str]]) -> list[str]:
    """One label per real tokenizer point; gpt2, r50k_base and p50k_base sit at almost the same
    vocabulary size, so the first of a group carries all their names and the rest none."""
    labels, seen = [], set()
    for v, _, _ in real:
        group = round(v, -4)
        names = [n.removesuffix("_base") for w, _, n in real if round(w, -4) == group]
        labels.append("" if group in seen else " / ".join(names))
        seen.add(group)
    return labels


def compression_alt(points: list[tuple[int, float]], real: list[tuple[int, float, str]]) -> str:
    """The compression curve's alt text: where your tokenizer starts and ends, and the real ones."""
    first, last = points[0][1], points[-1][1]
    return (
        f"Characters per token on the training text rise from {first:.2f} with 256 byte tokens to "
        f"{last:.2f} with {points[-1][0]} tokens; the real tokenizers, with {min(v for v, _, _ in real):,} "
        f"to {max(v for v, _, _ in real):,} tokens, reach " + ", ".join(f"{n} {r:.2f}" for _, r, n in real) + "."
    )


def vocabulary_range(sizes: list[VocabSize]) -> str:
    """Where real vocabularies stop, from the smallest to the largest example, each named."""
    small, large = min(sizes, key=lambda v: v.size), max(sizes, key=lambda v: v.size)
    listed = "; ".join(f"{v.model} {v.size:,}" for v in sorted(sizes, key=lambda v: v.size))
    counted = [v.model.split(" (")[0] for v in sizes if v.source.startswith("counted")]
    how = (f" The sizes of {', '.join(counted)} are counted here from their tokenizer files; the others are "
           "published figures." if counted else " These are published figures.")
    return (f"Real tokenizers stop somewhere between about {small.size // 1000:,},000 and "
            f"{large.size // 1000:,},000 tokens. For example: {listed}.{how}")


def byte_ids_sentence(ids: ByteIds) -> str:
    """What ids 0-255 are in a byte-level encoding, and what the first merge made."""
    if ids.single_byte_ids != tuple(range(256)):
        return f"In {ids.name}, the 256 raw bytes sit at ids {ids.single_byte_ids[0]} to {ids.single_byte_ids[-1]}."
    first, merged = ids.first.decode("latin-1"), ids.first_merge.decode("utf-8", "replace")
    return (f"In {ids.name}, ids 0 to 255 are the 256 raw bytes, in a fixed order (id 0 is the byte '{first}'), there "
            "before any training. Every id from 256 up is a learned piece, numbered in the order its merge was "
            f"learned: id 256, the first merge, is '{merged}', so a low id above 255 marks a pair that "
            "was very common in the tokenizer's training text.")
