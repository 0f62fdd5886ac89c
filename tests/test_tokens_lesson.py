"""engine.tokens' page helpers: chips stay inert and say what each token is, the tables and the
compression curve come from the real encodings and a trained BPE, and the readings match them."""
from __future__ import annotations

import re

from engine.tokens import bpe, chips, encodings, examples, readings, views

CHIP = re.compile(r'<span class="tk h\d')


def test_chips_escape_reader_text_and_mark_partial_characters():
    pieces = encodings.token_pieces("<script>x</script> 👨‍👩‍👧", "gpt2")
    html = chips.row(chips.piece_chips(pieces, as_bytes=False, limit=300))
    assert "<script" not in html and "&lt;" in html
    assert len(CHIP.findall(html)) == len(pieces)
    assert 'class="tk h' in html and "tk-row" in html and "partial" in html  # the emoji's bytes are split
    assert len(chips.piece_chips(pieces, as_bytes=True, limit=3)) == 3
    assert chips.is_text("é".encode()) and not chips.is_text("é".encode()[:1])
    assert chips.shown(b" a\n") == "·a↵"


def test_readings_on_real_encodings():
    text = examples.EXAMPLES["Emoji"]
    pieces = encodings.token_pieces(text, "gpt2")
    assert readings.chips_cut(300, len(pieces)) is None
    assert readings.chips_cut(3, len(pieces)) == f"Showing the first 3 of {len(pieces):,} tokens; the counts above cover all of them."
    split = encodings.split_characters(text, pieces)
    table = views.split_table(split)
    assert len(table) == min(len(split), 200) and list(table.columns) == ["character", "UTF-8 bytes",
                                                                             "spread over token ids"]
    summaries = [encodings.summarise(text, n) for n in encodings.ENCODING_NAMES]
    assert views.summary_table(summaries)["tokens"].tolist() == [s.n_tokens for s in summaries]
    assert readings.nothing_split("gpt2").startswith("In gpt2, every character")


def test_bpe_readings_curve_and_merges():
    model = bpe.train_bpe(examples.SAMPLE_TEXT, 400)
    steps = bpe.replay_merges(examples.SAMPLE_TEXT, model)
    assert readings.stopped_early(model, model.vocab_size) is None
    assert readings.stopped_early(model, model.vocab_size + 10).startswith(f"Training stopped at {model.vocab_size} tokens")
    table = views.merges_table(steps[:3])
    assert table["merge"].tolist() == [1, 2, 3] and table["times seen"].tolist() == [s.count for s in steps[:3]]
    assert "Merge 1:" in chips.merge_html(1, steps[0]) and f"occurred {steps[0].count:,} times" in chips.merge_html(1, steps[0])
    sentence = "The thinking behind the tokenizer is simple."
    toks = model.encode(sentence, 10)
    assert readings.sentence_length(10, toks, sentence) == f"After 10 merges this sentence is **{len(toks)} tokens** (44 bytes)."
    points = views.curve(examples.SAMPLE_TEXT, model)
    assert points[0][0] == 256 and points[-1][0] == 256 + len(model.merges) and len(points) == views.CURVE_POINTS
    real = views.real_points(examples.SAMPLE_TEXT)
    alt = readings.compression_alt(points, real)
    assert alt.startswith(f"Characters per token on the training text rise from {points[0][1]:.2f}")
    assert all(f"{n} {r:.2f}" in alt for _, r, n in real)
    labels = readings.real_labels(real)
    assert labels[0] == "gpt2 / r50k / p50k" and labels[1:3] == ["", ""] and labels[3:] == ["cl100k", "o200k"]
    assert len(views.compression_figure(points, real).data) == 2
