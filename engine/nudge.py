"""The one-step microscope: one plain gradient step that makes a chosen next
token a little more likely, and what that step did to the whole distribution.

The step always runs on a session-owned copy (`session_copy`); the shared,
cached model is never modified. Not handled: optimisers with state (Adam),
batches of examples, or more than the first token of a multi-token target.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace, is_dataclass
from types import SimpleNamespace

import numpy as np
import torch

from engine import probes


def session_copy(lm):
    """A deep copy of the model that one reader's session may change freely.
    The tokenizer is shared: nothing here writes to it."""
    model = copy.deepcopy(lm.model)
    model.eval()  # dropout off: the step and the bars stay deterministic
    for p in model.parameters():
        p.requires_grad_(True)
    if is_dataclass(lm):
        return replace(lm, model=model)
    return SimpleNamespace(**{**vars(lm), "model": model})


@dataclass
class Target:
    text: str  # what the reader typed
    token_id: int  # the token the step pushes up (the first token of the target)
    piece: str  # that token's text
    n_tokens: int  # how many tokens the whole target has
    added_space: bool  # a leading space was added (words after words carry one)


def resolve_target(tokenizer, prefix: str, target: str) -> Target | None:
    """Which single token the microscope will push up for a typed target.

    GPT-style tokenizers fold the space before a word into the word's token
    (" mat", not "mat"), so when the prefix ends in a non-space and the target
    starts with a letter or digit, a space is added. A target of several
    tokens is represented by its first token. None when the target is empty.
    """
    if not target:
        return None
    added = bool(prefix) and not prefix[-1].isspace() and target[0].isalnum()
    text = (" " + target) if added else target
    ids = probes.encode_plain(tokenizer, text)
    if not ids:
        return None
    return Target(text=target, token_id=ids[0], piece=probes.token_piece(tokenizer, ids[0]),
                  n_tokens=len(ids), added_space=added)


@dataclass
class TokenChange:
    token_id: int
    text: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass
class WatchedWord:
    """Another candidate after the same prefix, scored as a whole continuation (all its tokens)."""
    text: str  # the continuation scored, with its leading space
    n_tokens: int
    p_before: float  # p(text | prefix) before the step
    p_after: float

    @property
    def ratio(self) -> float:
        """How many times likelier the step made it (below 1: less likely)."""
        return self.p_after / self.p_before if self.p_before > 0 else float("nan")


@dataclass
class RelatedEffect:
    prefix: str
    p_before: float  # p(target | this prefix) before the step
    p_after: float
    rank_before: int
    rank_after: int
    top_before: str  # the most likely next token before the step
    top_after: str


@dataclass
class NudgeResult:
    prefix: str
    target: Target
    lr: float
    loss_before: float  # -ln p(target | prefix), nats
    loss_after: float
    p_before: float
    p_after: float
    rank_before: int
    rank_after: int
    grad_norm: float  # size of the gradient over all weights
    changes: list[TokenChange]  # top tokens before or after, with both probabilities
    related: list[RelatedEffect]
    top_before: list[probes.TokenProb]
    top_after: list[probes.TokenProb]
    watched: list[WatchedWord] = field(default_factory=list)


def _probs(model, ids: list[int], vocab: int) -> np.ndarray:
    return probes.softmax(probes.last_logits(model, ids).double().numpy()[:vocab])


def resolve_continuation(prefix: str, word: str) -> str:
    """A watched word as the continuation scored: with the space a word carries after another word."""
    word = word.strip()
    return (" " + word) if word and prefix and not prefix[-1].isspace() and word[0].isalnum() else word


def _continuation_p(lm, prefix: str, text: str) -> float:
    with torch.no_grad():
        return float(math.exp(probes.continuation_logprob(lm, prefix, text).total_nats))


def target_loss(model, ids: list[int], target_id: int) -> torch.Tensor:
    """-log p(target | prefix): the cross-entropy loss of this one example."""
    x = torch.tensor([ids], dtype=torch.long)  # (1, T)
    logits = model(input_ids=x, use_cache=False, logits_to_keep=1).logits[0, -1]  # (V,)
    return -torch.log_softmax(logits.float(), dim=-1)[target_id]


def sgd_step(model, loss: torch.Tensor, lr: float) -> float:
    """Plain gradient descent: every weight moves by -lr * its gradient.
    Returns the gradient's overall size (L2 norm)."""
    model.zero_grad(set_to_none=True)
    loss.backward()
    sq = 0.0
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is None:
                continue
            sq += float(p.grad.double().pow(2).sum())
            p.add_(p.grad, alpha=-lr)
    model.zero_grad(set_to_none=True)  # free the gradients' memory
    return math.sqrt(sq)


def nudge(
    session_lm,
    prefix: str,
    target: str | Target,
    *,
    lr: float = 0.1,
    related_prefixes: list[str] = (),
    top_k: int = 10,
    watch: list[str] = (),
) -> NudgeResult:
    """Take one gradient step on `session_lm` (a `session_copy`, changed in
    place) that lowers -log p(target | prefix), and measure before and after.
    `watch`: other words after the same prefix, each scored as a whole continuation."""
    tok = session_lm.tokenizer
    model = session_lm.model
    vocab = min(len(tok), model.get_output_embeddings().weight.shape[0])
    tgt = target if isinstance(target, Target) else resolve_target(tok, prefix, target)
    if tgt is None:
        raise ValueError("The target is empty: type the word you want the model to expect next.")
    ids = probes.prepare_prefix(session_lm, prefix).ids
    related_ids = [(r, probes.prepare_prefix(session_lm, r).ids) for r in related_prefixes]

    watch_texts = [w for w in (resolve_continuation(prefix, w) for w in watch) if w]
    watch_before = [_continuation_p(session_lm, prefix, w) for w in watch_texts]
    before = _probs(model, ids, vocab)
    related_before = [_probs(model, rid, vocab) for _, rid in related_ids]

    model.eval()
    loss = target_loss(model, ids, tgt.token_id)
    loss_before = float(loss.detach())
    grad_norm = sgd_step(model, loss, lr)

    after = _probs(model, ids, vocab)
    related_after = [_probs(model, rid, vocab) for _, rid in related_ids]
    watched = [WatchedWord(w, len(probes.encode_plain(tok, w)), b, _continuation_p(session_lm, prefix, w))
               for w, b in zip(watch_texts, watch_before)]

    top_b = probes.top_tokens(tok, before, top_k)
    top_a = probes.top_tokens(tok, after, top_k)
    shown = list(dict.fromkeys([tgt.token_id] + [t.token_id for t in top_b] + [t.token_id for t in top_a]))
    changes = [TokenChange(i, probes.token_piece(tok, i), float(before[i]), float(after[i])) for i in shown]
    changes.sort(key=lambda c: -abs(c.change))

    def rank(p: np.ndarray, i: int) -> int:
        return int((p > p[i]).sum()) + 1

    related = [
        RelatedEffect(
            prefix=r,
            p_before=float(b[tgt.token_id]),
            p_after=float(a[tgt.token_id]),
            rank_before=rank(b, tgt.token_id),
            rank_after=rank(a, tgt.token_id),
            top_before=probes.token_piece(tok, int(np.argmax(b))),
            top_after=probes.token_piece(tok, int(np.argmax(a))),
        )
        for (r, _), b, a in zip(related_ids, related_before, related_after)
    ]
    return NudgeResult(
        prefix=prefix,
        target=tgt,
        lr=lr,
        loss_before=loss_before,
        loss_after=float(-math.log(max(after[tgt.token_id], 1e-300))),
        p_before=float(before[tgt.token_id]),
        p_after=float(after[tgt.token_id]),
        rank_before=rank(before, tgt.token_id),
        rank_after=rank(after, tgt.token_id),
        grad_norm=grad_norm,
        changes=changes,
        related=related,
        top_before=top_b,
        top_after=top_a,
        watched=watched,
    )


def parameters_equal(model_a, model_b) -> bool:
    """True when two models hold byte-identical weights."""
    sa, sb = model_a.state_dict(), model_b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
