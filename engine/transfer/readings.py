"""The sentences the transfer page prints about measured results, computed from the results.

Every comparison ("3 points ahead of", "level with", "the gain grew") is worked out here from
the numbers of engine.transfer.results (or a live run's rows), so the words follow the results
and a test can hold them against the committed file without Streamlit. Scores are shown as
points out of 100. Approaches are named by id (engine.transfer.approaches).
Not handled: other languages; wording is the page's (a later pass may rewrite it).
"""
from __future__ import annotations

from engine import scale
from engine.manifest import built_at
from engine.transfer.approaches import APPROACHES, OLD_WAY, REAL_BASES, label
from engine.transfer.live import LIVE_STEPS
from engine.transfer.results import approaches, checkpoint_curve, curve, gain_at, point, task_info

METRICS = {"accuracy": "Accuracy", "macro_f1": "Macro-F1"}
METRIC_WORDS = {"accuracy": "accuracy", "macro_f1": "macro-F1"}  # the same, inside a sentence

CAVEATS = """
- **The SmolLM2 here is the Instruct model.** The only SmolLM2 that can be had offline was, after its
  next-token pretraining, also tuned to follow instructions. So its features come from next-token
  prediction *plus* that tuning; no plain base SmolLM2 is available to tell the two apart. Its huge
  pretraining text may also have contained these public data sets.
- **MiniLM was trained for more than one thing.** all-MiniLM-L6-v2 is a BERT-family encoder (first
  trained to fill in hidden words), then trained further to place sentences with similar meaning near
  each other, which is close to what a topic classifier wants.
- **Every neural model reads only the first 128 tokens** of a text, so a news article is judged by its
  opening paragraph or so. Bag-of-words counts every word of the whole text: on long articles it sees
  more than the others do.
- **The test set is a fixed sample.** Each task is scored on the same seeded sample of at most 500
  held-out texts (topic: all of them), the same for every approach and seed. Differences of a point or
  two are within the noise; the bands show how much the scores move between seeds.
- **Our base model is tiny.** {size} of pretraining, against hundreds of millions to billions of
  parameters and trillions of tokens for real base models. Whatever it gains over training from scratch,
  it gains from very little; how far the real bases go beyond it is the scale lesson.
"""


def per_class_value(key: str) -> int | None:
    """'8' -> 8; 'all' -> None (the whole train split)."""
    return None if key == "all" else int(key)


def pts(value: float | None) -> str:
    """A score as points out of 100 (how the page talks about scores)."""
    return "—" if value is None else f"{100 * value:.1f}"


def spread(point: dict) -> str:
    """mean ± sd over seeds, in points; a single seed says so instead of showing ± 0."""
    if point["n_seeds"] < 2:
        return f"{pts(point['mean'])} (1 seed)"
    return f"{pts(point['mean'])} ± {pts(point['sd'])}"


def mean_at(results: dict, task: str, key: str, per_class: int | None, metric: str) -> float | None:
    p = point(results, task, key, per_class, metric)
    return None if p is None else p["mean"]


def versus(a: float, b: float) -> str:
    """'3.2 points ahead of' / 'level with' / 'behind': how a compares with b."""
    d = 100 * (a - b)
    if abs(d) < 2:
        return "level with"
    return f"{abs(d):.0f} points {'ahead of' if d > 0 else 'behind'}"


def our_tokens(results: dict) -> float | None:
    pre = results.get("cost", {}).get("pretraining") or {}
    return pre.get("tokens_seen") or None


def smollm2_tokens(results: dict) -> float | None:
    pub = next((p for p in results.get("cost", {}).get("published", []) if "SmolLM2" in p.get("model", "")), None)
    return (pub or {}).get("tokens") or None


def reading(results: dict, task: str, metric: str, per_class: int = 32) -> str:
    """The plain-words reading of one task's curves, with the measured numbers filled in.
    Every comparison is worked out from the numbers, so the words follow the results."""
    at = {k: mean_at(results, task, k, per_class, metric) for k in APPROACHES}
    at = {k: v for k, v in at.items() if v is not None}
    full = {k: v for k in APPROACHES if (v := mean_at(results, task, k, None, metric)) is not None}
    chance = task_info(results, task)["chance"][metric]
    name = METRIC_WORDS[metric]
    real = {k: at[k] for k in ("smollm2-frozen", "minilm-frozen") if k in at}
    best_real = max(real, key=real.get) if real else None
    bow, scratch, ft = at.get("bow"), at.get("scratch"), at.get("ours-finetuned")
    lines = []
    if task == "spam":
        lines.append(
            "**Spam is a task where counting words goes a long way.** Spam messages give themselves away with "
            "words like *free*, *win*, *claim*, *txt* and long phone numbers, and bag-of-words needs no knowledge "
            "of language to spot them.")
    elif task == "topic":
        lines.append(
            "**News sections have strong word cues too:** *match* and *coach* mean sport, *shares* and *profits* "
            "business, *election* politics. Bag-of-words is a strong opponent here.")
    else:
        lines.append(
            "**Sentiment is where pretraining matters.** Whether a critic liked a film hangs on phrasing (*not bad "
            "at all*, *never decides what it wants to be*) more than on single words, and a few dozen labelled "
            "snippets cannot teach a model what those phrases mean.")
    if bow is not None and best_real:
        lines.append(
            f"At {per_class} labels per class, bag-of-words scores {pts(bow)} {name}, {versus(bow, real[best_real])} "
            f"{label(best_real)} ({pts(real[best_real])}), and {versus(bow, chance)} always answering the "
            f"commonest label ({pts(chance)}).")
    if "bow" in full and len(full) > 1:
        others = {k: v for k, v in full.items() if k != "bow"}
        top = max(others, key=others.get)
        gap = full["bow"] - others[top]
        if gap > -0.02:
            lines.append(
                f"With every labelled example (the *all* point) bag-of-words reaches {pts(full['bow'])}, "
                f"{versus(full['bow'], others[top])} the best other line ({label(top)}: "
                f"{pts(others[top])}): given enough labels, counting words is enough here, and pretraining mostly "
                "buys a head start when labels are few.")
        else:
            lines.append(
                f"Even with every labelled example (the *all* point) bag-of-words reaches {pts(full['bow'])}, "
                f"{versus(full['bow'], others[top])} {label(top)} ({pts(others[top])}).")
    if scratch is not None and ft is not None:
        lines.append(
            f"The same small transformer trained from scratch scores {pts(scratch)}; started from our pretrained base "
            f"and tuned with exactly the same budget it scores {pts(ft)}, {versus(ft, scratch)} from scratch.")
    if task == "sentiment" and best_real:
        floor = max(v for k, v in at.items() if k in OLD_WAY) if any(
            k in OLD_WAY for k in at) else chance
        ahead = [k for k, v in at.items() if v - floor >= 0.05]
        if ahead and set(ahead) <= set(real):
            lines.append(
                f"Only the real pretrained bases pull clearly ahead of the old way: {label(best_real)} reaches "
                f"{pts(real[best_real])} with nothing trained but a straight-line classifier on its features.")
        elif ahead:
            lines.append("Clearly ahead of the old way here: " + ", ".join(
                f"{label(k)} ({pts(at[k])})" for k in ahead) + ".")
        ours, theirs = our_tokens(results), smollm2_tokens(results)
        if ours and theirs:
            lines.append(
                f"Our base read {ours / 1e6:.1f} million tokens; SmolLM2 read {theirs / 1e12:.0f} trillion, "
                f"{scale.times_smaller(ours, theirs)} more. That is the difference between knowing which words "
                "turn up in reviews and knowing what they mean.")
    if task == "topic" and best_real:
        top = max(at, key=at.get)
        lines.append(
            f"{label(best_real)} reaches {pts(real[best_real])}"
            + (": a straight-line classifier on a pretrained model's numbers for a text sorts the articles as well "
               "as anything here." if at[top] - real[best_real] < 0.02 else
               f"; the best line here is {label(top)} ({pts(at[top])})."))
    smol = at.get("smollm2-frozen")
    old_best = max([v for k, v in at.items() if k in OLD_WAY], default=None)
    if task != "spam" and smol is not None and old_best is not None and smol - old_best >= 0.05:
        lines.append(
            f"SmolLM2's line matters most for the lesson. Only the straight line on top was trained on these "
            f"labels, and it scores {pts(smol)}, {versus(smol, old_best)} the best of the old way. So what tells "
            f"{'the sections' if task == 'topic' else 'fresh from rotten'} apart was already in SmolLM2's numbers "
            "for a text, put there by predicting the next token over trillions of tokens (and perhaps helped by "
            "its instruction tuning: see the caveats below).")
    return "\n\n".join(lines)


def scale_reading(rows: list[dict], task: str, results: dict) -> str:
    """Plain words for the snapshot chart: did the gain grow with pretraining tokens?"""
    words, biggest = [], 0.0
    for key in ("ours-finetuned", "ours-frozen"):
        points = [p for p in rows if p["approach"] == key]
        biggest = max([biggest] + [abs(p["gain"]) for p in points])
        if len(points) < 2:
            continue
        first, last = points[0], points[-1]
        grew = last["gain"] - first["gain"]
        trend = ("grew" if grew > 0.02 else "shrank" if grew < -0.02 else "barely moved")
        words.append(f"{label(key)}: the gain {trend}, from {100 * first['gain']:+.1f} points after "
                     f"{first['tokens_seen'] / 1e6:.0f}M tokens to {100 * last['gain']:+.1f} after "
                     f"{last['tokens_seen'] / 1e6:.0f}M")
    text = "; ".join(words) + "." if words else ""
    ours, theirs = our_tokens(results), smollm2_tokens(results)
    more = f" SmolLM2 read {scale.times_smaller(ours, theirs)} more." if ours and theirs else ""
    if biggest < 0.03:
        text += (" The gain stays within a few points of zero at every snapshot: this much next-token prediction on "
                 "a model this small did not learn what the task needs." + more)
    else:
        text += (" Every point is the same tiny model with the same tuning budget; only the amount of unlabelled "
                 "text it had read before differs." + more)
    return text


def seconds_words(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 90:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def cost_reading(results: dict, rows: list[dict]) -> str:
    cost = results.get("cost", {})
    pre = cost.get("pretraining") or {}
    per = cost.get("per_task", [])
    n_tasks = len(results["tasks"])

    def mean_seconds(key):
        found = [c["seconds"] for c in per if c["approach"] == key]
        return sum(found) / len(found) if found else None

    ft, scratch = mean_seconds("ours-finetuned"), mean_seconds("scratch")
    words = []
    if pre.get("flops"):
        words.append(
            f"Our base read {pre['tokens_seen'] / 1e6:.1f} million tokens with {pre['params'] / 1e6:.1f} million "
            f"parameters: about {pre['flops']:.1e} FLOPs"
            + (f", {seconds_words(pre.get('train_seconds'))} on this machine" if pre.get("train_seconds") else "")
            + f". Shared by {n_tasks} tasks, each carries 1/{n_tasks} of it.")
    if ft is not None and scratch is not None:
        words.append(
            f"Per task, fine-tuning our base and training from scratch cost the same ({seconds_words(ft)} and "
            f"{seconds_words(scratch)}): same model, same steps. What differs is what the same compute buys: the "
            "pretrained start scores higher with the same labels (section 2), so a task needs fewer labels, and "
            "labels are what cost people's time.")
    smol = next((p for p in cost.get("published", []) if p.get("flops") and "SmolLM2" in p.get("model", "")), None)
    if smol and pre.get("flops"):
        words.append(
            f"Be honest about scale: SmolLM2-135M's published pretraining, {smol['tokens'] / 1e12:.0f} trillion tokens, "
            f"is about {smol['flops']:.1e} FLOPs, {scale.times_smaller(pre['flops'], smol['flops'])} ours. Nobody pays that "
            "per task; it is paid once and shared by everyone who tunes the model, which is the whole point.")
    return "\n\n".join(words)


def budget_words(b: dict) -> str:
    if not b:
        return "see docs/TRANSFER.md"
    return (f"{b.get('steps')} {b.get('optimizer', 'AdamW')} steps of {b.get('batch_size')} examples, peak learning "
            f"rate {b.get('lr')}, {b.get('schedule', '')}, weight decay {b.get('weight_decay')}; {b.get('head', '')}")


def sure(confidence: float) -> str:
    """A probability as a reader reads it: 84%, and never a rounded-up 100%."""
    return ">99%" if confidence >= 0.995 else f"{confidence:.0%}"


def live_note(row: dict) -> str:
    """What the reader should know about one live row (a trained approach cut short, say)."""
    if "steps" not in row:
        return ""
    if row.get("stopped_early"):
        if not row["steps"]:
            return "stopped before its first step: an untrained model, scored as it stands"
        return f"stopped early, after {row['steps']} of {LIVE_STEPS} steps"
    return f"{row['steps']} training steps"


def headline(results: dict, task: str, per_class_key: str, metric: str) -> tuple[str, list[tuple[str, str, str | None]]]:
    """The page's spine in four numbers: the old way against the new way, at the chosen label count.
    Returns the title line and four (label, value in points, delta against from scratch or None)."""
    per_class = per_class_value(per_class_key)
    at = {k: mean_at(results, task, k, per_class, metric) for k in APPROACHES}
    note = ""
    if all(v is None for v in at.values()):  # nothing measured at this count: show the reference count
        note = f" (nothing was measured at {per_class_key}; these are at 32)"
        per_class_key, per_class = "32", 32
        at = {k: mean_at(results, task, k, per_class, metric) for k in APPROACHES}
    real = {k: at[k] for k in REAL_BASES if at.get(k) is not None}
    best_real = max(real, key=real.get) if real else None
    scratch = at.get("scratch")
    if not note and scratch is None:
        note = " (the trained approaches were not run at this count)"
    title = f"**Test {METRIC_WORDS[metric]} with {per_class_key} labelled examples per class**{note}:"
    cells = [("Old way: from scratch", scratch), ("Old way: bag-of-words", at.get("bow")),
             ("New way: our base, fine-tuned", at.get("ours-finetuned")),
             (f"New way: {label(best_real)}" if best_real else "New way: a real base", real.get(best_real))]
    out = []
    for name, value in cells:
        delta = None
        if value is not None and scratch is not None and not name.endswith("from scratch"):
            delta = f"{100 * (value - scratch):+.1f} vs from scratch"
        out.append((name, pts(value), delta))
    return title, out


def task_caption(info: dict) -> str:
    """How the task's examples were split, and what always answering the commonest label scores."""
    return (
        f"{info['train_size']:,} training texts, {info['validation_size']:,} for validation and {info['test_size_full']:,} "
        f"for test, split by a hash of each text after exact duplicates were removed; every approach is scored on the "
        f"same {info['test_size']:,} test texts. The labels are not balanced, so always answering "
        f"“{info['chance']['label']}” already scores {pts(info['chance']['accuracy'])} accuracy: that is the chance line "
        "in the charts. Macro-F1 (the average over labels of how well each one is found) does not reward that trick."
    )


def balance_table(info: dict) -> dict[str, list]:
    """Examples per label: training, and test examples scored (columns for a table)."""
    return {"label": info["labels"],
            "training examples": [info["per_class_train"].get(label, 0) for label in info["labels"]],
            "test examples scored": [info["per_class_test"].get(label, 0) for label in info["labels"]]}


def count_table(results: dict, task: str, per_class: int | None, metric: str) -> list[dict]:
    """Each approach at one count: approach label, score (mean ± sd) or "not run at this count", seeds."""
    rows = []
    for key in approaches(results, task):
        p = point(results, task, key, per_class, metric)
        rows.append({"approach": label(key), METRICS[metric]: "not run at this count" if p is None else spread(p),
                     "seeds": 0 if p is None else p["n_seeds"]})
    return rows


def not_run_caption(results: dict) -> str:
    trained = ", ".join(results.get("recipe", {}).get("trained_per_class", []))
    return (f"A row marked “not run” was not measured at this count: the two trained approaches cost about a "
            f"hundred times more than the rest, so they were measured at {trained or 'a few counts'} labels "
            "per class only.")


def curves_alt(results: dict, task: str, metric: str) -> str:
    """The learning-curve chart in words: each line's first and last point, and chance."""
    info = task_info(results, task)
    summary = []
    for key in approaches(results, task):
        points = curve(results, task, key, metric)
        if not points:
            continue
        summary.append(f"{label(key)} {pts(points[0]['mean'])} at {points[0]['label']} per class" if len(points) == 1
                       else f"{label(key)} from {pts(points[0]['mean'])} at {points[0]['label']} to "
                            f"{pts(points[-1]['mean'])} at {points[-1]['label']}")
    return (f"{METRICS[metric]} on {task} against labelled examples per class (log scale), one line per approach, "
            f"mean over seeds with a band of one standard deviation: " + "; ".join(summary)
            + f". Always answering “{info['chance']['label']}” scores {pts(info['chance'][metric])}.")


def checkpoint_alt(rows: list[dict], results: dict, task: str, metric: str) -> str:
    """The snapshot chart in words: each line's gain at its first and last snapshot, and bag-of-words."""
    parts = []
    for key in ("ours-finetuned", "ours-frozen"):
        points = [p for p in rows if p["approach"] == key]
        if points:
            parts.append(f"{label(key)}: {100 * points[0]['gain']:+.1f} points at {points[0]['tokens_seen'] / 1e6:.0f}M "
                         f"tokens, {100 * points[-1]['gain']:+.1f} at {points[-1]['tokens_seen'] / 1e6:.0f}M")
    bow_gain = bow_gain_over_scratch(rows, results, task, metric)
    if bow_gain is not None:
        parts.append(f"bag-of-words, with no pretraining, sits at {100 * bow_gain:+.1f}")
    return (f"Gain of our base over from-scratch on {task}, in points of {METRICS[metric]}, at "
            f"{rows[0]['per_class']} labels per class, against pretraining tokens (log scale): " + "; ".join(parts) + ".")


def bow_gain_over_scratch(rows: list[dict], results: dict, task: str, metric: str) -> float | None:
    """Bag-of-words minus from scratch at the snapshots' count: a level that read no pretraining."""
    return gain_at(results, task, "bow", rows[0]["per_class"], metric) if rows else None


def gain_points(results: dict, task: str, metric: str) -> list[dict]:
    """Our base's snapshot points with a gain over from scratch, each tagged with its approach."""
    rows = []
    for key in ("ours-finetuned", "ours-frozen"):
        rows += [dict(p, approach=key) for p in checkpoint_curve(results, task, key, metric) if p["gain"] is not None]
    return rows


def no_snapshots_note(results: dict) -> str:
    """Why the snapshot chart is missing for this task: measured on other tasks, or not at all."""
    measured = sorted({r["task"] for r in results.get("checkpoints", [])})
    if measured:
        return (f"The committed build measured the snapshots on {' and '.join(measured)} only; choose "
                f"{'that task' if len(measured) == 1 else 'one of those'} above to see this chart.")
    return ("The committed results have no base snapshots. `python -m engine build transfer` measures them once "
            "`python -m engine build base` has saved the snapshots.")


def cost_frame(rows: list[dict]) -> dict[str, list]:
    """The cost rows as table columns: what, time on this machine, FLOPs."""
    return {"what": [r["what"] for r in rows],
            "time on this machine": [seconds_words(r["seconds"]) for r in rows],
            "FLOPs": ["—" if r["flops"] is None else f"{r['flops']:.1e}" for r in rows]}


def cost_alt(rows: list[dict]) -> str:
    shown = [r for r in rows if r.get("flops")]
    return "Compute on a log scale: " + "; ".join(f"{r['what']} {r['flops']:.1e} FLOPs" for r in shown) + "."


def recipe_lines(results: dict) -> str:
    """The recipe behind every number, as a markdown list."""
    r, m = results.get("recipe", {}), results.get("manifest", {})
    return (
        f"- Built with `{r.get('command', 'python -m engine build transfer')}` on {m.get('machine', 'this machine')}, "
        f"{built_at(m) or 'date unknown'}, in {m.get('build_seconds', 0) / 60:.0f} minutes "
        f"({m.get('workers', 1)} worker process{'es' if m.get('workers', 1) > 1 else ''}, "
        f"{m.get('torch_threads', 1)} torch thread each).\n"
        f"- Seeds: {', '.join(str(s) for s in r.get('seeds', []))}. Labels per class: "
        f"{', '.join(r.get('per_class', []))} (trained approaches: {', '.join(r.get('trained_per_class', []))}).\n"
        f"- Trained approaches: {budget_words(r.get('trained_budget', {}))}.\n"
        f"- Frozen probes: {r.get('probe', '')}. Bag-of-words: {r.get('bag_of_words', '')}.\n"
        f"- Test: {r.get('test', '')}. Texts cut to {r.get('max_tokens', 128)} tokens for the neural models."
    )


def build_notes(results: dict) -> list[str]:
    m = results.get("manifest", {})
    return m.get("notes", []) + ([f"{len(m['skipped'])} runs skipped"] if m.get("skipped") else [])


def caveats(results: dict | None) -> str:
    pre = ((results or {}).get("cost") or {}).get("pretraining") or {}
    return CAVEATS.format(size=(
        f"{pre['params'] / 1e6:.1f} million parameters and {pre['tokens_seen'] / 1e6:.0f} million tokens"
        if pre.get("params") and pre.get("tokens_seen") else "A few million parameters and a few million tokens"))


def predictions_alt(predictions: list) -> str:
    """Try-it's answers in words: each approach's label and how sure, and whether they agree."""
    agree = {p.label for p in predictions}
    return ("Each approach's probability for every label: " + "; ".join(
        f"{label(p.approach)} says {p.label} at {sure(p.confidence)}" for p in predictions)
            + (". They all agree." if len(agree) == 1 else f". They disagree: {', '.join(sorted(agree))}."))


def prediction_line(p) -> str:
    read = ("" if p.tokens_read is None else
            f" · read {p.tokens_read} tokens" + (" (the rest was cut)" if p.truncated else ""))
    return f"**{label(p.approach)}** → **{p.label}** ({sure(p.confidence)} sure){read}"


def live_summary(last: dict) -> str:
    how = "you stopped it" if last["stopped"] else "it finished"
    return (f"Your run: {last['task']}, {last['per_class']} per class, seed {last['seed']}; {how} after "
            f"{last['seconds']:.0f} s.")


def live_table(rows: list[dict], results: dict | None, metric: str) -> list[dict]:
    """The reader's live rows beside the committed score at the same count."""
    table = []
    for row in rows:
        committed = point(results, row["task"], row["approach"], row["per_class"], metric) if results else None
        table.append({
            "approach": label(row["approach"]),
            f"your {METRIC_WORDS[metric]}": pts(row[metric]),
            f"committed {METRIC_WORDS[metric]}": "not measured at this count" if committed is None
            else spread(committed),
            "seconds": f"{row['seconds']:.1f}",
            "note": live_note(row),
        })
    return table
