"""Transfer learning, measured: the same few labelled examples given to models that start
from nothing, from our base, or from real pretrained models, and the old strong baseline.

Approaches (engine.transfer.approaches, by id), each scored on a fixed, seeded, stratified
subset of the task's test split:
- "bow": TF-IDF + logistic regression (engine.transfer.baselines), the old strong baseline.
- "scratch": a randomly initialised GPT-2 of our base's shape plus a linear head on the
  mean-pooled last hidden state, trained only on the labelled examples.
- "ours-finetuned": the same head on a deep copy of our base; every weight trained with
  exactly the from-scratch budget (steps, batch, schedule, learning-rate grid).
- "ours-frozen" / "smollm2-frozen" / "minilm-frozen": logistic regression on frozen
  mean-pooled features (engine.transfer.features, engine.transfer.baselines.linear_probe).
The learning rate of the two trained approaches is chosen from the same small grid by
accuracy on a validation subset, never on test. Texts are truncated to 128 tokens.
Not handled: several seeds per row in one call (call once per seed), other heads, LoRA.

`python -m engine.transfer.experiment --per-class 32 --seeds 0 1 2` prints the table of docs/TRANSFER.md.
"""
from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from engine.models import new_model
from engine.presets import get_preset
from engine.tasks import Example, TaskData, few_shot, load_task
from engine.transfer import bases, features
from engine.transfer.approaches import APPROACHES as REGISTRY
from engine.transfer.approaches import approach_id, label
from engine.transfer.baselines import bag_of_words, linear_probe, score
from engine.transfer.features import masked_mean, pad, token_rows

TASKS = ("topic", "sentiment", "spam")
APPROACHES = tuple(REGISTRY)  # ids, in display order
TEST_SUBSET = 500  # test examples scored per task (stratified, seeded, fixed across training seeds)
VAL_SUBSET = 200  # validation examples used to choose the learning rate
MAX_TOKENS = 128


@dataclass(frozen=True)
class Budget:
    """One training budget, shared by from-scratch and fine-tuning so the comparison is fair."""
    steps: int = 100  # optimiser steps
    batch_size: int = 16  # examples per step
    lrs: tuple[float, ...] = (1e-3, 3e-3)  # peak learning rates tried; the best on validation is kept
    warmup_steps: int = 10
    min_lr_ratio: float = 0.1  # cosine decay to lr * min_lr_ratio
    weight_decay: float = 0.01
    max_tokens: int = MAX_TOKENS


def stratified_subset(examples: Sequence[Example], size: int | None, *, seed: int = 0) -> list[Example]:
    """At most `size` examples keeping each label's share (seeded; independent of input order)."""
    if size is None or size >= len(examples):
        return list(examples)
    rng = np.random.default_rng(seed)
    ordered = sorted(examples, key=lambda e: e.id)
    by_label: dict[str, list[Example]] = {}
    for e in ordered:
        by_label.setdefault(e.label, []).append(e)
    chosen: list[Example] = []
    for name in sorted(by_label):
        group = by_label[name]
        k = max(1, round(size * len(group) / len(examples)))
        chosen += [group[i] for i in sorted(rng.permutation(len(group))[:k])]
    return chosen


# --- a classifier on top of a GPT-2 body -----------------------------------------------------


def classifier(body, n_labels: int, *, seed: int):
    """GPT2Model body + Linear head on the mean of the last hidden layer over real tokens
    (the head is seeded; try-it rebuilds the same module to load saved weights into)."""
    import torch  # heavy: the experiment's users that only read results never import it

    class SequenceClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = body
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                self.head = torch.nn.Linear(body.config.n_embd, n_labels)

        def forward(self, ids, mask):  # (B, T), (B, T) -> (B, n_labels)
            hidden = self.body(input_ids=ids, attention_mask=mask).last_hidden_state  # (B, T, C)
            return self.head(masked_mean(hidden, mask))

    return SequenceClassifier()


def encode(tokenizer, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
    """Token id rows of texts, each cut to max_tokens (features.token_rows)."""
    return token_rows(tokenizer, texts, max_tokens)


def logits(clf, rows: list[list[int]], pad_id: int, batch_size: int = 32) -> np.ndarray:
    """(N, n_labels) float32 logits, in input order (batches sorted by length)."""
    import torch  # heavy: see classifier

    clf.eval()
    out = None
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            ids, mask = pad([rows[i] for i in idx], pad_id)
            z = clf(ids, mask).float().numpy()
            if out is None:
                out = np.empty((len(rows), z.shape[1]), dtype=np.float32)
            out[idx] = z
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


def predict(clf, rows: list[list[int]], pad_id: int, batch_size: int = 32) -> np.ndarray:
    """(N,) label indices: the classifier's argmax for each token row."""
    return logits(clf, rows, pad_id, batch_size).argmax(-1)


def predict_proba(clf, tokenizer, texts: Sequence[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """(N, n_labels) softmax probabilities of a trained classifier, texts truncated to max_tokens."""
    z = logits(clf, encode(tokenizer, texts, max_tokens), tokenizer.eos_token_id or 0)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _train_classifier(make_body, tokenizer, train: Sequence[Example], labels: Sequence[str], budget: Budget,
                      lr: float, seed: int, stop=None, deadline: float | None = None, on_step=None):
    """Train a fresh classifier (make_body() gives its body) with AdamW, warm-up + cosine.

    Its own loop, not engine.train's: engine.train samples windows of a token stream for
    next-token loss, while this one reads labelled examples in epochs of seeded shuffles,
    right-padded, with cross-entropy on a head. Routing it through engine.train would change
    which examples each step sees, so the committed results would no longer reproduce; it
    shares the optimiser (make_optimizer: AdamW, no decay on biases and norms) and the
    schedule (lr_at: warm-up then cosine) instead.

    Returns (classifier, stats) with stats = {"tokens_trained": real (unpadded) tokens read over
    all steps, "steps": steps run, "stopped": True if stop (a threading.Event) was set or the
    time.perf_counter() deadline passed before the last step}. on_step(step, steps), if given,
    is called after each step."""
    import torch  # heavy, and engine.train imports torch at its top: both on first training
    import torch.nn.functional as F

    from engine.train import TrainConfig, lr_at, make_optimizer

    rows = encode(tokenizer, [e.text for e in train], budget.max_tokens)
    y = torch.tensor([labels.index(e.label) for e in train])
    pad_id = tokenizer.eos_token_id or 0
    clf = classifier(make_body(), len(labels), seed=seed)
    config = TrainConfig(steps=budget.steps, batch_size=budget.batch_size, lr=lr, warmup_steps=budget.warmup_steps,
                         min_lr_ratio=budget.min_lr_ratio, weight_decay=budget.weight_decay, betas=(0.9, 0.999))
    opt = make_optimizer(clf, config)
    rng = np.random.default_rng(seed)
    order: list[int] = []
    tokens = 0
    stopped = False
    step = -1
    clf.train()
    for step in range(budget.steps):
        if (stop is not None and stop.is_set()) or (deadline is not None and time.perf_counter() > deadline):
            stopped = True
            break
        if len(order) < budget.batch_size:  # epochs of seeded shuffles
            order += list(rng.permutation(len(rows)))
        idx, order = order[: budget.batch_size], order[budget.batch_size :]
        ids, mask = pad([rows[i] for i in idx], pad_id)  # (B, T), (B, T)
        tokens += int(mask.sum())
        loss = F.cross_entropy(clf(ids, mask), y[idx])
        for group in opt.param_groups:
            group["lr"] = lr_at(step / max(1, budget.steps - 1), step, config)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(clf.parameters(), 1.0)
        opt.step()
        if on_step is not None:
            on_step(step + 1, budget.steps)
    clf.eval()
    return clf, {"tokens_trained": tokens, "steps": step + (0 if stopped else 1), "stopped": stopped}


def train_best(make_body, tokenizer, train, validation, labels, budget: Budget, seed: int, stop=None,
               deadline: float | None = None, on_step=None):
    """Train once per learning rate in budget.lrs; with several, keep the best on validation
    (with one, validation is not read). Returns (classifier, info) with info = {"lr",
    "val_accuracy" (None with one lr), "tokens_trained" (all runs), "steps", "stopped"}."""
    pad_id = tokenizer.eos_token_id or 0
    best = None
    tokens = 0
    val_rows = val_gold = None
    if len(budget.lrs) > 1:
        val_rows = encode(tokenizer, [e.text for e in validation], budget.max_tokens)
        val_gold = np.array([labels.index(e.label) for e in validation])
    for lr in budget.lrs:
        clf, stats = _train_classifier(make_body, tokenizer, train, labels, budget, lr, seed, stop, deadline, on_step)
        tokens += stats["tokens_trained"]
        val_acc = None if val_rows is None else float((predict(clf, val_rows, pad_id) == val_gold).mean())
        if best is None or (val_acc is not None and val_acc > best[0]):
            best = (val_acc, lr, clf, stats)
        if stats["stopped"]:
            break
    val_acc, lr, clf, stats = best
    return clf, {"lr": lr, "val_accuracy": val_acc, "tokens_trained": tokens, "steps": stats["steps"],
                 "stopped": stats["stopped"]}


def _trained(make_body, tokenizer, train, evaluate_on, validation, labels, budget: Budget, seed: int, method: str,
             keep: dict | None = None):
    """train_best, then score on evaluate_on. keep (a dict), if given, receives the classifier
    under "model". Returns (Score, info) with info as train_best's."""
    pad_id = tokenizer.eos_token_id or 0
    clf, info = train_best(make_body, tokenizer, train, validation, labels, budget, seed)
    predicted = predict(clf, encode(tokenizer, [e.text for e in evaluate_on], budget.max_tokens), pad_id)
    result = score(method, len(train), [e.label for e in evaluate_on], [labels[i] for i in predicted])
    if keep is not None:
        keep["model"] = clf
    return result, info


def from_scratch(task_train: Sequence[Example], task_eval: Sequence[Example], *, validation: Sequence[Example],
                 labels: Sequence[str], tokenizer, preset="base", budget: Budget = Budget(), seed: int = 0,
                 steps: int | None = None, vocab_size: int | None = None, keep: dict | None = None):
    """A fresh GPT-2 of the preset's shape (a Preset, its name, or a GPT2Config; seeded init) + head,
    trained only on task_train. steps overrides budget.steps. Returns (Score, {"lr", "val_accuracy"})."""
    budget = replace(budget, steps=steps or budget.steps)
    vocab = vocab_size or len(tokenizer)
    positions = getattr(preset, "n_positions", None) or (get_preset(preset) if isinstance(preset, str) else preset).context
    budget = replace(budget, max_tokens=min(budget.max_tokens, positions))  # texts must fit its positions
    return _trained(lambda: new_model(preset, vocab, seed=seed).transformer, tokenizer, task_train, task_eval,
                    validation, list(labels), budget, seed, "scratch", keep)


def fine_tune(base_lm, task_train: Sequence[Example], task_eval: Sequence[Example], *,
              validation: Sequence[Example], labels: Sequence[str], budget: Budget = Budget(), seed: int = 0,
              steps: int | None = None, keep: dict | None = None):
    """The same head on a deep copy of base_lm.model's transformer; all weights trained.
    base_lm itself is never changed. steps overrides budget.steps. Returns (Score, {"lr", "val_accuracy"})."""
    budget = replace(budget, steps=steps or budget.steps,
                     max_tokens=min(budget.max_tokens, base_lm.model.config.n_positions))
    return _trained(lambda: copy.deepcopy(base_lm.model.transformer), base_lm.tokenizer, task_train, task_eval,
                    validation, list(labels), budget, seed, "ours-finetuned", keep)


def frozen_probe(extract, task_train: Sequence[Example], task_eval: Sequence[Example], *, method: str = "frozen probe"):
    """Logistic regression on frozen features (engine.transfer.baselines.linear_probe)."""
    return linear_probe(extract, task_train, task_eval, method=method)


# --- the comparison -------------------------------------------------------------------------

def compare(task: str | TaskData, per_class: int, seed: int = 0, approaches: Sequence[str] = APPROACHES, *,
            test_size: int | None = TEST_SUBSET, budget: Budget = Budget(), models: dict | None = None) -> list[dict]:
    """One row per approach (ids of engine.transfer.approaches): task, approach, per_class, seed,
    accuracy, macro_f1, train_seconds (wall time of everything the approach did: features,
    training incl. the lr search, scoring), n_test, and for trained approaches the chosen lr.

    models may supply {"base": LoadedModel, "smollm2": LoadedModel, "minilm": (model, tokenizer)}
    (tests pass small stand-ins); missing ones come from engine.transfer.bases (loaded once).
    """
    data = load_task(task) if isinstance(task, str) else task
    labels = list(data.labels)
    train = few_shot(data.train, per_class, seed)
    evaluate_on = stratified_subset(data.test, test_size, seed=0)
    validation = stratified_subset(data.validation, VAL_SUBSET, seed=0)

    rows = []
    for approach in map(approach_id, approaches):
        t0 = time.perf_counter()
        extra: dict = {}
        if approach == "bow":
            s = bag_of_words(train, evaluate_on)
        elif approach == "scratch":
            lm = bases.pick("base", models)
            s, extra = from_scratch(train, evaluate_on, validation=validation, labels=labels,
                                    tokenizer=lm.tokenizer, budget=budget, seed=seed,
                                    vocab_size=lm.model.config.vocab_size, preset=copy.deepcopy(lm.model.config))
        elif approach == "ours-finetuned":
            s, extra = fine_tune(bases.pick("base", models), train, evaluate_on, validation=validation,
                                 labels=labels, budget=budget, seed=seed)
        elif approach == "minilm-frozen":
            enc = (models or {}).get("minilm")
            s = frozen_probe(lambda t: features.encoder_features(t, encoder=enc), train, evaluate_on, method=approach)
        elif approach in REGISTRY and REGISTRY[approach].kind == "frozen":
            lm = bases.pick(REGISTRY[approach].model, models)
            s = frozen_probe(lambda t: features.decoder_features(lm, t), train, evaluate_on, method=approach)
        else:
            raise ValueError(f"unknown approach {approach!r}; known: {', '.join(APPROACHES)}")
        rows.append({"task": data.task.name, "approach": approach, "per_class": per_class, "seed": seed,
                     "accuracy": s.accuracy, "macro_f1": s.macro_f1,
                     "train_seconds": round(time.perf_counter() - t0, 1), "n_test": len(evaluate_on), **extra})
    return rows


def main(argv: list[str] | None = None) -> None:
    import torch  # heavy: the CLI sets its threads

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=32)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--approaches", nargs="+", default=list(APPROACHES), help="ids: " + ", ".join(APPROACHES))
    parser.add_argument("--steps", type=int, default=Budget.steps)
    parser.add_argument("--test-size", type=int, default=TEST_SUBSET)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    budget = Budget(steps=args.steps)
    rows = []
    for name in args.tasks:
        for seed in args.seeds:
            for row in compare(name, args.per_class, seed, args.approaches, test_size=args.test_size, budget=budget):
                rows.append(row)
                print(row, flush=True)
    print(f"\n{args.per_class} labelled examples per class; seeds {args.seeds}; budget {budget}; "
          f"test: a stratified subset of at most {args.test_size} (seed 0); texts truncated to {MAX_TOKENS} tokens\n")
    print(markdown_table(rows))


def markdown_table(rows: list[dict]) -> str:
    """Mean (± sd over seeds) per task and approach; seconds are the first seed's, whose
    features were computed cold (later seeds reuse the cached test-text features)."""
    import pandas as pd  # heavy-ish; only the CLI's table needs it

    agg = pd.DataFrame(rows).groupby(["task", "approach"], sort=False).agg(
        accuracy=("accuracy", "mean"), acc_sd=("accuracy", "std"), macro_f1=("macro_f1", "mean"),
        f1_sd=("macro_f1", "std"), seconds=("train_seconds", "first")).reset_index()
    lines = ["| task | approach | accuracy | macro-F1 | seconds |", "|---|---|---|---|---|"]
    for r in agg.itertuples():
        sd = "" if np.isnan(r.acc_sd) else f" ± {r.acc_sd:.3f}"
        sdf = "" if np.isnan(r.f1_sd) else f" ± {r.f1_sd:.3f}"
        lines.append(f"| {r.task} | {label(r.approach)} | {r.accuracy:.3f}{sd} | {r.macro_f1:.3f}{sdf} | {r.seconds:.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
