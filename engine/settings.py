"""Every PRETRAINING_EXPLORER_* variable the app reads, in one place, read when asked.

Read at call time (not import time), so a test or a server started with a variable set sees it.
A value that does not parse falls back to the default: a typo must not take the app down.

| variable                                   | what it sets                                        | default |
|--------------------------------------------|-----------------------------------------------------|---------|
| PRETRAINING_EXPLORER_CACHE                 | the cache folder (data pack, converted models)      | ~/.cache/pretraining-explorer |
| PRETRAINING_EXPLORER_JOBS                  | live runs at once, server-wide (engine.jobs)        | 2       |
| PRETRAINING_EXPLORER_JOB_ABANDON_SECONDS   | a run nobody watches this long is stopped            | 15      |
| PRETRAINING_EXPLORER_LAB_MAX_SECONDS       | hard cap on one lab run                              | 180     |
| PRETRAINING_EXPLORER_LAB_PRESET            | the lab's model recipe (tests use "tiny")            | lab     |
| PRETRAINING_EXPLORER_TRANSFER_LIVE_SECONDS | bound on the transfer page's live experiment (1-60)  | 60      |
| PRETRAINING_EXPLORER_TRANSFER_RESULTS      | another transfer results.json (tests)                | assets/transfer/results.json |
| PRETRAINING_EXPLORER_WORLD_DIR             | another folder of world models (tests)               | assets/world |
| PRETRAINING_EXPLORER_WORLD_TUNING_RESULTS  | another tuning results.json (tests)                  | assets/world_tuning/results.json |
| PRETRAINING_EXPLORER_NEXT_TOKEN_MODEL_DIR  | a stand-in model for the next-token page (tests)     | none    |
| PRETRAINING_EXPLORER_SMOLLM_DTYPE          | SmolLM2's compute dtype: float32 or bfloat16         | by CPU  |
"""
from __future__ import annotations

import os
from pathlib import Path

PREFIX = "PRETRAINING_EXPLORER_"
CACHE = PREFIX + "CACHE"
JOBS = PREFIX + "JOBS"
JOB_ABANDON_SECONDS = PREFIX + "JOB_ABANDON_SECONDS"
LAB_MAX_SECONDS = PREFIX + "LAB_MAX_SECONDS"
LAB_PRESET = PREFIX + "LAB_PRESET"
TRANSFER_LIVE_SECONDS = PREFIX + "TRANSFER_LIVE_SECONDS"
TRANSFER_RESULTS = PREFIX + "TRANSFER_RESULTS"
WORLD_DIR = PREFIX + "WORLD_DIR"
WORLD_TUNING_RESULTS = PREFIX + "WORLD_TUNING_RESULTS"
NEXT_TOKEN_MODEL_DIR = PREFIX + "NEXT_TOKEN_MODEL_DIR"
SMOLLM_DTYPE = PREFIX + "SMOLLM_DTYPE"


def _text(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _number(name: str, default: float, *, low: float, high: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


def _path(name: str) -> Path | None:
    value = _text(name)
    return Path(value).expanduser() if value else None


def cache_override() -> Path | None:
    return _path(CACHE)


def jobs_max_running() -> int:
    return int(_number(JOBS, 2, low=1, high=64))


def jobs_abandon_seconds() -> float:
    return _number(JOB_ABANDON_SECONDS, 15.0, low=1.0, high=3600.0)


def lab_max_seconds() -> float:
    return _number(LAB_MAX_SECONDS, 180.0, low=1.0, high=3600.0)


def lab_preset() -> str:
    return _text(LAB_PRESET) or "lab"


def transfer_live_seconds() -> float:
    return _number(TRANSFER_LIVE_SECONDS, 60.0, low=1.0, high=60.0)


def transfer_results_file() -> Path | None:
    return _path(TRANSFER_RESULTS)


def world_dir() -> Path | None:
    return _path(WORLD_DIR)


def world_tuning_results_file() -> Path | None:
    return _path(WORLD_TUNING_RESULTS)


def next_token_model_dir() -> Path | None:
    return _path(NEXT_TOKEN_MODEL_DIR)


def smollm_dtype() -> str | None:
    value = (_text(SMOLLM_DTYPE) or "").lower()
    return value or None
