"""The next-token lesson's starting examples: what each box holds before the reader types.

Chosen on the committed base model (assets/models/base); another model gives other numbers.
"""
from __future__ import annotations

PREFIX = "And the LORD spake unto"
CONTINUATION = " Moses, saying"
SENTENCE = "The king said unto his servants, Go and fetch the horse."
# The microscope's example is the classic one: "The cat sat on the" -> " mat". On the committed base model
# (assets/models/base) one step at lr 0.001 lifts " mat" from 0.015% (rank 998) to 0.088% (rank 268).
# The lesson behind it is the ranking: floor coverings should be likelier than structural exteriors. Whether
# one step moves the floor coverings (LIKE) more than the exteriors (UNLIKE) is measured, each word scored as
# a whole continuation, and said by readings.words_reading; on our base model at lr 0.001 the gap is
# within the spread among the words (tests/test_nexttoken.py holds this against the committed model).
MICRO_PREFIX = "The cat sat on the"
TARGET = "mat"
LIKE = "rug, carpet, floor"
UNLIKE = "roof, wall"
RELATED = "The dog sat on the\nThe cat lay on the\nAnd the LORD spake unto"
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
MICROSCOPE_ON_BASE = ("The microscope always uses our base model. Each reader gets a private copy of the model to "
                      "nudge, so that nobody else sees the change; a copy of SmolLM2 would take about 540 MB per "
                      "reader (more with its gradients), while ours costs a few MB.")
