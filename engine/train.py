"""One training loop for next-token prediction, used by the CLI, the base build and the live lab.

    result = train(model, train_ids, val_sets, TrainConfig(steps=300), callback=fn, stop=event)

model: a causal LM called as model(input_ids=x).logits (GPT2LMHeadModel).
train_ids: (N,) integer numpy array, documents joined by <|endoftext|>.
val_sets: {source: (M,) id array}; each is scored at every evaluation.
Each step samples `batch_size` random windows of `context + 1` tokens; the
batch depends only on (seed, step, rank), so runs are reproducible and a
resumed run sees the same batches it would have seen. Learning rate: linear
warm-up, then cosine decay to lr * min_lr_ratio, by steps or, with
`time_schedule`, by whichever of steps and wall time runs out first.

callback(info) is called every `callback_every` steps, after each evaluation
and at the end, with a dict: step, steps, tokens_seen, train_loss (mean since
the last call), lr, elapsed (s), and after an evaluation val_loss (mean over
sources) and val_losses ({source: loss}). Returning True, raising
StopTraining, or setting the `stop` event ends training after that step.

Under torch.distributed (initialised by the caller) the model is wrapped in
DistributedDataParallel; every rank samples different windows, and only
rank 0 writes checkpoints. Not handled: gradient accumulation, mixed
precision and learning-rate schedules other than warm-up + cosine.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from threading import Event

import numpy as np
import torch
import torch.nn.functional as F

from engine.fused_ce import linear_cross_entropy


class StopTraining(Exception):
    """Raise from a callback to end training cleanly after the current step."""


@dataclass
class TrainConfig:
    steps: int = 1000  # optimiser steps (the schedule's length)
    batch_size: int = 16  # windows per step B, per process
    context: int = 128  # tokens per window T
    lr: float = 3e-3  # peak learning rate
    min_lr_ratio: float = 0.1  # final lr = lr * min_lr_ratio
    warmup_steps: int = 50  # linear warm-up from 0
    weight_decay: float = 0.1  # AdamW, on matrices and embeddings (not biases, norms)
    betas: tuple[float, float] = (0.9, 0.95)
    grad_clip: float = 1.0  # max global gradient norm; 0 turns clipping off
    max_seconds: float | None = None  # wall-time bound (counts time before a resume too)
    time_schedule: bool = False  # decay lr by max(step/steps, elapsed/max_seconds)
    eval_every: int = 200  # steps between evaluations (also at the end); 0: only at the end
    eval_windows: int = 16  # windows per source per evaluation, spread evenly over the set
    callback_every: int = 10  # steps between callback calls
    seed: int = 1337
    checkpoint_path: Path | None = None  # where to save model + optimiser + step + RNG
    checkpoint_every: int = 0  # steps between checkpoints (0: only at the end)
    resume: bool = False  # continue from checkpoint_path if it exists
    threads: int | None = None  # torch CPU threads while training (None: leave as is); 1 suits tiny
    # models and busy machines, where a second thread mostly waits for the first


@dataclass
class TrainResult:
    step: int  # steps done (including those before a resume)
    tokens_seen: int  # over all ranks
    elapsed: float  # seconds of training, including before a resume
    stopped_by: str  # "steps", "time", "callback" or "stop"
    train_losses: list[tuple[int, float]] = field(default_factory=list)  # (step, loss) each step
    evals: list[dict] = field(default_factory=list)  # {"step", "tokens_seen", "val_loss", "val_losses"}

    @property
    def val_losses(self) -> dict[str, float]:
        """The last evaluation's loss per source."""
        return self.evals[-1]["val_losses"] if self.evals else {}


# --- pieces a test can call alone -------------------------------------------------------


def lr_at(progress: float, step: int, config: TrainConfig) -> float:
    """Warm-up over warmup_steps, then cosine from lr to lr * min_lr_ratio as progress goes 0 -> 1."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    p = min(max(progress, 0.0), 1.0)
    floor = config.lr * config.min_lr_ratio
    return floor + 0.5 * (config.lr - floor) * (1.0 + math.cos(math.pi * p))


def get_batch(ids: np.ndarray, batch_size: int, context: int, *, seed: int, step: int, rank: int = 0):
    """Random windows: inputs x and next-token targets y, both (B, T) int64."""
    if len(ids) < context + 2:
        raise ValueError(f"need at least {context + 2} tokens to train on, got {len(ids)}")
    rng = np.random.default_rng([seed, step, rank])
    starts = rng.integers(0, len(ids) - context - 1, size=batch_size)
    chunk = np.stack([ids[s : s + context + 1] for s in starts]).astype(np.int64)  # (B, T+1)
    chunk = torch.from_numpy(chunk)
    return chunk[:, :-1], chunk[:, 1:]


def eval_windows(ids: np.ndarray, n: int, context: int) -> torch.Tensor:
    """n windows of context + 1 tokens spread evenly over ids (deterministic): (n, T+1)."""
    if len(ids) < context + 1:  # a short set: one shorter window
        return torch.from_numpy(ids.astype(np.int64))[None, :]
    starts = np.unique(np.linspace(0, len(ids) - context - 1, n).astype(np.int64))
    return torch.from_numpy(np.stack([ids[s : s + context + 1] for s in starts]).astype(np.int64))


def next_token_loss(model, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of predicting y from x, (B, T) each.

    When gradients are wanted and the model is GPT-2-shaped (a body plus a
    bias-free lm_head), the output layer and the loss run fused, chunk by chunk
    (engine.fused_ce): same numbers, without holding all B*T*V logits.
    """
    body, head = getattr(model, "transformer", None), getattr(model, "lm_head", None)
    if torch.is_grad_enabled() and body is not None and head is not None and head.bias is None:
        h = body(input_ids=x, use_cache=False).last_hidden_state  # (B, T, C)
        return linear_cross_entropy(h.reshape(-1, h.size(-1)), head.weight, y.reshape(-1))
    logits = model(input_ids=x, use_cache=False).logits  # (B, T, V); no KV cache to fill while training
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))


class NextTokenLoss(torch.nn.Module):
    """model -> its loss on (x, y): the module DDP wraps, so its forward sees the whole step."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return next_token_loss(self.model, x, y)


@torch.no_grad()
def evaluate(model, val_sets: dict[str, np.ndarray], *, context: int, windows: int, batch_size: int = 32) -> dict:
    """Mean next-token loss per source on fixed windows; 'val_loss' is their plain mean."""
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    losses = {}
    for source, ids in val_sets.items():
        if len(ids) < 2:
            continue
        chunks = eval_windows(ids, windows, context)
        total, count = 0.0, 0
        for i in range(0, len(chunks), batch_size):
            c = chunks[i : i + batch_size].to(device)
            loss = next_token_loss(model, c[:, :-1], c[:, 1:])
            total += loss.item() * c[:, 1:].numel()
            count += c[:, 1:].numel()
        losses[source] = total / count
    model.train(was_training)
    mean = sum(losses.values()) / len(losses) if losses else float("nan")
    return {"val_loss": mean, "val_losses": losses}


def make_optimizer(model, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices and embeddings only, not biases or norms (nanoGPT)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr, betas=config.betas, eps=1e-8)


# --- checkpoints ---------------------------------------------------------------------------


def save_checkpoint(path: Path, model, optimizer, state: dict) -> None:
    """Model + optimiser + loop state + RNG states, written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "numpy_rng": np.random.get_state(),
        **state,
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_checkpoint(path: Path, model, optimizer) -> dict:
    """Restore what save_checkpoint wrote; returns the loop state (step, tokens_seen, ...)."""
    payload = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(payload.pop("model"))
    optimizer.load_state_dict(payload.pop("optimizer"))
    torch.set_rng_state(payload.pop("torch_rng"))
    np.random.set_state(payload.pop("numpy_rng"))
    return payload


# --- the loop ----------------------------------------------------------------------------------


def _dist():
    """(rank, world_size) under an initialised torch.distributed, else (0, 1)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _any_rank(flag: bool, world_size: int) -> bool:
    """True on every rank if it is True on any: all ranks must stop at the same step."""
    if world_size == 1:
        return flag
    import torch.distributed as dist

    t = torch.tensor([1.0 if flag else 0.0])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def train(
    model,
    train_ids: np.ndarray,
    val_sets: dict[str, np.ndarray] | None = None,
    config: TrainConfig | None = None,
    callback: Callable[[dict], object] | None = None,
    stop: Event | None = None,
) -> TrainResult:
    """Train `model` in place on next-token prediction; see the module docstring."""
    config = config or TrainConfig()
    val_sets = val_sets or {}
    threads_before = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        return _train(model, train_ids, val_sets, config, callback, stop)
    finally:
        torch.set_num_threads(threads_before)


def _train(model, train_ids, val_sets, config: TrainConfig, callback, stop) -> TrainResult:
    rank, world = _dist()
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        device = next(model.parameters()).device
        net = DistributedDataParallel(NextTokenLoss(model), device_ids=[device.index] if device.type == "cuda" else None)
    else:
        net = NextTokenLoss(model)
    device = next(model.parameters()).device
    optimizer = make_optimizer(model, config)
    torch.manual_seed(config.seed + rank)  # dropout, if any

    step, tokens_seen, elapsed_before = 0, 0, 0.0
    result = TrainResult(step=0, tokens_seen=0, elapsed=0.0, stopped_by="steps")
    ckpt = Path(config.checkpoint_path) if config.checkpoint_path else None
    if config.resume and ckpt and ckpt.is_file():
        state = load_checkpoint(ckpt, model, optimizer)
        step, tokens_seen, elapsed_before = state["step"], state["tokens_seen"], state["elapsed"]
        result.train_losses, result.evals = state.get("train_losses", []), state.get("evals", [])

    def save(now_elapsed: float) -> None:
        if ckpt and rank == 0:
            save_checkpoint(ckpt, model, optimizer, {
                "step": step, "tokens_seen": tokens_seen, "elapsed": now_elapsed,
                "train_losses": result.train_losses, "evals": result.evals, "config": asdict(config),
            })

    def report(info: dict) -> bool:
        """Call the callback; True when it asks to stop."""
        if callback is None or rank != 0:
            return False
        try:
            return bool(callback(info))
        except StopTraining:
            return True

    t0 = time.perf_counter()
    elapsed = lambda: elapsed_before + time.perf_counter() - t0  # noqa: E731
    since_report: list[float] = []
    model.train()
    stopped_by = "steps"
    lr = lr_at(0.0, step, config)
    while step < config.steps:
        progress = step / config.steps
        if config.time_schedule and config.max_seconds:
            progress = max(progress, elapsed() / config.max_seconds)
        lr = lr_at(progress, step, config)
        for group in optimizer.param_groups:
            group["lr"] = lr

        x, y = get_batch(train_ids, config.batch_size, config.context, seed=config.seed, step=step, rank=rank)
        x, y = x.to(device), y.to(device)
        loss = net(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()

        step += 1
        tokens_seen += x.numel() * world
        loss_value = loss.item()
        result.train_losses.append((step, loss_value))
        since_report.append(loss_value)

        info = None
        wants_stop = False
        if config.eval_every and step % config.eval_every == 0 and step < config.steps:
            info = _eval_info(model, val_sets, config, step, tokens_seen)
            result.evals.append(info)
        if info is not None or step % max(config.callback_every, 1) == 0:
            payload = {"step": step, "steps": config.steps, "tokens_seen": tokens_seen,
                       "train_loss": sum(since_report) / len(since_report), "lr": lr, "elapsed": elapsed()}
            if info is not None:
                payload.update(val_loss=info["val_loss"], val_losses=info["val_losses"])
            since_report = []
            if report(payload):
                wants_stop, stopped_by = True, "callback"
        if stop is not None and stop.is_set():
            wants_stop, stopped_by = True, "stop"
        if config.max_seconds is not None and elapsed() >= config.max_seconds:
            wants_stop, stopped_by = True, "time"
        if config.checkpoint_every and step % config.checkpoint_every == 0:
            save(elapsed())
        if _any_rank(wants_stop, world):
            if not wants_stop:
                stopped_by = "peer"
            break

    final = _eval_info(model, val_sets, config, step, tokens_seen)
    if not result.evals or result.evals[-1]["step"] != step:
        result.evals.append(final)
    result.step, result.tokens_seen, result.elapsed, result.stopped_by = step, tokens_seen, elapsed(), stopped_by
    save(result.elapsed)
    payload = {"step": step, "steps": config.steps, "tokens_seen": tokens_seen, "lr": lr, "elapsed": result.elapsed,
               "train_loss": sum(since_report) / len(since_report) if since_report else result.train_losses[-1][1]
               if result.train_losses else float("nan"),
               "val_loss": final["val_loss"], "val_losses": final["val_losses"], "done": True}
    report(payload)
    model.eval()
    return result


def _eval_info(model, val_sets, config: TrainConfig, step: int, tokens_seen: int) -> dict:
    out = evaluate(model, val_sets, context=config.context, windows=config.eval_windows) if val_sets else {
        "val_loss": float("nan"), "val_losses": {}}
    return {"step": step, "tokens_seen": tokens_seen, **out}


def config_from_preset(preset, **overrides) -> TrainConfig:
    """The TrainConfig a preset describes; keyword overrides win (steps=, max_seconds=, ...)."""
    fields = dict(
        steps=preset.steps, batch_size=preset.batch_size, context=preset.context, lr=preset.lr,
        min_lr_ratio=preset.min_lr_ratio, warmup_steps=preset.warmup_steps, weight_decay=preset.weight_decay,
        grad_clip=preset.grad_clip, eval_every=preset.eval_every, eval_windows=preset.eval_windows,
        seed=preset.seed, max_seconds=preset.max_minutes * 60 if preset.max_minutes else None,
        threads=preset.threads,
    )
    fields.update(overrides)
    return TrainConfig(**fields)
