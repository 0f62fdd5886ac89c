"""Probes on a tiny stand-in model: distributions, sampling transforms,
continuation log-probabilities, per-position loss, and hostile text."""
import math

import numpy as np
import pytest
import torch

from engine import probes
from tests import tiny_lm


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return tiny_lm.build(tmp_path_factory.mktemp("tiny_lm"))


@pytest.fixture(scope="module")
def lm(tiny_dir):
    return tiny_lm.load(tiny_dir)


def test_distribution_sums_to_one_and_top_is_sorted(lm):
    d = probes.next_token_distribution(lm, "And the LORD said unto", top_k=8)
    assert d.probs.shape[0] == len(lm.tokenizer)
    assert d.probs.sum() == pytest.approx(1.0, abs=1e-9)
    probs = [t.prob for t in d.top]
    assert probs == sorted(probs, reverse=True) and len(probs) == 8
    assert d.top_mass == pytest.approx(sum(probs))
    assert 0 < d.entropy_bits <= math.log2(len(lm.tokenizer)) + 1e-9
    assert d.rank_of(d.top[0].token_id) == 1
    # matches the model's own forward pass
    ids = probes.encode_plain(lm.tokenizer, "And the LORD said unto")
    with torch.no_grad():
        ref = torch.softmax(lm.model(torch.tensor([ids])).logits[0, -1], -1)
    assert d.probs[d.top[0].token_id] == pytest.approx(float(ref[d.top[0].token_id]), rel=1e-4)


def test_empty_prefix_uses_start_token(lm):
    d = probes.next_token_distribution(lm, "")
    assert d.prefix.used_start_token and d.prefix.ids == [lm.tokenizer.eos_token_id]


def test_special_token_text_is_plain_text(lm):
    ids = probes.encode_plain(lm.tokenizer, "<|endoftext|>")
    assert lm.tokenizer.eos_token_id not in ids and len(ids) > 1
    # and the shared tokenizer still recognises it where the engine asks for it
    assert lm.tokenizer("<|endoftext|>")["input_ids"] == [lm.tokenizer.eos_token_id]


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "\ud800 lone", "a\u200db family 👨\u200d👩\u200d👧",
    "שלום עולם", "\x00\x07\x1b[31m", "x" * 5000,
])
def test_hostile_prefixes_never_crash(lm, text):
    from engine.textinput import clean_user_text

    text, _ = clean_user_text(text)
    d = probes.next_token_distribution(lm, text)
    assert d.probs.sum() == pytest.approx(1.0, abs=1e-9)
    assert len(d.prefix.ids) <= probes.context_length(lm.model)
    for t in d.top:
        assert isinstance(t.text, str)


def test_long_prefix_keeps_last_tokens(lm):
    d = probes.next_token_distribution(lm, "the cat sat " * 200)
    assert d.prefix.dropped > 0 and len(d.prefix.ids) == probes.context_length(lm.model)


def test_partial_utf8_token_shown_as_bytes(lm):
    # byte-level base alphabet: single bytes 0xE2 (start of a 3-byte character)
    vocab = lm.tokenizer.get_vocab()
    tid = vocab["â"]  # GPT-2 byte alphabet's symbol for byte 0xE2
    assert probes.token_piece(lm.tokenizer, tid) == "⟨bytes e2⟩"


def test_reshape_temperature_topk_topp():
    logits = np.log(np.array([0.5, 0.25, 0.15, 0.1]))
    same = probes.reshape(logits)
    assert np.allclose(same, [0.5, 0.25, 0.15, 0.1])
    greedy = probes.reshape(logits, temperature=0)
    assert greedy.tolist() == [1, 0, 0, 0]
    hot = probes.reshape(logits, temperature=2.0)
    cold = probes.reshape(logits, temperature=0.5)
    assert hot[0] < 0.5 < cold[0]
    k2 = probes.reshape(logits, top_k=2)
    assert np.allclose(k2, [2 / 3, 1 / 3, 0, 0])
    p = probes.reshape(logits, top_p=0.7)  # 0.5 < 0.7 <= 0.75: keep two
    assert np.allclose(p, [2 / 3, 1 / 3, 0, 0])
    p_small = probes.reshape(logits, top_p=0.01)  # always at least one token
    assert p_small.tolist() == [1, 0, 0, 0]
    both = probes.reshape(logits, top_k=3, top_p=0.9)
    assert (both > 0).sum() == 3 and both.sum() == pytest.approx(1)


def test_sample_respects_support():
    rng = np.random.default_rng(0)
    probs = np.array([0.0, 0.7, 0.3, 0.0])
    draws = {probes.sample(probs, rng) for _ in range(50)}
    assert draws <= {1, 2}


def test_continuation_logprob_is_chain_rule(lm):
    score = probes.continuation_logprob(lm, "The cat sat on the", " mat.")
    assert len(score.tokens) >= 1
    # first token's log-prob equals the next-token distribution's
    d = probes.next_token_distribution(lm, "The cat sat on the")
    first = score.tokens[0]
    assert first.logprob == pytest.approx(math.log(d.prob_of(first.token_id)), abs=1e-4)
    assert score.total_bits == pytest.approx(score.total_nats / math.log(2))
    assert probes.continuation_logprob(lm, "x", "").tokens == []


def test_per_position_loss_and_mask(lm):
    pl = probes.per_position_loss(lm, "The dog sat on the mat. " * 20, max_tokens=48)
    assert len(pl.tokens) == 48 and pl.truncated > 0
    assert all(l >= 0 for l in pl.losses)
    m = probes.causal_mask(4)
    assert m.tolist() == [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    assert probes.per_position_loss(lm, "").tokens == []


def test_per_position_loss_depends_only_on_left(lm):
    a = probes.per_position_loss(lm, "The cat sat on the mat.")
    b = probes.per_position_loss(lm, "The cat sat on the rug and more words")
    n = 5  # "The cat sat on the" tokens are shared
    assert a.losses[:n] == pytest.approx(b.losses[:n], abs=1e-5)
