"""Committed artifacts must not name folders of the machine that built them:
a manifest is read on other machines, and a path there is noise at best."""
from __future__ import annotations

import re

from engine.paths import ASSETS_DIR

MACHINE_PATH = re.compile(r'"(/work|/tmp|/home|/root|/Users|[A-Za-z]:\\\\)[^"]*"')


def test_no_committed_json_names_a_local_path():
    offenders = []
    for path in sorted(ASSETS_DIR.rglob("*.json")):
        if path.name == "tokenizer.json":
            continue  # vocabulary and merges: any string may occur
        for match in MACHINE_PATH.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ASSETS_DIR)}: {match.group(0)}")
    assert not offenders, offenders


def test_portable_config_drops_the_loaded_from_folder():
    from transformers import GPT2Config

    from engine.models import portable_config

    config = GPT2Config(n_layer=1, n_embd=8, n_head=2)
    config._name_or_path = "/somewhere/on/a/builder"
    d = portable_config(config)
    assert "_name_or_path" not in d and d["n_layer"] == 1
