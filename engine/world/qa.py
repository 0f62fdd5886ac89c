"""The question-answer form of the tuning experiment and its tuner: prompts, batches with the
loss on the answer only, AdamW one epoch at a time, and the model's own greedy answer.

    pairs = encode_pairs(lm.tokenizer, world, facts)   # (prompt ids, answer ids) per fact
    tuner = QATuner(lm.model, pairs, TuneConfig())     # tunes lm.model in place: hand it a copy
    tuner.epoch()                                      # one pass; the mean loss
    ask(lm, "Where was Dara Voskell born?")            # the model's answer, up to a newline

Not handled: chat templates, sampling, or partial tuning (LoRA and the like).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from engine.probes import context_length, encode_plain, start_token_id

RELATIONS = ("birth_town", "birth_year", "occupation", "employer", "moved_to", "mayor_of")  # every person relation


@dataclass
class TuneConfig:
    n_tune: int = 160  # QA pairs per tuning set (every mix the same size), split evenly over RELATIONS
    n_dev: int = 200  # known facts of other people, never tuned on: the dev set
    n_never_read: int = 100  # facts of held-out people, never tuned on
    dev_people: float = 0.3  # share of the people it read kept for the dev set (never tuned on)
    never_read_people: float = 0.5  # share of the held-out people kept for the never-read set
    epochs: int = 20  # passes over the tuning set (unknown facts need about 12-16 to fit at this lr)
    lr: float = 3e-4  # AdamW, constant after a short warm-up (1e-3 fits faster but forgets more)
    warmup_steps: int = 10
    batch_size: int = 16
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    seed: int = 0  # which facts are drawn and in what order they are tuned
    relations: tuple = RELATIONS  # which facts take part


QA_TEMPLATE = "Question: {question}\nAnswer:"  # the answer follows after a space, then a newline
MAX_QUESTION_CHARS = 300


def qa_prompt(question: str) -> str:
    """The tuning format's prompt: the model's answer is the next word."""
    return QA_TEMPLATE.format(question=question)


def qa_probes(world, facts: pd.DataFrame) -> pd.DataFrame:
    """Probes in question-answer form, scored like engine.world.knowledge's cloze probes
    (prompt, answer, answer_kind, relation, fact_id)."""
    pairs = world.qa_pairs(facts)
    kinds = facts.set_index("fact_id")["answer_kind"]
    return pd.DataFrame([{"fact_id": p["fact_id"], "style": "qa", "prompt": qa_prompt(p["question"]),
                          "answer": p["answer"], "answer_kind": kinds[p["fact_id"]], "relation": p["relation"]}
                         for p in pairs], columns=["fact_id", "style", "prompt", "answer", "answer_kind", "relation"])


def encode_pairs(tokenizer, world, facts: pd.DataFrame) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, answer ids) for each fact: the answer is " Y" and a newline, as
    score_probes reads a candidate (" " + answer) after the prompt."""
    return [(encode_plain(tokenizer, qa_prompt(p["question"])), encode_plain(tokenizer, " " + p["answer"] + "\n"))
            for p in world.qa_pairs(facts)]


def answer_batch(pairs: list[tuple[list[int], list[int]]], pad_id: int):
    """Right-padded inputs x, targets y and a mask on the answer tokens: (B, T) each.
    A causal model never looks right, so padding after a sequence changes nothing."""
    seqs = [p + a for p, a in pairs]
    width = max(len(s) for s in seqs)
    x = torch.full((len(seqs), width - 1), pad_id, dtype=torch.long)
    y = torch.full((len(seqs), width - 1), pad_id, dtype=torch.long)
    mask = torch.zeros(len(seqs), width - 1)
    for i, ((p, a), s) in enumerate(zip(pairs, seqs)):
        x[i, : len(s) - 1] = torch.tensor(s[:-1])
        y[i, : len(s) - 1] = torch.tensor(s[1:])
        mask[i, len(p) - 1 : len(s) - 1] = 1.0  # predict every answer token (and the newline)
    return x, y, mask


def answer_loss(model, x, y, mask):
    """Mean cross-entropy over the answer tokens only (nats per token)."""
    logits = model(input_ids=x, use_cache=False).logits  # (B, T, V)
    nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), y.reshape(-1), reduction="none")
    return (nll * mask.reshape(-1)).sum() / mask.sum().clamp(min=1.0)


class QATuner:
    """AdamW on answer tokens, one epoch at a time; tunes `model` in place.

    Its own loop, not engine.train: engine.train samples random windows of a token stream
    with a cosine schedule and decays only matrices, while this tunes whole question-answer
    pairs, epoch by epoch, with the loss masked to the answer, a constant rate after warm-up
    and every weight updated alike. Routing it through engine.train would change what the
    committed results in assets/world_tuning measure, and they must reproduce.
    """

    def __init__(self, model, pairs, config: TuneConfig, *, pad_id: int = 0):
        self.model, self.pairs, self.config, self.pad_id = model, pairs, config, pad_id
        self.step = 0
        self.rng = np.random.default_rng([config.seed, 11])
        self.optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr,
                                           betas=(0.9, 0.95), weight_decay=config.weight_decay)

    def train_step(self, batch_pairs) -> float:
        cfg = self.config
        lr = cfg.lr * min(1.0, (self.step + 1) / max(cfg.warmup_steps, 1))
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.model.train()
        x, y, mask = answer_batch(batch_pairs, self.pad_id)
        loss = answer_loss(self.model, x, y, mask)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.optimizer.step()
        self.model.eval()
        self.step += 1
        return float(loss.detach())

    def batches(self):
        """One epoch of batches, in a fresh random order."""
        order = self.rng.permutation(len(self.pairs))
        bs = self.config.batch_size
        for s in range(0, len(order), bs):
            yield [self.pairs[i] for i in order[s : s + bs]]

    def epoch(self) -> float:
        """One pass over the tuning set; the mean loss of its steps."""
        losses = [self.train_step(b) for b in self.batches()]
        return float(np.mean(losses)) if losses else float("nan")



def padding_id(tokenizer) -> int:
    """The id that pads a batch (end of text): never read, since it only follows a sequence."""
    return start_token_id(tokenizer)


def ask(lm, question: str, *, max_new_tokens: int = 8) -> str:
    """The model's own greedy answer to a question in the tuning format, up to a
    newline or end of text. The question is plain text (a typed "<|endoftext|>"
    is just characters) and is cut to MAX_QUESTION_CHARS."""
    question = " ".join(str(question).split())[:MAX_QUESTION_CHARS]
    ids = encode_plain(lm.tokenizer, qa_prompt(question))
    room = context_length(lm.model) - max_new_tokens
    ids = ids[-room:]
    eot = start_token_id(lm.tokenizer)
    out: list[int] = []
    lm.model.eval()
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            logits = lm.model(input_ids=torch.tensor([ids + out]), use_cache=False).logits[0, -1]
            nxt = int(logits.argmax())
            if nxt == eot:
                break
            out.append(nxt)
            if "\n" in lm.tokenizer.decode(out):
                break
    text = lm.tokenizer.decode(out)
    return text.split("\n", 1)[0].strip()


def question_index(world) -> dict[str, dict]:
    """Question text -> the fact it asks about (every fact of the world): answer, relation,
    subject, how often it was read (0 for people never written about) and held_out."""
    facts = world.facts
    return {pair["question"]: {"answer": pair["answer"], "relation": pair["relation"], "subject": f["subject"],
                               "read": 0 if f["held_out"] else int(f["exposure"]), "held_out": bool(f["held_out"])}
            for pair, (_, f) in zip(world.qa_pairs(facts), facts.iterrows())}


def example_question(world, *, held_out: bool) -> str:
    """A birthplace question about the most-read person (or, held_out=True, one never written about)."""
    people = world.people[world.people["held_out"] == held_out]
    person = people.sort_values(["bucket", "person_id"], ascending=[False, True]).iloc[0]
    return f"Where was {person['name']} born?"
