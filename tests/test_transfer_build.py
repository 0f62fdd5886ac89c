"""The transfer build end to end on a toy task with the tiny stand-in LM (seconds), the
results reader on what it wrote, the try-it classifiers it saved, and the live experiment's
bounds. A --quick build on the real data pack runs only where the pack and base are here."""

import copy
import json
import threading
import time

import numpy as np
import pytest
import torch

from engine.transfer import build as transfer_build
from engine.transfer import results as transfer_results
from engine.transfer import tryit
from engine.transfer.results import TransferResultsError
from tests import tiny_lm
from tests.test_transfer import _toy_task


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine is shared; the tiny models gain nothing from more
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.manual_seed(0)
    lm = tiny_lm.load(tiny_lm.build(tmp_path_factory.mktemp("tiny_build")))
    lm.manifest = {"tokens_seen": 4000, "params": sum(p.numel() for p in lm.model.parameters()),
                   "train_seconds": 3.0}
    return lm


@pytest.fixture(scope="module")
def built(tiny, tmp_path_factory):
    """A toy build: our base and a 'snapshot' (the untrained stand-in at fewer tokens)."""
    from engine.models import weights_fingerprint

    snapshot = copy.copy(tiny)
    snapshot.model = copy.deepcopy(tiny.model)
    with torch.no_grad():
        for p in snapshot.model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    snapshot.manifest = {"tokens_seen": 1000}
    before = weights_fingerprint(tiny.model)
    out = tmp_path_factory.mktemp("transfer_out")
    results = transfer_build.build(TOY_CONFIG, tasks={"toy": _toy_task()}, models={"base": tiny, "base-1k": snapshot},
                                   row_cache=transfer_build.RowCache(None), tryit_dir=out / "tryit", progress=False,
                                   log=lambda *a: None)
    path = out / "results.json"
    path.write_text(json.dumps(results, default=transfer_build.json_default))
    assert weights_fingerprint(tiny.model) == before  # the shared base was never trained
    return path, out / "tryit", snapshot


TOY_CONFIG = transfer_build.BuildConfig(
    tasks=("toy",), approaches=("bow", "scratch", "ours-frozen", "ours-finetuned"),
    per_class=(4, 32, None), trained_per_class=(32,), seeds=(0, 1), checkpoints=("base-1k", "base"),
    checkpoint_tasks=("toy",), checkpoint_per_class=32, checkpoint_seeds=(0, 1), steps=25, batch_size=8,
    lr=1e-2, test_size=30, tryit=True, quick=True)


def _row_id(r):
    return r["task"], r["approach"], r["label"], r["seed"], r.get("base")


@pytest.mark.slow
def test_two_workers_compute_the_rows_one_process_does(built, tiny, tmp_path):
    """The same rows from spawned workers (features, trained runs and probes spread over two
    processes), all appended to one row cache; a second build reuses them without a worker."""
    from dataclasses import replace

    one = json.loads(built[0].read_text())
    cache_path = tmp_path / "rows.jsonl"
    models = {"base": tiny, "base-1k": built[2]}
    kw = dict(tasks={"toy": _toy_task()}, models=models, tryit_dir=tmp_path / "tryit", progress=False,
              log=lambda *a: None)
    two = transfer_build.build(replace(TOY_CONFIG, workers=2), row_cache=transfer_build.RowCache(cache_path), **kw)
    for part in ("runs", "checkpoints"):
        a = {_row_id(r): r for r in one[part]}
        b = {_row_id(r): r for r in two[part]}
        assert a.keys() == b.keys(), part
        for k in a:
            assert a[k]["n_train"] == b[k]["n_train"] and a[k]["n_test"] == b[k]["n_test"]
            if k[1] in transfer_build.TRAINED:  # BLAS sums in another order in another process: a
                assert abs(a[k]["accuracy"] - b[k]["accuracy"]) <= 0.1, k  # borderline text may flip
            else:
                assert a[k]["accuracy"] == pytest.approx(b[k]["accuracy"]), k
    assert not two["manifest"]["skipped"]
    lines = [json.loads(line) for line in cache_path.read_text().splitlines()]
    assert len({e["key"] for e in lines}) == len(lines) == len(two["runs"]) + 4  # + the snapshot's rows (2 approaches × 2 seeds)
    assert {a: e["file"] for a, e in two["tryit"]["approaches"]["toy"].items()} == \
           {a: e["file"] for a, e in one["tryit"]["approaches"]["toy"].items()}
    assert all((tmp_path / "tryit" / e["file"]).is_file() for e in two["tryit"]["approaches"]["toy"].values())

    again = transfer_build.build(replace(TOY_CONFIG, workers=2, tryit=False),
                                 row_cache=transfer_build.RowCache(cache_path), **kw)
    assert again["manifest"]["rows_reused_from_cache"] == len(lines)
    assert {_row_id(r): r["accuracy"] for r in again["runs"]} == {_row_id(r): r["accuracy"] for r in two["runs"]}


def test_build_writes_results_the_reader_understands(built):
    path = built[0]
    results = transfer_results.load_results(path)
    for approach in ("bow", "ours-frozen"):
        points = transfer_results.curve(results, "toy", approach)
        assert [p["label"] for p in points] == ["4", "32", "all"]
        assert [p["n_seeds"] for p in points] == [2, 2, 1]  # the whole split is one sample
        assert points[0]["n_train"] == 8 and points[-1]["n_train"] == 48
    for approach in ("scratch", "ours-finetuned"):
        points = transfer_results.curve(results, "toy", approach, metric="macro_f1")
        assert [p["label"] for p in points] == ["32"] and points[0]["n_seeds"] == 2
    with pytest.raises(ValueError):
        transfer_results.curve(results, "toy", "bow", metric="loss")
    info = transfer_results.task_info(results, "toy")
    assert info["labels"] == ["sport", "money"] and info["test_size"] == 30
    assert info["chance"]["accuracy"] == pytest.approx(0.5) and info["per_class_test"] == {"sport": 15, "money": 15}
    assert results["recipe"]["trained_budget"]["steps"] == 25 and results["manifest"]["build_seconds"] > 0


def test_each_approach_learns_above_chance_on_a_tiny_run(built):
    results = transfer_results.load_results(built[0])
    for approach in transfer_results.approaches(results, "toy"):
        best = max(p["mean"] for p in transfer_results.curve(results, "toy", approach))
        assert best >= 0.75, (approach, best)  # chance is 0.5


def test_checkpoint_curve_orders_by_tokens_and_compares_with_scratch(built):
    results = transfer_results.load_results(built[0])
    for approach in ("ours-finetuned", "ours-frozen"):
        points = transfer_results.checkpoint_curve(results, "toy", approach)
        assert [p["checkpoint"] for p in points] == ["base-1k", "base"]
        assert [p["tokens_seen"] for p in points] == [1000, 4000]
        scratch = transfer_results.point(results, "toy", "scratch", 32)
        for p in points:
            assert p["n_seeds"] == 2 and p["scratch_mean"] == pytest.approx(scratch["mean"])
            assert p["gain"] == pytest.approx(p["mean"] - p["scratch_mean"])


def test_cost_table_has_pretraining_amortised_tuning_and_published_scale(built):
    results = transfer_results.load_results(built[0])
    rows = transfer_results.cost_table(results)
    whats = [r["what"] for r in rows]
    assert whats[0].startswith("Pretrain our base once") and rows[0]["flops"] == 6 * results["cost"]["pretraining"]["params"] * 4000
    assert rows[1]["seconds"] == pytest.approx(rows[0]["seconds"] / 1)  # one task here
    assert any(w.startswith("From scratch, per task") for w in whats)
    assert any("SmolLM2" in w for w in whats)
    for r in rows:
        assert set(r) == {"what", "seconds", "flops", "note"}
    ft = next(r for r in rows if r["what"].startswith("Our base, fine-tuned"))
    assert ft["flops"] > 0 and ft["seconds"] > 0


def test_missing_or_corrupt_results_name_the_rebuild_command(tmp_path):
    with pytest.raises(TransferResultsError, match="python -m engine build transfer"):
        transfer_results.load_results(tmp_path / "nope.json")
    bad = tmp_path / "results.json"
    for text in ("{not json", json.dumps({"schema": 99}), json.dumps({"schema": 1, "runs": []}), "\udcff"[:0] + "[]"):
        bad.write_text(text)
        with pytest.raises(TransferResultsError, match="python -m engine build transfer"):
            transfer_results.load_results(bad)
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TransferResultsError, match="python -m engine build transfer"):
        transfer_results.load_results(bad)


def test_approaches_are_described_and_grouped():
    from engine.transfer import approaches

    assert list(approaches.APPROACHES)[:2] == ["bow", "scratch"]
    assert set(approaches.OLD_WAY) == {"bow", "scratch"}
    assert len(approaches.PRETRAINED) == 4
    for a in approaches.APPROACHES.values():
        assert a.label and a.description and a.family in ("old way", "pretrained")


# --- try it ------------------------------------------------------------------------------


def test_tryit_classifies_with_every_saved_approach(built, tiny):
    folder = built[1]
    preds = tryit.classify("toy", "the striker scored a late goal", models={"base": tiny}, folder=folder)
    assert [p.approach for p in preds] == ["bow", "scratch", "ours-frozen", "ours-finetuned"]
    for p in preds:
        assert set(p.probabilities) == {"sport", "money"}
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert p.label == max(p.probabilities, key=p.probabilities.get) and 0.5 <= p.confidence <= 1
    votes = [p.label for p in preds]
    assert votes.count("sport") >= 3, votes
    assert tryit.trained_on(folder)["per_class"] == 32 and tryit.trained_on(folder)["seed"] == 0
    assert tryit.unavailable_approaches("toy", folder) == {}


@pytest.mark.parametrize("text", ["<script>alert('x')</script> shares fell", "<|endoftext|>" * 50,
                                  "goal " * 20_000, "é ✓ \u200d 🙂 \ud800 bank"])
def test_tryit_handles_odd_and_huge_text(built, tiny, text):
    folder = built[1]
    preds = tryit.classify("toy", text, models={"base": tiny}, folder=folder)
    assert len(preds) == 4
    for p in preds:
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        if p.tokens_read is not None:
            assert p.tokens_read <= 64  # the stand-in reads 64 positions at most
    if text.startswith("goal"):
        assert all(p.truncated for p in preds if p.tokens_read is not None)
        _, notices = tryit.prepare(text)
        assert notices and "characters" in notices[0]


def test_tryit_refuses_empty_text_and_names_the_build_when_missing(built, tiny, tmp_path):
    folder = built[1]
    for empty in ("", "   \n\t", None):
        with pytest.raises(ValueError, match="empty"):
            tryit.classify("toy", empty, models={"base": tiny}, folder=folder)
    with pytest.raises(tryit.TryItError, match="python -m engine build transfer"):
        tryit.classify("toy", "hello", models={"base": tiny}, folder=tmp_path)


def test_tryit_head_refuses_a_changed_base(built, tiny):
    folder = built[1]
    other = copy.copy(tiny)
    other.model = copy.deepcopy(tiny.model)
    with torch.no_grad():
        other.model.transformer.wte.weight.add_(1.0)
    with pytest.raises(tryit.TryItError, match="changed"):
        tryit.classify("toy", "a goal", models={"base": other}, folder=folder, approaches=["ours-frozen"])


# --- live ----------------------------------------------------------------------------------


def test_run_live_scores_each_approach_within_its_bound_and_leaves_the_base(tiny):
    from engine.models import weights_fingerprint

    before = weights_fingerprint(tiny.model)
    seen = []
    t0 = time.perf_counter()
    from engine.transfer import live as transfer_live

    rows = transfer_live.run_live("toy", 8, seed=0, progress=lambda f, m: seen.append((f, m)), max_seconds=20,
                                  models={"base": tiny}, data=_toy_task())
    assert time.perf_counter() - t0 < 20 + 5
    assert [r["approach"] for r in rows] == list(transfer_live.LIVE_APPROACHES)
    for r in rows:
        assert r["n_train"] == 16 and r["label"] == "8" and 0 <= r["accuracy"] <= 1 and r["mean"] == r["accuracy"]
    assert weights_fingerprint(tiny.model) == before
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_run_live_stops_on_the_event_and_on_time(tiny):
    from engine.transfer import live as transfer_live

    stop = threading.Event()
    stop.set()
    assert transfer_live.run_live("toy", 8, stop=stop, models={"base": tiny}, data=_toy_task()) == []

    stop = threading.Event()

    def progress(fraction, message):
        if "step 3 " in message:
            stop.set()

    rows = transfer_live.run_live("toy", 8, progress=progress, stop=stop, models={"base": tiny}, data=_toy_task())
    assert rows and rows[-1]["stopped_early"] and rows[-1]["steps"] <= 4
    assert len(rows) == 3  # fine-tuning never started

    t0 = time.perf_counter()
    rows = transfer_live.run_live("toy", 8, max_seconds=0.5, models={"base": tiny}, data=_toy_task())
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ValueError):
        transfer_live.run_live("toy", 0, models={"base": tiny}, data=_toy_task())
    with pytest.raises(ValueError):
        transfer_live.run_live("toy", 10_000, models={"base": tiny}, data=_toy_task())


def test_live_run_is_a_job_that_reports_publishes_and_returns_its_rows(tiny):
    """engine.jobs runs the live experiment: progress and each row reach the job's view as they
    come, the result holds the rows, and the page's summary of the view says what happened."""
    from engine import jobs
    from engine.transfer import live as transfer_live

    system = jobs.JobSystem(max_running=1, abandon_seconds=120)
    job = system.submit(transfer_live.work("toy", 8, seed=0, max_seconds=20, models={"base": tiny},
                                           data=_toy_task()), kind="transfer", max_seconds=20 + transfer_live.SCORING_GRACE)
    assert job.join(60)
    view = job.view()
    assert view.status == jobs.DONE and view.progress == 1.0 and view.stopped_by is None
    rows = view.result["rows"]
    assert [r["approach"] for r in rows] == list(transfer_live.LIVE_APPROACHES)
    assert view.state["rows"] == rows  # published one by one while it ran
    out = transfer_live.outcome(view)
    assert out["rows"] == rows and out["error"] is None and out["stopped"] is False
    assert (out["task"], out["per_class"], out["seed"]) == ("toy", 8, 0)


def test_live_job_honours_stop_and_reports_bad_input_plainly(tiny):
    from engine import jobs
    from engine.transfer import live as transfer_live

    system = jobs.JobSystem(max_running=1, abandon_seconds=120)
    started = threading.Event()

    def work(ctx):  # the live work, with its first look at the clock held until Stop was pressed
        started.set()
        ctx.stop_event.wait(10)
        return transfer_live.work("toy", 8, models={"base": tiny}, data=_toy_task())(ctx)

    job = system.submit(work, kind="transfer", max_seconds=30)
    assert started.wait(10)
    job.stop()
    assert job.join(30)
    view = job.view()
    assert view.stopped_by == "stop" and view.result == {"rows": []}
    assert transfer_live.outcome(view)["stopped"] is True

    bad = system.submit(transfer_live.work("toy", 10_000, models={"base": tiny}, data=_toy_task()),
                        kind="transfer", max_seconds=30)
    assert bad.join(30)
    view = bad.view()
    assert view.status == jobs.FAILED and "1 to 64" in view.error and "ValueError" not in view.error
    assert transfer_live.outcome(view)["error"].startswith("The experiment failed: a live run takes 1 to 64")


def test_row_cache_stores_the_schema_1_keys_and_reads_back_ids(tmp_path):
    path = tmp_path / "rows.jsonl"
    cache = transfer_build.RowCache(path)
    cache.put("k", {"approach": "ours-finetuned", "accuracy": 0.5})
    assert json.loads(path.read_text())["row"]["approach"] == "our base, fine-tuned"
    assert transfer_build.RowCache(path).get("k")["approach"] == "ours-finetuned"


# --- the real thing, where it is here --------------------------------------------------------


@pytest.mark.slow
def test_quick_build_on_the_data_pack(tmp_path, monkeypatch, data_pack):
    from engine import datapack

    if not all(datapack.is_available(s) for s in ("sms-spam", "rotten-tomatoes")):
        pytest.skip("the data pack's spam and sentiment sources are not here")
    pack = datapack.pack_dir()
    monkeypatch.setattr(datapack, "pack_dir", lambda: pack)  # the pack stays; features and rows go to tmp
    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results.json"
    assert transfer_build.main(["--quick", "--out", str(out), "--tasks", "spam", "--seeds", "1",
                                "--per-class", "8", "--trained-per-class", "8", "--checkpoints",
                                "--test-size", "30", "--fresh"]) == 0
    cache = tmp_path / "cache"
    assert not list(cache.glob("transfer-fresh-*")) and not (cache / "transfer" / "rows.jsonl").exists()  # cold, tidy
    results = transfer_results.load_results(out)
    assert transfer_results.curve(results, "spam", "bow")[0]["label"] == "8"
    assert {r["approach"] for r in json.loads(out.read_text())["runs"]} <= {
        "bag-of-words", "from scratch", "our base, frozen", "our base, fine-tuned"}  # written under the stored keys
    assert transfer_results.cost_table(results)[0]["what"].startswith("Pretrain our base once")
    assert np.isfinite([r["accuracy"] for r in results["runs"]]).all()


def test_run_live_bounds_frozen_features_not_only_training(tiny, monkeypatch):
    """A busy machine makes features slow: the clock is checked between chunks of texts,
    so a frozen probe that cannot finish in time is left out instead of overrunning."""
    from engine.transfer import features
    from engine.transfer import live as transfer_live

    real = features.decoder_features

    def slow(lm, texts):
        time.sleep(0.5)
        return real(lm, texts)

    monkeypatch.setattr(features, "decoder_features", slow)
    t0 = time.perf_counter()
    rows = transfer_live.run_live("toy", 8, max_seconds=0.3, models={"base": tiny}, data=_toy_task(),
                                  approaches=("ours-frozen",))
    assert rows == []
    assert time.perf_counter() - t0 < 2.5


@pytest.mark.slow
def test_time_bound_with_workers_skips_trained_runs_and_lists_them(built, tiny, tmp_path):
    """Past --max-minutes no trained run starts; the cheap rows still come, and nothing is
    dropped silently: every skipped row is named in the manifest."""
    from dataclasses import replace

    results = transfer_build.build(replace(TOY_CONFIG, workers=2, tryit=False, max_minutes=1e-9),
                                   tasks={"toy": _toy_task()}, models={"base": tiny, "base-1k": built[2]},
                                   row_cache=transfer_build.RowCache(None), progress=False, log=lambda *a: None)
    approaches = {r["approach"] for r in results["runs"]}
    assert approaches == {"bow", "ours-frozen"}
    skipped = results["manifest"]["skipped"]
    assert len(skipped) == 2 * 2 + 2  # 2 trained approaches x 2 seeds, and the snapshot's 2 fine-tunes
    assert all("time bound" in s and ("from scratch" in s or "fine-tuned" in s) for s in skipped)
