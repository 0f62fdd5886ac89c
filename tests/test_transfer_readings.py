"""The sentences the transfer page prints, fed the committed results (assets/transfer/results.json):
each number in a sentence is the one the results reader computes, each comparison word follows
the numbers, and the approach registry covers every key the committed files store. No Streamlit."""
from __future__ import annotations

import json

import pytest

from engine.transfer import approaches, figures, readings
from engine.transfer import results as transfer_results
from engine.transfer import tryit
from engine.transfer.readings import pts, versus
from lessons import _charts


@pytest.fixture(scope="module")
def results() -> dict:
    return transfer_results.load_results()


def mean(results, task, key, per_class=32, metric="accuracy"):
    return transfer_results.point(results, task, key, per_class, metric)["mean"]


# --- the registry and the committed files -----------------------------------------------------------


def test_every_stored_key_of_the_committed_files_maps_to_an_id():
    raw = json.loads(transfer_results.RESULTS_FILE.read_text(encoding="utf-8"))
    stored = {r["approach"] for r in raw["runs"] + raw["checkpoints"]} | set(raw["recipe"]["approaches"])
    assert stored == {a.stored for a in approaches.APPROACHES.values()}
    assert {approaches.approach_id(k) for k in stored} == set(approaches.APPROACHES)
    assert transfer_results.stored_form(transfer_results.with_ids(raw)) == raw  # the reader's map round-trips


def test_ids_are_stable_and_names_resolve_both_ways():
    assert list(approaches.APPROACHES) == ["bow", "scratch", "ours-frozen", "ours-finetuned", "smollm2-frozen",
                                           "minilm-frozen"]
    for key, a in approaches.APPROACHES.items():
        assert approaches.get(a.stored) is a and approaches.get(key) is a and approaches.label(a.stored) == a.label
        assert hasattr(_charts, a.colour), a.colour  # a palette name
    assert approaches.label("something new") == "something new"  # shown by name, never a crash
    with pytest.raises(ValueError, match="bow"):
        approaches.get("nope")


def test_committed_tryit_files_follow_the_registry_slugs():
    manifest = tryit.read_manifest()
    for task, entries in manifest["approaches"].items():
        assert set(entries) <= set(approaches.APPROACHES)  # mapped to ids on reading
        for key, entry in entries.items():
            assert entry["file"].startswith(f"{task}-{approaches.APPROACHES[key].slug}.")
            assert (tryit.TRYIT_DIR / entry["file"]).is_file()


def test_printed_fetch_commands_are_ones_the_cli_accepts():
    assert tryit.FETCH == {"smollm2": "python -m engine data smollm2", "minilm": "python -m engine data minilm"}


# --- the readings --------------------------------------------------------------------------------------


def test_headline_cells_are_the_results_means(results):
    for task in transfer_results.tasks(results):
        title, cells = readings.headline(results, task, "32", "accuracy")
        assert title == "**Test accuracy with 32 labelled examples per class**:"
        scratch = mean(results, task, "scratch")
        assert cells[0] == ("Old way: from scratch", pts(scratch), None)
        bow = mean(results, task, "bow")
        assert cells[1] == ("Old way: bag-of-words", pts(bow), f"{100 * (bow - scratch):+.1f} vs from scratch")
        best = max(approaches.REAL_BASES, key=lambda k: mean(results, task, k))
        assert cells[3][0] == f"New way: {approaches.label(best)}" and cells[3][1] == pts(mean(results, task, best))


@pytest.mark.parametrize("task", ["spam", "sentiment", "topic"])
def test_reading_quotes_the_measured_numbers_and_compares_them_rightly(results, task):
    text = readings.reading(results, task, "accuracy", 32)
    bow, scratch, ft = (mean(results, task, k) for k in ("bow", "scratch", "ours-finetuned"))
    real = {k: mean(results, task, k) for k in approaches.REAL_BASES}
    best = max(real, key=real.get)
    assert f"bag-of-words scores {pts(bow)} accuracy, {versus(bow, real[best])} {approaches.label(best)}" in text
    assert f"trained from scratch scores {pts(scratch)}" in text
    assert f"it scores {pts(ft)}, {versus(ft, scratch)} from scratch." in text
    opening = {"spam": "**Spam is a task", "topic": "**News sections", "sentiment": "**Sentiment is where"}[task]
    assert text.startswith(opening)


def test_versus_words_follow_the_difference():
    assert versus(0.80, 0.79) == "level with"
    assert versus(0.90, 0.80) == "10 points ahead of"
    assert versus(0.70, 0.80) == "10 points behind"


def test_scale_reading_names_the_trend_the_snapshots_show(results):
    task = sorted({r["task"] for r in results["checkpoints"]})[0]
    rows = readings.gain_points(results, task, "accuracy")
    text = readings.scale_reading(rows, task, results)
    for key in ("ours-finetuned", "ours-frozen"):
        points = [p for p in rows if p["approach"] == key]
        grew = points[-1]["gain"] - points[0]["gain"]
        trend = "grew" if grew > 0.02 else "shrank" if grew < -0.02 else "barely moved"
        assert f"{approaches.label(key)}: the gain {trend}, from {100 * points[0]['gain']:+.1f} points" in text
    alt = readings.checkpoint_alt(rows, results, task, "accuracy")
    assert alt.startswith(f"Gain of our base over from-scratch on {task}")


def test_cost_reading_quotes_the_pretraining_bill(results):
    text = readings.cost_reading(results, transfer_results.cost_table(results))
    pre = results["cost"]["pretraining"]
    assert f"Our base read {pre['tokens_seen'] / 1e6:.1f} million tokens" in text
    assert f"Shared by {len(results['tasks'])} tasks" in text
    assert readings.cost_alt(transfer_results.cost_table(results)).startswith("Compute on a log scale: Pretrain our base")


def test_live_notes_and_table(results):
    assert readings.live_note({"accuracy": 0.9}) == ""
    assert readings.live_note({"steps": 30, "stopped_early": False}) == "30 training steps"
    assert readings.live_note({"steps": 0, "stopped_early": True}).startswith("stopped before its first step")
    assert readings.live_note({"steps": 7, "stopped_early": True}) == "stopped early, after 7 of 30 steps"
    row = {"task": "spam", "approach": "bow", "per_class": 32, "accuracy": 0.9, "seconds": 0.4}
    table = readings.live_table([row], results, "accuracy")
    assert table[0]["approach"] == "Bag-of-words" and table[0]["your accuracy"] == "90.0"
    assert table[0]["committed accuracy"] == readings.spread(transfer_results.point(results, "spam", "bow", 32))
    assert readings.live_summary({"task": "spam", "per_class": 8, "seed": 3, "stopped": True, "seconds": 4.2}) == \
        "Your run: spam, 8 per class, seed 3; you stopped it after 4 s."


def test_curves_alt_and_figure_cover_every_approach(results):
    alt = readings.curves_alt(results, "spam", "macro_f1")
    fig = figures.curves(results, "spam", "macro_f1", "32", [], palette=_charts)
    names = {t.name for t in fig.data}
    for key in transfer_results.approaches(results, "spam"):
        assert approaches.label(key) in alt and approaches.label(key) in names
    assert fig.layout.yaxis.title.text == "Macro-F1"
    assert "Always answering" in alt
