"""The truth pass (issue 11) for the knowledge and tuning pages: each reading fed the committed
results says only what they show, and fed a flat result says there is no difference."""
from __future__ import annotations

import copy

import pytest

from engine.world import qa, readings as rd
from engine.world import results as wr
from engine.world import tuning_results as tr
from engine.world.phrasing import TRAIN


@pytest.fixture(scope="module")
def wording(world):
    names = [n for n in wr.world_model_names() if n.startswith("seed")]
    return wr.recall_by_wording({n: wr.load_world_model(n) for n in names}, world)


@pytest.fixture(scope="module")
def tuning():
    return tr.load_results()


def test_clears_noise_needs_a_gap_beyond_twice_the_pooled_sd():
    assert rd.clears_noise([0.1, 0.12, 0.11], [0.5, 0.52, 0.51])
    assert not rd.clears_noise([0.1, 0.3, 0.5], [0.2, 0.4, 0.6])
    assert not rd.clears_noise([0.4, 0.4, 0.4], [0.4, 0.4, 0.4]) and not rd.clears_noise([0.1], [0.9])
    assert rd.spread([0.88, 1.0, 0.12]) == "67% (12% to 100% over the seeds)"


def test_world_reading_names_the_twelve_cycled_wordings(world):
    assert all(len(t) == 12 for t in TRAIN.values())
    text = rd.world_reading(world.stats(), {"params": 1e6, "epochs": 2, "corpus_tokens": 100}, 3)
    assert "12\nwordings" in text or "12 wordings" in text.replace("\n", " ")
    assert "different wording" not in text


def test_wording_reading_on_the_committed_models(world, wording):
    assert set(wording["exposure"]) == {1, 2, 4, 8} and wording["model"].nunique() == 3
    first = wording[wording["model"] == wording["model"].iloc[0]]
    assert first["facts"].sum() == len(world.facts[~world.facts["held_out"] & world.facts["exposure"].isin([1, 2, 4, 8])
                                                   & world.facts["relation"].isin(["birth_town", "birth_year",
                                                                                   "occupation", "employer"])])
    text = rd.wording_reading(wording)
    unread = wording[~wording["probe_wording_read"]]
    for e in (4, 8):  # what the data shows: mostly recalled in a wording never used for that fact
        assert unread[unread["exposure"] == e]["accuracy"].mean() > 0.5
    assert "Facts read 4× and 8× are mostly recalled in a wording never used for them" in text
    assert f"**{rd.spread(unread[unread['exposure'] == 8]['accuracy'])}** without it" in text
    for e in (2, 4, 8):  # where the spread swallows the gap, the reading says no "ahead"
        at = wording[wording["exposure"] == e]
        if not rd.clears_noise(at[at["probe_wording_read"]]["accuracy"], at[~at["probe_wording_read"]]["accuracy"]):
            assert f"{e}× (" not in text.split("clears the spread")[-1].split(";")[0]


def test_wording_reading_of_a_flat_result_says_no_difference(wording):
    flat = wording.assign(accuracy=0.5)
    text = rd.wording_reading(flat)
    assert "the difference is within the noise over seeds" in text and "clears the spread" not in text
    assert rd.wording_reading(wording.iloc[0:0]) is None


def test_forgetting_happens_in_every_mix_and_the_order_is_within_the_noise(tuning):
    lost = rd.forgetting(tuning)
    assert set(lost) == {"known", "half", "unknown"} and all(min(v) > 0 for v in lost.values())
    text = rd.forgetting_reading(tuning)
    assert "Every mix forgets, in every seed." in text
    top = max(lost, key=lambda m: sum(lost[m]))
    others = [m for m in lost if m != top]
    if all(rd.clears_noise(lost[top], lost[m]) for m in others):
        assert "forgets most, beyond the spread" in text
    else:
        assert "within the noise" in text and "beyond the spread" not in text


def test_forgetting_reading_of_a_flat_result_says_no_difference(tuning):
    flat = copy.deepcopy(tuning)
    for run in flat["runs"]:
        for res in run["mixes"].values():
            res["curves"]["dev_cloze"] = [1.0] + [0.6] * (len(res["curves"]["dev_cloze"]) - 1)
    assert "within the noise" in rd.forgetting_reading(flat)


def test_best_epoch_is_said_to_be_picked_on_the_scored_set(tuning):
    assert "no separate set picked the epoch" in rd.dev_reading(tuning)
    caption = rd.seeds_caption(tuning, tr.REBUILD_COMMAND)
    assert "picked on the set it is scored on" in caption and "tuned questions themselves" in caption


def test_any_wording_of_a_world_question_finds_its_fact(world):
    index = qa.question_index(world)
    for question, fact in index.items():  # the tuning format's own questions
        found = tr.fact_for_question(world, question)
        assert (found["subject"], found["relation"], found["answer"]) == (fact["subject"], fact["relation"],
                                                                          fact["answer"])
    person = world.people.iloc[0]["name"]
    employer = world.facts[(world.facts["subject"] == person) & (world.facts["relation"] == "employer")]
    for q in (f"Who was {person}'s employer?", f"which company did {person.upper()} work for"):
        assert tr.fact_for_question(world, q)["answer"] == employer.iloc[0]["answer"]
    assert tr.fact_for_question(world, "Who was the mayor of Paris?") is None
    assert tr.fact_for_question(world, f"How tall is {person}?") is None


def test_baselines_are_stated_and_drawn(world, tuning):
    from engine.world import figures
    from lessons import _charts

    chance, majority = rd.baselines(world)
    assert 0 < chance < majority < 0.2  # the most common answer beats blind guessing, and both are low
    results = wr.load_results()
    mean = results["recall_mean"]
    text = rd.recall_reading(mean, n_seeds=3, buckets=[1, 32], per_seed=results["recall"], majority=majority)
    assert f"always naming the most common answer {majority:.0%}" in text and "over the seeds)" in text
    hall = rd.hallucination_table(results["hallucination_mean"])
    for fig in (figures.recall_chart(mean, results["recall"], "accuracy", "a", ".0%", palette=_charts, majority=majority),
                figures.hallucination_bars(hall, palette=_charts, chance=chance, majority=majority),
                figures.dev_curves(tuning, palette=_charts, chance=chance, majority=majority)):
        labels = [a.text for a in fig.layout.annotations]
        assert any(t.startswith("guessing: ") for t in labels)
        assert f"most common answer: {majority:.0%}" in labels
    assert f"Blind guessing among the candidates scores about {chance:.0%}" in rd.dev_reading(
        tuning, chance=chance, majority=majority)


def test_dev_reading_compares_final_scores_against_the_noise(tuning):
    assert "ends below tuning on known facts by more than the spread over seeds" in rd.dev_reading(tuning)
    flat = copy.deepcopy(tuning)
    for run in flat["runs"]:
        for res in run["mixes"].values():
            res["curves"]["dev_known"] = [0.05] + [0.6] * (len(res["curves"]["dev_known"]) - 1)
    text = rd.dev_reading(flat)
    assert "ends within the noise of tuning on known facts" in text and "by more than" not in text


def test_after_tuning_caption_labels_recorded_averages_with_their_range(tuning):
    text = rd.after_tuning_caption(tuning)
    assert text.startswith("Above: the build's recorded averages") and "not your copy's numbers" in text
    finals = [r["mixes"][m]["curves"]["right_kind"][-1] for r in tuning["runs"] for m in r["mixes"] if m != "none"]
    assert f"right kind {min(finals):.0%} to {max(finals):.0%}" in text


def test_the_recall_table_shows_a_spread_beside_every_mean():
    table = rd.recall_table(wr.load_results()["recall_mean"])
    means = [c for c in table.columns if c.endswith("_mean")]
    assert means and all(c.replace("_mean", "_sd") in table.columns for c in means)
