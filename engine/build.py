"""`python -m engine build TARGET`: rebuild the committed artifacts in assets/.

tokenizer: byte-level BPE on the corpus's train split -> assets/tokenizer/.
base: the base model (preset "base") -> assets/models/base/, training the
tokenizer first if it is missing or was built from other data, plus snapshots
of the same run at increasing tokens (assets/models/base-1m ... base-8m).
transfer, world: the transfer-learning results and the generated-world models,
each built by its own module (engine/transfer/build.py, engine/world/build.py). The build
checkpoints under cache_dir()/runs/base/, so running it again after an
interruption continues where it stopped (--fresh starts over).
"""
from __future__ import annotations

import argparse
import importlib
import json
import shutil
import time

from engine import corpus, datapack, models, ourtokenizer
from engine.models import BASE_SNAPSHOTS
from engine.paths import ASSETS_DIR, atomic_write_text, cache_dir
from engine.presets import get_preset
from engine.pretrain_cli import pretrain

TARGETS = ("tokenizer", "base", "transfer", "transfer-calibration", "world", "world-tuning")
# Targets built by their own module: module.main(argv) -> int parses the rest of the command line.
# Imported by name when asked for (they are big, and they import this module's neighbours).
DELEGATED = {"transfer": "engine.transfer.build", "transfer-calibration": "engine.transfer.calibration",
             "world": "engine.world.build", "world-tuning": "engine.world.tuning_build"}
SAMPLE_PROMPTS = ("ROMEO:\n", "And God said", "The government said", "dog (n.):")
__all__ = ["BASE_SNAPSHOTS", "TARGETS", "DELEGATED", "build_tokenizer", "build_base", "evaluate_snapshots"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", choices=TARGETS, help="what to rebuild")
    parser.add_argument("--max-minutes", type=float, help="training wall-time bound (base; default: preset's)")
    parser.add_argument("--steps", type=int, help="training steps (base; default: preset's)")
    parser.add_argument("--fresh", action="store_true", help="ignore an interrupted build's checkpoint")
    parser.add_argument("--vocab-size", type=int, help="tokenizer vocabulary (default 4096)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (1 is faster on a busy machine)")
    parser.add_argument("rest", nargs=argparse.REMAINDER,
                        help="transfer / world: options for that build (see `python -m engine build transfer -- --help`)")


def run(args: argparse.Namespace) -> int:
    if args.target in DELEGATED:
        rest = [a for a in args.rest if a != "--"]
        if args.threads:
            rest += ["--threads", str(args.threads)]
        return int(importlib.import_module(DELEGATED[args.target]).main(rest) or 0)
    if args.rest:  # words after `build base` would be silently ignored: refuse them instead
        raise SystemExit(f"build {args.target} takes no further words; got: {' '.join(args.rest)}")
    if args.target == "tokenizer":
        build_tokenizer(vocab_size=args.vocab_size)
    elif args.target == "base":
        build_base(max_minutes=args.max_minutes, steps=args.steps, fresh=args.fresh, vocab_size=args.vocab_size,
                   threads=args.threads)
    return 0


def fetch_sources() -> None:
    for name in corpus.DEFAULT_SOURCES:
        datapack.ensure(name, progress=lambda f, m: None)


def build_tokenizer(*, vocab_size: int | None = None) -> str:
    """Train and save assets/tokenizer/tokenizer.json with a manifest; returns its sha256."""
    vocab_size = vocab_size or ourtokenizer.DEFAULT_VOCAB_SIZE
    fetch_sources()
    started = time.time()
    docs = corpus.documents(split="train")
    tok = ourtokenizer.train_bpe((d.text for d in docs), vocab_size)
    sha = ourtokenizer.save(tok)
    stats = corpus.statistics(corpus.documents(), tok)
    manifest = {
        "kind": "byte-level BPE (tokenizers)", "vocab_size": tok.get_vocab_size(), "eot": ourtokenizer.EOT,
        "eot_id": tok.token_to_id(ourtokenizer.EOT), "trained_on": "corpus train split",
        "sources": list(corpus.DEFAULT_SOURCES), "data_pack": corpus.source_fingerprints(),
        "tokenizer_sha256": sha, "corpus_statistics": stats, "build_seconds": round(time.time() - started, 1),
        **models.provenance(),
    }
    atomic_write_text(ourtokenizer.TOKENIZER_DIR / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    print(f"tokenizer: {tok.get_vocab_size()} tokens, sha256 {sha[:12]}, {manifest['build_seconds']} s")
    return sha


def tokenizer_is_current(vocab_size: int | None = None) -> bool:
    """The saved tokenizer exists, matches its manifest and was trained on today's data pack."""
    try:
        manifest = json.loads((ourtokenizer.TOKENIZER_DIR / "manifest.json").read_text())
        sha = ourtokenizer.sha256_of(ourtokenizer.TOKENIZER_FILE)
    except (OSError, ValueError):
        return False
    return (sha == manifest.get("tokenizer_sha256")
            and manifest.get("data_pack") == corpus.source_fingerprints()
            and (vocab_size is None or manifest.get("vocab_size") == vocab_size))


def build_base(*, max_minutes: float | None = None, steps: int | None = None, fresh: bool = False,
               vocab_size: int | None = None, threads: int | None = None):
    """Tokenizer if needed, then the base preset on the corpus -> assets/models/base/."""
    import torch  # lazy: `python -m engine data` imports this module too, and never trains

    fetch_sources()
    if not tokenizer_is_current(vocab_size):
        build_tokenizer(vocab_size=vocab_size)
    preset = get_preset("base")
    checkpoint = cache_dir() / "runs" / "base" / "checkpoint.pt"
    if fresh:
        checkpoint.unlink(missing_ok=True)
    if checkpoint.is_file():
        print(f"resuming from {checkpoint}")
    else:  # a new run: snapshots of an older run must not pass as this one's
        for snap in BASE_SNAPSHOTS:
            shutil.rmtree(ASSETS_DIR / "models" / snap, ignore_errors=True)
    torch.manual_seed(preset.seed)
    path = pretrain(preset, out_dir=ASSETS_DIR / "models", checkpoint=checkpoint, steps=steps,
                    max_minutes=max_minutes, resume=True, time_schedule=True, name="base", threads=threads,
                    extra_manifest={"recipe": "python -m engine build base", "label": None},
                    snapshots=BASE_SNAPSHOTS)
    evaluate_snapshots()
    loaded = models.load_artifact("base")
    samples = {p: sample_text(loaded.model, loaded.tokenizer, p) for p in SAMPLE_PROMPTS}
    manifest = dict(loaded.manifest, samples=samples, tokenizer_manifest_sha256=ourtokenizer.sha256_of(
        ourtokenizer.TOKENIZER_DIR / "manifest.json"))
    for key in ("files", "tokenizer_sha256", "params", "storage_dtype", "name", "label"):
        manifest.pop(key, None)  # save_artifact recomputes these
    models.save_artifact("base", loaded.model, loaded.tokenizer, manifest)
    checkpoint.unlink(missing_ok=True)  # finished: the next build starts fresh
    for prompt, text in samples.items():
        print(f"--- {prompt!r}\n{text}")
    print(f"saved {path}")
    return path


def evaluate_snapshots() -> None:
    """Add validation loss (same windows as the base's evaluations) to each snapshot's manifest."""
    from engine.train import evaluate  # lazy: engine.train imports torch, and the CLI imports this module

    base = models.read_manifest("base")
    _, val_sets = corpus.token_arrays(models.load_artifact("base").tokenizer)
    for snap in BASE_SNAPSHOTS:
        if not (ASSETS_DIR / "models" / snap).is_dir():
            continue
        loaded = models.load_artifact(snap)
        result = evaluate(loaded.model, val_sets, context=base["preset"]["context"],
                          windows=base["preset"]["eval_windows"])
        manifest = dict(loaded.manifest, **{k: result[k] for k in ("val_loss", "val_losses") if k in result},
                        label=f"Our base after {loaded.manifest['tokens_seen'] / 1e6:.1f}M tokens")
        for key in ("files", "tokenizer_sha256", "params", "storage_dtype", "name"):
            manifest.pop(key, None)
        models.save_artifact(snap, loaded.model, loaded.tokenizer, manifest)
        print(f"{snap}: {loaded.manifest['tokens_seen']:,} tokens, val loss {manifest.get('val_loss')}")


def sample_text(model, tokenizer, prompt: str, *, max_new_tokens: int = 60, seed: int = 0,
                temperature: float = 0.8, top_k: int = 50) -> str:
    """A seeded sample continuing `prompt` (for manifests and docs)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        ids = tokenizer(prompt, return_tensors="pt").input_ids
        out = model.generate(ids, max_new_tokens=max_new_tokens, do_sample=True, temperature=temperature,
                             top_k=top_k, pad_token_id=tokenizer.eos_token_id)
    return tokenizer.decode(out[0], skip_special_tokens=False)
