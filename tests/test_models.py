"""Models: seeded construction, 16-bit save / 32-bit load round trip, clear errors for bad artifacts."""
import json

import pytest
import torch
from safetensors import safe_open

from engine import models, ourtokenizer, paths
from lanes import skip_or_fail
from engine.presets import get_preset

TEXT = "To be, or not to be, that is the question. In the beginning was the word. " * 20


@pytest.fixture(scope="module")
def tokenizer():
    return ourtokenizer.as_transformers(ourtokenizer.train_bpe([TEXT], vocab_size=300))


@pytest.fixture
def saved(tmp_path, tokenizer):
    model = models.new_model("tiny", len(tokenizer))
    manifest = {"recipe": "test", "steps": 0}
    models.save_artifact("toy", model, tokenizer, manifest, root=tmp_path)
    return tmp_path, model


def test_new_model_shapes_and_seed(tokenizer):
    preset = get_preset("tiny")
    a = models.new_model(preset, len(tokenizer))
    b = models.new_model(preset, len(tokenizer))
    x = torch.randint(0, len(tokenizer), (3, preset.context))
    with torch.no_grad():
        logits = a(input_ids=x).logits
    assert logits.shape == (3, preset.context, len(tokenizer))  # (B, T, V)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert a.config._attn_implementation == "sdpa"
    assert a.config.eos_token_id == tokenizer.eos_token_id == 0


def test_tokenizer_wraps_for_transformers(tokenizer):
    assert tokenizer.eos_token == "<|endoftext|>"
    for text in ["", "héllo wörld 🙂", "a\tb\n\nc", "<script>x</script>"]:
        ids = tokenizer(text).input_ids
        assert tokenizer.decode(ids) == text  # byte-level: every string round-trips


def test_round_trip_is_16_bit_on_disk_and_32_bit_in_memory(saved, tokenizer):
    root, model = saved
    with safe_open(root / "toy" / models.WEIGHTS_FILE, "pt") as f:
        assert {f.get_slice(k).get_dtype() for k in f.keys()} == {"F16"}
    loaded = models.load_artifact("toy", root=root)
    assert not loaded.model.training
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
    assert loaded.manifest["recipe"] == "test" and loaded.manifest["storage_dtype"] == "float16"
    assert "M params" in loaded.label
    x = torch.randint(0, len(tokenizer), (2, 16))
    with torch.no_grad():
        want = model.eval()(input_ids=x).logits
        got = loaded.model(input_ids=x).logits
    assert torch.allclose(want, got, atol=2e-2), (want - got).abs().max()
    assert loaded.tokenizer("To be").input_ids == tokenizer("To be").input_ids


def test_missing_artifact_says_how_to_rebuild(tmp_path):
    with pytest.raises(models.ArtifactError, match=r"missing.*python -m engine build base"):
        models.load_artifact("nothing", root=tmp_path)


def test_every_rebuild_command_is_one_the_cli_accepts():
    """A snapshot (base-1m ...) is rebuilt by the base run: `build base-1m` is no CLI target."""
    from engine.__main__ import build_parser

    for name in ("base", *models.BASE_SNAPSHOTS, "toy"):
        command = models.rebuild_command(name)
        assert command.startswith("python -m engine ")
        args = build_parser().parse_args(command.split()[3:])
        assert (args.command, args.target) == ("build", "base")


def test_truncated_weights(saved):
    root, _ = saved
    weights = root / "toy" / models.WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(models.ArtifactError, match=r"corrupt.*model.safetensors.*python -m engine build base"):
        models.load_artifact("toy", root=root)


def test_bad_manifest_json(saved):
    root, _ = saved
    (root / "toy" / models.MANIFEST_FILE).write_text("{not json")
    with pytest.raises(models.ArtifactError, match="not valid JSON"):
        models.load_artifact("toy", root=root)


def test_tokenizer_hash_mismatch(saved):
    root, _ = saved
    manifest_path = root / "toy" / models.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["tokenizer_sha256"] = "0" * 64
    manifest["files"].pop(models.TOKENIZER_FILE)
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(models.ArtifactError, match="tokenizer whose sha256 does not match"):
        models.load_artifact("toy", root=root)


def test_save_replaces_atomically(saved, tokenizer):
    root, model = saved
    models.save_artifact("toy", model, tokenizer, {"recipe": "again"}, root=root)
    assert models.load_artifact("toy", root=root).manifest["recipe"] == "again"
    assert [p.name for p in root.iterdir()] == ["toy"]  # no temporary folders left behind


def test_committed_base_model_loads():
    if not (models.MODELS_DIR / "base").is_dir():
        skip_or_fail("base model not built yet (python -m engine build base)")
    loaded = models.load_artifact("base")
    assert loaded.manifest["val_losses"] and loaded.manifest["data_pack"]
    ids = loaded.tokenizer("ROMEO:\n", return_tensors="pt").input_ids
    with torch.no_grad():
        assert loaded.model(input_ids=ids).logits.shape[-1] == loaded.model.config.vocab_size


def test_engine_commands_import_without_torch():
    """`python -m engine data` must not pay for torch: command modules import it inside run()."""
    import subprocess
    import sys

    code = ("import sys, engine.pretrain_cli, engine.build, engine.corpus, engine.presets, engine.ourtokenizer, "
            "engine.models; print(sorted(m for m in ('torch', 'transformers', 'tokenizers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=paths.REPO_ROOT).stdout.strip()
    assert out == "[]"
