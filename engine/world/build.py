"""`python -m engine build world`: the generated world's models and what they measurably know.

One world (engine.world.recipe, seed 0), one world-specific 2,048-token BPE, then:
- seed-0, seed-1, seed-2: small GPTs trained from scratch on every document
  (training seeds of one world: initial weights and batch order differ);
- cutoff-2028, cutoff-2032, cutoff-2036: one model trained on the documents
  dated up to 2028, then continued on each later slice of the timeline with
  replay of earlier documents (so it does not forget), saved at each cutoff;
  these runs also read recap documents (engine.world.generate.recap_documents).
Every probe is scored (engine.world.scoring) and the tables go to results.json.
Then, for the committed build, the tuning experiment (engine.world.tuning_build)
runs on the seed models and writes assets/world_tuning/.
Everything is written to a temporary folder that then replaces --out
(engine.paths.replace_folder), so a reader never sees half a build.

    python -m engine build world                  # the committed artifacts (about 11 minutes of one free core)
    python -m engine build world -- --quick --out /tmp/w   # a tiny world in seconds, for tests

Not handled: resuming an interrupted build (it is short), or several worlds.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from tqdm import tqdm

from engine import ourtokenizer
from engine.models import ArtifactError, load_artifact, new_model, param_count, provenance, save_artifact
from engine.paths import atomic_write_text, replace_folder, sha256_file
from engine.train import TrainConfig, train
from engine.world import tuning_build
from engine.world.generate import recap_documents, world_corpus
from engine.world.recipe import (
    MANIFEST_FILE, MODELS_SUBDIR, QUICK, REBUILD_COMMAND, RESULTS_FILE, WORLD_DIR, Recipe, generate_from,
    world_fingerprint,
)
from engine.world.scoring import score_cutoff, score_recall, tables


# --- pieces ---------------------------------------------------------------------------------


def train_tokenizer(world, vocab_size: int):
    return ourtokenizer.train_bpe(world.documents["text"], vocab_size=vocab_size)


def encode(tok, texts) -> np.ndarray:
    return ourtokenizer.encode_documents(tok, list(texts))


def _train(model, ids, recipe: Recipe, *, steps: int, lr: float, warmup: int, seed: int, label: str) -> dict:
    """engine.train with a tqdm bar; returns what the manifest records."""
    cfg = TrainConfig(steps=steps, batch_size=recipe.batch_size, context=recipe.context, lr=lr,
                      warmup_steps=warmup, eval_every=0, callback_every=20, seed=1000 + seed,
                      max_seconds=recipe.max_minutes_per_model * 60, time_schedule=False, threads=recipe.threads)
    bar = tqdm(total=steps, desc=label, unit="step", leave=False, mininterval=2.0)

    def cb(info):
        bar.n = info["step"]
        bar.set_postfix(loss=f"{info['train_loss']:.3f}", refresh=False)
        bar.refresh()

    t0, c0 = time.perf_counter(), time.process_time()
    res = train(model, ids, None, cfg, callback=cb)
    bar.close()
    last = [loss for _, loss in res.train_losses[-50:]]
    return {"steps": res.step, "tokens_trained": int(res.tokens_seen), "corpus_tokens": int(len(ids)),
            "epochs": round(res.tokens_seen / len(ids), 2), "train_seconds": round(time.perf_counter() - t0, 1),
            "train_cpu_seconds": round(time.process_time() - c0, 1),
            "final_loss": round(float(np.mean(last)), 4) if last else None, "stopped_by": res.stopped_by,
            "lr": lr, "train_seed": 1000 + seed}


def _steps_for(recipe: Recipe, tokens: int, epochs: float) -> int:
    return max(10, math.ceil(epochs * tokens / (recipe.batch_size * recipe.context)))


def as_lm(model, tok):
    """A trained model and its BPE as the scoring functions take them (.model, .tokenizer)."""
    return SimpleNamespace(model=model.eval(), tokenizer=ourtokenizer.as_transformers(tok))


# --- the build -----------------------------------------------------------------------------------


def build(recipe: Recipe, out: Path, *, reuse: Path | None = None, log=print) -> dict:
    """Build every model and the results into `out` (replaced atomically).

    reuse: a previous build's folder; its seed models are taken as they are
    (and scored again) when they read the same world with the same recipe for
    seeds and ran all their steps, so a change to the cutoff recipe need not
    retrain them."""
    torch.set_num_threads(recipe.threads)
    started, cpu_started = time.perf_counter(), time.process_time()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        world = generate_from(recipe)
        tok = train_tokenizer(world, recipe.vocab_size)
        hf_tok = ourtokenizer.as_transformers(tok)
        all_ids = encode(tok, [d.text for d in world_corpus(world)])
        single = {k: round(sum(len(tok.encode(" " + a).ids) == 1 for a in v) / len(v), 3)
                  for k, v in world.answer_sets.items()}
        log(f"world: {world.stats()['documents']:,} documents, {len(all_ids):,} tokens; "
            f"one-token answers: {single}")
        preset = recipe.preset()
        common = {"world_fingerprint": world_fingerprint(world), "world": recipe.world,
                  "recipe": _jsonable(asdict(recipe)), "preset": preset.as_dict(), "kind": "world model",
                  **provenance()}
        models_root = tmp / MODELS_SUBDIR
        entries, recall_runs, cutoff_runs, cutoffs = {}, {}, {}, {}
        score_seconds = 0.0

        # 1. cutoffs: one run, continued slice by slice with replay
        seed = recipe.seeds[0]
        model, previous, total_seconds, total_cpu, total_tokens = None, None, 0.0, 0.0, 0
        rng = random.Random(f"world-cutoffs/{seed}")
        for year in recipe.cutoffs:
            cutoff = f"{year:04d}-12-31"
            name = f"cutoff-{year}"
            if model is None:
                docs = world.documents_until(cutoff)
                recaps = recap_documents(world, int(round(recipe.recap * len(docs))), seed=year)
                texts = list(docs["text"]) + recaps
                rng.shuffle(texts)
                ids = encode(tok, texts)
                world_tokens = len(encode(tok, docs["text"]))
                steps = _steps_for(recipe, world_tokens, recipe.epochs) * len(ids) // max(world_tokens, 1)
                model = new_model(preset, tok.get_vocab_size(), seed=seed)
                info = _train(model, ids, recipe, steps=steps, lr=recipe.lr,
                              warmup=recipe.warmup_steps, seed=seed, label=name)
                how = (f"from scratch on the {len(docs):,} documents dated up to {cutoff}, "
                       f"with {len(recaps):,} recap documents")
                new_docs, replay_docs = len(docs), 0
            else:
                new = world.documents[(world.documents["date"] > previous) & (world.documents["date"] <= cutoff)]
                old = world.documents_until(previous)
                k = min(len(old), int(round(recipe.replay * len(new))))
                replay = old.iloc[sorted(rng.sample(range(len(old)), k))]
                recaps = recap_documents(world, int(round(recipe.recap * len(new))), seed=year)
                texts = list(new["text"]) + list(replay["text"]) + recaps
                rng.shuffle(texts)
                ids = encode(tok, texts)
                new_tokens = len(encode(tok, new["text"]))
                steps = _steps_for(recipe, new_tokens, recipe.continue_epochs) * len(ids) // max(new_tokens, 1)
                info = _train(model, ids, recipe, steps=max(10, steps), lr=recipe.continue_lr, warmup=20,
                              seed=seed + 100 * year, label=name)
                how = (f"continued from cutoff-{previous[:4]} on the {len(new):,} documents dated "
                       f"{previous} < date <= {cutoff}, with {k:,} earlier documents replayed "
                       f"and {len(recaps):,} recap documents")
                new_docs, replay_docs = len(new), k
            total_seconds += info["train_seconds"]
            total_cpu += info["train_cpu_seconds"]
            total_tokens += info["tokens_trained"]
            t0 = time.perf_counter()
            lm = as_lm(model, tok)
            cutoff_runs[name] = score_cutoff(lm, world, cutoff)
            cutoffs[name] = cutoff
            score_seconds += time.perf_counter() - t0
            manifest = {**common, **info, "seed": seed, "cutoff": cutoff, "trained_on": how,
                        "new_documents": new_docs, "replayed_documents": replay_docs, "recap_documents": len(recaps),
                        "build_seconds": round(total_seconds, 1), "build_cpu_seconds": round(total_cpu, 1),
                        "tokens_total": total_tokens,
                        "label": f"World model that read up to {year} ({param_count(model) / 1e6:.2f}M params)"}
            save_artifact(name, model, hf_tok, manifest, root=models_root)
            entries[name] = _entry(manifest)
            model.train()
            previous = cutoff
            log(f"{name}: {info['steps']} steps, loss {info['final_loss']}, {info['train_seconds']:.0f} s")

        # 2. seeds: from scratch on every document
        for seed in recipe.seeds:
            name = f"seed-{seed}"
            reused = _reusable(reuse, name, common, hf_tok) if reuse else None
            if reused is not None:
                model, info = reused
                log(f"{name}: reused from {reuse}")
            else:
                model = new_model(preset, tok.get_vocab_size(), seed=seed)
                info = _train(model, all_ids, recipe, steps=_steps_for(recipe, len(all_ids), recipe.epochs),
                              lr=recipe.lr, warmup=recipe.warmup_steps, seed=seed, label=name)
            t0 = time.perf_counter()
            lm = as_lm(model, tok)
            recall_runs[name] = (seed, score_recall(lm, world))
            cutoff_runs[name] = score_cutoff(lm, world, "2040-12-31")
            cutoffs[name] = "2040-12-31"
            score_seconds += time.perf_counter() - t0
            manifest = {**common, **info, "seed": seed, "cutoff": "2040-12-31", "trained_on": "every document",
                        "build_seconds": info["train_seconds"], "build_cpu_seconds": info.get("train_cpu_seconds"),
                        "label": f"World model, training seed {seed} ({param_count(model) / 1e6:.2f}M params)"}
            save_artifact(name, model, hf_tok, manifest, root=models_root)
            entries[name] = _entry(manifest)
            log(f"{name}: {info['steps']} steps, {info['epochs']} epochs, loss {info['final_loss']}, "
                f"{info['train_seconds']:.0f} s")

        results = tables(recall_runs, cutoff_runs, cutoffs)
        results["meta"] = {"score_seconds": round(score_seconds, 1), "one_token_answers": single,
                           "world_stats": _jsonable(world.stats()), "corpus_tokens": int(len(all_ids))}
        atomic_write_text(tmp / RESULTS_FILE, json.dumps(results, indent=0) + "\n")
        manifest = {
            "kind": "generated world: models and measured results", "rebuild": REBUILD_COMMAND,
            "world": recipe.world, "world_fingerprint": common["world_fingerprint"], "recipe": common["recipe"],
            "models": entries, "results_file": RESULTS_FILE, "results_sha256": sha256_file(tmp / RESULTS_FILE),
            "corpus_tokens": int(len(all_ids)), "tokenizer_vocab": tok.get_vocab_size(),
            "one_token_answers": single, "score_seconds": round(score_seconds, 1),
            "build_seconds": round(time.perf_counter() - started, 1),
            "build_cpu_seconds": round(time.process_time() - cpu_started, 1), **provenance(),
        }
        atomic_write_text(tmp / MANIFEST_FILE, json.dumps(manifest, indent=1, default=str) + "\n")
        tmp.chmod(0o755)
        replace_folder(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"wrote {out} in {manifest['build_seconds']:.0f} s ({manifest['build_cpu_seconds']:.0f} s of CPU)")
    return manifest


SEED_RECIPE_KEYS = ("vocab_size", "n_layer", "n_embd", "n_head", "context", "batch_size", "lr", "warmup_steps",
                    "epochs")


def _reusable(folder: Path, name: str, common: dict, hf_tok):
    """(model, manifest) of a previous build's seed model, if it read the same world
    with the same tokenizer and seed recipe; else None."""
    try:
        lm = load_artifact(name, root=Path(folder) / MODELS_SUBDIR)
    except ArtifactError:
        return None
    m = lm.manifest
    same = (m.get("world_fingerprint") == common["world_fingerprint"] and m.get("stopped_by") == "steps"
            and all(m.get("recipe", {}).get(k) == common["recipe"].get(k) for k in SEED_RECIPE_KEYS)
            and lm.tokenizer.backend_tokenizer.to_str() == hf_tok.backend_tokenizer.to_str())
    if not same:
        return None
    keep = ("steps", "tokens_trained", "corpus_tokens", "epochs", "train_seconds", "train_cpu_seconds", "final_loss",
            "stopped_by", "lr", "train_seed", "built_at", "git_commit")
    return lm.model, {k: m.get(k) for k in keep if k in m} | {"reused": "taken from an earlier build of the same world and seed recipe"}


def _entry(manifest: dict) -> dict:
    keys = ("seed", "cutoff", "steps", "epochs", "tokens_trained", "corpus_tokens", "build_seconds",
            "build_cpu_seconds", "train_seconds", "train_cpu_seconds", "final_loss", "stopped_by", "trained_on", "label",
            "reused", "recap_documents", "replayed_documents", "new_documents")
    return {k: manifest.get(k) for k in keys}


def _jsonable(obj):
    return json.loads(json.dumps(obj, default=lambda o: list(o) if isinstance(o, tuple) else str(o)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine build world", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a tiny world and tiny models (seconds; for tests)")
    ap.add_argument("--out", type=Path, default=None, help=f"output folder (default {WORLD_DIR})")
    ap.add_argument("--seeds", type=int, default=None, help="how many training seeds (default 3; quick 2)")
    ap.add_argument("--epochs", type=float, default=None, help="passes over the corpus per model from scratch")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    ap.add_argument("--reuse", type=Path, default=None,
                    help="a previous build's folder whose seed models match this recipe: keep them, train the rest")
    args = ap.parse_args(argv)
    recipe = QUICK if args.quick else Recipe()
    if args.seeds is not None:
        if args.seeds < 1:
            ap.error("--seeds must be at least 1")
        recipe = replace(recipe, seeds=tuple(range(args.seeds)))
    if args.epochs is not None:
        recipe = replace(recipe, epochs=args.epochs)
    recipe = replace(recipe, threads=max(1, args.threads))
    out = args.out or WORLD_DIR
    if args.quick and args.out is None:
        ap.error("--quick writes a tiny test build: give it --out (the committed assets/world stay as they are)")
    build(recipe, out, reuse=args.reuse)
    if out == WORLD_DIR and not args.quick:
        # the tuning experiment reads the committed world models, so it runs once they are written;
        # reuse keeps its runs whose models' weights and settings did not change
        tuning_build.build(seeds=recipe.seeds, reuse=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
