"""What a model knows: cloze probes of a generated world's facts, scored over the
candidate answers of the fact's kind (every town for a birthplace, every year for a date).

    results = score_probes(lm, world.probes(), world.answer_sets)
    recall_by_exposure(results)   # accuracy, rank, confidence per exposure bucket

For each probe the model's log-probability of every candidate answer (" " +
answer, all its tokens) after the prompt is renormalised over the candidates:
accuracy (the truth is the best candidate), rank of the truth (1 = best), top
probability and entropy (bits) of that candidate distribution. "Right kind"
asks the open question instead: is the model's top next token overall the
first token of some answer of the right kind? For people the model never read
about, that is the shape of a fact without the fact.

Works with any object with `.model` (a causal LM returning `.logits`) and
`.tokenizer` (a fast tokenizer). Not handled: sampling or free generation.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from engine.probes import context_length, encode_plain

LN2 = math.log(2.0)


def _candidate_ids(tokenizer, answers: list[str]) -> list[list[int]]:
    """Each answer as the model would see it after a prompt: with a leading space."""
    return [encode_plain(tokenizer, " " + a) for a in answers]


@torch.inference_mode()
def _candidate_logprobs(model, prompts: list[list[int]], cands: list[list[int]], *, batch: int = 256):
    """log p(candidate | prompt) for every prompt x candidate: (P, K) float64, and
    the next-token log-distribution after each prompt: (P, V).

    Single-token candidates (the usual case in a world BPE) need one forward pass
    per prompt, batched by prompt length so no padding is needed. Longer
    candidates add one pass over every (prompt, candidate) pair, batched the same
    way and right-padded (a causal model never looks right, so padding after the
    tokens we read changes nothing).
    """
    n_p = len(prompts)
    first = torch.tensor([c[0] for c in cands])
    by_len: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        by_len.setdefault(len(p), []).append(i)
    next_logp = None
    for length, idx in by_len.items():
        for s in range(0, len(idx), batch):
            rows = idx[s : s + batch]
            x = torch.tensor([prompts[i] for i in rows], dtype=torch.long)  # (B, T)
            logits = model(input_ids=x).logits[:, -1].float()  # (B, V)
            logp = torch.log_softmax(logits, dim=-1).double()
            if next_logp is None:
                next_logp = torch.empty(n_p, logp.shape[1], dtype=torch.float64)
            next_logp[rows] = logp
    scores = next_logp[:, first].clone()  # (P, K): first token of each candidate
    longer = [k for k, c in enumerate(cands) if len(c) > 1]
    if longer:
        width = max(len(cands[k]) for k in longer)
        tails = torch.zeros(len(longer), width, dtype=torch.long)  # (K', W) right-padded candidates
        mask = torch.zeros(len(longer), width - 1, dtype=torch.float64)  # which later tokens count
        for r, k in enumerate(longer):
            tails[r, : len(cands[k])] = torch.tensor(cands[k])
            mask[r, : len(cands[k]) - 1] = 1.0
        rows_per_chunk = max(1, (batch * 8) // len(longer))
        for length, idx in by_len.items():
            for s in range(0, len(idx), rows_per_chunk):
                rows = idx[s : s + rows_per_chunk]
                p = torch.tensor([prompts[i] for i in rows], dtype=torch.long)  # (B, T)
                b = len(rows)
                seqs = torch.cat([p.repeat_interleave(len(longer), 0), tails.repeat(b, 1)], dim=1)  # (B*K', T+W)
                logits = model(input_ids=seqs).logits  # (B*K', T+W, V)
                logp = torch.log_softmax(logits[:, length : length + width - 1].float(), dim=-1).double()
                later = tails[:, 1:].repeat(b, 1)  # (B*K', W-1): tokens 2.. of each candidate
                got = logp.gather(2, later[..., None])[..., 0] * mask.repeat(b, 1)  # (B*K', W-1)
                scores[torch.tensor(rows)[:, None], torch.tensor(longer)[None, :]] += got.sum(1).view(b, len(longer))
    return scores.numpy(), next_logp.numpy()


def score_probes(lm, probes: pd.DataFrame, answer_sets: dict[str, list[str]], *, facts: pd.DataFrame | None = None,
                 batch: int = 256) -> pd.DataFrame:
    """One row per probe: the model's answer and how sure it was.

    probes: rows with prompt, answer, answer_kind (world.probes()); facts, if
    given, adds exposure, held_out and relation by fact_id. answer_sets: the
    candidates of each kind (world.answer_sets).
    """
    model = lm.model
    was_training = model.training
    model.eval()
    out = []
    try:
        for kind, group in probes.groupby("answer_kind", sort=False):
            answers = list(answer_sets[kind])
            cands = _candidate_ids(lm.tokenizer, answers)
            # a prompt too long for the context window keeps its last tokens
            room = max(1, context_length(model) - max(len(c) for c in cands))
            prompts = [encode_plain(lm.tokenizer, p)[-room:] for p in group["prompt"]]
            scores, next_logp = _candidate_logprobs(model, prompts, cands, batch=batch)
            cand_p = np.exp(scores - scores.max(axis=1, keepdims=True))
            cand_p /= cand_p.sum(axis=1, keepdims=True)  # (P, K) renormalised over candidates
            truth = np.array([answers.index(a) for a in group["answer"]])
            p_truth = cand_p[np.arange(len(truth)), truth]
            rank = (cand_p > p_truth[:, None]).sum(axis=1) + 1
            best = cand_p.argmax(axis=1)
            entropy = -(np.where(cand_p > 0, cand_p * np.log(np.clip(cand_p, 1e-300, None)), 0.0)).sum(axis=1) / LN2
            top_token = next_logp.argmax(axis=1)
            kind_first = {c[0] for c in cands}
            frame = group.copy()
            frame["model_answer"] = [answers[b] for b in best]
            frame["correct"] = best == truth
            frame["rank"] = rank
            frame["p_truth"] = p_truth
            frame["top_prob"] = cand_p.max(axis=1)
            frame["entropy_bits"] = entropy
            frame["n_candidates"] = len(answers)
            frame["candidate_mass"] = np.exp(scores).sum(axis=1)  # raw probability on any candidate
            frame["top_token"] = [lm.tokenizer.decode([int(t)]) for t in top_token]
            frame["right_kind"] = [int(t) in kind_first for t in top_token]
            out.append(frame)
    finally:
        model.train(was_training)
    results = pd.concat(out).loc[probes.index] if out else probes.iloc[0:0].copy()
    if facts is not None:
        extra = facts.set_index("fact_id")[["exposure", "held_out", "relation"]]
        for col in extra.columns:
            if col not in results.columns:
                results[col] = results["fact_id"].map(extra[col])
    return results


def score_world(lm, world, facts: pd.DataFrame | None = None, *, styles=("trained", "new")) -> pd.DataFrame:
    """score_probes for a world's facts (all of them by default)."""
    facts = world.facts if facts is None else facts
    return score_probes(lm, world.probes(facts, styles=styles), world.answer_sets, facts=world.facts)


def recall_by_exposure(results: pd.DataFrame, *, by=("style",)) -> pd.DataFrame:
    """Accuracy and confidence per exposure bucket (0 = never seen, i.e. held out),
    split by `by` columns (probe style by default; add "relation" for more)."""
    keys = [*by, "exposure"]
    frame = results.copy()
    frame["exposure"] = np.where(frame["held_out"], 0, frame["exposure"])
    frame["chance"] = 1.0 / frame["n_candidates"]
    table = frame.groupby(keys).agg(
        probes=("correct", "size"), accuracy=("correct", "mean"), mean_rank=("rank", "mean"),
        top_prob=("top_prob", "mean"), p_truth=("p_truth", "mean"), entropy_bits=("entropy_bits", "mean"),
        right_kind=("right_kind", "mean"), chance=("chance", "mean"),
    )
    return table.reset_index()


def candidate_distribution(lm, prompt: str, answers: list[str]) -> dict:
    """The model's distribution over `answers` after one prompt (renormalised over
    them, best first), with the raw probability on any of them and its top next
    token overall: {"candidates": [(answer, prob), ...], "candidate_mass", "top_token",
    "right_kind", "prompt_tokens", "truncated"}. A prompt longer than the context
    window keeps its last tokens (truncated=True)."""
    model = lm.model
    was_training = model.training
    model.eval()
    try:
        cands = _candidate_ids(lm.tokenizer, list(answers))
        room = max(1, context_length(model) - max(len(c) for c in cands))
        ids = encode_plain(lm.tokenizer, prompt)
        truncated = len(ids) > room
        ids = ids[-room:]
        if not ids:
            raise ValueError("empty prompt: nothing to continue")
        scores, next_logp = _candidate_logprobs(model, [ids], cands)
    finally:
        model.train(was_training)
    s = scores[0]
    p = np.exp(s - s.max())
    p /= p.sum()
    order = np.argsort(-p, kind="stable")
    top = int(next_logp[0].argmax())
    return {"candidates": [(answers[i], float(p[i])) for i in order], "candidate_mass": float(np.exp(s).sum()),
            "top_token": lm.tokenizer.decode([top]), "right_kind": top in {c[0] for c in cands},
            "prompt_tokens": len(ids), "truncated": truncated}
