"""Comparing two approaches measured over several seeds: ahead, behind, or within the noise.

A gap between two means is only worth a word when it clears the spread the seeds show:
`compare(a, b)` says "ahead" when mean(a) - mean(b) is more than twice the pooled standard
deviation of the seeds, "behind" when it is less than minus that, else "within the noise".
A fixed number (a baseline such as always answering the commonest label) is passed as a
one-element list: it adds no spread of its own.
Not handled: significance tests or confidence intervals; this is a plain, stated rule of thumb.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

FACTOR = 2.0  # a gap must exceed FACTOR x the pooled standard deviation over seeds
RULE = ("An approach is called ahead of another only when its mean over seeds beats the other's by more than "
        "twice the seeds' pooled standard deviation; a smaller gap is within the noise.")
AHEAD, BEHIND, NOISE = "ahead", "behind", "within the noise"


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def pooled_sd(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The two groups' sample standard deviation, pooled by degrees of freedom (None if neither
    group has two values, so there is no spread to judge a gap by)."""
    dof = (len(a) - 1) + (len(b) - 1)
    if dof <= 0:
        return None
    ss = sum((x - mean(a)) ** 2 for x in a) + sum((x - mean(b)) ** 2 for x in b)
    return math.sqrt(ss / dof)


def compare(a_scores: Sequence[float], b_scores: Sequence[float], *, factor: float = FACTOR) -> str:
    """"ahead", "behind" or "within the noise": how a's seeds compare with b's (see the module's rule).
    With no spread measured at all (one value each) nothing can be told apart: within the noise."""
    if not a_scores or not b_scores:
        raise ValueError("compare needs at least one score on each side")
    sd = pooled_sd(a_scores, b_scores)
    gap = mean(a_scores) - mean(b_scores)
    if sd is None or abs(gap) <= factor * sd:
        return NOISE
    return AHEAD if gap > 0 else BEHIND
