"""The readings (engine.world.readings) fed the committed results in assets/world and
assets/world_tuning: every number a sentence states is the one in the tables."""
from __future__ import annotations

import pytest

from engine.world import readings as rd
from engine.world import results as wr
from engine.world import tuning_results as tr
from lanes import needs_world

pytestmark = needs_world


@pytest.fixture(scope="module")
def results():
    return wr.load_results()


@pytest.fixture(scope="module")
def buckets():
    return sorted(wr.load_world().stats()["facts_by_exposure"])


@pytest.fixture(scope="module")
def tuning():
    return tr.load_results()


def mean_acc(mean, style, exposure, column="accuracy_mean"):
    rows = mean[(mean["style"] == style) & (mean["exposure"] == exposure)]
    return float(rows[column].iloc[0])


def test_recall_reading_states_the_least_and_most_read_cells(results, buckets):
    mean = results["recall_mean"]
    lo, hi = buckets[0], buckets[-1]
    text = rd.recall_reading(mean, n_seeds=3, buckets=buckets)
    assert text.startswith("Measured here (accuracy, mean of 3 seeds)")
    for style, exposure in (("trained", lo), ("trained", hi), ("new", lo), ("new", hi), ("trained", 0)):
        assert f"**{mean_acc(mean, style, exposure):.0%}**" in text
    assert f"read {lo}×" in text and f"read {hi}×" in text
    assert f"guessing scores about {float(mean['chance'].mean()):.0%}" in text
    # recall really grows with exposure in the committed build, and the sentence shows it in order
    assert mean_acc(mean, "trained", hi) > mean_acc(mean, "trained", lo)
    assert text.index(f"{mean_acc(mean, 'trained', lo):.0%}") < text.index(f"{mean_acc(mean, 'trained', hi):.0%}")


def test_recall_alt_follows_the_measure(results, buckets):
    mean = results["recall_mean"]
    alt = rd.recall_alt(mean, "mean_rank", n_seeds=3, buckets=buckets)
    assert alt.startswith("Rank of the truth by how many documents")
    assert f"{mean_acc(mean, 'trained', buckets[-1], 'mean_rank_mean'):.1f} at {buckets[-1]}×" in alt
    assert "not measured" in rd.recall_alt(mean.iloc[0:0], "accuracy", n_seeds=0, buckets=buckets)


def test_hallucination_reading_compares_strangers_with_known_people(results):
    hall = rd.hallucination_table(results["hallucination_mean"])
    assert list(hall["group"])[:1] == ["never read (held out)"]
    never = hall[hall["group"] == "never read (held out)"].iloc[0]
    known = hall[hall["group"] == "all known people"].iloc[0]
    text = rd.hallucination_reading(hall, n_seeds=3, chance=0.04)
    assert f"takes **{never['top_prob_mean']:.0%}** of the probability it shares out among the candidate answers" in text
    assert "renormalised over the candidates" in text
    assert f"It is right {never['accuracy_mean']:.0%} of the time" in text
    assert f"**{never['right_kind_mean']:.0%}** of the time" in text
    assert f"({known['right_kind_mean']:.0%} for people it read about)" in text
    # with the per-seed table every mean carries its seeds' values (right kind: 88%, 12% and 100%)
    per_seed = results["hallucination"]
    seeds_text = rd.hallucination_reading(hall, n_seeds=3, chance=0.04, per_seed=per_seed)
    kinds = per_seed[(per_seed["group"] == "never read (held out)") & (per_seed["style"] == "trained")]["right_kind"]
    assert f"**{never['right_kind_mean']:.0%} (seeds: {rd.seed_values(kinds)})**" in seeds_text
    assert kinds.max() - kinds.min() > 0.5 and "seeds that disagree" in seeds_text
    alt = rd.hallucination_alt(hall)
    assert f"confidence {never['top_prob_mean']:.0%}, accuracy {never['accuracy_mean']:.0%}" in alt
    assert rd.hallucination_reading(hall.iloc[0:0], n_seeds=3, chance=0.04) is None


def test_cutoff_readings_average_the_cutoff_models(results):
    from engine.world import cutoff_readings as rd  # the cutoff page's readings live there

    variants = [n for n in wr.world_model_names() if n.startswith("cutoff")]
    cutoff_of = {n: wr.model_cutoff(n) for n in variants}
    table = results["cutoff"]
    rows = rd.cutoff_rows(table, variants, cutoff_of)
    assert [r["model"] for r in rows] == variants
    first = table[(table["model"] == variants[0]) & (table["period"] == "before") & (table["style"] == "trained")]
    assert rows[0]["right, events before the cutoff"] == pytest.approx(float(first["accuracy"].iloc[0]))
    before = sum(r["right, events before the cutoff"] for r in rows) / len(rows)
    after = sum(r["right, events after"] for r in rows) / len(rows)
    text = rd.cutoff_reading(rows)
    assert f"right on **{before:.0%}** of the events before the cutoff and **{after:.0%}** of those after" in text
    assert before > after  # what the lesson claims holds in the committed build
    alt = rd.cutoff_bars_alt(rows)
    assert all(n in alt for n in variants)
    assert rd.by_year_alt(table, variants).startswith("Accuracy on events by year for each cutoff model; cutoff-")
    tool = rd.tool_reading(table, variants[0])
    assert f"is right **{rows[0]['right, events after']:.0%}** of the time with the question alone" in tool
    assert rd.tool_reading(table, "no-such-model") is None and rd.cutoff_cell(table.iloc[0:0], "x", "after", "accuracy") is None


def test_tuning_readings_state_the_summary_table(tuning):
    summary = tr.summary_table(tuning).set_index("mix")
    text = rd.dev_reading(tuning)
    for mix in ("known", "unknown", "half"):
        assert f"**{summary.at[mix, 'dev_best']:.0%}**" in text and f"**{summary.at[mix, 'dev_final']:.0%}**" in text
    # the committed result the page is about: tuning on unknown facts ends worse than on known ones
    assert summary.at["unknown", "dev_final"] < summary.at["known", "dev_final"]
    fit = rd.fit_reading(tuning)
    assert "the known half was answered 90% right **by epoch" in fit
    fits = tr.epochs_to_fit(tuning)
    half = fits[fits["mix"] == "half"]
    assert f"by epoch {int(half['train_known'].min())}" in fit
    assert rd.fit_words(half.iloc[0:0], "train_known") == "n/a"
    assert rd.dev_curves_alt(tuning).startswith(f"Accuracy on known facts the model was not tuned on, by epoch, mean over "
                                                f"{len(tuning['runs'])} seeds")
    assert "known pairs" in rd.fit_alt(tuning) and "unknown pairs" in rd.fit_alt(tuning)
    never, right_kind = rd.after_tuning_shares(tuning)
    tuned = tr.summary_table(tuning)
    tuned = tuned[tuned["mix"] != "none"]
    assert never == pytest.approx(tuned["never_read_final"].mean()) and right_kind > never
    assert tr.REBUILD_COMMAND in rd.seeds_caption(tuning, tr.REBUILD_COMMAND)
