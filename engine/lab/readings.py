"""The lab's readings: every sentence the page prints about a run's measured results, computed
from its LabSnapshot so a test can hold the words against the numbers.

Wording as the page had it (a later pass revises it). Markdown goes to st.markdown; plain
sentences (alt texts) to figures and captions. Reader and model text appears only in
`sample_html`, escaped there. Not handled: languages other than English.
"""
from __future__ import annotations

import math

from engine import scale
from engine.lab.meters import NGRAM
from engine.lab.snapshot import LabSnapshot
from engine.textinput import inert_html

RISE = 0.05  # the validation loss counts as risen once it is this far above its best

STOP_WORDS = {
    "steps": "it reached its step limit", "time": "it reached its time limit", "stop": "you stopped it",
    "abandoned": "nobody was watching it", "replaced": "a newer run took its place", None: "it ended",
}


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def validation_rising(snap: LabSnapshot) -> bool:
    """True once the validation loss has turned upward from its best (the first sign of memorising)."""
    best = snap.best_val
    return bool(best and snap.val_points and snap.val_points[-1][1] > best[1] + RISE)


def outcome(snap: LabSnapshot) -> str:
    """How a finished run ended."""
    return f"Finished after {snap.step:,} steps and {snap.elapsed:.0f} s: {STOP_WORDS.get(snap.stopped_by)}."


def sample_html(snap: LabSnapshot) -> str | None:
    """The latest sample after its prompt (in bold) as an inert HTML block; None before the first."""
    if not snap.samples:
        return None
    return (
        f'<div style="white-space: pre-wrap; font-family: monospace; padding: 0.6em; border-radius: 0.4em; '
        f'border: 1px solid rgba(128,128,128,0.4); overflow-wrap: anywhere;"><b>{inert_html(snap.prompt)}</b>'
        f"{inert_html(snap.samples[-1].text)}</div>"
    )


def loss_alt(snap: LabSnapshot) -> str:
    best, now = snap.best_val, snap.latest_train_loss
    alt = (f"Loss against step. It starts at {snap.start_loss:.2f}, near ln V = {snap.ln_vocab:.2f}"
           if snap.start_loss is not None and snap.ln_vocab else "Loss against step, not started yet")
    if now is not None and snap.step:
        alt += f"; after {snap.step:,} steps the training loss is {now:.2f}"
    if best and snap.step:
        alt += f", and the validation loss was lowest ({best[1]:.2f}) at step {best[0]:,}"
        if validation_rising(snap):
            alt += f" and has risen since to {snap.val_points[-1][1]:.2f}"
    return alt + "."


def meter_alt(snap: LabSnapshot) -> str:
    last = snap.samples[-1] if snap.samples else None
    alt = "Two shares of each sample against step: words found in the training text, and four-word runs copied from it"
    if last is not None:
        alt += (f"; at step {last.step:,}: {pct(last.word_share)} words found in the training text, "
                f"{pct(last.copied_share)} copied runs")
    return alt + "."


def ruler_alt(rows: list[dict]) -> str:
    """The scale ruler's alt text, from scale.ruler_rows."""
    run = next((r for r in rows if r["kind"] == "this run"), None)
    biggest = max(rows, key=lambda r: r["flops"])
    if run is None:
        return f"Training compute of published runs on a log scale, up to {biggest['name']} at {biggest['flops']:.1e} FLOPs."
    return (f"Training compute on a log scale: this run used {run['flops']:.1e} FLOPs; "
            f"{biggest['name']} used {biggest['flops']:.1e}, {scale.times_smaller(run['flops'], biggest['flops'])} more.")


def model_caption(snap: LabSnapshot) -> str | None:
    """The vocabulary, the model's size and how many times it has read the text; None before it starts."""
    if not snap.train_tokens:
        return None
    vocab = "the characters of the text" if snap.vocab_kind == "characters" else "our BPE"
    return (f"Vocabulary: {snap.vocab_size:,} tokens ({vocab}). "
            f"Model: {snap.params:,} parameters. The training part is {snap.train_tokens:,} tokens long, so "
            f"the model has read it about {snap.tokens_seen / snap.train_tokens:.1f} times.")


def ln_v_paragraph(snap: LabSnapshot) -> str | None:
    """Why the loss starts near ln V, and the perplexity now; None before the vocabulary exists."""
    if not snap.ln_vocab:
        return None
    return (
        f"Why does it start near **ln V = {snap.ln_vocab:.2f}**? The fresh model has no idea, so it spreads its "
        f"guess almost evenly over all {snap.vocab_size:,} tokens: each gets probability 1/{snap.vocab_size:,}. "
        f"The loss is minus the log of the probability given to the right token, so it is −ln(1/V) = ln V. "
        f"Every drop below that line is something learnt. (A loss of L means the model is as unsure as a "
        f"fair choice among e^L tokens: the **perplexity**; now about {math.exp(snap.latest_train_loss or 0):,.1f}.)"
    )


def latest_sample_intro(snap: LabSnapshot) -> str | None:
    """The sentence above the latest sample; None before the first sample."""
    if not snap.samples:
        return None
    last = snap.samples[-1]
    return (
        "Every checkpoint, the model continues the same start (in bold) with the same random seed, so the "
        f"samples differ only because the weights changed. Latest, at step {last.step:,} "
        f"({pct(last.word_share)} words found in the training text, {pct(last.copied_share)} of its {NGRAM}-word "
        "runs copied):"
    )


def memorising_paragraph(snap: LabSnapshot) -> str:
    """The two signs of memorising, and whether the first has shown up in this run."""
    best = snap.best_val
    seen = ("It has: the best validation loss was " + f"{best[1]:.2f} at step {best[0]:,} (the star)."
            if validation_rising(snap) else "Not yet here.")
    return (
        f"Two signs of memorising. First, the **validation loss** (on the held-out tenth) stops falling and "
        f"turns upward while the training loss keeps dropping: the model gets better at *this* text and worse at "
        f"text like it. {seen} "
        f"Second, the samples start **copying**: we cut each sample into runs of {NGRAM} words and count "
        f"how many appear word for word in the training text. By chance that is rare: the held-out tenth, real "
        f"text from the same source, shares {pct(snap.reference_copied_share)} of its {NGRAM}-word runs with "
        f"the rest. A sample far above that line is reciting."
    )


def compute_paragraph(snap: LabSnapshot, rows: list[dict]) -> str | None:
    """This run's compute set against Chinchilla's; None before it has seen tokens."""
    chin = next((r for r in rows if r["name"].startswith("Chinchilla")), None)
    if not snap.tokens_seen or chin is None:
        return None
    return (
        f"This run: {snap.params:,} parameters × {snap.tokens_seen:,} tokens × 6 ≈ "
        f"**{snap.compute_flops:.2g} FLOPs**. Chinchilla read {scale.times_smaller(snap.tokens_seen, chin['tokens'])} "
        f"more tokens with a model {scale.times_smaller(snap.params, chin['params'])} bigger, for "
        f"{scale.times_smaller(snap.compute_flops, chin['flops'])} this run's compute. Each bar is one "
        "training run; the compute is about 6 × parameters × tokens (2 for the forward pass, 4 for the "
        "backward pass, per parameter per token). * GPT-2's paper gives no token count; about 10B is our "
        "estimate from the size of its WebText data."
    )


def passes(snap: LabSnapshot) -> float:
    """How many times the run has read its training text (tokens seen over its length)."""
    return snap.tokens_seen / snap.train_tokens if snap.train_tokens else 0.0


def regime(snap: LabSnapshot) -> str:
    """What this run shows, from its losses: "memorising" (the validation loss turned up from its best while
    training went on), "learning" (the validation loss fell with the training loss and is at or near its
    best), or "early" (too few points, or the validation loss has not fallen below its start)."""
    if len(snap.val_points) < 2 or len(snap.train_points) < 2:
        return "early"
    if validation_rising(snap):
        return "memorising"
    v0, v1 = snap.val_points[0][1], snap.val_points[-1][1]
    t0, t1 = snap.train_points[0][1], snap.train_points[-1][1]
    return "learning" if v1 < v0 - RISE and t1 < t0 - RISE else "early"


def regime_paragraph(snap: LabSnapshot) -> str | None:
    """Which of the two the reader sees in this run, learning or memorising, with the numbers behind it;
    None before the run has any loss point."""
    if not snap.val_points or not snap.train_points:
        return None
    kind = regime(snap)
    v0, v1 = snap.val_points[0][1], snap.val_points[-1][1]
    t0, t1 = snap.train_points[0][1], snap.train_points[-1][1]
    read = f"The model read its training text about {passes(snap):,.1f} times."
    last = snap.samples[-1] if snap.samples else None
    copied = (f" {pct(last.copied_share)} of its latest sample's {NGRAM}-word runs are copied from the training "
              f"text (the held-out text's own share: {pct(snap.reference_copied_share)})."
              if last is not None and last.copied_share is not None else "")
    if kind == "learning":
        return (f"What this run shows is **learning**: the validation loss, on text the model never trained on, "
                f"fell with the training loss ({v0:.2f} → {v1:.2f}; training {t0:.2f} → {t1:.2f}), so what it "
                f"learnt carries over to new text from the same source. {read}{copied}")
    if kind == "memorising":
        best = snap.best_val
        return (f"What this run shows is **memorising**: the validation loss was lowest ({best[1]:.2f}) at step "
                f"{best[0]:,} and has risen since to {v1:.2f}, while the training loss fell to {t1:.2f}: the model "
                f"got better at this text and worse at text like it. {read}{copied}")
    return (f"This run does not show either yet: the validation loss went from {v0:.2f} to {v1:.2f}, the "
            f"training loss from {t0:.2f} to {t1:.2f}. {read}")
