"""`python -m engine build world`: the generated world's models and what they measurably know.

One world (engine.world.generate, seed 0), one world-specific 2,048-token BPE, then:
- seed-0, seed-1, seed-2: small GPTs trained from scratch on every document
  (training seeds of one world: initial weights and batch order differ);
- cutoff-2028, cutoff-2032, cutoff-2036: one model trained on the documents
  dated up to 2028, then continued on each later slice of the timeline with
  replay of earlier documents (so it does not forget), saved at each cutoff;
  these runs also read recap documents (engine.world.generate.recap_documents).
Every probe is scored (engine.world.knowledge) and the tables go to results.json.
Then, for the committed build, the tuning experiment (engine.world.tuning)
runs on the seed models and writes assets/world_tuning/.
Everything is written to a temporary folder that then replaces --out, so a
reader never sees half a build.

    python -m engine build world                  # the committed artifacts (about 11 minutes of one free core)
    python -m engine build world -- --quick --out /tmp/w   # a tiny world in seconds, for tests

Not handled: resuming an interrupted build (it is short), or several worlds.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from engine.paths import ASSETS_DIR, atomic_write_text, sha256_file

WORLD_DIR = ASSETS_DIR / "world"
MODELS_SUBDIR = "models"
MANIFEST_FILE = "manifest.json"
RESULTS_FILE = "results.json"
REBUILD_COMMAND = "python -m engine build world"
EVENT_RELATIONS = ("moved_to", "mayor_of")


@dataclass(frozen=True)
class Recipe:
    # the world (engine.world.generate.generate_world keyword arguments)
    world: dict = field(default_factory=lambda: {
        "seed": 0, "n_people": 180, "buckets": [1, 2, 4, 8, 16, 32], "held_out": 30, "n_towns": 24,
        "n_orgs": 16, "move_rate": 0.6, "mayor_rate": 0.3, "event_buckets": [4, 8, 16]})
    vocab_size: int = 2048  # world BPE: every town, organisation and occupation one token
    # the model (GPT-2 shape)
    n_layer: int = 2
    n_embd: int = 96
    n_head: int = 4
    context: int = 128  # a whole short document fits, for the "document in the prompt" panel
    # training from scratch
    batch_size: int = 8
    lr: float = 3e-3
    warmup_steps: int = 50
    epochs: float = 12.0  # passes over the corpus (steps follow from its tokens)
    seeds: tuple = (0, 1, 2)
    # knowledge cutoffs: first trained from scratch up to cutoffs[0], then continued slice by slice
    cutoffs: tuple = (2028, 2032, 2036)
    continue_lr: float = 1.5e-3
    continue_epochs: float = 10.0  # passes over each new slice
    replay: float = 1.0  # earlier documents mixed in, as a multiple of the new slice's documents
    # recap documents (engine.world.generate.recap_documents: invented people, a fact restated at the end) per
    # world document in each cutoff stage; they teach the model to use a document placed in its prompt
    recap: float = 1.0
    max_minutes_per_model: float = 60.0  # safety bound (wall); a run stopped by it says so in its manifest
    threads: int = 1

    def preset(self):
        from engine.presets import get_preset

        return get_preset("lab").with_(n_layer=self.n_layer, n_embd=self.n_embd, n_head=self.n_head,
                                       context=self.context, batch_size=self.batch_size, lr=self.lr,
                                       warmup_steps=self.warmup_steps)


QUICK = Recipe(
    world={"seed": 0, "n_people": 24, "buckets": [1, 4], "held_out": 6, "n_towns": 8, "n_orgs": 6,
           "move_rate": 0.6, "mayor_rate": 0.3, "event_buckets": [2, 4]},
    vocab_size=400, n_layer=1, n_embd=32, n_head=2, context=64, batch_size=4, epochs=1.0,
    seeds=(0, 1), cutoffs=(2030, 2035), continue_epochs=1.0, recap=0.3, max_minutes_per_model=1.0,
)


# --- pieces ---------------------------------------------------------------------------------


def world_fingerprint(world) -> str:
    """sha256 over the world's documents and facts: the same generator and
    arguments give the same fingerprint, so a saved model can check that the
    world regenerated today is the one it read."""
    import hashlib

    h = hashlib.sha256()
    for d in world.documents.itertuples():
        h.update(f"{d.doc_id}\t{d.date}\t{d.text}\t{','.join(d.fact_ids)}\n".encode())
    for f in world.facts.itertuples():
        h.update(f"{f.fact_id}\t{f.subject}\t{f.relation}\t{f.answer}\t{f.date}\t{f.exposure}\t{f.held_out}\n".encode())
    return h.hexdigest()


def generate(recipe: Recipe):
    from engine.world.generate import generate_world

    kw = dict(recipe.world)
    kw["buckets"] = tuple(kw["buckets"])
    if kw.get("event_buckets") is not None:
        kw["event_buckets"] = tuple(kw["event_buckets"])
    return generate_world(**kw)


def train_tokenizer(world, vocab_size: int):
    from engine import ourtokenizer

    return ourtokenizer.train_bpe(world.documents["text"], vocab_size=vocab_size)


def encode(tok, texts) -> "np.ndarray":  # noqa: F821
    from engine import ourtokenizer

    return ourtokenizer.encode_documents(tok, list(texts))


def _train(model, ids, recipe: Recipe, *, steps: int, lr: float, warmup: int, seed: int, label: str) -> dict:
    """engine.train with a tqdm bar; returns what the manifest records."""
    import numpy as np
    from tqdm import tqdm

    from engine.train import TrainConfig, train

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
    from types import SimpleNamespace

    from engine.ourtokenizer import as_transformers

    return SimpleNamespace(model=model.eval(), tokenizer=as_transformers(tok))


# --- scoring ----------------------------------------------------------------------------------


def static_facts(world):
    from engine.world.generate import PERSON_STATIC

    return world.facts[world.facts["relation"].isin(PERSON_STATIC)]


def event_facts(world):
    f = world.facts
    return f[f["relation"].isin(EVENT_RELATIONS) & ~f["held_out"]]


def score_recall(lm, world):
    """Per-probe scores of every static person fact (the same four relations in
    every bucket, held-out people as exposure 0)."""
    from engine.world.knowledge import score_world

    return score_world(lm, world, static_facts(world))


def latest_read_answers(world, cutoff: str) -> dict:
    """For each event fact: the town most recently stated about its subject in the
    documents up to the cutoff (a move or election read before, else the birthplace)."""
    exp = world.exposure_until(cutoff)
    f = world.facts.assign(read=exp.values)
    towns = f[(f["answer_kind"] == "town") & (f["subject_kind"] == "person") & (f["read"] > 0)]
    out = {}
    for ev in event_facts(world).itertuples():
        mine = towns[(towns["subject"] == ev.subject) & (towns["fact_id"] != ev.fact_id) & (towns["date"] <= cutoff)]
        if len(mine):
            out[ev.fact_id] = mine.sort_values("date").iloc[-1]["answer"]
    return out


def shortest_document(world, fact_id: str):
    """The shortest document that states a fact (a row of world.documents), or None."""
    docs = world.documents[world.documents["fact_ids"].map(lambda ids: fact_id in ids)]
    if not len(docs):
        return None
    return docs.loc[docs["text"].str.len().idxmin()]


def context_prompt(document_text: str, prompt: str) -> str:
    return f"{document_text}\n\n{prompt}"


def score_cutoff(lm, world, cutoff: str):
    """Event probes for one model: before/after its cutoff, whether it named the
    latest town it read about the person, and (after the cutoff) the same trained
    probe with a post-cutoff document that states the event placed in the prompt."""
    import pandas as pd

    from engine.world.knowledge import score_probes

    events = event_facts(world)
    probes = world.probes(events)
    res = score_probes(lm, probes, world.answer_sets, facts=world.facts)
    dates = events.set_index("fact_id")["date"]
    read = world.exposure_until(cutoff).set_axis(world.facts["fact_id"])
    latest = latest_read_answers(world, cutoff)
    res["date"] = res["fact_id"].map(dates)
    res["year"] = res["date"].str[:4].astype(int)
    res["period"] = (res["date"] > cutoff).map({True: "after", False: "before"})
    res["read_mentions"] = res["fact_id"].map(read)
    res["latest_read"] = res["fact_id"].map(latest)
    res["said_latest_read"] = res["model_answer"] == res["latest_read"]
    after = res[(res["period"] == "after") & (res["style"] == "trained")]
    rows = []
    for r in after.itertuples():
        doc = shortest_document(world, r.fact_id)
        rows.append({"fact_id": r.fact_id, "style": "with document", "template": 0,
                     "prompt": context_prompt(doc["text"], r.prompt), "answer": r.answer,
                     "answer_kind": r.answer_kind, "relation": r.relation})
    if rows:
        ctx = score_probes(lm, pd.DataFrame(rows), world.answer_sets, facts=world.facts)
        ctx["date"] = ctx["fact_id"].map(dates)
        ctx["year"] = ctx["date"].str[:4].astype(int)
        ctx["period"] = "after"
        ctx["read_mentions"] = ctx["fact_id"].map(read)
        ctx["latest_read"] = ctx["fact_id"].map(latest)
        ctx["said_latest_read"] = ctx["model_answer"] == ctx["latest_read"]
        res = pd.concat([res, ctx], ignore_index=True)
    return res


def _agg(frame, keys):
    return frame.groupby(keys).agg(
        probes=("correct", "size"), accuracy=("correct", "mean"), mean_rank=("rank", "mean"),
        top_prob=("top_prob", "mean"), p_truth=("p_truth", "mean"), entropy_bits=("entropy_bits", "mean"),
        right_kind=("right_kind", "mean")).reset_index()


def tables(recall_runs: dict, cutoff_runs: dict, cutoffs: dict) -> dict:
    """The measured tables, as JSON-ready lists of records."""
    import numpy as np
    import pandas as pd

    from engine.world.knowledge import recall_by_exposure

    per_seed, by_rel, halluc = [], [], []
    for name, (seed, res) in recall_runs.items():
        t = recall_by_exposure(res, by=("style",))
        t.insert(0, "model", name)
        t.insert(1, "seed", seed)
        per_seed.append(t)
        r = recall_by_exposure(res, by=("style", "relation"))
        r.insert(0, "model", name)
        r.insert(1, "seed", seed)
        by_rel.append(r)
        frame = res.copy()
        frame["group"] = np.where(frame["held_out"], "never read (held out)",
                                  np.where(frame["exposure"] <= 2, "read 1-2 times", "read 4+ times"))
        h = _agg(frame, ["style", "group"])
        h2 = _agg(frame[~frame["held_out"]].assign(group="all known people"), ["style", "group"])
        h = pd.concat([h, h2], ignore_index=True)
        h.insert(0, "model", name)
        h.insert(1, "seed", seed)
        halluc.append(h)
    per_seed = pd.concat(per_seed, ignore_index=True)
    metrics = ["accuracy", "mean_rank", "top_prob", "p_truth", "entropy_bits", "right_kind"]
    g = per_seed.groupby(["style", "exposure"])
    mean = g[metrics].mean().add_suffix("_mean").join(g[metrics].std(ddof=1).add_suffix("_sd"))
    mean = mean.join(g["probes"].first()).join(g["chance"].mean()).join(g["seed"].nunique().rename("seeds"))
    mean = mean.reset_index()
    by_rel = pd.concat(by_rel, ignore_index=True)
    halluc = pd.concat(halluc, ignore_index=True)
    gh = halluc.groupby(["style", "group"])
    hmean = gh[metrics].mean().add_suffix("_mean").join(gh[metrics].std(ddof=1).add_suffix("_sd"))
    hmean = hmean.join(gh["probes"].first()).reset_index()

    cut_rows, by_year = [], []
    for name, res in cutoff_runs.items():
        c = res.groupby(["style", "period"]).agg(
            probes=("correct", "size"), accuracy=("correct", "mean"), top_prob=("top_prob", "mean"),
            right_kind=("right_kind", "mean"), said_latest_read=("said_latest_read", "mean"),
            has_latest_read=("latest_read", lambda s: float(s.notna().mean())),
            read_mentions=("read_mentions", "mean")).reset_index()
        c.insert(0, "model", name)
        c.insert(1, "cutoff", cutoffs[name])
        cut_rows.append(c)
        y = res.groupby(["style", "year"]).agg(probes=("correct", "size"), accuracy=("correct", "mean"),
                                               said_latest_read=("said_latest_read", "mean")).reset_index()
        y.insert(0, "model", name)
        y.insert(1, "cutoff", cutoffs[name])
        by_year.append(y)
    cut = pd.concat(cut_rows, ignore_index=True) if cut_rows else pd.DataFrame()
    years = pd.concat(by_year, ignore_index=True) if by_year else pd.DataFrame()

    def records(df):
        return json.loads(df.to_json(orient="records"))

    return {"recall": records(per_seed), "recall_mean": records(mean), "recall_by_relation": records(by_rel),
            "hallucination": records(halluc), "hallucination_mean": records(hmean),
            "cutoff": records(cut), "cutoff_by_year": records(years)}


# --- the build -----------------------------------------------------------------------------------


def build(recipe: Recipe, out: Path, *, reuse: Path | None = None, log=print) -> dict:
    """Build every model and the results into `out` (replaced atomically).

    reuse: a previous build's folder; its seed models are taken as they are
    (and scored again) when they read the same world with the same recipe for
    seeds and ran all their steps, so a change to the cutoff recipe need not
    retrain them."""
    import torch

    from engine import ourtokenizer
    from engine.models import new_model, param_count, provenance, save_artifact
    from engine.world.generate import recap_documents, world_corpus

    torch.set_num_threads(recipe.threads)
    started, cpu_started = time.perf_counter(), time.process_time()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        world = generate(recipe)
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
        old = out.parent / f".{out.name}.old.{os.getpid()}"
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"wrote {out} in {manifest['build_seconds']:.0f} s ({manifest['build_cpu_seconds']:.0f} s of CPU)")
    return manifest


SEED_RECIPE_KEYS = ("vocab_size", "n_layer", "n_embd", "n_head", "context", "batch_size", "lr", "warmup_steps",
                    "epochs")


def _reusable(folder: Path, name: str, common: dict, hf_tok):
    """(model, manifest) of a previous build's seed model, if it read the same world
    with the same tokenizer and seed recipe; else None."""
    from engine.models import ArtifactError, load_artifact

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
        from engine.world import tuning as world_tuning

        world_tuning.build(seeds=recipe.seeds, reuse=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
