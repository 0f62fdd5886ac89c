"""Probes of a causal language model: the next-token distribution, how sampling
settings reshape it, the log-probability of a continuation, and per-position loss.

Works with any object that has `.model` (a transformers causal LM) and
`.tokenizer` (a fast tokenizer). Reader text is always plain text: a typed
"<|endoftext|>" is seven ordinary characters, never the special token. Not
handled here: batching, KV caches, chat templates (the prefix is raw text).
"""
from __future__ import annotations

import math
import os
import weakref
from dataclasses import dataclass, field

import numpy as np
import torch
from tokenizers import Tokenizer

LN2 = math.log(2.0)

# ---------------------------------------------------------------- tokens


_plain_backends: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _plain_backend(tokenizer):
    """A private copy of the tokenizer's backend that treats special-token
    strings as plain text. A copy, because flipping `encode_special_tokens` on
    the shared tokenizer would race with other sessions using it."""
    backend = _plain_backends.get(tokenizer)
    if backend is None:
        backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        backend.encode_special_tokens = True
        _plain_backends[tokenizer] = backend
    return backend


def encode_plain(tokenizer, text: str) -> list[int]:
    """Token ids for reader text, with no special tokens added or recognised."""
    if not text:
        return []
    return list(_plain_backend(tokenizer).encode(text, add_special_tokens=False).ids)


DOCUMENT_SEPARATOR = "<|endoftext|>"


def start_token_id(tokenizer) -> int:
    """The token that stands for 'start of a document'. Pretraining puts
    "<|endoftext|>" between documents (ours, GPT-2, SmolLM2), so what follows
    it is a fresh document; otherwise the BOS token, else the EOS token."""
    tid = tokenizer.convert_tokens_to_ids(DOCUMENT_SEPARATOR)
    if isinstance(tid, int) and tid >= 0 and tokenizer.convert_ids_to_tokens(tid) == DOCUMENT_SEPARATOR:
        return tid
    for tid in (tokenizer.bos_token_id, tokenizer.eos_token_id):
        if tid is not None:
            return int(tid)
    return 0


def _byte_decoder() -> dict[str, int]:
    # GPT-2's byte-level alphabet: each byte is shown as one printable character.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


_BYTE_DECODER = _byte_decoder()


def token_piece(tokenizer, token_id: int) -> str:
    """The text of one token. A byte-level token that is only part of a UTF-8
    character is shown as its bytes, e.g. ⟨bytes e2 80⟩, not as a lone '\ufffd'."""
    raw = tokenizer.convert_ids_to_tokens(int(token_id))
    if raw is not None and raw in tokenizer.all_special_tokens:
        return raw
    if raw is not None and raw and all(ch in _BYTE_DECODER for ch in raw):
        data = bytes(_BYTE_DECODER[ch] for ch in raw)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return "⟨bytes " + " ".join(f"{b:02x}" for b in data) + "⟩"
    return tokenizer.decode([int(token_id)])


def context_length(model) -> int:
    cfg = model.config
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        value = getattr(cfg, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return 1024


@dataclass
class PreparedIds:
    ids: list[int]  # what the model sees
    used_start_token: bool  # the prefix was empty, so the start token stands in
    dropped: int  # tokens cut from the left to fit the context window


def prepare_prefix(lm, text: str, *, max_tokens: int | None = None) -> PreparedIds:
    """Tokenise a prefix. An empty prefix becomes the start-of-document token
    (the model needs at least one token to predict from). A prefix longer than
    the context window keeps only its last tokens, and says how many it dropped."""
    ids = encode_plain(lm.tokenizer, text)
    used_start = False
    if not ids:
        ids = [start_token_id(lm.tokenizer)]
        used_start = True
    limit = max_tokens or context_length(lm.model)
    dropped = max(0, len(ids) - limit)
    return PreparedIds(ids=ids[dropped:], used_start_token=used_start, dropped=dropped)


def prefer_one_thread(max_cores: int = 4) -> None:
    """On a small machine, one intra-op thread per forward pass. With two
    threads on two busy cores every matmul waits for a core the other thread
    or another reader holds (measured on 2 cores under load: SmolLM2 274 ms with
    1 thread, 5.4 s with 2). torch applies this to the whole process, as the
    lab's training jobs already do."""
    if (os.cpu_count() or 1) <= max_cores and torch.get_num_threads() > 1:
        torch.set_num_threads(1)


# ---------------------------------------------------------------- distribution


@dataclass
class TokenProb:
    token_id: int
    text: str  # the token's text (raw: escape and make visible at display time)
    prob: float


@dataclass
class NextTokenDistribution:
    logits: np.ndarray  # (V,) float64, raw scores for every token in the vocabulary
    probs: np.ndarray  # (V,) float64, softmax(logits)
    entropy_bits: float
    top: list[TokenProb]
    top_mass: float  # total probability of `top`
    prefix: PreparedIds = field(repr=False)

    def prob_of(self, token_id: int) -> float:
        return float(self.probs[token_id])

    def rank_of(self, token_id: int) -> int:
        """1 = the most likely token."""
        return int((self.probs > self.probs[token_id]).sum()) + 1


def last_logits(model, ids: list[int]) -> torch.Tensor:
    """Raw next-token scores after the last id: (V,) float32."""
    with torch.inference_mode():
        x = torch.tensor([ids], dtype=torch.long)  # (1, T)
        out = model(input_ids=x, use_cache=False, logits_to_keep=1)
        return out.logits[0, -1].float()  # (V,)


def entropy_bits(probs: np.ndarray) -> float:
    p = probs[probs > 0]
    return float(-(p * np.log2(p)).sum())


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max()
    e = np.exp(z)
    return e / e.sum()


def top_tokens(tokenizer, probs: np.ndarray, k: int) -> list[TokenProb]:
    k = max(1, min(int(k), probs.shape[0]))
    idx = np.argpartition(-probs, k - 1)[:k]
    idx = idx[np.argsort(-probs[idx], kind="stable")]
    return [TokenProb(int(i), token_piece(tokenizer, int(i)), float(probs[i])) for i in idx]


def next_token_distribution(lm, prefix: str | PreparedIds, *, top_k: int = 10) -> NextTokenDistribution:
    """The model's probability for every possible next token after `prefix`."""
    prepared = prefix if isinstance(prefix, PreparedIds) else prepare_prefix(lm, prefix)
    logits_t = last_logits(lm.model, prepared.ids)
    # Some models pad the output layer beyond the tokenizer's vocabulary; those
    # rows are never real tokens, so they are left out.
    logits = logits_t.double().numpy()[: min(len(lm.tokenizer), logits_t.shape[0])]
    probs = softmax(logits)
    top = top_tokens(lm.tokenizer, probs, top_k)
    return NextTokenDistribution(
        logits=logits,
        probs=probs,
        entropy_bits=entropy_bits(probs),
        top=top,
        top_mass=float(sum(t.prob for t in top)),
        prefix=prepared,
    )


# ---------------------------------------------------------------- sampling transforms


def reshape(logits: np.ndarray, *, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> np.ndarray:
    """Probabilities after the usual sampling settings, applied in the usual
    order: divide logits by temperature, keep the top-k tokens, then keep the
    smallest set whose probability reaches top-p, and renormalise.

    temperature 0 means greedy (all mass on the best token); top_k 0 means off.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if temperature <= 0:
        probs = np.zeros_like(logits)
        probs[int(np.argmax(logits))] = 1.0
        return probs
    probs = softmax(logits / temperature)
    keep = np.ones_like(probs, dtype=bool)
    if top_k and 0 < top_k < probs.shape[0]:
        kth = np.partition(probs, -top_k)[-top_k]
        keep &= probs >= kth
        # ties at the threshold: keep exactly top_k, by order
        if keep.sum() > top_k:
            order = np.argsort(-probs, kind="stable")
            keep = np.zeros_like(keep)
            keep[order[:top_k]] = True
    if top_p < 1.0:
        order = np.argsort(-np.where(keep, probs, -1.0), kind="stable")
        p_sorted = np.where(keep[order], probs[order], 0.0)
        p_sorted = p_sorted / p_sorted.sum()
        cum = np.cumsum(p_sorted)
        # keep tokens until the mass *before* them reaches top_p (so at least one)
        n_keep = int(np.searchsorted(cum, max(top_p, 0.0) - 1e-12) + 1)
        nucleus = np.zeros_like(keep)
        nucleus[order[:n_keep]] = True
        keep &= nucleus
    probs = np.where(keep, probs, 0.0)
    return probs / probs.sum()


def sample(probs: np.ndarray, rng: np.random.Generator | None = None) -> int:
    """Draw one token id from `probs`."""
    rng = rng or np.random.default_rng()
    return int(rng.choice(probs.shape[0], p=probs / probs.sum()))


# ---------------------------------------------------------------- scoring text


@dataclass
class ScoredToken:
    token_id: int
    text: str
    logprob: float  # natural log of p(token | everything to its left)

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)

    @property
    def bits(self) -> float:
        """Surprise in bits: -log2 p."""
        return -self.logprob / LN2


def _token_logprobs(model, ids: list[int]) -> torch.Tensor:
    """log p(ids[t] | ids[:t]) for t = 1..T-1: (T-1,) float32."""
    with torch.inference_mode():
        x = torch.tensor([ids], dtype=torch.long)  # (1, T)
        logits = model(input_ids=x, use_cache=False).logits[0, :-1].float()  # (T-1, V)
        logp = torch.log_softmax(logits, dim=-1)
        return logp.gather(1, x[0, 1:, None])[:, 0]  # (T-1,)


@dataclass
class ContinuationScore:
    tokens: list[ScoredToken]
    prefix: PreparedIds
    dropped: int  # continuation tokens cut to fit the context window

    @property
    def total_nats(self) -> float:
        return float(sum(t.logprob for t in self.tokens))

    @property
    def total_bits(self) -> float:
        return self.total_nats / LN2


def continuation_logprob(lm, prefix: str, continuation: str) -> ContinuationScore:
    """log p(continuation | prefix), token by token (chain rule: the sum of
    each token's log-probability given everything before it)."""
    cont_ids = encode_plain(lm.tokenizer, continuation)
    n_ctx = context_length(lm.model)
    dropped = max(0, len(cont_ids) - (n_ctx - 1))
    cont_ids = cont_ids[: len(cont_ids) - dropped]
    prepared = prepare_prefix(lm, prefix, max_tokens=max(1, n_ctx - len(cont_ids)))
    if not cont_ids:
        return ContinuationScore(tokens=[], prefix=prepared, dropped=dropped)
    ids = prepared.ids + cont_ids
    logps = _token_logprobs(lm.model, ids)[-len(cont_ids):]
    tokens = [
        ScoredToken(tid, token_piece(lm.tokenizer, tid), float(lp))
        for tid, lp in zip(cont_ids, logps.tolist())
    ]
    return ContinuationScore(tokens=tokens, prefix=prepared, dropped=dropped)


@dataclass
class PositionLoss:
    tokens: list[ScoredToken]  # each sentence token with -loss as its logprob
    truncated: int  # tokens beyond max_tokens that were left out
    start_token: str  # the start-of-document token every position can also see

    @property
    def losses(self) -> list[float]:
        return [-t.logprob for t in self.tokens]

    @property
    def mean_loss(self) -> float:
        return float(np.mean(self.losses)) if self.tokens else float("nan")


def per_position_loss(lm, sentence: str, *, max_tokens: int = 48) -> PositionLoss:
    """The loss (cross-entropy, in nats) at every position of a sentence: how
    surprised the model was by each token given only the tokens to its left.
    The start-of-document token goes first so even the first word is predicted."""
    ids = encode_plain(lm.tokenizer, sentence)
    truncated = max(0, len(ids) - max_tokens)
    ids = ids[:max_tokens]
    start = start_token_id(lm.tokenizer)
    if not ids:
        return PositionLoss(tokens=[], truncated=0, start_token=token_piece(lm.tokenizer, start))
    logps = _token_logprobs(lm.model, [start] + ids)
    tokens = [ScoredToken(tid, token_piece(lm.tokenizer, tid), float(lp)) for tid, lp in zip(ids, logps.tolist())]
    return PositionLoss(tokens=tokens, truncated=truncated, start_token=token_piece(lm.tokenizer, start))


def causal_mask(n: int) -> np.ndarray:
    """(n, n) 1/0 matrix: row i (a position) may look at column j iff j <= i."""
    return np.tril(np.ones((n, n), dtype=np.int8))
