"""engine.lab.live: jobs run in threads and end, snapshots only move forward, stop and the
server-wide cap work, jobs own their models, and the meters measure what they say.
engine.scale: 6ND and the ruler rows. Every job here uses the "tiny" preset."""
from __future__ import annotations

import math
import time

import pytest

from engine import scale
from engine.lab import live as lab

TEXT = lab.DEFAULT_TEXT[:1500]


def tiny(**changes) -> lab.LabSettings:
    fields = dict(text=TEXT, preset="tiny", max_steps=30, max_seconds=20, sample_every=10, sample_length=40)
    fields.update(changes)
    return lab.LabSettings(**fields)


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_tiny_job_runs_to_completion_with_monotone_snapshots():
    manager = lab.JobManager(2)
    job = lab.start_job(tiny(), manager=manager)
    twin = lab.start_job(tiny(), manager=manager)  # started together: in a fresh process both import torch
    steps, tokens, points = [], [], []
    while job.snapshot().active:
        snap = job.snapshot()
        steps.append(snap.step)
        tokens.append(snap.tokens_seen)
        points.append(len(snap.train_points))
        time.sleep(0.01)
    job.join(20)
    snap = job.snapshot()
    assert snap.status == "done" and snap.stopped_by == "steps", snap.error
    assert snap.step == 30 and snap.tokens_seen == 30 * 8 * 32  # tiny: batch 8, context 32
    assert steps == sorted(steps) and tokens == sorted(tokens) and points == sorted(points)
    # step 0 is the untrained model: its loss is close to ln V (a uniform guess)
    assert snap.train_points[0][0] == 0 and abs(snap.start_loss - snap.ln_vocab) < 0.5
    assert snap.ln_vocab == pytest.approx(math.log(snap.vocab_size))
    assert snap.latest_train_loss < snap.start_loss
    assert [s.step for s in snap.samples] == [0, 10, 20, 30]
    assert snap.val_points[0][0] == 0 and snap.val_points[-1][0] == 30
    assert job.model is None  # weights freed once done
    twin.join(20)
    assert twin.snapshot().status == "done", twin.snapshot().error


def test_stop_ends_a_running_job():
    job = lab.start_job(tiny(max_steps=5000, max_seconds=60), manager=lab.JobManager(2))
    wait_until(lambda: job.snapshot().step >= 2)
    job.stop()
    job.join(20)
    snap = job.snapshot()
    assert snap.status == "done" and snap.stopped_by == "stop" and snap.step < 5000


def test_time_bound_ends_a_job():
    job = lab.start_job(tiny(max_steps=5000, max_seconds=1.5), manager=lab.JobManager(2))
    job.join(30)
    snap = job.snapshot()
    assert snap.stopped_by == "time" and snap.elapsed < 10


def test_cap_queues_the_third_job_and_starts_it_when_a_slot_frees():
    manager = lab.JobManager(2)
    a, b = (lab.start_job(tiny(max_steps=5000, max_seconds=60), manager=manager) for _ in range(2))
    c = lab.start_job(tiny(), manager=manager)
    d = lab.start_job(tiny(), manager=manager)
    assert c.snapshot().status == "queued" and c.snapshot().queue_position == 1
    assert d.snapshot().queue_position == 2
    assert manager.counts() == (2, 2)
    d.stop()  # a queued job leaves the queue without training
    assert d.snapshot().status == "done" and d.snapshot().step == 0 and manager.counts() == (2, 1)
    a.stop()
    c.join(30)
    assert c.snapshot().status == "done" and c.snapshot().stopped_by == "steps"
    b.stop()
    b.join(20)
    assert manager.counts() == (0, 0)


def test_two_jobs_do_not_share_a_model():
    manager = lab.JobManager(2)
    a = lab.start_job(tiny(max_steps=5000, max_seconds=60), manager=manager)
    b = lab.start_job(tiny(max_steps=5000, max_seconds=60, text=TEXT[::-1]), manager=manager)
    wait_until(lambda: a.model is not None and b.model is not None and a.snapshot().step > 0)
    assert a.model is not b.model
    pa, pb = set(map(id, a.model.parameters())), set(map(id, b.model.parameters()))
    assert not pa & pb
    a.stop(), b.stop()
    a.join(20), b.join(20)
    assert a.snapshot().samples[0].text != b.snapshot().samples[-1].text


def test_abandoned_job_stops_itself(monkeypatch):
    monkeypatch.setattr(lab, "ABANDON_SECONDS", 0.0)
    job = lab.start_job(tiny(max_steps=5000, max_seconds=60), manager=lab.JobManager(1))
    wait_until(lambda: job._thread is not None)
    job._thread.join(30)  # not job.join(): a waiter counts as watching
    assert job._state["stopped_by"] == "abandoned"


@pytest.mark.parametrize("text, message", [
    ("", "no text"), ("   \n\t ", "no text"), ("short", "at least"),
])
def test_bad_input_is_refused_in_plain_words(text, message):
    with pytest.raises(lab.LabInputError, match=message):
        lab.prepare(tiny(text=text))
    job = lab.start_job(tiny(text=text), manager=lab.JobManager(1))
    job.join(10)
    assert job.snapshot().status == "failed" and message in job.snapshot().error


def test_huge_text_is_cut_with_a_notice():
    data = lab.prepare(tiny(text="abc " * 100_000))
    assert len(data.train_text) + len(data.val_text) == lab.MAX_TEXT_CHARS
    assert any("only the first" in n for n in data.notices)


@pytest.mark.parametrize("text", [
    "<|endoftext|> " * 40, "<script>alert(1)</script> " * 20, "\ud800 broken surrogate " * 20,
    "שלום 👨\u200d👩\u200d👧 \u202e RTL \x00\x1b[2J " * 15,
])
def test_odd_text_trains_as_plain_characters(text):
    data = lab.prepare(tiny(text=text))
    assert data.vocab.decode(data.vocab.encode(data.train_text)) == data.train_text
    assert len(data.val_ids) > 0


def test_bpe_vocabulary_keeps_endoftext_plain():
    pytest.importorskip("tokenizers")
    from engine import ourtokenizer

    if not ourtokenizer.TOKENIZER_FILE.is_file():
        pytest.skip("our tokenizer is not built")
    vocab = lab.make_vocab("bpe", "")
    ids = vocab.encode("a <|endoftext|> b")
    assert 0 not in ids.tolist()  # id 0 is the real separator
    assert vocab.decode(ids) == "a <|endoftext|> b"


def test_split_holds_out_the_last_tenth():
    train, val = lab.split_text("word " * 200)
    assert train + val == "word " * 200
    assert 0.05 < len(val) / 1000 < 0.15


def test_meters_on_a_repeated_text():
    text = "the cat sat on the mat and the dog sat on the log. " * 20
    train_grams = set(lab.ngrams(lab.words(text)))
    known = set(lab.words(text))
    assert lab.copied_share("the dog sat on the log the cat sat", train_grams) == 1.0
    assert lab.copied_share("zq xv the cat wp ok", train_grams) == 0.0
    assert lab.copied_share("too short", train_grams) is None
    assert lab.real_word_share("the cat zzz", known) == pytest.approx(2 / 3)
    assert lab.real_word_share("!!!", known) is None


def test_memorising_a_repeated_text_gives_a_high_copied_share():
    text = "the cat sat on the mat. " * 60
    job = lab.start_job(tiny(text=text, max_steps=150, sample_every=150, sample_length=80),
                        manager=lab.JobManager(1))
    job.join(60)
    snap = job.snapshot()
    assert snap.status == "done", snap.error
    assert snap.samples[0].copied_share is None or snap.samples[0].copied_share < 0.5  # noise first
    assert snap.samples[-1].copied_share >= 0.8, snap.samples[-1].text


def test_fixed_prompt_is_the_start_of_the_text():
    assert lab.fixed_prompt("Alice was beginning to get very tired") == "Alice was beginning to"
    assert len(lab.fixed_prompt("x" * 100)) == 24


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
