"""Readings of the knowledge cutoff page (lessons/cutoff.py): every sentence it prints about a
measurement, computed here from the committed results (assets/world/results.json, the `cutoff`
and `cutoff_by_year` tables) so a test can hold each one against the numbers.

    rows = cutoff_rows(results["cutoff"], variants, cutoff_of)
    cutoff_reading(rows, chance=town_chance(world), majority=...)
    tool_reading(results["cutoff"], model, variants, chance=...)

Comparisons follow engine.stats: the cutoff models are one seed each, so a share is called
above another only when its mean over the cutoff models clears twice their spread.

Not handled: SmolLM2's answers are live (the page words them as it goes); this module only
words a survey of them (smollm_reading) and never runs a model itself.
"""
from __future__ import annotations

from collections import Counter

import pandas as pd

from engine.stats import AHEAD, BEHIND, compare
from engine.textinput import markdown_text

CUTOFF_COLUMNS = ("right, events before the cutoff", "right, events after", "after: named the newest other town it read",
                  "after, with the document in the prompt")
LATEST_LABEL = "the newest other town it read for them"  # newest other town fact about the person read by the cutoff


def pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0%}"


def town_chance(n_towns: int) -> float:
    """A random guess among the world's towns: 1 / number of candidate towns."""
    return 1 / n_towns if n_towns else 0.0


def majority_share(answers) -> float | None:
    """Always naming the commonest true answer: the share of events it gets right."""
    answers = list(answers)
    return Counter(answers).most_common(1)[0][1] / len(answers) if answers else None


def cutoff_cell(table: pd.DataFrame, model: str, period: str, column: str, style: str = "trained") -> float | None:
    """One number of the cutoff table: a model, a period (before/after its cutoff), a probe style."""
    if table.empty:
        return None
    rows = table[(table["model"] == model) & (table["period"] == period) & (table["style"] == style)]
    return float(rows.iloc[0][column]) if len(rows) else None


def by_year_alt(table: pd.DataFrame, variants) -> str:
    """The accuracy-by-year chart's alt text: each cutoff model before and after its cutoff."""
    facts = []
    for n in variants:
        before, after = cutoff_cell(table, n, "before", "accuracy"), cutoff_cell(table, n, "after", "accuracy")
        if before is not None and after is not None:
            facts.append(f"{n}: {before:.0%} before, {after:.0%} after")
    return "Accuracy on events by year for each cutoff model; " + "; ".join(facts) + "."


def by_year_caption(by_year: pd.DataFrame, variants, cutoff_of: dict) -> str | None:
    """Under the by-year chart: events of a cutoff's own year against older events before it, per model,
    judged with engine.stats.compare over the cutoff models; and how few events each point holds."""
    t = by_year[(by_year["style"] == "trained") & by_year["model"].isin(list(variants))]
    last, older = [], []
    for n in variants:
        year = int(cutoff_of[n][:4])
        mine = t[t["model"] == n]
        a, b = mine[mine["year"] == year], mine[mine["year"] < year]
        if len(a) and b["probes"].sum():
            last.append(float(a["accuracy"].iloc[0]))
            older.append(float((b["accuracy"] * b["probes"]).sum() / b["probes"].sum()))
    if not last:
        return None
    verdict = compare(older, last)
    how = ("known clearly less well than older ones" if verdict == AHEAD else
           "known about as well as older ones (within the noise)" if verdict != BEHIND else "known better than older ones")
    return (f"Events of a cutoff's own year are {how}: right on {_range(last)} of them against {_range(older)} of the "
            "older events before the cutoff. News about an event keeps appearing for up to three years after it "
            "(engine/world/generate.py), so a model read fewer mentions of its most recent events. Each point is the "
            f"events of one year ({int(t['probes'].min())} to {int(t['probes'].max())}), so the lines are noisy.")


def cutoff_rows(table: pd.DataFrame, variants, cutoff_of: dict) -> list[dict]:
    """Four numbers per cutoff model, keyed by the phrases the page's table shows."""
    return [{"model": n, "cutoff": cutoff_of[n],
             CUTOFF_COLUMNS[0]: cutoff_cell(table, n, "before", "accuracy"),
             CUTOFF_COLUMNS[1]: cutoff_cell(table, n, "after", "accuracy"),
             CUTOFF_COLUMNS[2]: cutoff_cell(table, n, "after", "said_latest_read"),
             CUTOFF_COLUMNS[3]: cutoff_cell(table, n, "after", "accuracy", "with document")} for n in variants]


def _values(rows: list[dict], column: str) -> list[float]:
    return [r[column] for r in rows if r[column] is not None]


def _mean_of(rows: list[dict], column: str) -> float | None:
    vals = _values(rows, column)
    return sum(vals) / len(vals) if vals else None


def _range(vals: list[float]) -> str:
    return f"{min(vals):.0%}" if min(vals) == max(vals) or len(vals) < 2 else f"{min(vals):.0%} to {max(vals):.0%}"


def cutoff_reading(rows: list[dict], *, chance: float | None = None, majority: float | None = None) -> str:
    """The cutoff models' accuracy before and after their cutoffs, beside chance and the commonest
    answer, and how often they name the town they last read about the person."""
    before, after = _values(rows, CUTOFF_COLUMNS[0]), _values(rows, CUTOFF_COLUMNS[1])
    latest = _values(rows, CUTOFF_COLUMNS[2])
    if not before or not after:
        return "The committed results have no cutoff numbers to read."
    base = "" if chance is None else f" (a random town is right **{chance:.0%}** of the time" + (
        f", always naming the commonest town **{majority:.0%}**" if majority is not None else "") + ")"
    verdict = compare(before, after)
    gap = ("Events before the cutoff are known clearly better than those after it" if verdict == AHEAD
           else "The gap is within the noise of these models, so the data show no clear cutoff")
    text = (f"Measured over every event, averaged over the {len(rows)} cutoff models: right on "
            f"**{pct(_mean_of(rows, CUTOFF_COLUMNS[0]))}** of the events before the cutoff and "
            f"**{pct(_mean_of(rows, CUTOFF_COLUMNS[1]))}** of those after it{base}. Before the cutoff they are "
            f"right on {_range(before)} of the events, not all of them. {gap}.")
    if latest and chance is not None:
        said = compare(latest, [chance])
        how = ("sometimes, more often than a random town would be, but not usually: most answers after the cutoff "
               "are some other wrong town" if said == AHEAD else
               "no more often than a random town would be (within the noise)" if said != BEHIND else
               "less often than a random town would be")
        text += (f" After the cutoff, **{pct(sum(latest) / len(latest))}** of the answers ({_range(latest)} by model) "
                 f"name the newest other town the model read for the person, against **{chance:.0%}** for a random "
                 f"town: {how}.")
    return text


def cutoff_bars_alt(rows: list[dict]) -> str:
    """The four-numbers chart's alt text, model by model."""
    return "Per cutoff model: " + "; ".join(
        f"{r['model']} right on {pct(r[CUTOFF_COLUMNS[0]])} of events before its cutoff and "
        f"{pct(r[CUTOFF_COLUMNS[1]])} after, naming the newest other town it read for the person {pct(r[CUTOFF_COLUMNS[2]])} "
        f"of the time after, and right on {pct(r[CUTOFF_COLUMNS[3]])} with the document"
        for r in rows) + "."


def cutoff_caption(meta: dict, rebuild: str) -> str:
    """The caption under the cutoff table: what each number means, and what measured it."""
    return (
        "Accuracy: the truth is the model's most likely town among all the world's towns. \"Named the newest "
        "other town it read\": for an event after the cutoff, how often the model's answer is the person's town in "
        "the newest event about them it read (a move or an election, else the birthplace). With the document: the same "
        f"question after the shortest document that states the event. Measured by `{rebuild}`"
        + (f"; scoring took {meta['score_seconds']:.0f} s." if isinstance(meta.get("score_seconds"), (int, float))
           else ".")
    )


def answer_rows(answers: dict, event, cutoff_of: dict, read: dict, latest: dict) -> list[dict]:
    """Section 2's table: one row per model for one event. `latest` (model -> town) is the town of the newest
    other event about the person the model read (engine.world.events.latest_read_answers): not this event,
    and not necessarily the subject of the last document it read about them; the labels say so."""
    rows = []
    for n, dist in answers.items():
        top_answer, top_p = dist["candidates"][0]
        verdict = ("right" if top_answer == event["answer"] else LATEST_LABEL if top_answer == latest[n] else "wrong")
        rows.append({"model": n, "cutoff": cutoff_of[n],
                     "event is": "after its cutoff" if event["date"] > cutoff_of[n] else "before its cutoff",
                     "mentions read": int(read[n]), "its answer": top_answer, "probability": top_p,
                     LATEST_LABEL: latest[n] or "(none)", "answer is": verdict})
    return rows


def example_note(rows: list[dict], table: pd.DataFrame) -> str | None:
    """Section 2's note on the example: when the earliest model names the person's older town for an
    event after its cutoff, say how common that is over every such event (the committed results)."""
    first = next((r for r in rows if r["event is"] == "after its cutoff"), None)
    if first is None or first["answer is"] != LATEST_LABEL:
        return None
    share = cutoff_cell(table, first["model"], "after", "said_latest_read")
    if share is None:
        return None
    return (f"This example is the uncommon case: {markdown_text(first['model'])} names the newest other town it "
            f"read for this person, {markdown_text(first['its answer'])}. That happens for **{share:.0%}** of the "
            "events after its cutoff (section 3).")


def tool_reading(table: pd.DataFrame, model: str, variants=(), *, chance: float | None = None) -> str | None:
    """What the committed results show about a document in the prompt of our world models."""
    alone, with_doc = cutoff_cell(table, model, "after", "accuracy"), cutoff_cell(
        table, model, "after", "accuracy", "with document")
    if alone is None or with_doc is None:
        return None
    variants = list(variants) or [model]
    a = [v for v in (cutoff_cell(table, n, "after", "accuracy") for n in variants) if v is not None]
    w = [v for v in (cutoff_cell(table, n, "after", "accuracy", "with document") for n in variants) if v is not None]
    verdict = compare(w, a) if a and w else None
    how = {AHEAD: "more often with the document: it helps them",
           BEHIND: "less often with the document: it makes them worse"}.get(
        verdict, "about as often with the document as without it (within the noise): it does not help them")
    return (
        f"Measured over every event after its cutoff, {markdown_text(model)} is right **{alone:.0%}** of the time with "
        f"the question alone and **{with_doc:.0%}** with the event's document in front of it" + ("" if chance is None else f" (a random town: **{chance:.0%}**)")
        + f". Over {len(w)} cutoff model{'s' * (len(w) > 1)} our world models are right {how}. These tiny models "
        "never learned to read a document in their prompt: they were trained on short, separate documents, so "
        "nothing in their training rewarded looking back at an earlier text."
    )


def smollm_event_reading(real: dict, n_towns: int) -> str:
    """The SmolLM2 panel's sentence for the event shown (engine.world.results.smollm_with_context)."""
    (alone, p_alone), (with_doc, p_with) = real["without"]["top"], real["with"]["top"]
    truth = real["without"]["truth"]
    verdict = "the truth" if with_doc == truth else "a wrong town"
    return (f"For this event SmolLM2 names **{markdown_text(alone)}** with the question alone ({p_alone:.0%} of the "
            f"towns' probability; the truth ranks {real['without']['rank_of_truth']} of {n_towns}, and a random town "
            f"would be right {town_chance(n_towns):.0%} of the time) and **{markdown_text(with_doc)}** with the "
            f"document ({p_with:.0%}), {verdict}.")


def smollm_survey(lm, world, fact_ids) -> dict:
    """SmolLM2 on events, alone and after each event's shortest document (slow: two prompts an event)."""
    from engine.world.results import post_cutoff_document, smollm_with_context

    top, shares, right = Counter(), [], [0, 0]
    for fid in fact_ids:
        real = smollm_with_context(lm, world, post_cutoff_document(world, fid)["text"], fid)
        top[real["without"]["top"][0]] += 1
        shares.append(real["without"]["top"][1])
        right[0] += real["without"]["top"][0] == real["without"]["truth"]
        right[1] += real["with"]["top"][0] == real["with"]["truth"]
    return {"events": len(shares), "top_alone": top, "top_share": (min(shares, default=0), max(shares, default=0)),
            "right_alone": right[0], "right_with": right[1], "n_towns": len(world.answers_of_kind("town"))}


# SmolLM2 on every 8th event (20 events), recorded from `python -m engine measure smollm-cutoff --every 8` on
# 2026-11-29 (CPU, SmolLM2-135M-Instruct from the data pack); tests/test_cutoff_readings.py reruns a part of it.
SMOLLM_SURVEY = {"events": 20, "top_alone": Counter({"Kimby": 14, "Trenholm": 6}), "top_share": (0.36, 0.88),
                 "right_alone": 0, "right_with": 18, "n_towns": 24, "command": "python -m engine measure smollm-cutoff --every 8"}


def smollm_reading(survey: dict) -> str | None:
    """SmolLM2 over a sample of events, alone and with each event's document (a survey dict:
    {"events", "top_alone": Counter of question-alone top towns, "top_share": (min, max) of that town's
    share, "right_alone", "right_with", "n_towns"})."""
    n = survey.get("events") or 0
    if not n:
        return None
    town, count = survey["top_alone"].most_common(1)[0]
    lo, hi = survey["top_share"]
    chance = town_chance(survey["n_towns"])
    text = (f"Measured on {n} events, SmolLM2 with the question alone is right on **{survey['right_alone'] / n:.0%}** "
            f"and with the event's document on **{survey['right_with'] / n:.0%}** (a random town: **{chance:.0%}**).")
    others = ", ".join(f"{markdown_text(t)} for {c}" for t, c in survey["top_alone"].most_common()[1:])
    text += (f" Alone, it names **{markdown_text(town)}** for {'every one' if count == n else count} of them"
             + (f" and {others}" if others else "") + f" ({lo:.0%} to {hi:.0%} of the towns' probability). It has "
             "never read about this world, so nothing in the question points at a town: the score of a town is the "
             "probability of its word pieces after the sentence, and some names look likelier than others whatever "
             "the question. Scoring by the first piece, or by the mean per piece, moved which town won but not the "
             "habit (checked on 4 events); the document is what gives it something to go on.")
    return text


def survey_events(every: int = 20) -> dict:
    """`python -m engine measure smollm-cutoff --every N`: SmolLM2 on every N-th event, printed as the
    page's sentence (slow: two SmolLM2 passes per event over every town)."""
    from engine import smollm
    from engine.world import events, results

    w = results.load_world()
    ids = list(events.event_facts(w).sort_values(["date", "fact_id"])["fact_id"])[:: max(1, every)]
    survey = smollm_survey(smollm.load(), w, ids)
    print(survey)
    print(smollm_reading(survey))
    return survey
