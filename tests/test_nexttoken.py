"""engine.nexttoken: the next-token page's readings, views and session helpers, fed the probes'
and nudge's results on a tiny stand-in model, and the microscope's example held against the
committed base model."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine import nudge, probes
from engine.models import weights_fingerprint
from engine import textinput
from engine.nexttoken import examples, readings, session, views
from tests import tiny_lm

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    return tiny_lm.load(tiny_lm.build(tmp_path_factory.mktemp("tiny_nexttoken")))


def test_markdown_and_label_text_is_inert():
    assert textinput.token_markdown("**[x](javascript:1)**") == "\\*\\*\\[x\\]\\(javascript\\:1\\)\\*\\*"
    assert textinput.token_markdown(" a\n") == "·a↵"
    assert textinput.token_label("<b> x") == "&lt;b&gt;·x"


def test_distribution_readings(lm):
    dist = probes.next_token_distribution(lm, "The cat sat on the", top_k=5)
    top = dist.top[0]
    alt = readings.top_alt(dist)
    assert alt.startswith(f"Top 5 next tokens: most likely {textinput.visible_text(top.text)!r} at {top.prob:.1%}")
    assert f"entropy {dist.entropy_bits:.2f} bits" in alt
    assert readings.start_token_note(dist, lm.tokenizer) is None and readings.dropped_note(dist) is None
    empty = probes.next_token_distribution(lm, "")
    assert "start-of-document token (\\<\\|endoftext\\|\\>)" in readings.start_token_note(empty, lm.tokenizer)
    long = probes.next_token_distribution(lm, "the cat " * 200)
    assert readings.dropped_note(long) == (f"The prefix is longer than the model's window; only its last 64 tokens "
                                           f"are read ({long.prefix.dropped:,} dropped).")


def test_sampling_readings_count_what_is_kept(lm):
    dist = probes.next_token_distribution(lm, "The cat sat on the")
    reshaped = probes.reshape(dist.logits, top_k=3)
    v = len(lm.tokenizer)
    assert readings.kept(reshaped) == 3
    assert f"3 of {v:,} tokens can still be drawn" in readings.reshape_alt(reshaped, vocab_size=v, temperature=1,
                                                                           top_k=3, top_p=1)
    assert readings.reshape_caption(reshaped, dist, vocab_size=v).startswith(f"After these settings 3 of {v:,}")
    order = views.reshape_order(dist, reshaped, top_k=10)
    assert order[:10] == [t.token_id for t in dist.top] and len(order) == len(set(order)) <= 15
    assert readings.draws_sentence(lm.tokenizer, [dist.top[0].token_id]).startswith("Twelve draws")


def test_continuation_total_matches_the_score(lm):
    score = probes.continuation_logprob(lm, "The cat sat on the", " mat.")
    p = math.exp(score.total_nats)
    total = readings.continuation_total(score)
    assert f"**{score.total_nats:.2f} nats = {score.total_bits:.2f} bits**" in total and f"{p:.3g}" in total
    assert readings.continuation_dropped(score) is None
    table = views.continuation_table(score)
    assert list(table.columns) == ["token", "probability", "log-prob (nats)", "surprise (bits)"]
    assert table["log-prob (nats)"].sum() == pytest.approx(score.total_nats)


def test_causal_view_readings(lm):
    pl = probes.per_position_loss(lm, "The king said unto his servants")
    bits = [t.bits for t in pl.tokens]
    worst = int(np.argmax(bits))
    assert f"the most surprising token is {textinput.visible_text(pl.tokens[worst].text)!r}" in readings.surprise_alt(pl)
    assert readings.average_loss_caption(pl).startswith(f"Average loss: {pl.mean_loss:.2f} nats = {np.mean(bits):.2f}")
    assert readings.mask_alt(len(bits)).startswith(f"Causal mask for {len(bits)} tokens")
    mask = views.causal_mask(pl, color="#000000").data[0].z
    assert mask.shape == (len(bits), len(bits) + 1) and mask[0].sum() == 1 and mask[-1].sum() == len(bits)


def test_microscope_readings_and_session(lm):
    state: dict = {}
    target = nudge.resolve_target(lm.tokenizer, "The cat sat on the", "rug")
    assert readings.target_note(target) == "The step pushes up the token **·rug** (with the space a word carries after another word)."
    shared = weights_fingerprint(lm.model)
    assert session.microscope(state, lm) is None
    first = session.take_step(state, lm, "The cat sat on the", target, lr=0.05, related=["The dog sat on the"])
    result = first["result"]
    assert first["steps"] == 1 and result.p_after > result.p_before
    assert weights_fingerprint(lm.model) == shared  # the step went to the session's copy
    assert session.take_step(state, lm, "The cat sat on the", target, lr=0.05, related=[])["lm"] is first["lm"]
    now = probes.next_token_distribution(state["nudge_state"]["lm"], "The cat sat on the")
    assert readings.standing(now, target, steps=2, vocab_size=len(lm.tokenizer)).startswith(
        f"Right now (after 2 steps in your session): p(target) = **{now.prob_of(target.token_id):.2%}**")
    assert readings.overshoot_warning(result) is None
    assert readings.other_step_caption(result, "The cat sat on the", target) is None
    assert "→ ·rug" in readings.other_step_caption(result, "The dog", target)
    assert f"from {result.p_before:.2%} to {result.p_after:.2%}" in readings.step_alt(result)
    assert views.related_table(result)["p(target) after"].tolist() == [result.related[0].p_after]
    session.reset(state)
    assert session.microscope(state, lm) is None


def test_generation_appends_within_the_bound_and_undoes():
    state = {"prefix": "ab"}
    assert session.append_text(state, "c", key="prefix", default="", max_chars=3) is None
    assert state["prefix"] == "abc"
    assert "3-character limit" in session.append_text(state, "d", key="prefix", default="", max_chars=3)
    session.undo(state, key="prefix")
    assert state["prefix"] == "ab"
    fixed = {"target": "a\ud800", "other": 1}
    assert session.repair_surrogates(fixed, ("target", "other", "missing")) and fixed["target"] == "a\ufffd"


def _result(watched):
    return nudge.NudgeResult(prefix="The cat sat on the", target=None, lr=0.001, loss_before=1, loss_after=1,
                             p_before=0.1, p_after=0.2, rank_before=2, rank_after=1, grad_norm=1, changes=[], related=[],
                             top_before=[], top_after=[], watched=watched)


def test_words_reading_says_no_difference_when_all_move_equally():
    flat = _result([nudge.WatchedWord(" " + w, 1, 0.01, 0.012) for w in ("rug", "carpet", "floor", "roof", "wall")])
    text = readings.words_reading(flat, ["rug", "carpet", "floor"], ["roof", "wall"])
    assert "1.20 times as likely" in text and "within the noise" in text and "gained more" not in text
    assert readings.words_reading(flat, ["rug"], []) is None
    assert readings.split_words("rug, carpet\nfloor,, ") == ["rug", "carpet", "floor"]


def test_words_reading_says_ahead_only_past_the_spread():
    clear = _result([nudge.WatchedWord(" rug", 1, 0.01, 0.03), nudge.WatchedWord(" carpet", 1, 0.01, 0.031),
                     nudge.WatchedWord(" roof", 1, 0.01, 0.01), nudge.WatchedWord(" wall", 1, 0.01, 0.0101)])
    assert "The words like the target gained more" in readings.words_reading(clear, ["rug", "carpet"], ["roof", "wall"])
    assert "*unlike* the target gained more" in readings.words_reading(clear, ["roof", "wall"], ["rug", "carpet"])
    noisy = _result([nudge.WatchedWord(" rug", 1, 0.01, 0.05), nudge.WatchedWord(" carpet", 1, 0.01, 0.006),
                     nudge.WatchedWord(" roof", 1, 0.01, 0.01), nudge.WatchedWord(" wall", 1, 0.01, 0.009)])
    assert "within the noise" in readings.words_reading(noisy, ["rug", "carpet"], ["roof", "wall"])


def test_step_watches_words_as_whole_continuations(lm):
    r = nudge.nudge(nudge.session_copy(lm), "The cat sat on the", "mat", lr=0.05, watch=["rug", "catastrophically"])
    assert [w.text for w in r.watched] == [" rug", " catastrophically"] and r.watched[1].n_tokens > 1
    for w in r.watched:
        assert w.p_before == pytest.approx(math.exp(probes.continuation_logprob(lm, "The cat sat on the", w.text).total_nats))
    table = views.watched_table(r, ["rug"])
    assert table["group"].tolist() == ["like the target", "unlike it"]
    assert table["times as likely"].tolist() == pytest.approx([w.p_after / w.p_before for w in r.watched])


@pytest.mark.slow
def test_the_cat_and_mat_example_on_the_committed_base_model():
    """The seed's example on our base model: " mat" rises; whether floor coverings rise more than structural
    exteriors is what the reading says from the numbers (at lr 0.001 the gap is within the word-to-word spread)."""
    if not (ROOT / "assets" / "models" / "base" / "manifest.json").is_file():
        pytest.skip("base model artifact not built: python -m engine build base")
    from engine.models import load_artifact

    base = load_artifact("base")
    target = nudge.resolve_target(base.tokenizer, examples.MICRO_PREFIX, examples.TARGET)
    assert target.n_tokens == 1 and target.piece == " mat"
    like, unlike = readings.split_words(examples.LIKE), readings.split_words(examples.UNLIKE)
    r = nudge.nudge(nudge.session_copy(base), examples.MICRO_PREFIX, target, lr=0.001,
                    related_prefixes=examples.RELATED.splitlines(), watch=like + unlike)
    assert r.p_before == pytest.approx(0.00015, abs=0.00001) and r.p_after == pytest.approx(0.00088, abs=0.00002)
    assert (r.rank_before, r.rank_after) == (998, 268)
    gap, pooled, verdict = readings.group_comparison(readings.group_logs(r.watched, like),
                                                     readings.group_logs(r.watched, unlike))
    assert verdict == "noise" and 0 < gap < 2 * pooled
    text = readings.words_reading(r, like, unlike)
    assert "within the noise" in text and "gained more" not in text
    assert f"a gap of {gap:.2f} in log-probability" in text and f"2 × {pooled:.2f}" in text


@pytest.mark.slow
def test_the_kings_horse_example_on_the_committed_base_model():
    if not (ROOT / "assets" / "models" / "base" / "manifest.json").is_file():
        pytest.skip("base model artifact not built: python -m engine build base")
    from engine.models import load_artifact

    base = load_artifact("base")
    prefix = "And the king rode upon his"
    target = nudge.resolve_target(base.tokenizer, prefix, "horse")
    assert target.n_tokens == 1 and target.piece == " horse"
    related = ["And the queen rode upon her", "The king sat upon his", "And David rode upon his", "The prime minister said"]
    small = nudge.nudge(nudge.session_copy(base), prefix, target, lr=0.001, related_prefixes=related)
    assert small.p_after > 3 * small.p_before and small.rank_after < small.rank_before
    royal, minister = small.related[:3], small.related[3]
    assert all(r.p_after > 2 * r.p_before for r in royal) and minister.p_after < 1e-4
    big = nudge.nudge(nudge.session_copy(base), prefix, target, lr=0.01, related_prefixes=related)
    assert all(r.top_after == " horse" for r in big.related[:3]) and big.related[3].top_after != " horse"
