"""The one-step microscope: it raises p(target), works on a session copy,
and the shared model never changes."""
import pytest

from engine import nudge, probes
from engine.models import weights_fingerprint
from tests import tiny_lm


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return tiny_lm.load(tiny_lm.build(tmp_path_factory.mktemp("tiny_nudge")))


def test_step_raises_target_probability(shared):
    mine = nudge.session_copy(shared)
    r = nudge.nudge(mine, "The cat sat on the", "rug", lr=0.05,
                    related_prefixes=["The dog sat on the", "To be, or not"])
    assert r.target.added_space and r.target.piece.startswith(" ")
    assert r.p_after > r.p_before
    assert r.loss_after < r.loss_before
    assert r.rank_after <= r.rank_before
    assert r.grad_norm > 0
    assert len(r.related) == 2 and r.related[0].p_after != r.related[0].p_before
    assert sum(c.change for c in r.changes) == pytest.approx(
        sum(c.after for c in r.changes) - sum(c.before for c in r.changes))


def test_lr_zero_changes_nothing(shared):
    mine = nudge.session_copy(shared)
    r = nudge.nudge(mine, "The cat sat on the", " mat", lr=0.0)
    assert r.p_after == pytest.approx(r.p_before, abs=1e-12)
    assert nudge.parameters_equal(mine.model, shared.model)


def test_multi_token_target_uses_first_token(shared):
    t = nudge.resolve_target(shared.tokenizer, "The", "catastrophically")
    assert t.n_tokens > 1
    assert t.token_id == probes.encode_plain(shared.tokenizer, " catastrophically")[0]
    assert nudge.resolve_target(shared.tokenizer, "x", "") is None
    # a special-token string is plain text here too
    t = nudge.resolve_target(shared.tokenizer, "x ", "<|endoftext|>")
    assert t.token_id != shared.tokenizer.eos_token_id


def test_two_sessions_are_isolated_and_shared_model_untouched(shared):
    fingerprint = weights_fingerprint(shared.model)
    a = nudge.session_copy(shared)
    b = nudge.session_copy(shared)
    for _ in range(3):
        nudge.nudge(a, "The cat sat on the", " rug", lr=0.05)
    pa = probes.next_token_distribution(a, "The cat sat on the")
    pb = probes.next_token_distribution(b, "The cat sat on the")
    ps = probes.next_token_distribution(shared, "The cat sat on the")
    rug = nudge.resolve_target(shared.tokenizer, "The cat sat on the", "rug").token_id
    assert pa.prob_of(rug) > pb.prob_of(rug)
    # session B sees nothing of A's steps (same weights; float sums may differ in the last bits)
    assert nudge.parameters_equal(b.model, shared.model)
    assert pb.prob_of(rug) == pytest.approx(ps.prob_of(rug), rel=1e-6)
    nudge.nudge(b, "The king said unto", " Moses", lr=0.05)
    assert weights_fingerprint(shared.model) == fingerprint
    assert all(p.grad is None for p in shared.model.parameters())
    assert not nudge.parameters_equal(a.model, b.model)


def test_too_large_a_step_can_overshoot(shared):
    """Plain SGD with a big learning rate can jump past the goal: the lesson
    behind the learning-rate control."""
    small = nudge.nudge(nudge.session_copy(shared), "The cat sat on the", "rug", lr=0.05)
    huge = nudge.nudge(nudge.session_copy(shared), "The cat sat on the", "rug", lr=5.0)
    assert small.p_after > small.p_before
    assert huge.p_after < small.p_after
