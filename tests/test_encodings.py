"""engine.tokens.encodings: the five tiktoken encodings offline, and display tokens."""
from __future__ import annotations

import hashlib
import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.tokens import encodings
from engine.tokens.encodings import (
    ENCODING_NAMES,
    bytes_label,
    encode_ordinary,
    get_encoding,
    split_characters,
    summarise,
    token_pieces,
)

REFERENCE_IDS = {
    "gpt2": [31373, 995],
    "r50k_base": [31373, 995],
    "p50k_base": [31373, 995],
    "cl100k_base": [15339, 1917],
    "o200k_base": [24912, 2375],
}
VOCAB = {"gpt2": 50257, "r50k_base": 50257, "p50k_base": 50281, "cl100k_base": 100277, "o200k_base": 200019}


def test_addresses_and_hashes_match_tiktoken():
    """Our constants are the ones tiktoken itself uses, so its checks apply."""
    import tiktoken_ext.openai_public as public

    source = inspect.getsource(public)
    for key in encodings.URLS:
        assert f'"{encodings.URLS[key].replace(encodings._BLOB, "https://openaipublic.blob.core.windows.net")}"' in source
        assert f'"{encodings.SHA256[key]}"' in source


def test_fresh_cache_builds_offline(tmp_path, monkeypatch):
    """A brand-new cache is filled from the carrier packages without any network."""
    import tiktoken.load

    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(tmp_path))

    def no_network(blobpath):  # tiktoken would call this only to download
        raise AssertionError(f"tried to fetch {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    folder = encodings.install_tiktoken_files()
    assert folder == tmp_path / "tiktoken"
    for key, url in encodings.URLS.items():
        data = (folder / hashlib.sha1(url.encode()).hexdigest()).read_bytes()
        assert hashlib.sha256(data).hexdigest() == encodings.SHA256[key]
    ranks = tiktoken.load.load_tiktoken_bpe(encodings.URLS["p50k_base"], encodings.SHA256["p50k_base"])
    assert ranks[b" " * 25] == 50280 and len(ranks) == 50280  # + <|endoftext|> = 50281


@pytest.mark.parametrize("name", ENCODING_NAMES)
def test_reference_ids_and_vocab(name):
    assert encode_ordinary("hello world", name) == REFERENCE_IDS[name]
    assert get_encoding(name).n_vocab == VOCAB[name]
    assert summarise("hello world", name).chars_per_token == pytest.approx(11 / 2)


@pytest.mark.parametrize("name", ENCODING_NAMES)
def test_special_token_strings_are_plain_text(name):
    text = "a <|endoftext|> b <|fim_prefix|><|endofprompt|>"
    ids = encode_ordinary(text, name)
    enc = get_encoding(name)
    assert not set(ids) & set(enc._special_tokens.values())
    assert enc.decode(ids) == text


def test_unknown_encoding_is_refused_clearly():
    with pytest.raises(ValueError, match="Unknown encoding"):
        get_encoding("p50k_edit")


def test_partial_characters_are_hex_not_replacement_glyphs():
    pieces = token_pieces("👨‍👩‍👧", "gpt2")
    assert any(p.text is None for p in pieces)
    assert all("\ufffd" not in p.label for p in pieces)
    assert "⟨F0 9F 91⟩" in [p.label for p in pieces]
    assert b"".join(p.data for p in pieces) == "👨‍👩‍👧".encode()


def test_bytes_label():
    assert bytes_label(b"abc") == "abc"
    assert bytes_label(b" \xf0\x9f") == " ⟨F0 9F⟩"
    assert bytes_label(b"\x80\x80x\xff") == "⟨80 80⟩x⟨FF⟩"
    assert bytes_label(b"") == ""
    # the page's visible-whitespace function touches the text, never the hex
    assert bytes_label(b" a\xf0\x9f", lambda t: t.replace(" ", "·")) == "·a⟨F0 9F⟩"


def test_split_characters_names_every_token_a_character_spans():
    text = "a你b"
    pieces = token_pieces(text, "gpt2")
    split = split_characters(text, pieces)
    assert [s.char for s in split] == ["你"]
    assert split[0].data == "你".encode()
    assert len(split[0].token_ids) == 2
    assert split_characters("hello", token_pieces("hello", "o200k_base")) == []


@pytest.mark.parametrize("name", ENCODING_NAMES)
@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80))
def test_round_trip(name, text):
    ids = encode_ordinary(text, name)
    assert get_encoding(name).decode(ids) == text
    pieces = token_pieces(text, name)
    assert [p.id for p in pieces] == ids
    assert b"".join(p.data for p in pieces) == text.encode("utf-8")
    if "\ufffd" not in text:
        assert all("\ufffd" not in p.label for p in pieces)
