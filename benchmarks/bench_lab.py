"""The pretraining lab's visible learning: loss after 60 s on the default pasted text.

Runs one lab job exactly as the page starts it (the "lab" recipe, character
vocabulary, 60 s, the default Alice passage) and prints the start loss, ln V,
the loss at the end, the best validation loss, and the samples' meters.

    python benchmarks/bench_lab.py [--seconds 60] [--vocab characters|bpe] [--text FILE | --corpus NAME] [--jobs 1]

--jobs 2 starts two identical runs at once (the server-wide cap, PRETRAINING_EXPLORER_JOBS, is 2
by default), to see what each gets when two readers train together.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.lab import experiment, live, snapshot, vocab  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--vocab", default="characters", choices=list(vocab.VOCABULARIES))
    parser.add_argument("--text", type=Path, help="train on this file instead of the default passage")
    parser.add_argument("--corpus", help="train on a corpus slice instead, as the page's default does "
                                         "(e.g. shakespeare: its first 200,000 characters)")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()

    if args.corpus:
        text, source = experiment.corpus_slice(args.corpus), args.corpus
    else:
        text, source = (args.text.read_text("utf-8") if args.text else experiment.DEFAULT_TEXT), "your text"
    settings = experiment.LabSettings(text=text, source=source, vocabulary=args.vocab, max_seconds=args.seconds)
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    jobs = [live.start(settings) for _ in range(args.jobs)]
    for job in jobs:
        job.join()  # a waiter counts as watching, so the watchdog leaves the runs alone
    wall = time.perf_counter() - t0
    for job in jobs:
        s = snapshot.snapshot(job.view())
        if s.status != "done":
            print(f"job {s.id}: {s.status}: {s.error}")
            continue
        best = s.best_val
        print(f"\njob {s.id}: {len(text):,} characters, vocabulary {s.vocab_kind} V={s.vocab_size:,}, "
              f"{s.params:,} parameters, ended by: {s.stopped_by}")
        print(f"  steps {s.step:,} in {s.elapsed:.1f} s ({s.step / s.elapsed:.1f} steps/s), "
              f"tokens seen {s.tokens_seen:,} ({s.tokens_seen / s.train_tokens:.0f} passes over the text)")
        print(f"  ln V {s.ln_vocab:.2f} | start loss {s.start_loss:.2f} | final training loss "
              f"{s.latest_train_loss:.2f} | validation: best {best[1]:.2f} at step {best[0]:,}, "
              f"last {s.val_points[-1][1]:.2f}")
        picks = sorted({round(i * (len(s.samples) - 1) / 4) for i in range(5)})  # five spread over the run
        for sample in [s.samples[i] for i in picks]:
            print(f"  step {sample.step:>5}: words found in the training text {sample.word_share or 0:.0%}, copied 4-word runs "
                  f"{sample.copied_share or 0:.0%}: {s.prompt + sample.text[:110]!r}")
        print(f"  held-out text's own copied share: {s.reference_copied_share or 0:.0%}")
    print(f"\nwall time {wall:.1f} s, load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
