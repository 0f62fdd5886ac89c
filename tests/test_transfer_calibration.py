"""engine.transfer.calibration: try-it answers binned by confidence, and the committed measurement."""
from __future__ import annotations

import pytest

from engine.transfer import calibration, tryit


def test_answers_fall_in_their_confidence_bin():
    binned = calibration.bin_answers([(0.55, True), (0.8, False), (0.95, True), (0.995, False), (1.0, True)])
    assert binned["n"] == 5 and binned["right"] == 3
    assert [(b["n"], b["right"]) for b in binned["bins"]] == [(1, 1), (1, 0), (1, 1), (2, 1)]
    assert calibration.sure_rate(binned) == (2, 1)
    assert calibration.reading(binned).startswith("When it says >99%, it is right 50.0% of the time (1 of 2 test")
    never = calibration.bin_answers([(0.6, True), (0.7, True)])
    assert calibration.reading(never).startswith("It never says >99% on the test texts; right on 100.0%")


def test_frame_has_a_row_per_approach():
    entry = calibration.bin_answers([(0.995, True), (0.6, False)])
    cols = calibration.frame({"bow": entry, "scratch": entry})
    assert cols["approach"] == ["Bag-of-words", "From scratch"]
    assert cols["right when ≥ 99% sure"] == ["100% of 1"] * 2 and cols["right overall"] == ["50.0% of 2"] * 2


def test_a_missing_file_reads_as_nothing(tmp_path):
    assert calibration.load(tmp_path / "none.json") is None
    assert calibration.entries("spam", tmp_path / "none.json") == {}


def test_the_committed_calibration_covers_every_tryit_classifier():
    built = calibration.load()
    if built is None:
        pytest.skip(f"no committed calibration; build it with `{calibration.COMMAND}`")
    manifest = tryit.read_manifest()
    for task, entries in manifest["approaches"].items():
        assert set(built["tasks"][task]) == set(entries)
        for entry in built["tasks"][task].values():
            assert sum(b["n"] for b in entry["bins"]) == entry["n"] and entry["n"] in (427, 500)
    assert built["manifest"]["command"] == calibration.COMMAND and built["manifest"]["git_commit"]


def test_the_calibration_scores_the_same_classifiers_on_the_same_test_texts_as_the_results():
    """Each classifier's share right overall is the committed result of its row (32 per class, seed 0),
    to within two test texts (SmolLM2's features may differ by float rounding between its copies)."""
    from engine.transfer import results as transfer_results

    built = calibration.load()
    if built is None:
        pytest.skip(f"no committed calibration; build it with `{calibration.COMMAND}`")
    results = transfer_results.load_results()
    per_class, seed = built["manifest"]["tryit"]["per_class"], built["manifest"]["tryit"]["seed"]
    for task, entries in built["tasks"].items():
        for approach, entry in entries.items():
            row = next(r for r in results["runs"] if r["task"] == task and r["approach"] == approach
                       and r["per_class"] == per_class and r["seed"] == seed)
            assert entry["n"] == row["n_test"]
            assert abs(entry["right"] - row["accuracy"] * row["n_test"]) <= 2, (task, approach)
