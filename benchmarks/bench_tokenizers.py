"""Benchmarks for the tokenizer engine: five tiktoken encodings on 10,000
characters, and byte-level BPE training to a vocabulary of 1,000 on 1 MB.

Run: .venv/bin/python benchmarks/bench_tokenizers.py
Targets (not tests): encodings < 50 ms in total; training < 10 s.
Uses the Shakespeare corpus from the data pack when it is on disk, otherwise
a mixed built-in text repeated to size (said in the output).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.tokens import bpe  # noqa: E402
from engine.tokens import encodings

MIXED = (
    "The quick brown fox jumps over the lazy dog in 2025, 1234567 times. "
    "def mean(xs):\n    return sum(xs) / len(xs)\n"
    "我喜欢读书。 أحب القراءة. मुझे पढ़ना पसंद है। 👨‍👩‍👧‍👦 👍🏽   spaces\n"
)


def text_of(n_chars: int) -> tuple[str, str]:
    try:
        from engine import datapack

        if datapack.is_available("shakespeare"):
            return bpe.corpus_text("shakespeare", max_chars=n_chars), "Shakespeare (data pack)"
    except Exception:
        pass
    return (MIXED * (n_chars // len(MIXED) + 1))[:n_chars], "built-in mixed text"


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    t = time.perf_counter()
    for name in encodings.ENCODING_NAMES:
        encodings.get_encoding(name)
    print(f"load five encodings (first use, incl. cache files): {time.perf_counter() - t:.2f} s")

    for label, (text, src) in (("10k", text_of(10_000)), ("10k mixed", ((MIXED * 200)[:10_000], "built-in mixed text"))):
        total = 0.0
        for name in encodings.ENCODING_NAMES:
            sec = best_of(lambda: encodings.encode_ordinary(text, name), 5)
            total += sec
            print(f"  {name:12s} {len(text):,} chars ({src}): {sec * 1000:6.2f} ms")
        print(f"five encodings, {label}: {total * 1000:.2f} ms total (target < 50 ms)")
        total = sum(best_of(lambda: encodings.token_pieces(text, n), 3) for n in encodings.ENCODING_NAMES)
        print(f"  display tokens (token_pieces) for all five: {total * 1000:.1f} ms")

    text, src = text_of(1_000_000)
    t = time.perf_counter()
    model = bpe.train_bpe(text, 1000)
    sec = time.perf_counter() - t
    print(f"BPE training to vocab {model.vocab_size} on {len(text):,} chars ({src}): {sec:.2f} s (target < 10 s)")
    t = time.perf_counter()
    steps = bpe.replay_merges(text[:50_000], model)
    print(f"  replay of {len(steps)} merges on 50,000 chars: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    bpe.compression_curve(text[:50_000], model, [256 + round(i * 744 / 12) for i in range(13)])
    print(f"  compression curve, 13 points on 50,000 chars: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
