"""engine.tokens' page helpers: chips stay inert and say what each token is, the tables and the
compression curve come from the real encodings and a trained BPE, and the readings match them."""
from __future__ import annotations

import re

from engine.tokens import bpe, chips, encodings, examples, readings, views, vocabularies

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


def test_vocabulary_sizes_are_counted_where_we_can_and_the_range_is_true():
    sizes = {v.model: v for v in vocabularies.real_vocab_sizes()}
    # counted from the offline tokenizers, equal to the published figures
    assert sizes["GPT-2"].size == 50_257 and sizes["GPT-2"].source.startswith("counted")
    assert sizes["GPT-4 (cl100k_base)"].size == 100_277 and sizes["GPT-4o (o200k_base)"].size == 200_019
    assert sizes["BERT (bert-base-uncased)"].size == 30_522
    assert sizes["Llama 2"].size == 32_000 and sizes["T5"].size == 32_100 and sizes["Gemma"].size == 256_000
    text = readings.vocabulary_range(list(sizes.values()))
    assert text.startswith("Real tokenizers stop somewhere between about 30,000 and 256,000 tokens.")
    assert "50,000 and 200,000" not in text
    assert all(f"{v.model} {v.size:,}" in text for v in sizes.values())
    assert "GPT-2" in text.split("counted here")[0].split("The sizes of")[1]
    published_only = [vocabularies.VocabSize("A", 1_000, "paper"), vocabularies.VocabSize("B", 9_000, "paper")]
    assert readings.vocabulary_range(published_only).endswith("These are published figures.")


def test_ids_below_256_are_the_raw_bytes():
    for name in ("gpt2", "r50k_base", "cl100k_base", "o200k_base"):
        ids = vocabularies.byte_ids(name)
        assert ids.single_byte_ids == tuple(range(256))
    sentence = readings.byte_ids_sentence(vocabularies.byte_ids("gpt2"))
    assert "ids 0 to 255 are the 256 raw bytes" in sentence and "id 256, the first merge, is ' t'" in sentence
    odd = vocabularies.ByteIds("odd", b"a", b"b", b"ab", tuple(range(3, 259)))
    assert readings.byte_ids_sentence(odd) == "In odd, the 256 raw bytes sit at ids 3 to 258."
    tips = chips.piece_chips(encodings.token_pieces("hello!", "gpt2"), as_bytes=False, limit=10)
    assert "a learned piece of 5 bytes, merge rank 31373" in tips[0] and "a raw byte (ids 0-255)" in tips[1]


def test_r50k_base_has_gpt2s_ranks():
    """The page calls r50k_base GPT-3's encoding with the same ranks as GPT-2's."""
    gpt2, r50k = encodings.get_encoding("gpt2"), encodings.get_encoding("r50k_base")
    assert gpt2._mergeable_ranks == r50k._mergeable_ranks and gpt2.n_vocab == r50k.n_vocab
