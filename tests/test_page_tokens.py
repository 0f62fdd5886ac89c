"""AppTest for lessons/tokens.py: renders, survives hostile input, escapes it."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from apptest_helpers import assert_clean

from engine.tokens.encodings import ENCODING_NAMES, encode_ordinary
from engine.textinput import visible_text

PAGE = str(Path(__file__).resolve().parent.parent / "lessons" / "tokens.py")
CHIP = re.compile(r'<span class="tk h\d')
LABEL = re.compile(r'dir="auto" title="[^"]*">(.*?)<span class="tip">', re.S)


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120)


def run_with_text(text: str) -> AppTest:
    at = page()
    at.session_state["text"] = text
    return at.run()


def chip_rows(at: AppTest) -> list[str]:
    """The five encodings' chip rows, in ENCODING_NAMES order."""
    return [h.proto.body for h in at.html][: len(ENCODING_NAMES)]


def all_markup(at: AppTest) -> str:
    return "\n".join([h.proto.body for h in at.html] + [m.value for m in at.markdown] + [c.value for c in at.caption])


def test_renders_with_defaults():
    at = page().run()
    assert_clean(at)
    assert at.title[0].value == "Tokens"
    assert len(at.get("plotly_chart")) == 1
    assert any("Glossary:" in c.value for c in at.caption)
    text = all_markup(at)
    assert "between about 30,000 and 256,000 tokens" in text and "50,000 and 200,000" not in text
    assert "BERT (bert-base-uncased) 30,522" in text and "Gemma 256,000" in text
    assert "for GPT-3 (`r50k_base`, the same ranks as GPT-2's" in text
    assert "ids 0 to 255 are the 256 raw bytes" in text and "a small number means a piece that was very common" not in text


def test_chip_count_matches_tiktoken():
    text = "Tokenizers split unusual words like floccinaucinihilipilification."
    at = run_with_text(text)
    assert_clean(at)
    for name, body in zip(ENCODING_NAMES, chip_rows(at)):
        assert len(CHIP.findall(body)) == len(encode_ordinary(text, name)), name


def test_query_param_sets_the_text():
    at = page()
    at.query_params["text"] = "hello world"
    at.run()
    assert_clean(at)
    assert at.text_area(key="text").value == "hello world"
    assert 'title="id 31373 · bytes 68 65 6C 6C 6F' in chip_rows(at)[0]


@pytest.mark.parametrize("example", ["Emoji", "Code", "Chinese"])
def test_example_pills_fill_the_box(example):
    from engine.tokens.examples import EXAMPLES

    at = page().run()
    at.pills(key="example").set_value(example).run()
    assert_clean(at)
    assert at.text_area(key="text").value == EXAMPLES[example]


HOSTILE = {
    "empty": "",
    "special": "<|endoftext|> and <|fim_prefix|><|endofprompt|>",
    "script": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "surrogate": "before \ud800 after",
    "zwj": "👩‍💻 👨‍👩‍👧‍👦 a\u200db",
    "rtl": "مرحبا بالعالم \u202eevil\u202c",
    "control": "bell\x07 nul\x00 esc\x1b[31m tab\t",
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_input_is_shown_not_run(case):
    at = run_with_text(HOSTILE[case])
    assert_clean(at)
    markup = all_markup(at)
    assert "<script" not in markup and "<img" not in markup
    if case == "script":
        assert "&lt;script&gt;" in markup or "&lt;" in markup
    if case == "special":
        for body in chip_rows(at):  # every encoding: plain characters, same text back
            assert html.unescape("".join(LABEL.findall(body))) == visible_text(HOSTILE[case])
    if case == "surrogate":
        assert any("surrogate" in i.value for i in at.info)


def test_a_megabyte_paste_is_cut_with_a_notice():
    at = run_with_text("word " * 200_000)
    assert_clean(at)
    from engine.tokens.examples import MAX_TEXT

    assert any(f"{MAX_TEXT:,}" in i.value for i in at.info)
    assert any("first 300 of" in c.value for c in at.caption)  # chips are bounded too


def test_step_through_merges_and_train_on_text_box():
    at = page().run()
    first = at.slider(key="step").value
    at.button(key="next").click().run()
    assert at.slider(key="step").value == first + 1
    at.radio(key="train_on").set_value("text").run()
    assert_clean(at)
    at.slider(key="vocab").set_value(2000).run()
    assert_clean(at)
