"""Our tokenizer: a byte-level BPE trained on the corpus's train split with `tokenizers`.

Byte-level like GPT-2: any string encodes (no unknown token) and decodes back
exactly. One special token, <|endoftext|>, separates documents and is the eos.

Not handled: the GPT-2 regex pre-split's exact twin (we use ByteLevel's own
split), normalisation (text goes in as it is), and chat or padding tokens.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.paths import ASSETS_DIR, atomic_write_text, sha256_file

EOT = "<|endoftext|>"
TOKENIZER_DIR = ASSETS_DIR / "tokenizer"
TOKENIZER_FILE = TOKENIZER_DIR / "tokenizer.json"
DEFAULT_VOCAB_SIZE = 4096
REBUILD_COMMAND = "python -m engine build tokenizer"


def train_bpe(texts: Iterable[str], vocab_size: int = DEFAULT_VOCAB_SIZE, *, min_frequency: int = 2):
    """Learn BPE merges over raw bytes; returns a `tokenizers.Tokenizer` (EOT has id 0)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # all 256 bytes: nothing is unknown
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def as_transformers(tok) -> "transformers.PreTrainedTokenizerFast":  # noqa: F821
    """Wrap a `tokenizers.Tokenizer` for transformers, with eos = bos = <|endoftext|>."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOT, bos_token=EOT, unk_token=None)


def save(tok, path: Path = TOKENIZER_FILE) -> str:
    """Write tokenizer.json atomically; returns its sha256."""
    text = tok.to_str()
    atomic_write_text(path, text)
    return sha256_of(path)


def load(path: Path = TOKENIZER_FILE) -> "transformers.PreTrainedTokenizerFast":  # noqa: F821
    """The saved tokenizer as a transformers fast tokenizer."""
    from tokenizers import Tokenizer

    if not path.is_file():
        raise FileNotFoundError(f"No tokenizer at {path}. Build it with: {REBUILD_COMMAND}")
    return as_transformers(Tokenizer.from_file(str(path)))


def sha256_of(path: Path) -> str:
    return sha256_file(Path(path))


def encode_documents(tok, texts: list[str], dtype="uint16"):
    """Texts -> one flat id array, each text followed by <|endoftext|>. (N,) numpy."""
    import numpy as np

    fast = getattr(tok, "backend_tokenizer", None) or getattr(tok, "_tokenizer", None) or tok
    eot = fast.token_to_id(EOT)
    encodings = fast.encode_batch(texts, add_special_tokens=False)
    total = sum(len(e.ids) + 1 for e in encodings)
    out = np.empty(total, dtype=dtype)
    i = 0
    for e in encodings:
        n = len(e.ids)
        out[i : i + n] = e.ids
        out[i + n] = eot
        i += n + 1
    return out
