"""The base run keeps snapshots at increasing tokens: the transfer page's
"more pretraining, more transfer" compares them, so they must be real points
of the same run, in order, and loadable like the base itself."""
from __future__ import annotations

import json

from engine import models
from engine.build import BASE_SNAPSHOTS
from engine.paths import ASSETS_DIR


def test_pretrain_saves_a_snapshot_once_each_token_count_is_passed(tmp_path):
    from engine.presets import get_preset
    from engine.pretrain_cli import pretrain

    preset = get_preset("tiny").with_(steps=12, eval_every=6)
    per_step = preset.batch_size * preset.context
    pretrain(preset, out_dir=tmp_path, checkpoint=tmp_path / "c.pt", threads=1,
             snapshots={"early": 2 * per_step, "late": 9 * per_step})
    early = json.loads((tmp_path / "early" / "manifest.json").read_text())
    late = json.loads((tmp_path / "late" / "manifest.json").read_text())
    final = json.loads((tmp_path / "tiny" / "manifest.json").read_text())
    assert 2 * per_step <= early["tokens_seen"] < late["tokens_seen"] < final["tokens_seen"]
    assert late["tokens_seen"] >= 9 * per_step
    # a snapshot is the model at that moment, not the final weights
    assert (tmp_path / "early" / "model.safetensors").read_bytes() != (tmp_path / "tiny" / "model.safetensors").read_bytes()


def test_committed_snapshots_are_earlier_points_of_the_base_run():
    base = models.read_manifest("base")
    tokens = []
    for name in sorted(BASE_SNAPSHOTS, key=BASE_SNAPSHOTS.get):
        manifest = models.check_artifact(name)
        assert manifest["snapshot_of"] == "base"
        assert manifest["tokenizer_sha256"] == base["tokenizer_sha256"]
        assert manifest["preset"] == base["preset"]
        assert manifest["tokens_seen"] >= BASE_SNAPSHOTS[name]
        tokens.append(manifest["tokens_seen"])
    assert tokens == sorted(tokens) and tokens[-1] < base["tokens_seen"]
    assert (ASSETS_DIR / "models" / "base-1m" / "model.safetensors").is_file()
