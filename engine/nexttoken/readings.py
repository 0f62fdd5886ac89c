"""The next-token page's readings: each sentence it prints about a measured result (a
distribution, a score, a gradient step), computed here from engine.probes' and engine.nudge's
typed results so a test can check the words against the numbers.

Wording as the page had it (a later pass revises it). Reader and model text inside a sentence is
passed through textinput.token_markdown (markdown) or shown with visible_text and !r (alt texts).
"""
from __future__ import annotations

import numpy as np

from engine import probes
from engine.textinput import token_markdown as md
from engine.nudge import NudgeResult, Target, WatchedWord
from engine.textinput import visible_text


# ------------------------------------------------ 1. one prediction

def start_token_note(dist: probes.NextTokenDistribution, tokenizer) -> str | None:
    """Why an empty prefix still gets a prediction; None when the prefix has tokens."""
    if not dist.prefix.used_start_token:
        return None
    return ("The prefix is empty, and a model needs at least one token to predict from. So it starts from "
            f"the start-of-document token ({md(probes.token_piece(tokenizer, dist.prefix.ids[0]))}): these are its "
            "guesses for the very first token of a new text.")


def dropped_note(dist: probes.NextTokenDistribution) -> str | None:
    """How much of a long prefix the window left out; None when it all fits."""
    if not dist.prefix.dropped:
        return None
    return (f"The prefix is longer than the model's window; only its last {len(dist.prefix.ids):,} tokens "
            f"are read ({dist.prefix.dropped:,} dropped).")


def top_alt(dist: probes.NextTokenDistribution) -> str:
    top = dist.top
    return (f"Top {len(top)} next tokens: most likely {visible_text(top[0].text)!r} at {top[0].prob:.1%}; "
            f"these {len(top)} hold {dist.top_mass:.1%} of the probability; entropy {dist.entropy_bits:.2f} bits.")


# ------------------------------------------------ 2. sampling settings

def kept(reshaped: np.ndarray) -> int:
    """How many tokens keep any chance after the sampling settings."""
    return int((reshaped > 0).sum())


def reshape_alt(reshaped: np.ndarray, *, vocab_size: int, temperature: float, top_k: int, top_p: float) -> str:
    return (f"Before and after temperature {temperature:g}, top-k {top_k or 'off'}, top-p {top_p:g}: "
            f"{kept(reshaped):,} of {vocab_size:,} tokens can still be drawn; the likeliest now has "
            f"{reshaped.max():.1%}.")


def reshape_caption(reshaped: np.ndarray, dist: probes.NextTokenDistribution, *, vocab_size: int) -> str:
    return (f"After these settings {kept(reshaped):,} of {vocab_size:,} tokens keep any chance; "
            f"entropy {probes.entropy_bits(reshaped):.2f} bits (was {dist.entropy_bits:.2f}).")


def draws_sentence(tokenizer, draws: list[int]) -> str:
    return "Twelve draws with these settings: " + " , ".join(md(probes.token_piece(tokenizer, d)) for d in draws)


# ------------------------------------------------ 4. a whole continuation

def continuation_total(score: probes.ContinuationScore) -> str:
    """The continuation's log-probability in nats and bits, and as odds."""
    p_total = float(np.exp(score.total_nats))
    odds = (f" (about 1 in {1 / p_total:,.0f})." if 1e-6 < p_total < 0.5
            else f" (about 1 in {1 / p_total:.1e})." if 0 < p_total <= 1e-6 else ".")
    return (f"Total: **{score.total_nats:.2f} nats = {score.total_bits:.2f} bits**, a probability of "
            f"{p_total:.3g}" + odds)


def continuation_dropped(score: probes.ContinuationScore) -> str | None:
    if not score.dropped:
        return None
    return f"{score.dropped} tokens at the end were left out to fit the model's window."


# ------------------------------------------------ 5. the causal view

def mask_alt(n: int) -> str:
    return (f"Causal mask for {n} tokens: a lower triangle, so the prediction of each token sees the "
            "start token and the tokens before it, never the ones after.")


def surprise_alt(pl: probes.PositionLoss) -> str:
    bits = [t.bits for t in pl.tokens]
    worst = int(np.argmax(bits))
    return (f"Loss at each of {len(bits)} positions; the most surprising token is "
            f"{visible_text(pl.tokens[worst].text)!r} at {bits[worst]:.1f} bits; "
            f"the average is {np.mean(bits):.2f} bits per token.")


def average_loss_caption(pl: probes.PositionLoss) -> str:
    return (f"Average loss: {pl.mean_loss:.2f} nats = {np.mean([t.bits for t in pl.tokens]):.2f} bits per token. "
            "Pretraining lowers exactly this average, over billions of positions.")


# ------------------------------------------------ 6. the one-step microscope

def target_note(target: Target) -> str:
    """Which token the step pushes up, and what became of the reader's word on the way."""
    note = f"The step pushes up the token **{md(target.piece)}**"
    if target.added_space:
        note += " (with the space a word carries after another word)"
    if target.n_tokens > 1:
        note += f". Your target is {target.n_tokens} tokens long; the step nudges only its first token"
    return note + "."


def standing(now: probes.NextTokenDistribution, target: Target, *, steps: int, vocab_size: int) -> str:
    """Where the target stands now in this reader's copy."""
    return (f"Right now (after {steps} step{'s' if steps != 1 else ''} in your session): "
            f"p(target) = **{now.prob_of(target.token_id):.2%}**, rank **{now.rank_of(target.token_id):,}** "
            f"of {vocab_size:,}.")


def other_step_caption(result: NudgeResult, prefix: str, target: Target) -> str | None:
    """Said when the result shown is from a step on another prefix or target than the boxes hold now."""
    if result.prefix == prefix and result.target.token_id == target.token_id:
        return None
    return ("This is the last step you took, on its own prefix and target: "
            f"{md(result.prefix)} → {md(result.target.piece)}")


def overshoot_warning(result: NudgeResult) -> str | None:
    """Said when the step made the target less likely (the learning rate overshot)."""
    if result.p_after >= result.p_before:
        return None
    return ("The step made the target *less* likely: the learning rate was so large that the step "
            "jumped past the low point of the loss. Try a smaller one.")


def step_alt(result: NudgeResult) -> str:
    return (f"One step at learning rate {result.lr:g} moved p({visible_text(result.target.piece)!r}) "
            f"from {result.p_before:.2%} to {result.p_after:.2%}; the other top tokens share the loss.")


def related_heading(result: NudgeResult) -> str:
    return f"**Other prefixes**: the same step changed p({md(result.target.piece)}) after these too."


# ------------------------------------------------ 6b. words like the target, and words unlike it

NOISE_FLOOR = 0.01  # log-ratio gaps below this (1%) count as no difference even when the words agree exactly


def split_words(text: str) -> list[str]:
    """A box of words separated by commas or new lines, as a list (blanks dropped)."""
    return [w.strip() for w in text.replace("\n", ",").split(",") if w.strip()]


def group_logs(watched: list[WatchedWord], words: list[str]) -> list[float]:
    """ln(after / before) for each of `words` that was watched (matched without the leading space)."""
    by_word = {w.text.strip(): w for w in watched}
    return [float(np.log(by_word[w].ratio)) for w in words
            if w in by_word and by_word[w].p_before > 0 and by_word[w].p_after > 0]


def group_comparison(like: list[float], unlike: list[float]) -> tuple[float, float, str]:
    """(gap, pooled SD, verdict) for two groups of log-ratios: "like", "unlike" (that group rose more, by over
    twice the pooled spread of the words within the groups and over NOISE_FLOOR) or "noise"."""
    gap = float(np.mean(like) - np.mean(unlike))
    dof = len(like) + len(unlike) - 2
    pooled = float(np.sqrt((np.var(like) * len(like) + np.var(unlike) * len(unlike)) / dof)) if dof > 0 else 0.0
    if abs(gap) <= max(2 * pooled, NOISE_FLOOR):
        return gap, pooled, "noise"
    return gap, pooled, "like" if gap > 0 else "unlike"


def _times(logs: list[float]) -> str:
    return f"{float(np.exp(np.mean(logs))):.2f} times as likely"


def words_reading(result: NudgeResult, like: list[str], unlike: list[str]) -> str | None:
    """What the step did to words like the target against words unlike it, computed from the measured
    probabilities (each word scored as a whole continuation); None when either group has no word."""
    a, b = group_logs(result.watched, like), group_logs(result.watched, unlike)
    if not a or not b:
        return None
    gap, pooled, verdict = group_comparison(a, b)
    said = (f"After this step the {len(a)} words like the target became on average {_times(a)} as before, "
            f"the {len(b)} words unlike it {_times(b)} (the table below has each word). ")
    spread = (f"(a gap of {abs(gap):.2f} in log-probability; a group counts as ahead only past twice the spread "
              f"among the words within a group, here 2 × {pooled:.2f})")
    if verdict == "like":
        return said + f"The words like the target gained more, by more than the spread within each group {spread}."
    if verdict == "unlike":
        return said + (f"The words *unlike* the target gained more, by more than the spread within each group "
                       f"{spread}: this step does not favour the target's neighbours.")
    return said + (f"The difference between the groups is within the noise {spread}: this one step does not "
                   "rank the words like the target above the others.")
