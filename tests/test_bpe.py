"""engine.tokens.bpe: byte-level BPE training, merge replay, compression curve."""
from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.tokens.bpe import (
    N_BYTES,
    compression_curve,
    merge_pair,
    replay_merges,
    symbol_to_bytes,
    train_bpe,
    words_of,
)

TEXT = ("the cat sat on the mat. the theme of the thesis is the thing. " * 20) + "naïve café 你好 👋"


@pytest.fixture(scope="module")
def model():
    return train_bpe(TEXT, 320)


def test_training_learns_merges_up_to_the_request(model):
    assert 0 < len(model.merges) <= 320 - N_BYTES
    assert model.vocab_size == N_BYTES + len(model.merges)
    assert len(model.vocab) == model.vocab_size
    assert model.merge_bytes(0)[2] in model.vocab


def test_too_small_vocab_is_refused():
    with pytest.raises(ValueError):
        train_bpe("abc", 100)


def test_train_from_iterator_matches_string():
    a = train_bpe(TEXT, 300)
    b = train_bpe(iter([TEXT]), 300)
    assert a.merges == b.merges


def test_symbol_to_bytes():
    assert symbol_to_bytes("Ġthe") == b" the"
    assert symbol_to_bytes("Ċ") == b"\n"


def test_encode_round_trips_and_shortens(model):
    for k in (0, 5, None):
        assert b"".join(model.encode(TEXT, k)) == TEXT.encode()
    assert len(model.encode(TEXT, 0)) == len(TEXT.encode())  # bytes before any merge
    assert len(model.encode(TEXT)) < len(model.encode(TEXT, 5)) < len(TEXT.encode())


def test_replay_counts_match_a_naive_recount(model):
    steps = replay_merges(TEXT, model)
    assert len(steps) == len(model.merges)
    words = words_of(TEXT)
    toks = {w: [bytes([b]) for b in w] for w in words}
    for step in steps:
        pair = (step.left, step.right)
        naive = sum(f * sum(1 for p in zip(toks[w], toks[w][1:]) if p == pair) for w, f in words.items())
        assert step.count == naive
        toks = {w: merge_pair(t, pair) for w, t in toks.items()}
    assert steps[0].count >= steps[-1].count
    assert steps[0].new_id == N_BYTES and steps[0].new == steps[0].left + steps[0].right


def test_replay_agrees_with_fast_encoder(model):
    """After all merges the replayed words are what tokenizers produces."""
    words = words_of("the theme of the thesis")
    toks = {w: [bytes([b]) for b in w] for w in words}
    for i in range(len(model.merges)):
        left, right, _ = model.merge_bytes(i)
        toks = {w: merge_pair(t, (left, right)) for w, t in toks.items()}
    replayed = [t for w in words for t in toks[w]]
    assert replayed == model.encode("the theme of the thesis")


def test_merge_pair():
    assert merge_pair([b"a", b"a", b"a"], (b"a", b"a")) == [b"aa", b"a"]
    assert merge_pair([b"a", b"b", b"a", b"b"], (b"a", b"b")) == [b"ab", b"ab"]


def test_compression_grows_with_vocabulary(model):
    curve = compression_curve(TEXT, model, [256, 270, 290, 320, 5000])
    sizes = [v for v, _ in curve]
    ratios = [r for _, r in curve]
    assert sizes[0] == 256 and sizes[-1] == model.vocab_size
    assert ratios == sorted(ratios)
    assert ratios[0] == pytest.approx(len(TEXT) / len(TEXT.encode()))


@settings(max_examples=30, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_round_trips(model, text):
    assert b"".join(model.encode(text)) == text.encode()
