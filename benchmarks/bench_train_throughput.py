"""Training throughput: our engine (transformers GPT-2 + engine.train) vs a plain PyTorch GPT.

The plain model below is a minimal nanoGPT-style GPT of the same size (same
layers, width, heads, context, vocabulary, tied embeddings, SDPA attention),
trained by a bare loop with the same AdamW, clipping and batch. Both run in
this process, in alternating rounds, on the same random tokens; we report the
median tokens/s of each and their ratio (engine / plain; >= 1.0 is the target).

    python benchmarks/bench_train_throughput.py [--preset base] [--steps 20] [--rounds 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import models  # noqa: E402
from engine.presets import get_preset  # noqa: E402
from engine.train import TrainConfig, config_from_preset, get_batch, train  # noqa: E402


# --- a plain GPT, nanoGPT style ---------------------------------------------------------


class Block(nn.Module):
    def __init__(self, n_embd: int, n_head: int):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(n_embd)
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.mlp_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):  # (B, T, C)
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class PlainGPT(nn.Module):
    def __init__(self, vocab_size: int, context: int, n_layer: int, n_embd: int, n_head: int):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(context, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied, as in GPT-2
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx):  # (B, T) -> (B, T, V)
        pos = torch.arange(idx.size(1), device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def plain_tokens_per_s(preset, vocab: int, ids: np.ndarray, steps: int, warmup: int) -> float:
    torch.manual_seed(0)
    model = PlainGPT(vocab, preset.context, preset.n_layer, preset.n_embd, preset.n_head)
    config = TrainConfig(batch_size=preset.batch_size, context=preset.context, lr=preset.lr)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, betas=config.betas, weight_decay=0.1)
    model.train()
    for step in range(warmup + steps):
        if step == warmup:
            t0 = time.perf_counter()
        x, y = get_batch(ids, preset.batch_size, preset.context, seed=0, step=step)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return steps * preset.batch_size * preset.context / (time.perf_counter() - t0)


def engine_tokens_per_s(preset, vocab: int, ids: np.ndarray, steps: int, warmup: int) -> float:
    model = models.new_model(preset, vocab)
    stamps = {}

    def callback(info):
        stamps[info["step"]] = time.perf_counter()

    config = config_from_preset(preset, steps=warmup + steps, eval_every=0, callback_every=1, max_seconds=None)
    train(model, ids, None, config, callback=callback)
    return steps * preset.batch_size * preset.context / (stamps[warmup + steps] - stamps[warmup])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="base")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    preset = get_preset(args.preset)
    ids = np.random.default_rng(0).integers(0, args.vocab, size=200_000).astype(np.uint16)
    params = models.param_count(models.new_model(preset, args.vocab))
    print(f"preset {preset.name}: {params / 1e6:.2f}M params, L{preset.n_layer} C{preset.n_embd} H{preset.n_head} "
          f"T{preset.context} B{preset.batch_size} V{args.vocab}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    engine, plain = [], []
    for r in range(args.rounds):  # alternate (ABBA), so load from other processes hits both alike
        order = [("engine", engine_tokens_per_s), ("plain", plain_tokens_per_s)]
        for label, fn in order if r % 2 == 0 else order[::-1]:
            (engine if label == "engine" else plain).append(fn(preset, args.vocab, ids, args.steps, args.warmup))
        print(f"round {r + 1}: engine {engine[-1]:,.0f} tok/s, plain {plain[-1]:,.0f} tok/s", flush=True)
    e, p = statistics.median(engine), statistics.median(plain)
    print(f"median: engine {e:,.0f} tok/s, plain PyTorch {p:,.0f} tok/s, ratio {e / p:.2f}x")


if __name__ == "__main__":
    main()
