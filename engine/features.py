"""Frozen sentence features: one vector per text from a model whose weights never change.

`decoder_features(lm, texts)` mean-pools the last hidden layer of a GPT-2-style causal LM
(our base, SmolLM2) over the real tokens; `encoder_features(texts)` mean-pools MiniLM the
way sentence-transformers does. Both return (N, D) float32 numpy arrays, work in batches,
read at most `max_tokens` tokens of each text (longer texts are truncated: a BBC article
is judged by its first ~128 tokens), and cache each vector per (model, settings, text hash)
in memory. Not handled: pooling other than mean and last-token, layers other than the last,
and models that are not transformers' PreTrainedModel.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

MAX_TOKENS = 128  # per text; longer texts are truncated (our base's whole context)
BATCH_SIZE = 16
_CACHE_LIMIT = 100_000  # vectors; the cache is emptied when it grows past this
_cache: dict[tuple, np.ndarray] = {}


def clear_cache() -> None:
    _cache.clear()


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _cached(model_key: tuple, texts: Sequence[str], compute) -> np.ndarray:
    """Look each text up; compute the missing ones in one call; keep input order."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    keys = [model_key + (_text_key(t),) for t in texts]
    todo: dict[tuple, int] = {}  # each missing text once, first occurrence
    for i, k in enumerate(keys):
        if k not in _cache:
            todo.setdefault(k, i)
    found = {k: _cache[k] for k in keys if k in _cache}
    if todo:
        vectors = compute([texts[i] for i in todo.values()])
        if len(_cache) + len(todo) > _CACHE_LIMIT:
            _cache.clear()
        for key, vector in zip(todo, vectors):
            _cache[key] = found[key] = vector
    return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)


def _pad(rows: list[list[int]], pad_id: int):
    """Right-pad token id lists into (B, T) ids and a (B, T) 0/1 attention mask."""
    import torch

    width = max(1, max(len(r) for r in rows))
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


def _token_rows(tokenizer, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
    rows = tokenizer(list(texts), add_special_tokens=True, truncation=True, max_length=max_tokens)["input_ids"]
    fallback = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    return [list(r) if len(r) else [fallback] for r in rows]  # an empty text still gets one token


def masked_mean(hidden, mask):
    """(B, T, C) hidden states, (B, T) mask -> (B, C) mean over the real tokens, in float32."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return ((hidden * m).sum(1) / m.sum(1).clamp(min=1)).float()


def _pad_id(tokenizer) -> int:
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None:
            return int(candidate)
    return 0


def _run_batches(texts, tokenizer, embed, *, max_tokens: int, batch_size: int) -> list[np.ndarray]:
    """Batches sorted by length (less padding), vectors returned in input order."""
    import torch

    rows = _token_rows(tokenizer, texts, max_tokens)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    out: list[np.ndarray | None] = [None] * len(rows)
    pad_id = _pad_id(tokenizer)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = _pad([rows[i] for i in idx], pad_id)
            vectors = embed(ids, mask).float().cpu().numpy()  # (B, D); bfloat16 models cast here
            for i, v in zip(idx, vectors):
                out[i] = v
    return out  # type: ignore[return-value]


def decoder_features(lm, texts: Sequence[str], pooling: str = "mean", *, max_tokens: int = MAX_TOKENS,
                     batch_size: int = BATCH_SIZE) -> np.ndarray:
    """(N, D) float32: the last hidden layer of a causal LM, pooled over each text's real tokens.

    lm: a LoadedModel (or anything with .model, .tokenizer and .name) whose model is a
    transformers causal LM. pooling "mean" averages every real token (attention-masked, so
    right-padding never leaks in); "last" takes the final real token, which alone has read
    the whole text. The model is only read, never changed; bfloat16 outputs become float32.
    """
    if pooling not in ("mean", "last"):
        raise ValueError(f"pooling must be 'mean' or 'last', not {pooling!r}")
    model, tokenizer = lm.model, lm.tokenizer
    limit = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", None)
    max_tokens = min(max_tokens, limit) if limit else max_tokens

    def embed(ids, mask):
        hidden = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[-1]
        if pooling == "mean":
            return masked_mean(hidden, mask)
        last = mask.sum(1) - 1  # (B,)
        return hidden[range(hidden.shape[0]), last].float()

    key = ("decoder", getattr(lm, "name", "?"), id(model), pooling, max_tokens)
    return _cached(key, list(texts), lambda todo: _run_batches(todo, tokenizer, embed, max_tokens=max_tokens,
                                                               batch_size=batch_size))


_encoder = None


def load_encoder():
    """MiniLM (sentence-transformers all-MiniLM-L6-v2) from the data pack, float32, eval mode."""
    global _encoder
    if _encoder is None:
        from transformers import AutoModel, AutoTokenizer

        from engine import datapack

        folder = datapack.source_dir("minilm")
        candidates = [p.parent for p in folder.rglob("model.safetensors")]
        where = candidates[0] if candidates else folder
        model = AutoModel.from_pretrained(where, local_files_only=True).float().eval()
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=True)
        _encoder = (model, tokenizer)
    return _encoder


def encoder_features(texts: Sequence[str], *, max_tokens: int = MAX_TOKENS, batch_size: int = 32,
                     encoder=None) -> np.ndarray:
    """(N, 384) float32: MiniLM's token vectors averaged over real tokens (sentence-transformers'
    mean pooling). Not L2-normalised: the linear probe standardises features anyway."""
    model, tokenizer = encoder or load_encoder()

    def embed(ids, mask):
        return masked_mean(model(input_ids=ids, attention_mask=mask).last_hidden_state, mask)

    key = ("encoder", type(model).__name__, id(model), max_tokens)
    return _cached(key, list(texts), lambda todo: _run_batches(todo, tokenizer, embed, max_tokens=max_tokens,
                                                               batch_size=batch_size))
