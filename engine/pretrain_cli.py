"""`python -m engine pretrain --preset NAME`: pretrain a GPT on the corpus, on one process or many.

Under `torchrun --nproc_per_node=N -m engine pretrain ...` (RANK/WORLD_SIZE in
the environment) it joins a process group (gloo on CPU, nccl on GPU); each rank
trains on different batches and only rank 0 writes checkpoints and artifacts.
torch and transformers are imported inside pretrain(), never at import time.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from engine import corpus, models, ourtokenizer
from engine.paths import REPO_ROOT, cache_dir
from engine.presets import get_preset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="base", help="tiny, lab or base (engine/presets.py)")
    parser.add_argument("--steps", type=int, help="optimiser steps (default: the preset's)")
    parser.add_argument("--max-minutes", type=float, help="wall-time bound (default: the preset's)")
    parser.add_argument("--out", type=Path, help="output folder (default: runs/<preset>/)")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    parser.add_argument("--threads", type=int, help="torch CPU threads per process")


def run(args: argparse.Namespace) -> int:
    preset = get_preset(args.preset)
    out = args.out or REPO_ROOT / "runs" / preset.name
    rank, world, device = init_distributed()
    try:
        artifact = pretrain(preset, out_dir=out, checkpoint=out / "checkpoint.pt", steps=args.steps,
                            max_minutes=args.max_minutes, resume=args.resume, device=device,
                            threads=args.threads)
        if rank == 0 and artifact:
            print(f"saved {artifact}")
    finally:
        if world > 1:
            import torch.distributed as dist

            dist.destroy_process_group()
    return 0


def _portable(path: Path) -> str:
    """A path for a manifest: the cache and the repository named, not this machine's folders."""
    for root, name in ((cache_dir(), "<cache>"), (REPO_ROOT, "<repo>")):
        try:
            return f"{name}/{Path(path).resolve().relative_to(root.resolve())}"
        except ValueError:
            continue
    return Path(path).name


def init_distributed():
    """(rank, world_size, device), joining a process group when torchrun started us."""
    import torch

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, torch.device("cpu")
    import torch.distributed as dist

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl")
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return dist.get_rank(), dist.get_world_size(), device


def pretrain(preset, *, out_dir: Path, checkpoint: Path, steps: int | None = None,
             max_minutes: float | None = None, resume: bool = False, time_schedule: bool = False,
             name: str | None = None, device=None, threads: int | None = None,
             extra_manifest: dict | None = None, snapshots: dict[str, int] | None = None) -> Path | None:
    """Train `preset` on the corpus with our tokenizer; rank 0 saves out_dir/<name>/. Returns that path.

    snapshots maps an artifact name to a token count: when training first passes
    that many tokens, the weights are saved as out_dir/<artifact>/ (the
    "checkpoints at increasing tokens seen" that the transfer lesson compares).
    """
    import torch
    from tqdm import tqdm

    from engine.train import config_from_preset, train  # lazy, with torch: the CLI imports this module

    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    device = device or torch.device("cpu")
    tokenizer = ourtokenizer.load()
    if rank == 0:  # encodes the corpus once and caches it; the other ranks then read the cache
        train_ids, val_sets = corpus.token_arrays(tokenizer)
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
    if rank != 0:
        train_ids, val_sets = corpus.token_arrays(tokenizer)
    model = models.new_model(preset, len(tokenizer)).to(device)
    overrides = {"checkpoint_path": checkpoint, "resume": resume, "time_schedule": time_schedule,
                 "checkpoint_every": max(preset.eval_every, 1), "callback_every": 5}
    if steps is not None:
        overrides["steps"] = steps
    if max_minutes is not None:
        overrides["max_seconds"] = max_minutes * 60
    if threads is not None:
        overrides["threads"] = threads
    config = config_from_preset(preset, **overrides)

    bar = tqdm(total=config.steps, desc=f"pretrain {preset.name}", unit="step", disable=rank != 0)

    def progress(info: dict) -> None:
        bar.update(info["step"] - bar.n)
        shown = {"loss": f"{info['train_loss']:.3f}", "lr": f"{info['lr']:.1e}",
                 "tok/s": f"{info['tokens_seen'] / max(info['elapsed'], 1e-9):.0f}"}
        if "val_loss" in info:
            shown["val"] = f"{info['val_loss']:.3f}"
            tqdm.write(f"step {info['step']}: val {info['val_loss']:.3f} "
                       + " ".join(f"{s}={v:.3f}" for s, v in info["val_losses"].items()))
        bar.set_postfix(shown)
        for snap_name, tokens in pending_snapshots():
            if info["tokens_seen"] >= tokens:
                save_snapshot(snap_name, info)

    def pending_snapshots():
        return [(n, t) for n, t in sorted((snapshots or {}).items(), key=lambda kv: kv[1]) if n not in saved]

    saved: set[str] = {n for n in (snapshots or {}) if (out_dir / n / "manifest.json").is_file()}

    def save_snapshot(snap_name: str, info: dict) -> None:
        if rank != 0:
            return
        saved.add(snap_name)
        snap_manifest = {"preset": preset.as_dict(), "snapshot_of": name or preset.name, "steps": info["step"],
                         "tokens_seen": info["tokens_seen"], "train_seconds": round(info["elapsed"], 1),
                         "lr_at_snapshot": info["lr"], "train_loss_recent": info["train_loss"],
                         "data_pack": corpus.source_fingerprints(), **models.provenance(),
                         **(extra_manifest or {})}
        models.save_artifact(snap_name, model, tokenizer, snap_manifest, root=out_dir)
        tqdm.write(f"snapshot {snap_name}: step {info['step']}, {info['tokens_seen']:,} tokens")

    started = time.time()
    result = train(model, train_ids, val_sets, config, callback=progress)
    bar.close()
    if rank != 0:
        return None
    model = model.cpu().eval()
    manifest = {
        "preset": preset.as_dict(),
        "train_config": {k: _portable(v) if isinstance(v, Path) else v for k, v in vars(config).items()},
        "steps": result.step,
        "tokens_seen": result.tokens_seen,
        "stopped_by": result.stopped_by,
        "train_seconds": round(result.elapsed, 1),
        "wall_seconds_this_run": round(time.time() - started, 1),
        "world_size": world,
        "val_loss": result.evals[-1]["val_loss"] if result.evals else None,
        "val_losses": result.val_losses,
        "eval_history": result.evals,
        "train_loss_last_100": sum(l for _, l in result.train_losses[-100:]) / max(len(result.train_losses[-100:]), 1),
        "data_pack": corpus.source_fingerprints(),
        "corpus": {"sources": list(corpus.DEFAULT_SOURCES), "train_tokens": int(len(train_ids)),
                   "val_tokens": {s: int(len(v)) for s, v in val_sets.items()},
                   "val_fraction": corpus.VAL_FRACTION},
        **models.provenance(),
        **(extra_manifest or {}),
    }
    return models.save_artifact(name or preset.name, model, tokenizer, manifest, root=out_dir)
