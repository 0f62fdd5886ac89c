"""Frozen sentence features: one vector per text from a model whose weights never change.

`decoder_features(lm, texts)` mean-pools the last hidden layer of a GPT-2-style causal LM
(our base, SmolLM2) over the real tokens; `encoder_features(texts)` mean-pools MiniLM the
way sentence-transformers does. Both return (N, D) float32 numpy arrays, work in batches,
read at most `max_tokens` tokens of each text (longer texts are truncated: a BBC article
is judged by its first ~128 tokens), and cache each vector per (model, settings, text hash)
in memory, and on disk too once `enable_disk_cache()` (or `use_disk_cache(folder)`) is called
(the transfer build does: cache_dir()/features/, one .npz per model weights' sha256 and
settings, so a rebuild only computes texts it has not seen; processes sharing the folder merge
their vectors under a lock, so the parallel build's workers add to one file).
`pad` and `token_rows` are the batching pieces the trained classifiers share.
Not handled: pooling other than mean and last-token, layers other than the last, and models
that are not transformers' PreTrainedModel.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine import datapack
from engine.models import MODEL_LOCK, weights_fingerprint
from engine.paths import atomic_write_bytes, cache_dir

MAX_TOKENS = 128  # per text; longer texts are truncated (our base's whole context)
BATCH_SIZE = 16
_CACHE_LIMIT = 200_000  # vectors in memory; the memory cache is emptied when it grows past this
_cache: dict[tuple, dict[str, np.ndarray]] = {}  # model key -> text hash -> vector
_disk: dict = {"folder": None}  # set by enable_disk_cache
_loaded_from_disk: dict[tuple, int | None] = {}  # model key -> file mtime when last merged
_fingerprints = weakref.WeakKeyDictionary()  # model -> weights_fingerprint, for frozen models only
stats = {"computed": 0, "from_cache": 0}  # vectors computed vs found, since import (the build reports them)


def clear_cache() -> None:
    """Forget the memory cache (the disk cache stays)."""
    _cache.clear()
    _loaded_from_disk.clear()


def enable_disk_cache(folder: Path | None = None) -> Path:
    """Also keep vectors on disk (default cache_dir()/features), keyed by the model's weight
    sha256 and settings: vectors of a changed model are never reused."""
    folder = Path(folder) if folder else cache_dir() / "features"
    folder.mkdir(parents=True, exist_ok=True)
    use_disk_cache(folder)
    return folder


def disable_disk_cache() -> None:
    use_disk_cache(None)


def disk_cache_folder() -> Path | None:
    """Where vectors go to disk (None: memory only)."""
    return _disk["folder"]


def use_disk_cache(folder: Path | None) -> Path | None:
    """Point the disk cache at `folder` (None: memory only; a removed folder is made again on the
    next save). Returns the folder it pointed at before, so a caller can put it back."""
    before = _disk["folder"]
    _disk["folder"] = Path(folder) if folder is not None else None
    _loaded_from_disk.clear()
    return before


def model_fingerprint(model) -> str:
    """engine.models.weights_fingerprint, remembered per model object.

    Only frozen models are fingerprinted here (our base and the real bases as they are read,
    never trained in place), and hashing SmolLM2's 135M weights takes seconds, which every
    feature call with the disk cache would otherwise pay again."""
    try:
        return _fingerprints[model]
    except (KeyError, TypeError):
        pass
    digest = weights_fingerprint(model)
    try:
        _fingerprints[model] = digest
    except TypeError:
        pass
    return digest


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _disk_path(model_key: tuple) -> Path | None:
    folder = _disk["folder"]
    if folder is None:
        return None
    name = hashlib.sha256(repr(model_key).encode()).hexdigest()[:24]
    return folder / f"{name}.npz"


def _read_disk(path: Path) -> dict[str, np.ndarray]:
    """The vectors in one cache file ({} when missing or corrupt: a cache is only a cache)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return dict(zip(z["keys"].tolist(), z["x"]))
    except FileNotFoundError:
        return {}
    except Exception:
        path.unlink(missing_ok=True)
        return {}


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _load_disk(model_key: tuple) -> None:
    """Merge the file's vectors into memory when it changed since we last read it (another
    process of a parallel build may have added some)."""
    path = _disk_path(model_key)
    if path is None:
        return
    stamp = _mtime(path)
    if stamp is None or _loaded_from_disk.get(model_key) == stamp:
        return
    _loaded_from_disk[model_key] = stamp
    store = _cache.setdefault(model_key, {})
    for k, v in _read_disk(path).items():
        store.setdefault(k, v)


def _save_disk(model_key: tuple) -> None:
    """Write memory's vectors merged with the file's, under a lock: processes that share the
    folder add to it and never drop each other's vectors."""
    path = _disk_path(model_key)
    store = _cache.get(model_key)
    if path is None or not store:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for k, v in _read_disk(path).items():
            store.setdefault(k, v)
        buf = io.BytesIO()
        np.savez(buf, keys=np.array(list(store), dtype="<U64"), x=np.stack(list(store.values())).astype(np.float32))
        atomic_write_bytes(path, buf.getvalue())
        _loaded_from_disk[model_key] = _mtime(path)


def _cached(model_key: tuple, texts: Sequence[str], compute) -> np.ndarray:
    """Look each text up; compute the missing ones in one call; keep input order."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    store = _cache.setdefault(model_key, {})
    keys = [_text_key(t) for t in texts]
    if _disk["folder"] is not None and any(k not in store for k in keys):
        _load_disk(model_key)
    todo: dict[str, int] = {}  # each missing text once, first occurrence
    for i, k in enumerate(keys):
        if k not in store:
            todo.setdefault(k, i)
    stats["from_cache"] += len(keys) - len(todo)
    if todo:
        vectors = compute([texts[i] for i in todo.values()])
        stats["computed"] += len(todo)
        if sum(len(v) for v in _cache.values()) + len(todo) > _CACHE_LIMIT:
            _cache.clear()
            _loaded_from_disk.clear()
            store = _cache.setdefault(model_key, {})
        found = {k: store[k] for k in keys if k in store}
        for key, vector in zip(todo, vectors):
            store[key] = found[key] = np.asarray(vector, dtype=np.float32)
        _save_disk(model_key)
    else:
        found = store
    return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)


def pad(rows: list[list[int]], pad_id: int):
    """Right-pad token id lists into (B, T) ids and a (B, T) 0/1 attention mask."""
    import torch  # heavy: imported on first use, so the results page never pays for it

    width = max(1, max(len(r) for r in rows))
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


def token_rows(tokenizer, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
    """Each text's token ids, cut to max_tokens; an empty text still gets one token."""
    rows = tokenizer(list(texts), add_special_tokens=True, truncation=True, max_length=max_tokens)["input_ids"]
    fallback = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    return [list(r) if len(r) else [fallback] for r in rows]


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

    rows = token_rows(tokenizer, texts, max_tokens)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    out: list[np.ndarray | None] = [None] * len(rows)
    pad_id = _pad_id(tokenizer)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = pad([rows[i] for i in idx], pad_id)
            vectors = embed(ids, mask).float().cpu().numpy()  # (B, D); bfloat16 models cast here
            for i, v in zip(idx, vectors):
                out[i] = v
    return out  # type: ignore[return-value]


def _model_id(model) -> str:
    """The weights' sha256 where vectors go to disk (stable across runs), else the object's id."""
    if _disk["folder"] is not None:
        return model_fingerprint(model)
    return f"id:{id(model)}:{type(model).__name__}"


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

    body = getattr(model, "base_model", model)  # the transformer without its LM head: same last
    # hidden layer (final norm included), without computing logits over the whole vocabulary

    def embed(ids, mask):
        hidden = body(input_ids=ids, attention_mask=mask).last_hidden_state
        if pooling == "mean":
            return masked_mean(hidden, mask)
        last = mask.sum(1) - 1  # (B,)
        return hidden[range(hidden.shape[0]), last].float()

    key = ("decoder", _model_id(model), pooling, max_tokens)
    return _cached(key, list(texts), lambda todo: _run_batches(todo, tokenizer, embed, max_tokens=max_tokens,
                                                               batch_size=batch_size))


_encoder = None


def load_encoder():
    """MiniLM (sentence-transformers all-MiniLM-L6-v2) from the data pack, float32, eval mode."""
    global _encoder
    if _encoder is None:
        from transformers import AutoModel, AutoTokenizer  # heavy: only when MiniLM is wanted

        folder = datapack.source_dir("minilm")
        candidates = [p.parent for p in folder.rglob("model.safetensors")]
        where = candidates[0] if candidates else folder
        with MODEL_LOCK:  # see engine.models.MODEL_LOCK
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

    key = ("encoder", _model_id(model), max_tokens)
    return _cached(key, list(texts), lambda todo: _run_batches(todo, tokenizer, embed, max_tokens=max_tokens,
                                                               batch_size=batch_size))
