"""Tuning on known and unknown facts (engine.world.tuning): on a tiny generated
world with a tiny GPT (fast), and a stand-in model whose knowledge we choose."""
import json
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from engine.models import weights_fingerprint
from engine.world import qa
from engine.world import tuning as wt
from engine.world import tuning_build, tuning_live
from engine.world import tuning_results as tr

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny():
    """A tiny world, its BPE and a tiny untrained GPT (context 64)."""
    from engine import ourtokenizer
    from engine.models import new_model
    from engine.presets import get_preset
    from engine.world.generate import generate_world

    world = generate_world(seed=3, n_people=24, buckets=(1, 8), held_out=6, n_towns=6, n_orgs=4)
    tok = ourtokenizer.train_bpe(world.documents["text"], vocab_size=400)
    model = new_model(get_preset("tiny").with_(context=64), tok.get_vocab_size(), seed=0)
    lm = SimpleNamespace(model=model.eval(), tokenizer=ourtokenizer.as_transformers(tok))
    return world, lm


class LookupModel(torch.nn.Module):
    """Knows exactly the continuations we give it: after a listed prefix of token
    ids, the next listed token gets a high logit; everything else is flat."""

    def __init__(self, vocab: int, table: dict[tuple, int], n_positions: int = 64):
        super().__init__()
        self.vocab, self.table = vocab, table
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        self.config = SimpleNamespace(n_positions=n_positions)

    def forward(self, input_ids, **kw):
        b, t = input_ids.shape
        logits = torch.zeros(b, t, self.vocab)
        for i in range(b):
            row = tuple(input_ids[i].tolist())
            for j in range(t):
                nxt = self.table.get(row[: j + 1])
                if nxt is not None:
                    logits[i, j, nxt] = 20.0
        return SimpleNamespace(logits=logits)


def knows(lm, world, facts) -> LookupModel:
    """A stand-in that answers exactly `facts` right from the trained phrasing."""
    from engine.probes import encode_plain

    table = {}
    for p in world.probes(facts, styles=("trained",)).itertuples():
        seq = encode_plain(lm.tokenizer, p.prompt) + encode_plain(lm.tokenizer, " " + p.answer)
        n = len(encode_plain(lm.tokenizer, p.prompt))
        for k in range(n, len(seq)):
            table[tuple(seq[:k])] = seq[k]
    return LookupModel(len(lm.tokenizer), table)


def test_known_means_the_models_own_probe_is_right_not_high_exposure(tiny):
    world, lm = tiny
    seen = world.facts[~world.facts["held_out"] & world.facts["relation"].isin(wt.RELATIONS)]
    # the model "knows" some rarely read facts and none of the often read ones
    chosen = seen[seen["exposure"] == 1].iloc[::3]
    stand_in = SimpleNamespace(model=knows(lm, world, chosen), tokenizer=lm.tokenizer)
    classified = wt.classify_facts(stand_in, world)
    got = classified.set_index("fact_id")["category"]
    assert (got[chosen["fact_id"]] == "known").all()
    often = seen[seen["exposure"] == 8]["fact_id"]
    # flat logits rank candidates by tie order, so one might be right by luck; most are not
    assert (got[often] == "unknown").mean() > 0.7
    held = world.facts[world.facts["held_out"] & world.facts["relation"].isin(wt.RELATIONS)]
    assert len(held) and (got[held["fact_id"]] == "never read").all()
    # same exposure, different verdicts: exposure alone does not decide
    rare = got[seen[seen["exposure"] == 1]["fact_id"]]
    assert {"known", "unknown"} <= set(rare)


def test_split_keeps_dev_people_out_of_tuning_and_mixes_balanced(tiny):
    world, _ = tiny
    rng = np.random.default_rng(0)
    facts = world.facts[world.facts["relation"].isin(wt.RELATIONS)].copy()
    facts["category"] = np.where(facts["held_out"], "never read",
                                 np.where(rng.random(len(facts)) < 0.5, "known", "unknown"))
    split = wt.split_facts(facts, n_tune=16, n_dev=8, n_never_read=4, seed=1)
    tuned_people = set(split["tune_known"]["subject"]) | set(split["tune_unknown"]["subject"])
    assert not tuned_people & (set(split["dev_known"]["subject"]) | set(split["never_read"]["subject"]))
    assert (split["tune_known"]["category"] == "known").all()
    assert (split["tune_unknown"]["category"] != "known").all()
    assert (split["dev_known"]["category"] == "known").all()
    assert (split["never_read"]["category"] == "never read").all()
    # the known and unknown pools have the same relations, so the mixes differ only in knowledge
    assert sorted(split["tune_known"]["relation"]) == sorted(split["tune_unknown"]["relation"])
    sizes = {m: len(wt.mix_facts(split, m)) for m in wt.MIXES}
    assert sizes["known"] == sizes["half"] == sizes["unknown"] > 0 and sizes["none"] == 0
    half = wt.mix_facts(split, "half")
    assert abs((half["category"] == "known").sum() - (half["category"] != "known").sum()) <= 1
    with pytest.raises(ValueError, match="Unknown mix"):
        wt.mix_facts(split, "everything")


def test_tuning_moves_question_answers_toward_the_tuned_answers(tiny):
    from engine.world.knowledge import score_probes
    from engine.nudge import session_copy

    world, lm = tiny
    copy = session_copy(lm)
    facts = world.facts[world.facts["relation"] == "birth_town"].iloc[:8]
    probes = qa.qa_probes(world, facts)
    before = score_probes(copy, probes, world.answer_sets)
    pairs = qa.encode_pairs(copy.tokenizer, world, facts)
    tuner = qa.QATuner(copy.model, pairs, wt.TuneConfig(lr=3e-3, batch_size=8, warmup_steps=1))
    x, y, mask = qa.answer_batch(pairs, 0)
    with torch.no_grad():
        loss_before = float(qa.answer_loss(copy.model, x, y, mask))
    for _ in range(60):
        tuner.epoch()
    after = score_probes(copy, probes, world.answer_sets)
    with torch.no_grad():
        loss_after = float(qa.answer_loss(copy.model, x, y, mask))
    assert loss_after < loss_before / 3
    assert after["p_truth"].mean() > before["p_truth"].mean() + 0.3
    assert after["correct"].mean() >= 0.75
    # and in free generation, in question-answer form
    answers = [qa.ask(copy, q["question"]) for q in world.qa_pairs(facts)]
    assert np.mean([a == f for a, f in zip(answers, facts["answer"])]) >= 0.75


def test_tune_demo_works_on_a_copy_and_leaves_the_shared_model_alone(tiny):
    world, lm = tiny
    fingerprint = weights_fingerprint(lm.model)
    seen = []
    result = tuning_live.tune_demo(lm, world, mix="half", steps=6, progress=seen.append, max_seconds=30, n_pairs=8)
    assert weights_fingerprint(lm.model) == fingerprint
    assert result.lm.model is not lm.model and weights_fingerprint(result.lm.model) != fingerprint
    assert result.steps == 6 == len(result.losses) and result.stopped_by == "steps"
    assert [i["step"] for i in seen] == list(range(1, 7))
    assert {a.group for a in result.answers} >= {"tuned", "never read"}
    assert all(isinstance(a.before, str) and isinstance(a.after, str) for a in result.answers)


def test_tune_demo_bounds_and_stops(tiny):
    import threading

    world, lm = tiny
    stop = threading.Event()
    result = tuning_live.tune_demo(lm, world, mix="known", steps=10**9, max_seconds=10**6, n_pairs=8,
                          progress=lambda info: stop.set() if info["step"] >= 3 else None, stop=stop)
    assert result.stopped_by == "stop" and result.steps == 3
    assert any("bounded" in n for n in result.notes)
    with pytest.raises(ValueError, match="Choose a mix"):
        tuning_live.tune_demo(lm, world, mix="none")
    # only never-read people in the sample: nothing known to tune on, said plainly (no endless loop)
    with pytest.raises(ValueError, match="too few"):
        tuning_live.tune_demo(lm, world, mix="known", n_people=0, max_seconds=5)


def test_demo_work_runs_on_the_job_system_and_honours_stop(tiny):
    from engine import jobs

    world, lm = tiny
    fingerprint = weights_fingerprint(lm.model)
    system = jobs.JobSystem(max_running=1, abandon_seconds=60)
    job = system.submit(tuning_live.demo_work(lm, world, mix="half", steps=4, max_seconds=30), kind="tuning",
                        owner="reader-a", max_seconds=60)
    assert job.join(timeout=60)
    view = job.view()
    assert view.status == jobs.DONE and view.result.steps == 4 and view.progress == 1.0
    assert view.state["losses"] == view.result.losses  # the loss curve was published as it ran
    assert weights_fingerprint(lm.model) == fingerprint and view.result.lm.model is not lm.model
    # Stop ends the run after the current step; the result says so
    job = system.submit(tuning_live.demo_work(lm, world, mix="known", steps=10**6, max_seconds=60), kind="tuning",
                        owner="reader-a", max_seconds=60)
    while not job.view().state.get("losses"):
        time.sleep(0.05)
    job.stop()
    assert job.join(timeout=60)
    assert job.view().result.stopped_by == "stop" and job.view().stopped_by == "stop"
    # a sample with nothing to tune on fails the job with the plain message
    job = system.submit(tuning_live.demo_work(lm, world, mix="none", steps=4, max_seconds=5), kind="tuning")
    assert job.join(timeout=30) and job.view().status == jobs.FAILED and "Choose a mix" in job.view().error


def test_ask_reads_odd_questions_as_plain_text(tiny):
    world, lm = tiny
    for q in ["", "<|endoftext|> Where was <|endoftext|> born?", "Wo wurde Zoë 🌍 geboren?", "x" * 10_000,
              "<script>alert(1)</script>"]:
        assert isinstance(qa.ask(lm, q, max_new_tokens=3), str)


def test_build_writes_results_the_loader_and_curves_read(tiny, tmp_path):
    world, lm = tiny
    cfg = wt.TuneConfig(n_tune=8, n_dev=8, n_never_read=4, epochs=2, relations=("birth_town", "employer"))
    results = tuning_build.build(out=tmp_path, config=cfg, models=[("tiny", lm, world, 0)], progress=False)
    loaded = tr.load_results(tmp_path / "results.json")
    assert loaded["runs"][0]["world_model"] == "tiny"
    assert json.loads((tmp_path / "manifest.json").read_text())["rebuild"] == tr.REBUILD_COMMAND
    run = results["runs"][0]
    for mix in ("known", "half", "unknown"):
        if run["mixes"][mix]["n_tuned"]:
            assert run["mixes"][mix]["curves"]["epoch"] == [0, 1, 2]
    assert run["mixes"]["none"]["curves"]["epoch"] == [0]
    curves = tr.mean_curves(loaded, "dev_known")
    assert set(curves.columns) >= {"mix", "epoch", "mean", "sd"}
    assert isinstance(tr.summary_table(loaded), pd.DataFrame) and isinstance(tuning_build.format_summary(loaded), str)
    assert "| only known facts |" in tuning_build.markdown_report(loaded)
    with pytest.raises(KeyError, match="Unknown metric"):
        tr.curves(loaded, "happiness")
    # an edit the JSON parser would accept still fails the manifest's checksum
    path = tmp_path / "results.json"
    path.write_text(path.read_text().replace('"quick": false', '"quick": true'))
    with pytest.raises(tr.TuningResultsError, match="sha256"):
        tr.load_results(path)


@pytest.mark.parametrize("content", [None, "", "{not json", "[]", '{"version": 1, "runs": []}',
                                     '{"version": 1, "runs": [{"mixes": {"known": {"curves": {"epoch": [0, 1], '
                                     '"dev_known": [0.1]}}}}]}'])
def test_load_results_names_the_rebuild_command(tmp_path, content):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)
    assert tr.REBUILD_COMMAND == "python -m engine build world-tuning"  # a CLI command the reader can run
    with pytest.raises(tr.TuningResultsError, match=tr.REBUILD_COMMAND):
        tr.load_results(path)


def test_build_reuses_only_runs_of_the_same_weights_and_settings(tiny, tmp_path):
    world, lm = tiny
    cfg = wt.TuneConfig(n_tune=4, n_dev=4, n_never_read=2, epochs=1, relations=("birth_town",))
    pinned = SimpleNamespace(model=lm.model, tokenizer=lm.tokenizer, manifest={"files": {"model.safetensors": "a1"}})
    first = tuning_build.build(out=tmp_path, config=cfg, models=[("m", pinned, world, 0)], progress=False)
    again = tuning_build.build(out=tmp_path, config=cfg, models=[("m", pinned, world, 0)], progress=False, reuse=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["reused_runs"] == ["m"] and again["runs"] == first["runs"]
    other = SimpleNamespace(model=lm.model, tokenizer=lm.tokenizer, manifest={"files": {"model.safetensors": "b2"}})
    tuning_build.build(out=tmp_path, config=cfg, models=[("m", other, world, 0)], progress=False, reuse=True)
    assert json.loads((tmp_path / "manifest.json").read_text())["reused_runs"] == []
    tuning_build.build(out=tmp_path, config=wt.TuneConfig(**{**cfg.__dict__, "epochs": 2}), models=[("m", other, world, 0)],
             progress=False, reuse=True)
    assert json.loads((tmp_path / "manifest.json").read_text())["reused_runs"] == []
