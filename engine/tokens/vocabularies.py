"""How big real vocabularies are: counted from the tokenizers we have offline, published
figures (with their source) for the ones we do not have.

Counted: the five tiktoken encodings (`n_vocab`, special tokens included) and BERT's
bert-base-uncased vocabulary, which all-MiniLM-L6-v2 uses unchanged (its vocab.txt, when the
data pack's `minilm` source is fetched). Not handled: fetching any tokenizer we lack.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine import datapack
from engine.tokens import encodings


@dataclass(frozen=True)
class VocabSize:
    model: str  # how the page names the tokenizer
    size: int  # number of token ids, special tokens included
    source: str  # "counted: ..." when computed here, otherwise the published source


# Published sizes, each with where it is stated. Counted values replace these when we can.
PUBLISHED: tuple[VocabSize, ...] = (
    VocabSize("BERT (bert-base-uncased)", 30_522, "bert-base-uncased vocab.txt (Devlin et al. 2019)"),
    VocabSize("Llama 2", 32_000, "Touvron et al. 2023, the Llama 2 paper (a 32k-token vocabulary)"),
    VocabSize("T5", 32_100, "t5-base tokenizer: 32,000 SentencePiece pieces + 100 sentinel tokens (Raffel et al. 2020)"),
    VocabSize("GPT-2", 50_257, "tiktoken gpt2 (Radford et al. 2019)"),
    VocabSize("GPT-4 (cl100k_base)", 100_277, "tiktoken cl100k_base"),
    VocabSize("GPT-4o (o200k_base)", 200_019, "tiktoken o200k_base"),
    VocabSize("Gemma", 256_000, "Gemma Team 2024, the Gemma paper (a 256k-entry vocabulary)"),
)
COUNTED_BY_TIKTOKEN = {"GPT-2": "gpt2", "GPT-4 (cl100k_base)": "cl100k_base", "GPT-4o (o200k_base)": "o200k_base"}


def bert_vocab_size() -> int | None:
    """Lines of MiniLM's vocab.txt (bert-base-uncased's vocabulary), or None without the data pack source."""
    if not datapack.is_available("minilm"):
        return None
    path = datapack.source_dir("minilm") / "vocab.txt"
    if not path.is_file():
        return None
    return len(path.read_text(encoding="utf-8").splitlines())


def real_vocab_sizes() -> list[VocabSize]:
    """The examples the page shows, smallest first; counted here wherever the tokenizer is offline."""
    out = []
    for v in PUBLISHED:
        if v.model in COUNTED_BY_TIKTOKEN:
            name = COUNTED_BY_TIKTOKEN[v.model]
            v = VocabSize(v.model, encodings.get_encoding(name).n_vocab, f"counted: tiktoken {name} n_vocab")
        elif v.model.startswith("BERT") and (n := bert_vocab_size()) is not None:
            v = VocabSize(v.model, n, "counted: all-MiniLM-L6-v2 vocab.txt (bert-base-uncased's vocabulary)")
        out.append(v)
    return sorted(out, key=lambda v: v.size)


@dataclass(frozen=True)
class ByteIds:
    """What the first ids of a byte-level encoding are."""

    name: str
    first: bytes  # id 0
    last_byte: bytes  # id 255
    first_merge: bytes  # id 256
    single_byte_ids: tuple[int, ...]  # ids whose token is one byte


def byte_ids(name: str) -> ByteIds:
    enc = encodings.get_encoding(name)
    singles = tuple(sorted(enc.encode_single_token(bytes([b])) for b in range(256)))
    return ByteIds(name, enc.decode_single_token_bytes(0), enc.decode_single_token_bytes(255),
                   enc.decode_single_token_bytes(256), singles)
