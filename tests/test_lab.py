"""engine.lab: runs are engine.jobs work that ends, snapshots only move forward, Stop, the time
bound, the server-wide cap and the abandon rule come from the job system, runs own their models,
and the meters measure what they say. engine.scale: 6ND and the ruler rows. Every run here uses
the "tiny" preset."""
from __future__ import annotations

import math
import time

import pytest

from engine import jobs, scale
from engine.lab import experiment, live, meters, snapshot, vocab

TEXT = experiment.DEFAULT_TEXT[:1500]


def tiny(**changes) -> experiment.LabSettings:
    fields = dict(text=TEXT, preset="tiny", max_steps=30, max_seconds=20, sample_every=10, sample_length=40)
    fields.update(changes)
    return experiment.LabSettings(**fields)


def system(max_running: int = 2, **kw) -> jobs.JobSystem:
    return jobs.JobSystem(max_running=max_running, watch_every=0.1, **kw)


def snap(job: jobs.Job) -> snapshot.LabSnapshot:
    return snapshot.snapshot(job.view())


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_tiny_run_completes_with_monotone_snapshots():
    jobs_ = system(2)
    run = live.LabRun(tiny())
    job = live.submit(run, system=jobs_)
    twin = live.start(tiny(), system=jobs_)  # started together: in a fresh process both import torch
    steps, tokens, points = [], [], []
    while snap(job).active:
        s = snap(job)
        steps.append(s.step)
        tokens.append(s.tokens_seen)
        points.append(len(s.train_points))
        time.sleep(0.01)
    job.join(20)
    s = snap(job)
    assert s.status == "done" and s.stopped_by == "steps", s.error
    assert s.settings == run.settings and s.settings.preset == "tiny"
    assert s.step == 30 and s.tokens_seen == 30 * 8 * 32  # tiny: batch 8, context 32
    assert steps == sorted(steps) and tokens == sorted(tokens) and points == sorted(points)
    # step 0 is the untrained model: its loss is close to ln V (a uniform guess)
    assert s.train_points[0][0] == 0 and abs(s.start_loss - s.ln_vocab) < 0.5
    assert s.ln_vocab == pytest.approx(math.log(s.vocab_size))
    assert s.latest_train_loss < s.start_loss
    assert [x.step for x in s.samples] == [0, 10, 20, 30]
    assert s.val_points[0][0] == 0 and s.val_points[-1][0] == 30
    assert run.model is None  # weights freed once done
    twin.join(20)
    assert snap(twin).status == "done", snap(twin).error
    assert jobs_.counts() == (0, 0)


def test_stop_ends_a_running_job():
    job = live.start(tiny(max_steps=5000, max_seconds=60), system=system())
    wait_until(lambda: snap(job).step >= 2)
    job.stop()
    job.join(20)
    s = snap(job)
    assert s.status == "done" and s.stopped_by == "stop" and s.step < 5000


def test_time_bound_ends_a_job():
    job = live.start(tiny(max_steps=5000, max_seconds=1.5), system=system())
    job.join(30)
    s = snap(job)
    assert s.stopped_by == "time" and s.elapsed < 10


def test_server_cap_comes_from_the_jobs_setting(monkeypatch):
    monkeypatch.setenv("PRETRAINING_EXPLORER_JOBS", "3")
    monkeypatch.setenv("PRETRAINING_EXPLORER_LAB_MAX_SECONDS", "7")
    assert jobs.JobSystem().max_running == 3
    assert experiment.training_seconds(tiny(max_seconds=60)) == 7
    assert experiment.job_seconds(tiny(max_seconds=60)) == 7 + experiment.PREPARE_SECONDS


def test_cap_queues_the_third_job_and_starts_it_when_a_slot_frees():
    jobs_ = system(2)
    a, b = (live.start(tiny(max_steps=5000, max_seconds=60), system=jobs_) for _ in range(2))
    c = live.start(tiny(), system=jobs_)
    d = live.start(tiny(), system=jobs_)
    assert snap(c).status == "queued" and snap(c).queue_position == 1
    assert snap(d).queue_position == 2
    assert jobs_.counts() == (2, 2)
    d.stop()  # a queued job leaves the queue without training
    assert snap(d).status == "done" and snap(d).step == 0 and jobs_.counts() == (2, 1)
    assert snap(d).stopped_by == "stop"
    a.stop()
    c.join(30)
    assert snap(c).status == "done" and snap(c).stopped_by == "steps"
    b.stop()
    b.join(20)
    assert jobs_.counts() == (0, 0)


def test_two_jobs_do_not_share_a_model():
    jobs_ = system(2)
    ra, rb = live.LabRun(tiny(max_steps=5000, max_seconds=60)), live.LabRun(tiny(max_steps=5000, max_seconds=60,
                                                                                 text=TEXT[::-1]))
    a, b = live.submit(ra, system=jobs_), live.submit(rb, system=jobs_)
    wait_until(lambda: ra.model is not None and rb.model is not None and snap(a).step > 0)
    assert ra.model is not rb.model
    pa, pb = set(map(id, ra.model.parameters())), set(map(id, rb.model.parameters()))
    assert not pa & pb
    a.stop(), b.stop()
    a.join(20), b.join(20)
    assert snap(a).samples[0].text != snap(b).samples[-1].text


def test_abandoned_run_is_stopped_and_frees_its_slot():
    jobs_ = system(1, abandon_seconds=0.5)
    job = live.start(tiny(max_steps=5000, max_seconds=60), system=jobs_)
    queued = live.start(tiny(max_steps=5000, max_seconds=60), system=jobs_)
    deadline = time.monotonic() + 30
    while jobs_.counts() != (0, 0):  # nobody calls view(): both tabs were closed
        assert time.monotonic() < deadline, jobs_.counts()
        time.sleep(0.05)
    assert snap(job).stopped_by == "abandoned" and snap(job).status == "done"
    assert snap(queued).stopped_by == "abandoned" and snap(queued).step == 0


def test_a_new_run_replaces_the_same_readers_old_one():
    jobs_ = system(2)
    old = live.start(tiny(max_steps=5000, max_seconds=60), system=jobs_, owner="reader")
    new = live.start(tiny(), system=jobs_, owner="reader")
    old.join(20)
    assert snap(old).stopped_by == "replaced"
    new.join(20)
    assert snap(new).status == "done"


@pytest.mark.parametrize("text, message", [
    ("", "no text"), ("   \n\t ", "no text"), ("short", "at least"),
])
def test_bad_input_is_refused_in_plain_words(text, message):
    with pytest.raises(experiment.LabInputError, match=message):
        experiment.prepare(tiny(text=text))
    job = live.start(tiny(text=text), system=system(1))
    job.join(10)
    assert snap(job).status == "failed" and message in snap(job).error


def test_unknown_vocabulary_is_refused_in_plain_words():
    with pytest.raises(experiment.LabInputError, match="Unknown vocabulary"):
        experiment.prepare(tiny(vocabulary="words"))


def test_huge_text_is_cut_with_a_notice():
    data = experiment.prepare(tiny(text="abc " * 100_000))
    assert len(data.train_text) + len(data.val_text) == experiment.MAX_TEXT_CHARS
    assert any("only the first" in n for n in data.notices)


@pytest.mark.parametrize("text", [
    "<|endoftext|> " * 40, "<script>alert(1)</script> " * 20, "\ud800 broken surrogate " * 20,
    "שלום 👨\u200d👩\u200d👧 \u202e RTL \x00\x1b[2J " * 15,
])
def test_odd_text_trains_as_plain_characters(text):
    data = experiment.prepare(tiny(text=text))
    assert data.vocab.decode(data.vocab.encode(data.train_text)) == data.train_text
    assert len(data.val_ids) > 0


def test_bpe_vocabulary_keeps_endoftext_plain():
    from engine import ourtokenizer

    if not ourtokenizer.TOKENIZER_FILE.is_file():
        pytest.skip("our tokenizer is not built")
    bpe = vocab.make_vocab("bpe", "")
    ids = bpe.encode("a <|endoftext|> b")
    assert 0 not in ids.tolist()  # id 0 is the real separator
    assert bpe.decode(ids) == "a <|endoftext|> b"


def test_split_holds_out_the_last_tenth():
    train, val = experiment.split_text("word " * 200)
    assert train + val == "word " * 200
    assert 0.05 < len(val) / 1000 < 0.15


def test_meters_on_a_repeated_text():
    text = "the cat sat on the mat and the dog sat on the log. " * 20
    train_grams = set(meters.ngrams(meters.words(text)))
    known = set(meters.words(text))
    assert meters.copied_share("the dog sat on the log the cat sat", train_grams) == 1.0
    assert meters.copied_share("zq xv the cat wp ok", train_grams) == 0.0
    assert meters.copied_share("too short", train_grams) is None
    assert meters.found_word_share("the cat zzz", known) == pytest.approx(2 / 3)
    assert meters.found_word_share("!!!", known) is None


def test_memorising_a_repeated_text_gives_a_high_copied_share():
    text = "the cat sat on the mat. " * 60
    job = live.start(tiny(text=text, max_steps=150, sample_every=150, sample_length=80), system=system(1))
    job.join(60)
    s = snap(job)
    assert s.status == "done", s.error
    assert s.samples[0].copied_share is None or s.samples[0].copied_share < 0.5  # noise first
    assert s.samples[-1].copied_share >= 0.8, s.samples[-1].text


def test_fixed_prompt_is_the_start_of_the_text():
    assert experiment.fixed_prompt("Alice was beginning to get very tired") == "Alice was beginning to"
    assert len(experiment.fixed_prompt("x" * 100)) == 24


def test_six_n_d_and_ruler_rows():
    assert scale.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)
    rows = scale.ruler_rows(200_000, 1_000_000, include_base=False)
    assert rows[0]["kind"] == "this run"
    assert [r["flops"] for r in rows] == sorted(r["flops"] for r in rows)
    names = {r["name"] for r in rows}
    assert {"GPT-2 (1.5B)", "Chinchilla (70B)", "GPT-3 (175B)", "Llama 3 (70B)"} <= names
    assert all(r["source"] for r in rows if r["kind"] == "published")
    assert scale.ruler_rows(0, 0, include_base=False)[0]["kind"] == "published"
    assert scale.times_smaller(1, 2.5e6) == "2.5 million times"
    assert [scale.human(x) for x in (235_296, 82e6, 1.5e9, 15.6e12, 12)] == ["235K", "82M", "1.5B", "15.6T", "12"]
