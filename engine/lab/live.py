"""The pretraining lab: a fresh small GPT trained live, in a background thread, on a reader's text.

    job = start_job(LabSettings(text="..."))   # runs now, or waits in the server-wide queue
    snap = job.snapshot()                      # a copy the page can draw: losses, samples, meters
    job.stop()                                 # ends it after the current step

Each job owns its model, data and stop event; nothing is shared between jobs
except the module-level `MANAGER`, which lets at most `max_concurrent` jobs
train at once and starts queued ones in order as slots free. Every job is
bounded in steps, seconds and text size, and stops itself when nobody has
asked for a snapshot for `ABANDON_SECONDS` (its page was closed).

Not handled: resuming a job, saving its model, GPUs (the lab is for a CPU
server), and jobs across processes (each server process has its own cap).
"""
from __future__ import annotations

import itertools
import math
import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

# --- bounds ---------------------------------------------------------------------------------

MAX_TEXT_CHARS = 50_000  # a pasted text is cut to this (the page says so)
CORPUS_SLICE_CHARS = 200_000  # how much of a corpus source the lab trains on
MIN_TEXT_CHARS = 200  # below this there is too little to train and hold out
VAL_FRACTION = 0.1  # the last 10% of the text is held out for validation
MAX_SECONDS = float(os.environ.get("PRETRAINING_EXPLORER_LAB_MAX_SECONDS", 180))  # hard cap per job
MAX_STEPS = 5_000
ABANDON_SECONDS = 60.0  # a job nobody has looked at for this long stops itself
MAX_CONCURRENT = int(os.environ.get("PRETRAINING_EXPLORER_LAB_JOBS", 2))  # server-wide
NGRAM = 4  # word n-grams for the copying meter
TEMPERATURE = 0.8

DEFAULT_TEXT = """\
Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it, "and what is the use of a book," thought Alice, "without pictures or conversations?"

So she was considering in her own mind (as well as she could, for the hot day made her feel very sleepy and stupid), whether the pleasure of making a daisy-chain would be worth the trouble of getting up and picking the daisies, when suddenly a White Rabbit with pink eyes ran close by her.

There was nothing so very remarkable in that; nor did Alice think it so very much out of the way to hear the Rabbit say to itself, "Oh dear! Oh dear! I shall be late!" (when she thought it over afterwards, it occurred to her that she ought to have wondered at this, but at the time it all seemed quite natural); but when the Rabbit actually took a watch out of its waistcoat-pocket, and looked at it, and then hurried on, Alice started to her feet, for it flashed across her mind that she had never before seen a rabbit with either a waistcoat-pocket, or a watch to take out of it, and burning with curiosity, she ran across the field after it, and fortunately was just in time to see it pop down a large rabbit-hole under the hedge.

In another moment down went Alice after it, never once considering how in the world she was to get out again.

The rabbit-hole went straight on like a tunnel for some way, and then dipped suddenly down, so suddenly that Alice had not a moment to think about stopping herself before she found herself falling down a very deep well.

Either the well was very deep, or she fell very slowly, for she had plenty of time as she went down to look about her and to wonder what was going to happen next. First, she tried to look down and make out what she was coming to, but it was too dark to see anything; then she looked at the sides of the well, and noticed that they were filled with cupboards and book-shelves; here and there she saw maps and pictures hung upon pegs. She took down a jar from one of the shelves as she passed; it was labelled "ORANGE MARMALADE", but to her great disappointment it was empty: she did not like to drop the jar for fear of killing somebody underneath, so managed to put it into one of the cupboards as she fell past it.

"Well!" thought Alice to herself, "after such a fall as this, I shall think nothing of tumbling down stairs! How brave they'll all think me at home! Why, I wouldn't say anything about it, even if I fell off the top of the house!" (Which was very likely true.)

Down, down, down. Would the fall never come to an end? "I wonder how many miles I've fallen by this time?" she said aloud. "I must be getting somewhere near the centre of the earth. Let me see: that would be four thousand miles down, I think" (for, you see, Alice had learnt several things of this sort in her lessons in the schoolroom, and though this was not a very good opportunity for showing off her knowledge, as there was no one to listen to her, still it was good practice to say it over) "yes, that's about the right distance, but then I wonder what Latitude or Longitude I've got to?" (Alice had no idea what Latitude was, or Longitude either, but thought they were nice grand words to say.)

Presently she began again. "I wonder if I shall fall right through the earth! How funny it'll seem to come out among the people that walk with their heads downward! The Antipodes, I think" (she was rather glad there was no one listening, this time, as it didn't sound at all the right word) "but I shall have to ask them what the name of the country is, you know. Please, Ma'am, is this New Zealand or Australia?" (and she tried to curtsey as she spoke; fancy curtseying as you're falling through the air! Do you think you could manage it?) "And what an ignorant little girl she'll think me for asking! No, it'll never do to ask: perhaps I shall see it written up somewhere."
"""
DEFAULT_TEXT_SOURCE = "The opening of Lewis Carroll's Alice's Adventures in Wonderland (1865, public domain)"


class LabInputError(ValueError):
    """The reader's input cannot be trained on; the message says why in plain words."""


# --- vocabularies ------------------------------------------------------------------------------


class CharVocab:
    """One token per distinct character of the text: a vocabulary of a few dozen symbols.

    Built from the whole text (training and held-out part), like knowing the
    alphabet before reading; every string of those characters round-trips.
    """

    kind = "characters"

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self._index = {c: i for i, c in enumerate(self.chars)}

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        return np.array([self._index[c] for c in text if c in self._index], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class BpeVocab:
    """Our corpus BPE (assets/tokenizer, 4,096 tokens). A typed "<|endoftext|>" stays plain text:
    we encode with special tokens off, so a reader cannot inject the document separator."""

    kind = "bpe"

    def __init__(self):
        from tokenizers import Tokenizer

        from engine import ourtokenizer

        if not ourtokenizer.TOKENIZER_FILE.is_file():
            raise LabInputError(f"Our BPE tokenizer is not built. Build it with: {ourtokenizer.REBUILD_COMMAND}")
        self._tok = Tokenizer.from_file(str(ourtokenizer.TOKENIZER_FILE))  # our own copy
        self._tok.encode_special_tokens = True

    @property
    def size(self) -> int:
        return self._tok.get_vocab_size()

    def encode(self, text: str) -> np.ndarray:
        return np.array(self._tok.encode(text, add_special_tokens=False).ids, dtype=np.int64)

    def decode(self, ids) -> str:
        return self._tok.decode([int(i) for i in ids], skip_special_tokens=False)


VOCABULARIES = {"characters": "Characters of the text", "bpe": "Our BPE (4,096 tokens)"}


def make_vocab(kind: str, text: str):
    if kind == "characters":
        return CharVocab(text)
    if kind == "bpe":
        return BpeVocab()
    raise LabInputError(f"Unknown vocabulary {kind!r}; choose one of {', '.join(VOCABULARIES)}.")


# --- what a job trains on ------------------------------------------------------------------------


@dataclass(frozen=True)
class LabSettings:
    text: str  # the training text (pasted, or a corpus slice)
    source: str = "your text"  # a label for the page: "your text" or a corpus source name
    vocabulary: str = "characters"  # "characters" or "bpe"
    max_steps: int = 3_000  # bound on optimiser steps
    max_seconds: float = 60.0  # bound on wall time (the learning rate decays over it)
    preset: str = "lab"  # model and optimiser recipe (engine/presets.py); tests use "tiny"
    sample_every: int = 100  # steps between samples
    sample_length: int = 200  # characters (character vocabulary) or tokens / 3 (BPE) per sample
    seed: int = 1337


@dataclass
class PreparedData:
    vocab: object  # CharVocab or BpeVocab
    train_ids: np.ndarray  # (N,) int64
    val_ids: np.ndarray  # (M,) int64
    train_text: str
    val_text: str
    prompt: str  # the fixed start every sample continues
    notices: list[str] = field(default_factory=list)


def split_text(text: str, val_fraction: float = VAL_FRACTION) -> tuple[str, str]:
    """(train, validation): the last `val_fraction` of the text is held out, cut at a space if one is near."""
    cut = int(len(text) * (1 - val_fraction))
    space = text.rfind(" ", max(0, cut - 40), cut)
    if space > 0:
        cut = space
    return text[:cut], text[cut:]


def fixed_prompt(text: str, max_chars: int = 24) -> str:
    """The first few words of the text: every sample starts from it, so samples are comparable."""
    head = text.lstrip()[: max_chars + 1]
    if len(head) > max_chars and " " in head:
        head = head[: head.rfind(" ")]
    return head[:max_chars]


def prepare(settings: LabSettings) -> PreparedData:
    """Check and cut the text, build the vocabulary, encode both parts; LabInputError if unusable."""
    from engine.textinput import clean_user_text

    limit = CORPUS_SLICE_CHARS if settings.source != "your text" else MAX_TEXT_CHARS
    text, notices = clean_user_text(settings.text or "", max_chars=limit)
    if not text.strip():
        raise LabInputError("There is no text to train on. Paste some text (a few thousand characters is plenty).")
    if len(text) < MIN_TEXT_CHARS:
        raise LabInputError(
            f"The text has {len(text):,} characters; the lab needs at least {MIN_TEXT_CHARS:,} "
            "so that it can train on most of it and hold out the last tenth to test on."
        )
    train_text, val_text = split_text(text)
    vocab = make_vocab(settings.vocabulary, text)
    from engine.presets import get_preset

    context = get_preset(settings.preset).context
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    if len(train_ids) < context + 2:
        raise LabInputError(
            f"The text is {len(train_ids):,} tokens long in this vocabulary; training windows are "
            f"{context} tokens, so please give it more text."
        )
    if len(val_ids) < 2:
        raise LabInputError("The held-out last tenth of the text is too short to test on; please add text.")
    return PreparedData(vocab, train_ids, val_ids, train_text, val_text, fixed_prompt(train_text), notices)


# --- meters on samples ------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped ("Rabbit's" stays one word)."""
    return [w.lower() for w in _WORD.findall(text)]


def ngrams(seq: list[str], n: int = NGRAM) -> list[tuple[str, ...]]:
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


def real_word_share(sample: str, known_words: set[str]) -> float | None:
    """Share of the sample's words that occur somewhere in the training text; None if it has no words."""
    ws = words(sample)
    return sum(w in known_words for w in ws) / len(ws) if ws else None


def copied_share(sample: str, train_ngrams: set[tuple[str, ...]], n: int = NGRAM) -> float | None:
    """Share of the sample's word n-grams found verbatim in the training text; None if it has none."""
    grams = ngrams(words(sample), n)
    return sum(g in train_ngrams for g in grams) / len(grams) if grams else None


# --- a job --------------------------------------------------------------------------------------


@dataclass
class Sample:
    step: int
    tokens_seen: int
    text: str  # the continuation only (the prompt is in the snapshot); raw: escape at display time
    word_share: float | None  # share of its words that are words of the training text
    copied_share: float | None  # share of its word 4-grams copied verbatim from the training text


@dataclass
class LabSnapshot:
    """A copy of a job's state at one moment; the page draws it and never touches the job's lists."""

    id: int
    status: str  # "queued", "preparing", "running", "done", "failed"
    stopped_by: str | None  # "steps", "time", "stop", "abandoned" once done
    error: str | None
    queue_position: int  # place in the server-wide queue, 1 = starts next (0 when not queued)
    settings: LabSettings
    vocab_kind: str | None
    vocab_size: int | None
    ln_vocab: float | None  # the loss of a uniform guess over the vocabulary
    params: int | None
    train_tokens: int | None  # length of the training part, in tokens
    step: int
    tokens_seen: int
    elapsed: float
    train_points: list[tuple[int, float]]  # (step, mean train loss since the previous point)
    val_points: list[tuple[int, float]]  # (step, validation loss)
    samples: list[Sample]
    prompt: str
    reference_copied_share: float | None  # the held-out text's own 4-gram overlap with the training text
    notices: list[str]

    @property
    def active(self) -> bool:
        return self.status in ("queued", "preparing", "running")

    @property
    def best_val(self) -> tuple[int, float] | None:
        return min(self.val_points, key=lambda p: p[1]) if self.val_points else None

    @property
    def start_loss(self) -> float | None:
        return self.train_points[0][1] if self.train_points else None

    @property
    def latest_train_loss(self) -> float | None:
        return self.train_points[-1][1] if self.train_points else None

    @property
    def compute_flops(self) -> float:
        from engine.scale import training_flops

        return training_flops(self.params or 0, self.tokens_seen)


_ids = itertools.count(1)
_FIRST_USE_LOCK = threading.Lock()  # two jobs starting at once in a fresh process must not both import transformers


class LabJob:
    """One training run: settings in, a thread that trains, snapshots out. Owns its model."""

    def __init__(self, settings: LabSettings):
        self.id = next(_ids)
        self.settings = settings
        self.stop_event = threading.Event()
        self.manager: JobManager | None = None
        self.model = None  # created in the thread; nothing else holds it
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_seen = time.monotonic()
        self._state = dict(status="queued", stopped_by=None, error=None, vocab_kind=None, vocab_size=None,
                           params=None, train_tokens=None, step=0, tokens_seen=0, elapsed=0.0, prompt="",
                           reference_copied_share=None, notices=[])
        self._train_points: list[tuple[int, float]] = []
        self._val_points: list[tuple[int, float]] = []
        self._samples: list[Sample] = []

    # -- for the page ------------------------------------------------------------------------

    def snapshot(self) -> LabSnapshot:
        """A consistent copy of the job's state; also tells the job someone is still watching."""
        self._last_seen = time.monotonic()
        place = self.manager.queue_position(self) if self.manager else 0
        with self._lock:
            s = dict(self._state)
            ln_v = math.log(s["vocab_size"]) if s["vocab_size"] else None
            return LabSnapshot(
                id=self.id, status=s["status"], stopped_by=s["stopped_by"], error=s["error"], queue_position=place,
                settings=self.settings, vocab_kind=s["vocab_kind"], vocab_size=s["vocab_size"], ln_vocab=ln_v,
                params=s["params"], train_tokens=s["train_tokens"], step=s["step"], tokens_seen=s["tokens_seen"],
                elapsed=s["elapsed"], train_points=list(self._train_points), val_points=list(self._val_points),
                samples=list(self._samples), prompt=s["prompt"],
                reference_copied_share=s["reference_copied_share"], notices=list(s["notices"]),
            )

    def stop(self) -> None:
        """End the job after its current step (or take it out of the queue)."""
        self.stop_event.set()
        if self.manager is not None:
            self.manager.cancel(self)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the job to end (tests, benchmarks); a waiter counts as watching it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.snapshot().active:
            if deadline is not None and time.monotonic() > deadline:
                return
            if self._thread is not None:
                self._thread.join(0.25)
            else:
                time.sleep(0.02)
        if self._thread is not None:  # done; let the thread free its slot too
            self._thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    # -- internals ---------------------------------------------------------------------------

    def _set(self, **changes) -> None:
        with self._lock:
            self._state.update(changes)

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"lab-job-{self.id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._train()
        except LabInputError as exc:
            self._set(status="failed", error=str(exc))
        except Exception as exc:  # noqa: BLE001  the page shows it; the server keeps going
            self._set(status="failed", error=f"Training failed: {type(exc).__name__}: {exc}")
        finally:
            self.model = None  # free the weights; the snapshot keeps what the page needs
            if self.manager is not None:
                self.manager._finished(self)

    def _train(self) -> None:
        import torch

        from engine.models import new_model, param_count
        from engine.presets import get_preset
        from engine.train import config_from_preset, evaluate, train

        # One intra-op thread per job: on two cores two jobs then run side by side instead of
        # fighting over both (measured: 43 ms/step with 1 thread vs 150+ with 2 under load).
        # torch applies this to the whole process; the app's other models are small enough.
        torch.set_num_threads(1)
        self._set(status="preparing")
        settings = self.settings
        data = prepare(settings)
        preset = get_preset(settings.preset)
        with _FIRST_USE_LOCK:  # transformers' lazy imports are not thread-safe on first use
            model = new_model(preset, data.vocab.size, seed=settings.seed)
            start = evaluate(model, {"train": data.train_ids, "val": data.val_ids}, context=preset.context,
                             windows=preset.eval_windows)["val_losses"]
        self.model = model
        known = set(words(data.train_text))
        train_grams = set(ngrams(words(data.train_text)))
        reference = copied_share(data.val_text, train_grams)
        self._set(vocab_kind=data.vocab.kind, vocab_size=data.vocab.size, params=param_count(model),
                  train_tokens=int(len(data.train_ids)), prompt=data.prompt, reference_copied_share=reference,
                  notices=data.notices, status="running")
        max_seconds = min(max(float(settings.max_seconds), 1.0), MAX_SECONDS)
        steps = min(max(int(settings.max_steps), 1), MAX_STEPS)
        config = config_from_preset(preset, steps=steps, max_seconds=max_seconds, time_schedule=True,
                                    callback_every=min(10, preset.eval_every), seed=settings.seed)
        prompt_ids = data.vocab.encode(data.prompt)
        length = settings.sample_length if data.vocab.kind == "characters" else max(8, settings.sample_length // 3)

        def take_sample(step: int, tokens_seen: int) -> None:
            text = sample(model, prompt_ids, data.vocab, length=length, context=preset.context,
                          seed=settings.seed)
            s = Sample(step, tokens_seen, text, real_word_share(text, known), copied_share(text, train_grams))
            with self._lock:
                self._samples.append(s)

        # Step 0 (`start` above): the untrained model. Its loss is about ln(V), a uniform guess;
        # its sample is noise.
        with self._lock:
            self._train_points.append((0, start["train"]))
            self._val_points.append((0, start["val"]))
        take_sample(0, 0)
        model.train()
        next_sample = [settings.sample_every]
        why = {"reason": None}

        def on_progress(info: dict) -> bool:
            step = info["step"]
            with self._lock:
                if not math.isnan(info["train_loss"]) and (not self._train_points or self._train_points[-1][0] < step):
                    self._train_points.append((step, info["train_loss"]))
                if "val_loss" in info and (not self._val_points or self._val_points[-1][0] < step):
                    self._val_points.append((step, info["val_loss"]))
                self._state.update(step=step, tokens_seen=info["tokens_seen"], elapsed=info["elapsed"])
            if step >= next_sample[0] or info.get("done"):
                if not self._samples or self._samples[-1].step < step:
                    take_sample(step, info["tokens_seen"])
                while next_sample[0] <= step:
                    next_sample[0] += settings.sample_every
            if time.monotonic() - self._last_seen > ABANDON_SECONDS:
                why["reason"] = "abandoned"
                return True
            return False

        result = train(model, data.train_ids, {"val": data.val_ids}, config, callback=on_progress,
                       stop=self.stop_event)
        stopped_by = why["reason"] or result.stopped_by
        if stopped_by == "callback":
            stopped_by = "stop"
        self._set(status="done", stopped_by=stopped_by, step=result.step, tokens_seen=result.tokens_seen,
                  elapsed=result.elapsed)


def sample(model, prompt_ids: np.ndarray, vocab, *, length: int, context: int, seed: int,
           temperature: float = TEMPERATURE) -> str:
    """Continue the prompt by `length` tokens with the model as it is now (seeded, so samples
    taken at different steps differ only because the weights did). Returns the continuation."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    ids = torch.as_tensor(prompt_ids if len(prompt_ids) else np.zeros(1, dtype=np.int64))[None, :]  # (1, T)
    start = ids.shape[1]
    with torch.no_grad():
        for _ in range(length):
            logits = model(input_ids=ids[:, -context:]).logits[0, -1]  # (V,)
            probs = torch.softmax(logits / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator)  # (1,)
            ids = torch.cat([ids, nxt[None, :]], dim=1)
    model.train(was_training)
    return vocab.decode(ids[0, start:].tolist())


# --- the server-wide cap --------------------------------------------------------------------------


class JobManager:
    """At most `max_concurrent` jobs train at once; the rest wait in order (first in, first out)."""

    def __init__(self, max_concurrent: int = MAX_CONCURRENT):
        self.max_concurrent = max(1, int(max_concurrent))
        self._lock = threading.Lock()
        self._running: list[LabJob] = []
        self._queue: deque[LabJob] = deque()

    def submit(self, job: LabJob) -> LabJob:
        job.manager = self
        with self._lock:
            if len(self._running) < self.max_concurrent:
                self._running.append(job)
                start = True
            else:
                self._queue.append(job)
                start = False
        if start:
            job._start_thread()
        return job

    def queue_position(self, job: LabJob) -> int:
        """The job's place in the queue, 1 = starts next; 0 if it is not queued."""
        with self._lock:
            try:
                return list(self._queue).index(job) + 1
            except ValueError:
                return 0

    def cancel(self, job: LabJob) -> None:
        """Take a queued job out of the queue; it ends as stopped without having trained."""
        with self._lock:
            if job not in self._queue:
                return
            self._queue.remove(job)
        job._set(status="done", stopped_by="stop")

    def _finished(self, job: LabJob) -> None:
        with self._lock:
            if job in self._running:
                self._running.remove(job)
            nxt = self._queue.popleft() if self._queue and len(self._running) < self.max_concurrent else None
            if nxt is not None:
                self._running.append(nxt)
        if nxt is not None:
            nxt._start_thread()

    def counts(self) -> tuple[int, int]:
        """(running, queued)."""
        with self._lock:
            return len(self._running), len(self._queue)


MANAGER = JobManager()


def start_job(settings: LabSettings, *, manager: JobManager | None = None) -> LabJob:
    """A new job for these settings, started now or queued behind the server's running jobs."""
    return (manager or MANAGER).submit(LabJob(settings))
