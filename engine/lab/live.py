"""The live lab run: a fresh small GPT trained on a reader's text, as work for engine.jobs.

    job = live.start(LabSettings(text="..."))   # runs now, or waits in the server-wide queue
    snap = snapshot.snapshot(job.view())        # a copy the page can draw: losses, samples, meters
    job.stop()                                  # ends it after the current step

A LabRun owns its model, data and sampling; it publishes loss points and samples through the
job's context (ctx.publish, ctx.append) and hands ctx.stop_event to engine.train, so Stop, the
server-wide cap and queue, the time bound and the abandoned-tab watchdog all come from
engine.jobs. Not handled: resuming a run, saving its model, GPUs (the lab is for a CPU server).
"""
from __future__ import annotations

import math

import numpy as np

from engine import jobs
from engine.lab.experiment import (LabInputError, LabSettings, job_seconds, prepare, training_seconds,
                                   training_steps)
from engine.lab.meters import copied_share, ngrams, found_word_share, words
from engine.lab.snapshot import Sample
from engine.models import MODEL_LOCK, new_model, param_count
from engine.presets import get_preset

KIND = "lab"  # the job kind: one lab run per reader at a time
LABEL = "Pretraining run"
TEMPERATURE = 0.8



def progress_message(step: int, max_steps: int, elapsed: float, max_seconds: float) -> str:
    return f"Training: step {step:,} of at most {max_steps:,}, {elapsed:.0f} s of at most {max_seconds:.0f} s"


class LabRun:
    """One lab run as job-system work: prepares the data, trains its own fresh model, publishes as
    it goes, and returns the training loop's reason for ending ("steps", "time", "stop").
    `model` is set while it trains and dropped when it ends; nothing else holds it."""

    def __init__(self, settings: LabSettings):
        self.settings = settings
        self.model = None

    def __call__(self, ctx: jobs.JobContext) -> str:
        try:
            return self._train(ctx)
        except LabInputError as exc:
            raise jobs.JobError(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001  the page shows it in plain words; the server keeps going
            raise jobs.JobError(f"Training failed: {type(exc).__name__}: {exc}") from exc
        finally:
            self.model = None  # free the weights; the published state keeps what the page needs

    def _train(self, ctx: jobs.JobContext) -> str:
        # torch and the training loop (which imports torch) are heavy, seconds on a small server:
        # imported here, so the lab page paints before they load.
        import torch

        from engine.train import config_from_preset, evaluate, train

        # One intra-op thread per run: on two cores two runs then go side by side instead of
        # fighting over both (measured: 43 ms/step with 1 thread vs 150+ with 2 under load).
        # torch applies this to the whole process; the app's other models are small enough.
        torch.set_num_threads(1)
        settings = self.settings
        ctx.publish(phase="preparing", settings=settings)
        ctx.progress(None, "Preparing: building the vocabulary and a fresh model…")
        data = prepare(settings)
        preset = get_preset(settings.preset)
        with MODEL_LOCK:  # transformers builds models through global patches: one thread at a time
            model = new_model(preset, data.vocab.size, seed=settings.seed)
            start = evaluate(model, {"train": data.train_ids, "val": data.val_ids}, context=preset.context,
                             windows=preset.eval_windows)["val_losses"]
        self.model = model
        known = set(words(data.train_text))
        train_grams = set(ngrams(words(data.train_text)))
        ctx.publish(vocab_kind=data.vocab.kind, vocab_size=data.vocab.size, params=param_count(model),
                    train_tokens=int(len(data.train_ids)), prompt=data.prompt, notices=list(data.notices),
                    reference_copied_share=copied_share(data.val_text, train_grams), step=0, tokens_seen=0,
                    elapsed=0.0, phase="running")
        # Training ends by itself at the job's deadline at the latest, so its learning rate has decayed.
        max_seconds = max(0.1, min(training_seconds(settings), ctx.seconds_left()))
        steps = training_steps(settings)
        config = config_from_preset(preset, steps=steps, max_seconds=max_seconds, time_schedule=True,
                                    callback_every=min(10, preset.eval_every), seed=settings.seed)
        prompt_ids = data.vocab.encode(data.prompt)
        length = settings.sample_length if data.vocab.kind == "characters" else max(8, settings.sample_length // 3)
        last = {"train": -1, "val": -1, "sample": -1, "next_sample": settings.sample_every}

        def take_sample(step: int, tokens_seen: int) -> None:
            text = sample(model, prompt_ids, data.vocab, length=length, context=preset.context, seed=settings.seed)
            ctx.append("samples", Sample(step, tokens_seen, text, found_word_share(text, known),
                                         copied_share(text, train_grams)))
            last["sample"] = step

        # Step 0: the untrained model. Its loss is about ln(V), a uniform guess; its sample is noise.
        ctx.append("train_points", (0, start["train"]))
        ctx.append("val_points", (0, start["val"]))
        last["train"] = last["val"] = 0
        take_sample(0, 0)
        model.train()

        def on_progress(info: dict) -> bool:
            step = info["step"]
            if not math.isnan(info["train_loss"]) and last["train"] < step:
                ctx.append("train_points", (step, info["train_loss"]))
                last["train"] = step
            if "val_loss" in info and last["val"] < step:
                ctx.append("val_points", (step, info["val_loss"]))
                last["val"] = step
            ctx.publish(step=step, tokens_seen=info["tokens_seen"], elapsed=info["elapsed"])
            ctx.progress(max(step / steps, info["elapsed"] / max_seconds),
                         progress_message(step, steps, info["elapsed"], max_seconds))
            if step >= last["next_sample"] or info.get("done"):
                if last["sample"] < step:
                    take_sample(step, info["tokens_seen"])
                while last["next_sample"] <= step:
                    last["next_sample"] += settings.sample_every
            return False

        result = train(model, data.train_ids, {"val": data.val_ids}, config, callback=on_progress,
                       stop=ctx.stop_event)
        ctx.publish(step=result.step, tokens_seen=result.tokens_seen, elapsed=result.elapsed)
        return "stop" if result.stopped_by == "callback" else result.stopped_by


def sample(model, prompt_ids: np.ndarray, vocab, *, length: int, context: int, seed: int,
           temperature: float = TEMPERATURE) -> str:
    """Continue the prompt by `length` tokens with the model as it is now (seeded, so samples
    taken at different steps differ only because the weights did). Returns the continuation."""
    import torch  # heavy: see LabRun._train

    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    ids = torch.as_tensor(prompt_ids if len(prompt_ids) else np.zeros(1, dtype=np.int64))[None, :]  # (1, T)
    begin = ids.shape[1]
    with torch.no_grad():
        for _ in range(length):
            logits = model(input_ids=ids[:, -context:]).logits[0, -1]  # (V,)
            probs = torch.softmax(logits / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator)  # (1,)
            ids = torch.cat([ids, nxt[None, :]], dim=1)
    model.train(was_training)
    return vocab.decode(ids[0, begin:].tolist())


def submit(run: LabRun, *, system: jobs.JobSystem | None = None, owner: str = "") -> jobs.Job:
    """Hand `run` to the job system (the server's unless given), bounded by its settings' time."""
    return (system or jobs.SYSTEM).submit(run, kind=KIND, owner=owner, label=LABEL,
                                          max_seconds=job_seconds(run.settings))


def start(settings: LabSettings, *, system: jobs.JobSystem | None = None, owner: str = "") -> jobs.Job:
    """A new run for these settings, started now or queued behind the server's running jobs."""
    return submit(LabRun(settings), system=system, owner=owner)

