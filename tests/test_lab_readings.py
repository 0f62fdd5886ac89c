"""engine.lab.readings: the lab page's sentences, computed from a LabSnapshot and checked
against the numbers in it (a hand-made run whose validation loss turns upward)."""
from __future__ import annotations

import math

from engine import scale
from engine.lab import experiment, readings, snapshot


def run(**changes) -> snapshot.LabSnapshot:
    fields = dict(
        id="abc", status="done", stopped_by="steps", error=None, queue_position=0,
        settings=experiment.LabSettings(text="x"), vocab_kind="characters", vocab_size=60, ln_vocab=math.log(60),
        params=200_000, train_tokens=1_000, step=300, tokens_seen=40_000, elapsed=12.4,
        train_points=[(0, 4.1), (100, 2.5), (300, 1.2)], val_points=[(0, 4.1), (100, 2.0), (300, 2.3)],
        samples=[snapshot.Sample(0, 0, "qz<b>", None, None), snapshot.Sample(300, 40_000, "the rabbit ran", 1.0, 0.5)],
        prompt="Alice was", reference_copied_share=0.02, notices=[],
    )
    fields.update(changes)
    return snapshot.LabSnapshot(**fields)


def test_outcome_names_steps_seconds_and_why():
    assert readings.outcome(run()) == "Finished after 300 steps and 12 s: it reached its step limit."
    assert readings.outcome(run(stopped_by="stop")).endswith("you stopped it.")
    assert "nobody was watching" in readings.outcome(run(stopped_by="abandoned"))


def test_loss_alt_reports_the_rise_after_the_best_validation_loss():
    alt = readings.loss_alt(run())
    assert "starts at 4.10, near ln V = 4.09" in alt
    assert "after 300 steps the training loss is 1.20" in alt
    assert "lowest (2.00) at step 100 and has risen since to 2.30" in alt
    flat = run(val_points=[(0, 4.1), (300, 2.0)])
    assert not readings.validation_rising(flat) and "risen" not in readings.loss_alt(flat)
    assert readings.loss_alt(run(train_points=[], step=0, val_points=[])) == "Loss against step, not started yet."


def test_memorising_paragraph_says_whether_validation_turned():
    assert "It has: the best validation loss was 2.00 at step 100 (the star)." in readings.memorising_paragraph(run())
    assert "Not yet here." in readings.memorising_paragraph(run(val_points=[(0, 4.1), (300, 2.0)]))
    assert "shares 2% of its 4-word runs" in readings.memorising_paragraph(run())


def test_captions_and_paragraphs_from_the_numbers():
    s = run()
    assert readings.model_caption(s).endswith("has read it about 40.0 times.")
    assert readings.model_caption(run(train_tokens=None)) is None
    assert f"now about {math.exp(1.2):,.1f}" in readings.ln_v_paragraph(s)
    assert ("at step 300 (100% words found in the training text, 50% of its 4-word runs copied)"
            in readings.latest_sample_intro(s))
    assert readings.meter_alt(s).endswith("at step 300: 100% words found in the training text, 50% copied runs.")
    assert "real words" not in readings.latest_sample_intro(s) + readings.meter_alt(s)
    assert readings.pct(None) == "–"


def test_sample_html_is_inert():
    html = readings.sample_html(run(prompt="<script>", samples=[snapshot.Sample(1, 1, "\x1b[2J<img src=x>", 0, 0)]))
    assert "<script>" not in html and "<img" not in html and "⟨U+001B⟩" in html
    assert readings.sample_html(run(samples=[])) is None


def test_compute_paragraph_and_ruler_alt_use_the_ruler_rows():
    s = run()
    rows = scale.ruler_rows(s.params, s.tokens_seen, include_base=False)
    text = readings.compute_paragraph(s, rows)
    assert f"**{scale.training_flops(200_000, 40_000):.2g} FLOPs**" in text
    assert scale.times_smaller(40_000, 1.4e12) in text
    assert readings.ruler_alt(rows).startswith(f"Training compute on a log scale: this run used {4.8e10:.1e} FLOPs")
    empty = scale.ruler_rows(0, 0, include_base=False)
    assert readings.ruler_alt(empty).startswith("Training compute of published runs")
    assert readings.compute_paragraph(run(tokens_seen=0), empty) is None


def test_regime_says_memorising_when_validation_turns_up():
    s = run()  # validation best 2.00 at step 100, then 2.30; training 4.10 -> 1.20
    assert readings.regime(s) == "memorising"
    text = readings.regime_paragraph(s)
    assert text.startswith("What this run shows is **memorising**: the validation loss was lowest (2.00) at step 100")
    assert "risen since to 2.30" in text and "about 40.0 times" in text and "50% of its latest sample" in text


def test_regime_says_learning_when_validation_falls_with_training():
    s = run(val_points=[(0, 4.1), (100, 3.0), (300, 2.6)], tokens_seen=2_500)
    assert readings.regime(s) == "learning"
    text = readings.regime_paragraph(s)
    assert "**learning**" in text and "(4.10 → 2.60; training 4.10 → 1.20)" in text and "about 2.5 times" in text


def test_regime_says_neither_on_a_flat_run():
    flat = run(train_points=[(0, 4.1), (300, 4.1)], val_points=[(0, 4.1), (300, 4.1)])
    assert readings.regime(flat) == "early"
    text = readings.regime_paragraph(flat)
    assert "does not show either" in text and "learning" not in text and "memorising" not in text
    assert readings.regime_paragraph(run(val_points=[], train_points=[])) is None
