"""`python -m engine measure WHAT`: measurements a page quotes that are too slow to run on the page.

smollm-cutoff: SmolLM2 asked about the world's events, alone and with each event's document
(engine.world.cutoff_readings.survey_events); the knowledge cutoff page shows the recorded result.
"""
from __future__ import annotations

import argparse

MEASUREMENTS = ("smollm-cutoff",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=MEASUREMENTS, help="which measurement to run")
    parser.add_argument("--every", type=int, default=20, help="smollm-cutoff: ask about every N-th event")


def run(args: argparse.Namespace) -> int:
    from engine.world import cutoff_readings  # heavy (torch) only when a measurement runs

    cutoff_readings.survey_events(args.every)
    return 0
