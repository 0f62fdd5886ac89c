"""The knowledge cutoff page's readings (engine.world.cutoff_readings) fed the committed results in
assets/world, and a synthetic flat result: each sentence states the table's numbers beside chance,
and says "more often than chance" or "clearly better" only where the gap clears the spread."""
from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from engine.world import cutoff_readings as cr
from engine.world import events as we
from engine.world import results as wr
from lanes import needs_world

pytestmark = needs_world


@pytest.fixture(scope="module")
def committed():
    results = wr.load_results()
    variants = sorted((n for n in wr.world_model_names() if n.startswith("cutoff")), key=wr.model_cutoff)
    cutoff_of = {n: wr.model_cutoff(n) for n in variants}
    return results["cutoff"], variants, cutoff_of


def flat_table(variants, value=0.1):
    """Every model right as often before its cutoff as after, and naming the older town at chance."""
    rows = []
    for n in variants:
        for period, style in (("before", "trained"), ("after", "trained"), ("after", "with document")):
            rows.append({"model": n, "period": period, "style": style, "accuracy": value,
                         "said_latest_read": 1 / 24})
    return pd.DataFrame(rows)


def test_chance_and_majority_are_computed_from_the_world(world):
    towns = world.answers_of_kind("town")
    assert cr.town_chance(len(towns)) == pytest.approx(1 / len(towns))
    answers = we.event_facts(world)["answer"]
    assert cr.majority_share(answers) == pytest.approx(answers.value_counts().iloc[0] / len(answers))
    assert cr.majority_share([]) is None and cr.town_chance(0) == 0.0


def test_cutoff_reading_states_the_committed_numbers_beside_chance(committed, world):
    table, variants, cutoff_of = committed
    rows = cr.cutoff_rows(table, variants, cutoff_of)
    chance = cr.town_chance(len(world.answers_of_kind("town")))
    majority = cr.majority_share(we.event_facts(world)["answer"])
    text = cr.cutoff_reading(rows, chance=chance, majority=majority)
    before = [r[cr.CUTOFF_COLUMNS[0]] for r in rows]
    latest = [r[cr.CUTOFF_COLUMNS[2]] for r in rows]
    assert f"right on **{sum(before) / len(before):.0%}** of the events before the cutoff" in text
    assert f"a random town is right **{chance:.0%}**" in text and f"commonest town **{majority:.0%}**" in text
    assert f"right on {min(before):.0%} to {max(before):.0%} of the events, not all of them" in text
    # the committed build: before-cutoff accuracy 36-45%, the older town named 10-15% of the time after it
    assert 0.3 < min(before) and max(before) < 0.5
    assert f"**{sum(latest) / len(latest):.0%}** of the answers ({min(latest):.0%} to {max(latest):.0%} by model)" in text
    assert "sometimes, more often than a random town would be, but not usually" in text
    assert "clearly better than those after it" in text
    assert "last thing it read" not in text and "up to its dashed line" not in text


def test_cutoff_reading_of_a_flat_result_finds_no_difference():
    variants = ["a", "b", "c"]
    rows = cr.cutoff_rows(flat_table(variants), variants, dict.fromkeys(variants, "2030-12-31"))
    text = cr.cutoff_reading(rows, chance=1 / 24)
    assert "within the noise of these models, so the data show no clear cutoff" in text
    assert "no more often than a random town would be (within the noise)" in text
    assert "more often than a random town would be, but" not in text and "clearly better" not in text


def test_tool_reading_says_the_document_does_not_help_our_models(committed):
    table, variants, _ = committed
    text = cr.tool_reading(table, variants[0], variants, chance=1 / 24)
    alone = cr.cutoff_cell(table, variants[0], "after", "accuracy")
    with_doc = cr.cutoff_cell(table, variants[0], "after", "accuracy", "with document")
    assert f"right **{alone:.0%}** of the time with the question alone and **{with_doc:.0%}** with" in text
    assert with_doc <= alone  # committed: 6% alone, 1% with the document
    assert "never learned to read a document in their prompt" in text
    assert "it helps them" not in text and "more often with the document" not in text
    assert cr.tool_reading(table, "no-such-model", variants) is None


def test_tool_reading_of_a_flat_result_finds_no_difference():
    variants = ["a", "b", "c"]
    text = cr.tool_reading(flat_table(variants), "a", variants, chance=1 / 24)
    assert "about as often with the document as without it (within the noise)" in text


def test_answer_rows_label_the_older_town_truthfully():
    event = {"answer": "Misven", "date": "2030-05-01"}
    answers = {"m1": {"candidates": [("Kimby", 0.4)]}, "m2": {"candidates": [("Misven", 0.5)]},
               "m3": {"candidates": [("Dasven", 0.3)]}}
    cutoff_of = {"m1": "2028-12-31", "m2": "2032-12-31", "m3": "2028-12-31"}
    rows = cr.answer_rows(answers, event, cutoff_of, {"m1": 0, "m2": 3, "m3": 0},
                          {"m1": "Kimby", "m2": "Kimby", "m3": None})
    assert [r["answer is"] for r in rows] == [cr.LATEST_LABEL, "right", "wrong"]
    assert all("the latest thing it read" not in str(v) for r in rows for v in r.values())
    assert rows[2][cr.LATEST_LABEL] == "(none)"


def test_example_note_labels_the_uncommon_case(committed):
    table, variants, _ = committed
    share = cr.cutoff_cell(table, variants[0], "after", "said_latest_read")
    rows = [{"model": variants[0], "event is": "after its cutoff", "its answer": "Kimby",
             "answer is": cr.LATEST_LABEL}]
    note = cr.example_note(rows, table)
    assert "the uncommon case" in note and f"**{share:.0%}** of the events after its cutoff" in note
    rows[0]["answer is"] = "wrong"
    assert cr.example_note(rows, table) is None


def test_smollm_reading_says_one_town_wins_everything():
    survey = {"events": 8, "top_alone": Counter({"Kimby": 8}), "top_share": (0.5, 0.9), "right_alone": 0,
              "right_with": 6, "n_towns": 24}
    text = cr.smollm_reading(survey)
    assert "right on **0%**" in text and "document on **75%**" in text and "**4%**" in text
    assert "names **Kimby** for every one of them (50% to 90% of the towns' probability)" in text
    survey["top_alone"] = Counter({"Kimby": 5, "Misven": 3})
    text = cr.smollm_reading(survey)
    assert "for every one" not in text and "names **Kimby** for 5 of them and Misven for 3" in text
    assert cr.smollm_reading({"events": 0}) is None


def test_recorded_smollm_survey_reads_as_recorded():
    s = cr.SMOLLM_SURVEY
    text = cr.smollm_reading(s)
    assert s["events"] == sum(s["top_alone"].values())
    assert f"right on **{s['right_alone'] / s['events']:.0%}**" in text
    assert f"document on **{s['right_with'] / s['events']:.0%}**" in text


@pytest.mark.slow
def test_smollm_survey_reproduces_on_two_of_its_events(world):
    """Rerun the recorded SmolLM2 survey on two of its events: alone, the top town is one the record
    names and wrong; the same code path as `python -m engine measure smollm-cutoff --every 8`."""
    from engine import smollm

    if not smollm.is_converted():
        pytest.skip("SmolLM2 not fetched and converted: python -m engine data smollm2")
    ids = list(we.event_facts(world).sort_values(["date", "fact_id"])["fact_id"])[::8][:2]
    survey = cr.smollm_survey(smollm.load(), world, ids)
    assert survey["events"] == 2 and survey["right_alone"] == 0
    assert set(survey["top_alone"]) <= set(cr.SMOLLM_SURVEY["top_alone"])


def test_by_year_caption_reads_the_committed_years(committed):
    table, variants, cutoff_of = committed
    by_year = wr.load_results()["cutoff_by_year"]
    text = cr.by_year_caption(by_year, variants, cutoff_of)
    t = by_year[(by_year["style"] == "trained") & by_year["model"].isin(variants)]
    last = [float(t[(t["model"] == n) & (t["year"] == int(cutoff_of[n][:4]))]["accuracy"].iloc[0]) for n in variants]
    assert max(last) == 0.0 and "right on 0% of them" in text  # committed: no event of a cutoff's own year known
    assert "known clearly less well than older ones" in text
    assert f"({int(t['probes'].min())} to {int(t['probes'].max())})" in text


def test_by_year_caption_of_a_flat_result_finds_no_difference():
    rows = [{"model": n, "style": "trained", "year": y, "probes": 5, "accuracy": 0.3}
            for n in ("a", "b", "c") for y in range(2020, 2031)]
    text = cr.by_year_caption(pd.DataFrame(rows), ["a", "b", "c"], dict.fromkeys("abc", "2030-12-31"))
    assert "known about as well as older ones (within the noise)" in text and "clearly" not in text
