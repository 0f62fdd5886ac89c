"""engine.stats.compare: ahead only when the mean gap clears twice the seeds' pooled standard deviation."""
from __future__ import annotations

import math

import pytest

from engine import stats


def test_pooled_sd_is_the_sample_sd_pooled_by_degrees_of_freedom():
    a, b = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]
    assert stats.pooled_sd(a, b) == pytest.approx(math.sqrt((2 + 8) / 4))
    assert stats.pooled_sd([1.0, 3.0], [5.0]) == pytest.approx(math.sqrt(2))  # a fixed number adds no spread
    assert stats.pooled_sd([1.0], [2.0]) is None


def test_a_gap_larger_than_twice_the_spread_is_ahead_or_behind():
    assert stats.compare([0.90, 0.91, 0.92], [0.80, 0.81, 0.82]) == "ahead"
    assert stats.compare([0.80, 0.81, 0.82], [0.90, 0.91, 0.92]) == "behind"


def test_a_gap_the_spread_swallows_is_within_the_noise():
    # spam at 32 per class: a 9-point gap with a 12-13 point spread over seeds
    assert stats.compare([0.74, 0.95, 0.95], [0.65, 0.83, 0.90]) == "within the noise"
    assert stats.compare([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]) == "within the noise"  # flat: no difference
    assert stats.compare([0.9], [0.1]) == "within the noise"  # one seed each: no spread to judge by


def test_the_rule_is_exactly_twice_the_pooled_sd():
    a, b = [1.0, 3.0], [0.0, 0.0]  # gap 2, pooled sd 1
    assert stats.compare(a, b) == "within the noise"
    assert stats.compare(a, b, factor=1.9) == "ahead"
    with pytest.raises(ValueError):
        stats.compare([], [1.0])
