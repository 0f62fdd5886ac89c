"""The next-token lesson's starting examples: what each box holds before the reader types.

Chosen on the committed base model (assets/models/base); another model gives other numbers.
"""
from __future__ import annotations

PREFIX = "And the LORD spake unto"
CONTINUATION = " Moses, saying"
SENTENCE = "The king said unto his servants, Go and fetch the horse."
# The microscope's example, in the spirit of "the cat sat on the ... mat":
# a prefix with several sensible next words, one of which we make more likely.
# " horse" is one token in our tokenizer (" throne" is two). On the committed base model one step at
# lr 0.001 lifts it from 0.1% (rank 156) to 0.6% (rank 25), the royal prefixes rise with it and
# "The prime minister said" does not move; by lr 0.01 every royal prefix says "horse" first
# (tests/test_nexttoken.py holds this against the committed model).
MICRO_PREFIX = "And the king rode upon his"
TARGET = "horse"
RELATED = "And the queen rode upon her\nThe king sat upon his\nAnd David rode upon his\nThe prime minister said"
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
