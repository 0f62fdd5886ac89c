"""Readings: the sentences the knowledge and tuning pages print about measured results,
computed here from the committed tables so a test can hold each one against the numbers.

    recall_reading(results["recall_mean"], n_seeds=3, buckets=[1, 2, 4, 8, 16, 32])
    dev_reading(tuning_results)

Inputs are the tables of engine.world.results.load_results and
engine.world.tuning_results.load_results. Sentences are markdown (bold for the numbers); alt
texts are plain text. The knowledge cutoff page's readings are in engine.world.cutoff_readings.

Not handled: sentences about a reader's own live run (the page words those as it goes).
"""
from __future__ import annotations

import pandas as pd

from engine.stats import NOISE, compare
from engine.world.phrasing import ANSWER_KIND, PERSON_STATIC, TRAIN
from engine.world.results import exposure_label
from engine.world.tuning import MIX_LABELS
from engine.world.tuning_results import epochs_to_fit, mean_curves, summary_table

# --- recall and hallucination (lessons/knowledge.py) ----------------------------------------------

RECALL_MEASURES = {  # column in the results -> (label, axis title, axis format)
    "accuracy": ("Accuracy", "share of facts answered right", ".0%"),
    "top_prob": ("Confidence", "top answer's share of the candidates' probability", ".0%"),
    "mean_rank": ("Rank of the truth", "mean rank of the true answer (1 = best)", ""),
    "right_kind": ("Right kind", "top next token starts an answer of the right kind", ".0%"),
}
HALLUCINATION_GROUPS = ("never read (held out)", "read 1-2 times", "read 4+ times", "all known people")


def clears_noise(a, b) -> bool:
    """Whether two sets of per-seed values differ beyond the seeds' noise (engine.stats.compare: the
    mean gap must exceed twice the pooled standard deviation)."""
    a, b = [float(v) for v in a if v == v], [float(v) for v in b if v == v]
    return bool(a and b) and compare(a, b) != NOISE


def baselines(world, relations=PERSON_STATIC) -> tuple[float, float]:
    """(chance, majority) for questions about `relations`, each relation weighted equally: chance is one
    over the candidate answers of its kind; majority is what always naming the relation's most common
    answer in the world would score."""
    facts = world.facts[world.facts["relation"].isin(list(relations))]
    rels = sorted(set(facts["relation"]))
    if not rels:
        return 0.0, 0.0
    chance = sum(1 / len(world.answers_of_kind(ANSWER_KIND[r])) for r in rels) / len(rels)
    majority = sum(facts[facts["relation"] == r]["answer"].value_counts(normalize=True).iloc[0] for r in rels)
    return chance, majority / len(rels)


def seed_values(values) -> str:
    """Per-seed values as the page shows them beside a mean: '88%, 100% and 12%'."""
    vals = [f"{v:.0%}" for v in values]
    return vals[0] if len(vals) == 1 else ", ".join(vals[:-1]) + " and " + vals[-1] if vals else "none"


def spread(values) -> str:
    """A mean over seeds with its range: '67% (12% to 100% over the seeds)'."""
    vals = pd.Series(list(values), dtype=float).dropna()
    if not len(vals):
        return "n/a"
    return f"{vals.mean():.0%}" + (f" ({vals.min():.0%} to {vals.max():.0%} over the seeds)" if len(vals) > 1 else "")


def models_description(manifest: dict, n_models: int) -> tuple[str, str, str]:
    """(size, reading, count): how big the seed models are, how much they read, and how many there
    are, in the words of the page's first section (from the first model's manifest)."""
    params = int(manifest.get("params") or 0)
    size = (f"{params / 1e6:.1f} million parameters each" if params >= 1e6 else f"{params:,} parameters each"
            if params else "small")
    epochs = float(manifest.get("epochs") or 0)
    reading = (f"{epochs:g} pass{'es' if epochs != 1 else ''} over its {int(manifest['corpus_tokens']):,} tokens"
               if epochs and manifest.get("corpus_tokens") else "several passes")
    count = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five"}.get(n_models, str(n_models))
    return size, reading, count


def world_reading(stats: dict, manifest: dict, n_models: int) -> str:
    """The first section's account of the world and its models (stats: World.stats(); manifest:
    the first seed model's)."""
    size, reading, count = models_description(manifest, n_models)
    buckets = sorted(stats["facts_by_exposure"])
    return f"""
We generated **{stats['people']:,} fictional people**, {stats['towns']} towns and {stats['organisations']}
organisations, with names built from made-up syllables and checked against lists of real names and
places. Every fact about them is a row in a table (a person, a relation such as *birth town* or
*employer*, the answer, and a date), {stats['facts']:,} rows in all. The world is written out as
{stats['documents']:,} short documents: biographies, news items, notices and letters. Each fact is stated
in an exact number of them ({", ".join(str(b) for b in buckets)} times). Each relation has
{len(TRAIN["birth_town"])} wordings, and a fact's statements cycle through them in a shuffled order, so its
first {len(TRAIN["birth_town"])} statements never repeat a wording; every wording is used for many people. Another **{stats['held_out_people']} people** have rows in the table but are never written about
at all. {count} small GPT models ({size}), differing only in their random seed, were pretrained on those
documents and nothing else ({reading}), with the same next-token objective as every model in this app.
Then we asked them questions.
"""


def recall_caption(rebuild: str) -> str:
    """The caption under the numbers behind the recall chart."""
    return ("probes: questions per seed in that cell (every fact of that exposure, each phrasing). "
            f"Chance: one over the number of candidate answers. Rebuild: `{rebuild}`.")


RECALL_TABLE_COLUMNS = ("style", "mentions", "probes", "accuracy_mean", "accuracy_sd", "top_prob_mean", "top_prob_sd",
                        "mean_rank_mean", "mean_rank_sd", "right_kind_mean", "right_kind_sd", "chance")


def recall_table(mean: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind the recall chart: one row per probe style and exposure."""
    shown = mean.assign(mentions=[exposure_label(int(e)) for e in mean["exposure"]])
    return shown[[c for c in RECALL_TABLE_COLUMNS if c in shown.columns]]


def recall_at(mean: pd.DataFrame, style: str, exposure: int, measure: str = "accuracy") -> float | None:
    """The mean over seeds of one measure for one probe style and exposure (None if not measured)."""
    rows = mean[(mean["style"] == style) & (mean["exposure"] == exposure)]
    return float(rows[f"{measure}_mean"].iloc[0]) if len(rows) else None


def fmt(value: float | None, measure: str = "accuracy") -> str:
    """A measured value as the page writes it: a percentage, or one decimal for ranks."""
    if value is None:
        return "not measured"
    return f"{value:.0%}" if RECALL_MEASURES[measure][2] == ".0%" else f"{value:.1f}"


def chance_of(mean: pd.DataFrame) -> float:
    """What blind guessing scores: one over the candidates, averaged over the table."""
    return float(mean["chance"].mean()) if len(mean) else 0.0


def _ends(buckets) -> tuple[int, int]:
    return (buckets[0], buckets[-1]) if buckets else (1, 1)


def recall_alt(mean: pd.DataFrame, measure: str, *, n_seeds: int, buckets) -> str:
    """The recall chart's alt text for the chosen measure."""
    lo, hi = _ends(buckets)
    m_label = RECALL_MEASURES[measure][0]

    def at(style: str, exposure: int) -> str:
        return fmt(recall_at(mean, style, exposure, measure), measure)

    return (f"{m_label} by how many documents stated the fact, mean of {n_seeds} seeds with one standard deviation. "
            f"Trained phrasing: {at('trained', lo)} at {lo}×, {at('trained', hi)} "
            f"at {hi}×; new phrasings: {at('new', lo)} at {lo}×, {at('new', hi)} "
            f"at {hi}×; people never read about: {at('trained', 0)}.")


def recall_reading(mean: pd.DataFrame, *, n_seeds: int, buckets, per_seed: pd.DataFrame | None = None,
                   majority: float | None = None) -> str:
    """Recall of the least- and most-read facts, in both phrasings, against guessing; with
    per_seed (results["recall"]) each mean carries its range over the seeds."""
    lo, hi = _ends(buckets)

    def at(style: str, exposure: int) -> str:
        if per_seed is not None:
            rows = per_seed[(per_seed["style"] == style) & (per_seed["exposure"] == exposure)]
            if len(rows):
                return spread(rows["accuracy"])
        return fmt(recall_at(mean, style, exposure))

    return (f"Measured here (accuracy, mean of {n_seeds} seeds): with the trained phrasing, **{at('trained', lo)}** of "
            f"the facts read {lo}× and **{at('trained', hi)}** of those read {hi}×; with new phrasings "
            f"**{at('new', lo)}** and **{at('new', hi)}**; for people never read about, "
            f"**{at('trained', 0)}**, where blind guessing scores about {chance_of(mean):.0%}"
            + (f" and always naming the most common answer {majority:.0%}." if majority is not None else "."))


def wording_reading(table: pd.DataFrame) -> str | None:
    """What engine.world.results.recall_by_wording shows: facts asked in the trained phrasing, split
    by whether that wording was among the fact's own statements, per exposure, against the noise."""
    if table.empty:
        return None
    first = table[table["model"] == table["model"].iloc[0]]
    never = first[~first["probe_wording_read"]]
    share = never["facts"].sum() / first["facts"].sum()
    parts, clear, mostly = [], [], []
    for e in sorted(table["exposure"].unique()):
        at = table[table["exposure"] == e]
        unread, read = at[~at["probe_wording_read"]]["accuracy"], at[at["probe_wording_read"]]["accuracy"]
        parts.append(f"read {e}×: **{spread(unread)}** without it" + (f", {spread(read)} with it" if len(read) else ""))
        if len(read) and clears_noise(unread, read):
            clear.append(f"{e}× ({'higher' if read.mean() > unread.mean() else 'lower'} with it)")
        if unread.mean() > 0.5:
            mostly.append(f"{e}×")
    verdict = ("The difference clears the spread over seeds only at " + ", ".join(clear) + "; elsewhere it is "
               "within the noise." if clear else "With or without it, the difference is within the noise over seeds.")
    return (f"The trained phrasing is training wording number one, not necessarily a wording the fact itself was "
            f"read in: for **{share:.0%}** of the facts read {int(table['exposure'].min())} to "
            f"{int(table['exposure'].max())} times, none of their statements used it. Split by that (mean of "
            f"{table['model'].nunique()} seeds): {'; '.join(parts)}. {verdict} "
            + (f"Facts read {' and '.join(mostly)} are mostly recalled in a wording never used for them: recall goes "
               "through wordings the model read with other people." if mostly else
               "No exposure here is mostly recalled in a wording never used for the fact."))


def hallucination_table(hallucination_mean: pd.DataFrame, style: str = "trained") -> pd.DataFrame:
    """The hallucination table of one probe style, groups in reading order (never read first)."""
    hall = hallucination_mean[hallucination_mean["style"] == style]
    present = set(hall["group"])
    order = [g for g in HALLUCINATION_GROUPS if g in present] + sorted(present - set(HALLUCINATION_GROUPS))
    return hall.set_index("group").loc[order].reset_index()


def group_value(hall: pd.DataFrame, group: str, column: str) -> float | None:
    r = hall[hall["group"] == group]
    return float(r[column].iloc[0]) if len(r) else None


def hallucination_alt(hall: pd.DataFrame) -> str:
    """The confidence-against-accuracy chart's alt text."""
    h_conf, k_conf = group_value(hall, "never read (held out)", "top_prob_mean"), group_value(
        hall, "all known people", "top_prob_mean")
    h_acc, k_acc = group_value(hall, "never read (held out)", "accuracy_mean"), group_value(
        hall, "all known people", "accuracy_mean")
    if None not in (h_conf, k_conf, h_acc, k_acc):
        return (f"Confidence and accuracy side by side. People never read about: confidence {h_conf:.0%}, accuracy "
                f"{h_acc:.0%}. All people it read about: confidence {k_conf:.0%}, accuracy {k_acc:.0%}.")
    return "Confidence and accuracy for people the models read about and people they never read about."


def hallucination_reading(hall: pd.DataFrame, *, n_seeds: int, chance: float,
                          per_seed: pd.DataFrame | None = None, majority: float | None = None) -> str | None:
    """How sure the models are about people they never read, against how often they are right;
    with per_seed (results["hallucination"]) the means carry their per-seed values."""
    h_conf, k_conf = group_value(hall, "never read (held out)", "top_prob_mean"), group_value(
        hall, "all known people", "top_prob_mean")
    h_acc = group_value(hall, "never read (held out)", "accuracy_mean")
    h_kind, k_kind = group_value(hall, "never read (held out)", "right_kind_mean"), group_value(
        hall, "all known people", "right_kind_mean")
    r_conf = group_value(hall, "read 1-2 times", "top_prob_mean")
    if None in (h_conf, k_conf, h_acc, h_kind):
        return None

    def seeds(group: str, column: str, mean: float) -> str:
        rows = per_seed[(per_seed["group"] == group) & (per_seed["style"] == "trained")] if per_seed is not None else []
        return f"{mean:.0%}" + (f" (seeds: {seed_values(rows[column])})" if len(rows) > 1 else "")

    stranger = "never read (held out)"
    return (
        f"Measured here (trained phrasing, mean of {n_seeds} seeds): about people it never read, a model's top "
        f"answer takes **{seeds(stranger, 'top_prob', h_conf)}** of the probability it shares out among the "
        "candidate answers (renormalised over the candidates, not over every word)"
        + (f", against {r_conf:.0%} for people it read about once or twice" if r_conf is not None else "")
        + f" and {k_conf:.0%} for everyone it read about. It is right {seeds(stranger, 'accuracy', h_acc)} of the "
        f"time, where a blind guess among the candidates would be right {chance:.0%} of the time"
        + (f" and always naming the most common answer {majority:.0%}" if majority is not None else "")
        + ". Left free to say "
        "any word at all, its most likely next word is the start of an answer of the right kind (a town after "
        f"*born in the town of*, a year after *born in the year*) **{seeds(stranger, 'right_kind', h_kind)}** of "
        "the time: a mean over seeds that disagree, so it is no steady rate"
        + (f" ({k_kind:.0%} for people it read about)." if k_kind is not None else ".")
    )


# --- tuning (lessons/tuning.py) -------------------------------------------------------------------------


def dev_curves_alt(results: dict) -> str:
    """The dev-accuracy chart's alt text: each tuned mix before and after its epochs."""
    dev = mean_curves(results, "dev_known")
    seeds = len(results["runs"])
    finals = []
    for m in MIX_LABELS:
        rows = dev[dev["mix"] == m]
        if m == "none" or len(rows) <= 1:
            continue
        finals.append(f"{MIX_LABELS[m]}: {rows['mean'].iloc[0]:.0%} before, {rows['mean'].iloc[-1]:.0%} after "
                      f"{int(rows['epoch'].iloc[-1])} epochs")
    return (f"Accuracy on known facts the model was not tuned on, by epoch, mean over {seeds} "
            f"seed{'s' if seeds != 1 else ''} (band: ± one standard deviation). " + "; ".join(finals) + ".")


def dev_reading(results: dict, *, chance: float | None = None, majority: float | None = None) -> str:
    """Known facts not tuned on: best and last epoch for each mix, beside guessing when given."""
    table = summary_table(results).set_index("mix")

    def at(mix: str, column: str) -> str:
        v = table[column].get(mix) if mix in table.index else None
        return "n/a" if v is None or v != v else f"{v:.0%}"

    finals = {m: [r["mixes"][m]["curves"]["dev_known"][-1] for r in results["runs"] if m in r["mixes"]]
              for m in ("known", "unknown")}
    verdict = compare(finals["unknown"], finals["known"]) if all(finals.values()) else NOISE
    gap = {"behind": "ends below tuning on known facts by more than the spread over seeds",
           "ahead": "ends above tuning on known facts by more than the spread over seeds"}.get(
        verdict, "ends within the noise of tuning on known facts")
    return (
        f"Here, on known facts it was not tuned on: tuned only on known facts the model reaches "
        f"**{at('known', 'dev_best')}** at its best epoch (the best of these same questions' scores, so it "
        f"flatters: no separate set picked the epoch) and ends at **{at('known', 'dev_final')}**; tuned only "
        f"on unknown facts, **{at('unknown', 'dev_best')}** at best and **{at('unknown', 'dev_final')}** at the "
        f"end; half and half, **{at('half', 'dev_best')}** and **{at('half', 'dev_final')}**. Same model, same "
        f"number of pairs and passes: the only difference is whether the answers were already in its weights, and "
        f"tuning only on unknown facts {gap}."
        + (f" Blind guessing among the candidates scores about {chance:.0%}" if chance is not None else "")
        + (f", always naming the most common answer {majority:.0%}" if chance is not None and majority is not None
           else "") + ("." if chance is not None else "")
    )


def forgetting(results: dict) -> dict[str, list[float]]:
    """Per tuned mix, per seed: how much of the known, untuned facts' recall in their pretraining
    phrasing (dev_cloze) was lost between epoch 0 and the last epoch."""
    out: dict[str, list[float]] = {}
    for run in results["runs"]:
        for mix, res in run["mixes"].items():
            c = res["curves"]["dev_cloze"]
            if mix != "none" and len(c) > 1 and None not in (c[0], c[-1]):
                out.setdefault(mix, []).append(c[0] - c[-1])
    return out


def forgetting_reading(results: dict) -> str | None:
    """Forgetting in every mix, and which mix forgets most only where that clears the seeds' noise."""
    lost = forgetting(results)
    if not lost:
        return None
    order = sorted(lost, key=lambda m: -sum(lost[m]) / len(lost[m]))
    top, rest = order[0], order[1:]
    every = all(min(v) > 0 for v in lost.values())
    parts = "; ".join(f"{MIX_LABELS.get(m, m)}: {spread(lost[m])}" for m in order)
    ahead = all(clears_noise(lost[top], lost[m]) for m in rest)
    return (
        "Tuning also costs facts the model knew. Asked in their pretraining phrasing, the known facts it was not "
        f"tuned on lose this much recall between epoch 0 and the last epoch: {parts}. "
        + ("Every mix forgets, in every seed. " if every else "")
        + (f"{MIX_LABELS.get(top, top)} forgets most, beyond the spread over seeds." if ahead else
           f"Which mix forgets most is within the noise over seeds ({MIX_LABELS.get(top, top)} has the largest mean).")
    )


def fit_words(fits: pd.DataFrame, part: str) -> str:
    """When a part of the tuning set was first answered 90% right, over the runs of one mix."""
    hits = [int(e) for e in fits[part] if e is not None and e == e]
    if not len(fits):
        return "n/a"
    if not hits:
        return "never, within the run"
    if len(hits) < len(fits):
        return f"by epoch {max(hits)} in {len(hits)} of {len(fits)} runs, never in the others"
    if max(hits) == 0:
        return "already before tuning (epoch 0)"
    return f"by epoch {min(hits)}" + (f" to {max(hits)}" if max(hits) != min(hits) else "")


def fit_reading(results: dict) -> str:
    """In the half-and-half mix: how soon the known half and the unknown half were fitted."""
    fits = epochs_to_fit(results)
    fits = fits[fits["mix"] == "half"]
    return (
        "How fast the tuning pairs themselves are learned. With half known and half unknown facts in one "
        "tuning set, the two halves get exactly the same training. Here the known half was answered 90% right "
        f"**{fit_words(fits, 'train_known')}**, the unknown half **{fit_words(fits, 'train_unknown')}**."
    )


FIT_PARTS = (("train_known", "known pairs"), ("train_unknown", "unknown pairs"))


def fit_alt(results: dict) -> str:
    """The half-and-half fit chart's alt text: each half at the first and the last epoch."""
    parts = []
    for part, name in FIT_PARTS:
        rows = mean_curves(results, part)
        rows = rows[rows["mix"] == "half"]
        if len(rows):
            parts.append(f"{name} {rows['mean'].iloc[0]:.0%} at epoch {int(rows['epoch'].iloc[0])}, "
                         f"{rows['mean'].iloc[-1]:.0%} at epoch {int(rows['epoch'].iloc[-1])}")
    return "Fit of the tuning pairs in the half-and-half mix: " + "; ".join(parts) + "."


def after_tuning_caption(results: dict) -> str:
    """Under the after-tuning numbers: what they are, with their range over mixes and seeds."""
    rows = [(r["mixes"][m]["curves"]["never_read"][-1], r["mixes"][m]["curves"]["right_kind"][-1])
            for r in results["runs"] for m in r["mixes"] if m != "none"]
    never, kind = [a for a, _ in rows if a is not None], [b for _, b in rows if b is not None]
    span = (f" Over the {len(rows)} tuned runs (mixes × seeds): right {min(never):.0%} to {max(never):.0%}, "
            f"right kind {min(kind):.0%} to {max(kind):.0%}." if never and kind else "")
    return "Above: the build's recorded averages (the experiment of section 4), not your copy's numbers." + span


def after_tuning_shares(results: dict) -> tuple[float, float] | None:
    """(right about never-read people, answers of the right kind) after tuning: means over the
    tuned mixes and seeds at the last epoch; None when nothing was tuned."""
    summary = summary_table(results)
    rows = summary[summary["mix"] != "none"]
    if not len(rows):
        return None
    return float(rows["never_read_final"].mean()), float(rows["right_kind_final"].mean())


def seeds_caption(results: dict, rebuild: str) -> str:
    """The caption under the tuning summary table."""
    seeds = len(results["runs"])
    return (f"Means over {seeds} seed{'s' if seeds != 1 else ''}; each seed draws its own tuning and dev facts. "
            "\"At its best epoch\" is the highest of the per-epoch scores on these same dev questions: the epoch is "
            "picked on the set it is scored on (the results hold no separate split), so it flatters. \"Tuned ... "
            "pairs right\" are the tuned questions themselves, asked in the one phrasing they were tuned on; the "
            "results hold no other phrasing of them. Built by "
            f"`{rebuild}`.")
