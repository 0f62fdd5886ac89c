"""The sentences the transfer page prints about measured results, computed from the results.

Every comparison ("9 points ahead of", "within the noise of", "the gain grew") is worked out here
from the per-seed numbers of engine.transfer.results with engine.stats.compare (ahead only when
the gap clears twice the seeds' pooled standard deviation), so the words follow the results and a
test can hold them against the committed file without Streamlit. Scores are shown as
points out of 100. Approaches are named by id (engine.transfer.approaches).
Not handled: other languages; wording is the page's (a later pass may rewrite it).
"""
from __future__ import annotations

from engine import scale, stats
from engine.transfer.approaches import APPROACHES, OLD_WAY, REAL_BASES, label
from engine.transfer.live import LIVE_STEPS
from engine.transfer.results import (approaches, baselines, checkpoint_curve, checkpoint_scores, curve, gain_at,
                                      point, scores, task_info)

METRICS = {"accuracy": "Accuracy", "macro_f1": "Macro-F1"}
METRIC_WORDS = {"accuracy": "accuracy", "macro_f1": "macro-F1"}  # the same, inside a sentence

CAVEATS = """
- **The SmolLM2 here is the Instruct model.** The only SmolLM2 that can be had offline was, after its
  next-token pretraining, also tuned to follow instructions. So its features come from next-token
  prediction *plus* that tuning; no plain base SmolLM2 is available to tell the two apart. Its huge
  pretraining text may also have contained these public data sets, test texts included. It is also
  about {times} bigger than our base ({smol_params} against {our_params} parameters), so its lead is
  not down to the tokens it read alone.
- **MiniLM was trained for more than one thing.** all-MiniLM-L6-v2 is a BERT-family encoder (first
  trained to fill in hidden words), then trained further to place sentences with similar meaning near
  each other, which is close to what a topic classifier wants.
- **Every neural model reads only the first 128 tokens** of a text, so a news article is judged by its
  opening paragraph or so. Bag-of-words counts every word of the whole text: on long articles it sees
  more than the others do.
- **Our base read the tasks' texts, without labels.** Its pretraining corpus includes the training
  split of every task (the SMS messages, review snippets and BBC articles, labels removed), never the
  validation or test texts. So it has seen the kind of text each task is about.
- **The test set is a fixed sample.** Each task is scored on the same seeded sample of at most 500
  held-out texts (topic: all of them), the same for every approach and seed. {rule} The bands show
  how much the scores move between seeds.
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


def versus(a_scores: list[float], b_scores: list[float]) -> str:
    """'9 points ahead of' / '9 points behind' / 'within the noise of': a's seeds against b's, by
    engine.stats.compare (a fixed baseline is passed as a one-element list)."""
    verdict, gap = stats.compare(a_scores, b_scores), 100 * (stats.mean(a_scores) - stats.mean(b_scores))
    if verdict == stats.NOISE:
        return "within the noise of"
    return f"{abs(gap):.0f} points {'ahead of' if verdict == stats.AHEAD else 'behind'}"


def noise_note(a_scores: list[float], b_scores: list[float]) -> str:
    """' (a 8.6-point gap against a spread over seeds of 12.6)' when the spread swallows the gap, else ''."""
    if stats.compare(a_scores, b_scores) != stats.NOISE:
        return ""
    sd = stats.pooled_sd(a_scores, b_scores)
    gap = 100 * abs(stats.mean(a_scores) - stats.mean(b_scores))
    if sd is None:
        return f" (a {gap:.1f}-point gap, from one seed each: no spread to judge it by)"
    return f" (a {gap:.1f}-point gap against a spread over seeds of {100 * sd:.1f})"


def below_majority(results: dict, task: str, per_class: int | None, metric: str) -> list[str]:
    """Approaches whose mean at this count is below always answering the commonest label."""
    floor = baselines(results, task, metric)["majority"]
    return [k for k in approaches(results, task)
            if (p := point(results, task, k, per_class, metric)) is not None and p["mean"] < floor]


def our_tokens(results: dict) -> float | None:
    pre = results.get("cost", {}).get("pretraining") or {}
    return pre.get("tokens_seen") or None


def smollm2_published(results: dict) -> dict:
    return next((p for p in results.get("cost", {}).get("published", []) if "SmolLM2" in p.get("model", "")), {})


def smollm2_tokens(results: dict) -> float | None:
    return smollm2_published(results).get("tokens") or None


def not_tokens_alone(results: dict) -> str:
    """Why SmolLM2's lead is not the tokens alone: its size and its instruction tuning."""
    ours = (results.get("cost", {}).get("pretraining") or {}).get("params")
    theirs = smollm2_published(results).get("params")
    size = (f"about {scale.times_smaller(ours, theirs)} bigger ({theirs / 1e6:.0f}M parameters against our "
            f"{ours / 1e6:.1f}M)" if ours and theirs else "far bigger")
    return (f"It is not the tokens alone: SmolLM2 is also {size} and was instruction-tuned after pretraining, "
            "and its public pretraining data may have contained these public data sets.")


def reading(results: dict, task: str, metric: str, per_class: int | None = 32) -> str:
    """The plain-words reading of one task's curves, with the measured numbers filled in; at 32 labels per
    class where the trained approaches were not run at the count asked for (or it is "all").
    Every comparison is made over the seeds' scores (engine.stats.compare), so the words follow the results."""
    per_class = per_class if per_class and scores(results, task, "scratch", per_class, metric) else 32
    at = {k: scores(results, task, k, per_class, metric) for k in APPROACHES}
    at = {k: v for k, v in at.items() if v}
    full = {k: v for k in APPROACHES if (v := scores(results, task, k, None, metric))}
    base = baselines(results, task, metric)
    majority = [base["majority"]]
    always = f"always answering “{base['majority_label']}” ({pts(base['majority'])})"
    name = METRIC_WORDS[metric]
    m = {k: stats.mean(v) for k, v in at.items()}
    real = {k: m[k] for k in REAL_BASES if k in at}
    best_real = max(real, key=real.get) if real else None
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
            "**Sentiment is where pretraining should matter.** Whether a critic liked a film hangs on phrasing "
            "(*not bad at all*, *never decides what it wants to be*) more than on single words, and a few dozen "
            "labelled snippets cannot teach a model what those phrases mean.")
    if "bow" in at and best_real:
        lines.append(
            f"At {per_class} labels per class, bag-of-words scores {pts(m['bow'])} {name}, "
            f"{versus(at['bow'], at[best_real])} {label(best_real)} ({pts(real[best_real])})"
            f"{noise_note(at['bow'], at[best_real])}, and {versus(at['bow'], majority)} {always}; a random guess "
            f"among {base['n_labels']} labels scores {pts(base['chance'])}.")
    if "bow" in full and len(full) > 1:
        others = {k: stats.mean(v) for k, v in full.items() if k != "bow"}
        top = max(others, key=others.get)
        lines.append(
            f"With every labelled example (the *all* point) bag-of-words reaches {pts(stats.mean(full['bow']))}, "
            f"{versus(full['bow'], full[top])} the best other line, {label(top)} ({pts(others[top])})"
            f"{noise_note(full['bow'], full[top])}.")
    if "scratch" in at and "ours-finetuned" in at:
        lines.append(
            f"The same small transformer trained from scratch scores {pts(m['scratch'])}; started from our pretrained "
            f"base and tuned with exactly the same budget it scores {pts(m['ours-finetuned'])}, "
            f"{versus(at['ours-finetuned'], at['scratch'])} from scratch{noise_note(at['ours-finetuned'], at['scratch'])}.")
    if low := [k for k in below_majority(results, task, per_class, metric) if k in at]:
        lines.append(f"Below {always} at this count: " + ", ".join(f"{label(k)} ({pts(m[k])})" for k in low)
                     + ". A score there is no better than a model that never reads the text.")
    old = [k for k in OLD_WAY if k in at]
    old_best = max(old, key=m.get) if old else None
    clear = [k for k in real if old_best and stats.compare(at[k], at[old_best]) == stats.AHEAD
             and stats.compare(at[k], majority) == stats.AHEAD]
    if task != "spam" and real and old_best:
        if clear:
            lines.append(
                "Clearly ahead of the best of the old way here (" + f"{label(old_best)}, {pts(m[old_best])}) and of "
                f"{always}: " + ", ".join(f"{label(k)} ({pts(m[k])})" for k in clear)
                + ". Only the straight line on top of a frozen base was trained on these labels, so what tells "
                f"{'the sections' if task == 'topic' else 'fresh from rotten'} apart was already in that base's "
                "numbers for a text.")
        else:
            above = [k for k in real if stats.compare(at[k], majority) == stats.AHEAD]
            lines.append(
                f"No real pretrained base is clearly ahead of the best of the old way ({label(old_best)}, "
                f"{pts(m[old_best])}) at this count: the gaps are within the noise"
                + (f", and none is clearly above {always}." if not above else "."))
    if "smollm2-frozen" in at and task != "spam":
        ours, theirs = our_tokens(results), smollm2_tokens(results)
        if ours and theirs:
            lines.append(
                f"Our base read {ours / 1e6:.1f} million tokens; SmolLM2 read {theirs / 1e12:.0f} trillion, "
                f"{scale.times_smaller(ours, theirs)} more. " + not_tokens_alone(results))
    return "\n\n".join(lines)


def snapshot_trend(results: dict, task: str, key: str, rows: list[dict], metric: str) -> tuple[str, str]:
    """(how the gain moved from the first snapshot to the last, how the last compares with from scratch),
    each one of engine.stats' words, over the seeds."""
    points = [p for p in rows if p["approach"] == key]
    first, last = (checkpoint_scores(results, task, key, p["checkpoint"], metric) for p in (points[0], points[-1]))
    scratch = scores(results, task, "scratch", points[-1]["per_class"], metric)
    return stats.compare(last, first), stats.compare(last, scratch) if scratch else stats.NOISE


def grows_with_pretraining(results: dict, task: str, metric: str) -> bool:
    """Did the gain over from scratch grow beyond the noise with pretraining tokens, for either way of using our base?"""
    rows = gain_points(results, task, metric)
    return any(snapshot_trend(results, task, key, rows, metric)[0] == stats.AHEAD
               for key in ("ours-finetuned", "ours-frozen") if sum(p["approach"] == key for p in rows) >= 2)


def scale_reading(rows: list[dict], task: str, results: dict, metric: str = "accuracy") -> str:
    """Plain words for the snapshot chart: did the gain grow with pretraining tokens, on this task and on each?"""
    trend_words = {stats.AHEAD: "grew", stats.BEHIND: "shrank", stats.NOISE: "did not move beyond the noise"}
    end_words = {stats.AHEAD: "ahead of", stats.BEHIND: "behind", stats.NOISE: "within the noise of"}
    words = []
    for key in ("ours-finetuned", "ours-frozen"):
        points = [p for p in rows if p["approach"] == key]
        if len(points) < 2:
            continue
        trend, end = snapshot_trend(results, task, key, rows, metric)
        first, last = points[0], points[-1]
        words.append(f"{label(key)}: the gain {trend_words[trend]}, from {100 * first['gain']:+.1f} points after "
                     f"{first['tokens_seen'] / 1e6:.0f}M tokens to {100 * last['gain']:+.1f} after "
                     f"{last['tokens_seen'] / 1e6:.0f}M, ending {end_words[end]} from scratch")
    text = "; ".join(words) + "." if words else ""
    measured = sorted({r["task"] for r in results.get("checkpoints", [])})
    grew = [t for t in measured if grows_with_pretraining(results, t, metric)]
    flat = [t for t in measured if t not in grew]
    if grew and flat:
        text += (f" More pretraining gave more transfer on {' and '.join(grew)} only; on {' and '.join(flat)} it did not "
                 "grow beyond the noise as the base read more.")
    elif grew:
        text += " On every task measured, the gain grew as the base read more."
    else:
        text += " On no task measured did the gain grow beyond the noise as the base read more."
    ours, theirs = our_tokens(results), smollm2_tokens(results)
    if ours and theirs:
        text += (" Every point is the same tiny model with the same tuning budget; only the amount of unlabelled "
                 f"text it had read before differs. SmolLM2 read {scale.times_smaller(ours, theirs)} more.")
    return text


def seconds_words(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 90:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def ahead_at_32(results: dict) -> str:
    """On which tasks fine-tuning our base beats from scratch beyond the noise, at 32 labels per class."""
    verdicts = {t: stats.compare(a, b) for t in results["tasks"] if (a := scores(results, t, "ours-finetuned", 32))
                and (b := scores(results, t, "scratch", 32))}
    ahead, rest = [t for t, v in verdicts.items() if v == stats.AHEAD], [t for t, v in verdicts.items() if v != stats.AHEAD]
    if not ahead:
        return "At 32 labels per class the pretrained start is not clearly ahead of from scratch on any task: the gaps are within the noise."
    return (f"At 32 labels per class the pretrained start is clearly ahead of from scratch on {' and '.join(ahead)}"
            + (f"; on {' and '.join(rest)} the gap is within the noise." if rest else ".")
            + " Where it is ahead, a task needs fewer labels to get as far, and labels are what cost people's time.")


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
            f"{seconds_words(scratch)}): same model, same steps. What differs is what the same compute buys. "
            + ahead_at_32(results))
    smol = next((p for p in cost.get("published", []) if p.get("flops") and "SmolLM2" in p.get("model", "")), None)
    if smol and pre.get("flops"):
        words.append(
            f"Be honest about scale: SmolLM2-135M's published pretraining, {smol['tokens'] / 1e12:.0f} trillion tokens, "
            f"is about {smol['flops']:.1e} FLOPs, {scale.times_smaller(pre['flops'], smol['flops'])} ours. Nobody pays that "
            "per task; it is paid once and shared by everyone who tunes the model, which is the whole point.")
    return "\n\n".join(words)


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


def headline(results: dict, task: str, per_class_key: str, metric: str) -> tuple[str, list[tuple]]:
    """The page's spine in four numbers: the old way against the new way, at the chosen label count.
    Returns the title line (with the baselines) and four (label, value in points, delta or None, delta
    colour): the delta is against from scratch over the seeds, grey when within the noise, and a score
    below always answering the commonest label says so instead of counting as a gain."""
    per_class = per_class_value(per_class_key)
    at = {k: scores(results, task, k, per_class, metric) for k in APPROACHES}
    note = ""
    if not any(at.values()):  # nothing measured at this count: show the reference count
        note = f" (nothing was measured at {per_class_key}; these are at 32)"
        per_class_key, per_class = "32", 32
        at = {k: scores(results, task, k, per_class, metric) for k in APPROACHES}
    real = {k: stats.mean(at[k]) for k in REAL_BASES if at.get(k)}
    best_real = max(real, key=real.get) if real else None
    scratch = at.get("scratch")
    if not note and not scratch:
        note = " (the trained approaches were not run at this count)"
    base = baselines(results, task, metric)
    always = f"always answering “{base['majority_label']}”"
    title = (f"**Test {METRIC_WORDS[metric]} with {per_class_key} labelled examples per class**{note}. For comparison, "
             f"{always} (the majority class) scores {pts(base['majority'])} and a random guess among {base['n_labels']} labels "
             f"{pts(base['chance'])}:")
    cells = [("Old way: from scratch", "scratch"), ("Old way: bag-of-words", "bow"),
             ("New way: our base, fine-tuned", "ours-finetuned"),
             (f"New way: {label(best_real)}" if best_real else "New way: a real base", best_real)]
    out = []
    for name, key in cells:
        values = at.get(key) or []
        value = stats.mean(values) if values else None
        delta, colour = None, "off"
        if value is not None and value < base["majority"]:
            delta = f"below majority {pts(base['majority'])}"  # short: a metric badge holds ~20 characters
        elif values and scratch and key != "scratch":
            verdict = stats.compare(values, scratch)
            delta = f"{100 * (value - stats.mean(scratch)):+.1f} vs from scratch"
            if verdict == stats.NOISE:
                delta += ", within the noise"
            else:
                colour = "normal"
        out.append((name, pts(value), delta, colour))
    return title, out


def task_caption(info: dict) -> str:
    """How the task's examples were split, and the two baselines every score is shown against."""
    n = len(info["labels"])
    return (
        f"{info['train_size']:,} training texts, {info['validation_size']:,} for validation and {info['test_size_full']:,} "
        f"for test, split by a hash of each text after exact duplicates were removed; every approach is scored on the "
        f"same {info['test_size']:,} test texts. The labels are not balanced, so always answering "
        f"“{info['chance']['label']}” already scores {pts(info['chance']['accuracy'])} accuracy (the majority line in the "
        f"charts), while a random guess among {n} labels scores {pts(1 / n)} (the chance line). Macro-F1 (the average "
        "over labels of how well each one is found) does not reward always answering one label."
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
            + f". Always answering “{info['chance']['label']}” scores {pts(info['chance'][metric])}; a random guess "
              f"among {len(info['labels'])} labels scores {pts(baselines(results, task, metric)['chance'])}.")


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


def caveats(results: dict | None) -> str:
    pre = ((results or {}).get("cost") or {}).get("pretraining") or {}
    smol = next((p for p in ((results or {}).get("cost") or {}).get("published", []) if "SmolLM2" in p.get("model", "")),
                {})
    ours, theirs = pre.get("params"), smol.get("params")
    return CAVEATS.format(rule=stats.RULE, times=scale.times_smaller(ours, theirs) if ours and theirs else "a hundred times",
                          smol_params=f"{theirs / 1e6:.0f}M" if theirs else "135M",
                          our_params=f"{ours / 1e6:.1f}M" if ours else "a few million", size=(
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
