"""The transfer build's worker processes: rows spread over N spawned processes, one torch thread each.

Each worker is a spawned process with its own RowBuilder (models loaded on first use). The
parent hands out jobs one at a time, in order, to whichever worker is free: first the frozen
features of each (task, model) (the slow real bases start at once), then the trained runs,
then the cheap probe and bag-of-words rows that read the features now on disk. Rows go to
the shared row cache (appends under a lock) and back to the parent, which composes the
results exactly as a one-process build does.
Not handled: workers on other machines; a worker that dies takes the build down with it.
"""
from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

from engine.transfer import features
from engine.transfer.approaches import TRAINED
from engine.transfer.rows import BuildConfig, RowBuilder, RowCache, count_label

_worker: dict = {}  # this worker process's RowBuilder and deadline


def torch_threads() -> int:
    import torch  # heavy: the build has it loaded by now

    return torch.get_num_threads()


def _worker_init(config: BuildConfig, tasks, models, cache_path, tryit_dir, feature_folder, threads, deadline):
    import torch  # heavy: a worker's first job needs it anyway

    torch.set_num_threads(max(1, threads))
    if feature_folder:
        features.enable_disk_cache(Path(feature_folder))
    _worker["builder"] = RowBuilder(config, tasks=dict(tasks or {}), models=dict(models or {}),
                                    row_cache=RowCache(Path(cache_path) if cache_path else None),
                                    tryit_dir=Path(tryit_dir) if tryit_dir else None, log=lambda *a: None)
    _worker["deadline"] = deadline


def _worker_job(job):
    """One job in a worker: ("features", task, model, samples) or (index, run arguments, save)."""
    b: RowBuilder = _worker["builder"]
    if job[0] == "features":
        _, task, model_name, samples = job
        b.prewarm(task, model_name, samples)
        return {"job": job, "rates": dict(b.feature_rate)}
    index, (kind, task, a, k, seed, base), save = job
    deadline = _worker["deadline"]
    if a in TRAINED and deadline is not None and time.time() > deadline:  # the features are done by now
        return {"job": job, "index": index, "row": None, "why": "time bound"}
    b.tryit.entries = {}
    row = b.run(task, a, k, seed, base=base, save_tryit=save)
    return {"job": job, "index": index, "row": row, "tryit": b.tryit.entries, "rates": dict(b.feature_rate)}


def run_parallel(b: RowBuilder, jobs: list[tuple], saves: list[bool], *, workers: int,
                 progress: bool) -> dict[int, dict | str]:
    """Rows for `jobs` computed by `workers` processes: {job index: row, or why it is missing}.
    Rows an earlier build finished come from the row cache here, without a worker."""
    from tqdm import tqdm  # only the build's progress bar needs it

    c = b.c
    out: dict[int, dict | str] = {}
    todo: list[tuple] = []
    for i, (job, save) in enumerate(zip(jobs, saves)):
        kind, task, a, k, seed, base = job
        cached = None if save else b.cache.get(b.row_key(task, a, k, seed, base))
        if cached is not None:
            out[i] = cached
        else:
            todo.append((i, job, save))
    if not todo:
        return out
    # features first: every (task, frozen model) some missing row reads, biggest models first
    samples: dict[tuple[str, str], set] = {}
    for _, (kind, task, a, k, seed, base), _ in todo:
        name = RowBuilder.frozen_model(a, base)
        if name is not None:
            samples.setdefault((task, name), set()).add((k, seed))
    size = {"smollm2": 0, "minilm": 1}
    feature_jobs = [("features", t, m, sorted(v, key=str)) for (t, m), v in
                    sorted(samples.items(), key=lambda kv: (size.get(kv[0][1], 2), c.tasks.index(kv[0][0])))]
    trained = [j for j in todo if j[1][2] in TRAINED]
    rest = [j for j in todo if j[1][2] not in TRAINED]
    queue = feature_jobs + trained + rest
    deadline = time.time() + c.max_minutes * 60 - (time.perf_counter() - b.t_start) if c.max_minutes else None
    supplied_models = {k: v for k, v in b.models.items() if k in b.supplied}
    folder = features.disk_cache_folder()
    for task in c.tasks:
        b.data(task)  # read once here; the workers get the examples, not the data pack's location
    init = (c, b.task_data, supplied_models or None,
            str(b.cache.path) if b.cache.path else None, str(b.tryit.folder) if b.tryit.folder else None,
            str(folder) if folder else None, torch_threads(), deadline)
    ctx = multiprocessing.get_context("spawn")  # fork after torch has threads can hang
    tryit: dict[int, dict] = {}
    bar = tqdm(total=len(queue), desc=f"build transfer ({workers} workers)", unit="job", disable=not progress,
               file=sys.stderr)
    with ctx.Pool(workers, initializer=_worker_init, initargs=init) as pool:
        for result in pool.imap_unordered(_worker_job, queue, chunksize=1):
            for key, rate in result.get("rates", {}).items():
                b.feature_rate.setdefault(tuple(key), rate)
            job = result["job"]
            if job[0] == "features":
                bar.set_postfix_str(f"features {job[1]} | {job[2]}")
            else:
                kind, task, a, k, seed, base = job[1]
                bar.set_postfix_str(f"{task} | {a} | {count_label(k)} | seed {seed}"
                                    + (f" | {base}" if kind == "ckpt" else ""))
                out[result["index"]] = result["row"] if result["row"] is not None else result["why"]
                if result.get("tryit"):
                    tryit[result["index"]] = result["tryit"]
            bar.update()
        pool.close()
        pool.join()
    bar.close()
    for index in sorted(tryit):  # the one-process build's order, whatever order workers finished in
        for t, entries in tryit[index].items():
            b.tryit.entries.setdefault(t, {}).update(entries)
    return out
