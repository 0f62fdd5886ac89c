"""SmolLM2 from the data pack: a clear error when the GGUF is absent, and
(slow, when the GGUF is on disk) conversion to a cached safetensors copy that
answers like the real model. Also the hub option's offline behaviour."""
import pytest

from engine import hub, smollm


def test_missing_gguf_says_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(tmp_path))
    assert not smollm.gguf_available()
    assert not smollm.is_converted()
    with pytest.raises(smollm.SmolLMError, match="python -m engine data smollm2"):
        smollm.convert()
    assert not smollm.converted_dir().exists()


def test_half_written_copy_is_not_taken_as_converted(tmp_path, monkeypatch):
    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(tmp_path))
    folder = smollm.converted_dir()
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    assert not smollm.is_converted()


def test_hub_unreachable_is_a_plain_message():
    # a reserved, unroutable address: no real network use, and no exception
    status = hub.reachable(timeout=0.5, url="http://127.0.0.1:9")
    assert not status.ok and "cannot reach the Hugging Face hub" in status.message
    with pytest.raises(hub.HubError):
        hub.load("hub:no-such-model")


@pytest.mark.slow
@pytest.mark.network
def test_smollm2_converts_once_and_knows_paris(smollm2_gguf):
    from engine import probes

    lm = smollm.load()  # converts into the cache on first run (~30 s), then reuses it
    assert smollm.is_converted()
    assert "tuned assistant" in lm.label and lm.manifest["storage_dtype"] == "float16"
    assert next(lm.model.parameters()).dtype.is_floating_point
    assert str(next(lm.model.parameters()).dtype) == f"torch.{smollm.compute_dtype()}"
    assert lm.manifest["compute_dtype"] == smollm.compute_dtype()
    d = probes.next_token_distribution(lm, "The capital of France is")
    assert d.top[0].text == " Paris" and d.top[0].prob > 0.5
    assert 0 not in probes.encode_plain(lm.tokenizer, "<|endoftext|>")


def test_compute_dtype_follows_the_environment(monkeypatch):
    monkeypatch.setenv(smollm.COMPUTE_DTYPE_ENV, "float32")
    assert smollm.compute_dtype() == "float32"
    monkeypatch.setenv(smollm.COMPUTE_DTYPE_ENV, "bfloat16")
    assert smollm.compute_dtype() == "bfloat16"
    monkeypatch.delenv(smollm.COMPUTE_DTYPE_ENV)
    assert smollm.compute_dtype() == ("bfloat16" if smollm.cpu_has_native_bf16() else "float32")


def test_loaded_model_is_public_and_the_old_private_name_is_gone():
    """hub and the transfer try-it build LoadedModels through smollm.loaded_model, not a private helper."""
    import re
    from pathlib import Path

    from engine.models import LoadedModel

    assert isinstance(smollm.loaded_model(name="x", label="X", model=None, tokenizer=None), LoadedModel)
    old = re.compile(r"\b" + "_" + r"loaded_model\b")
    root = Path(__file__).resolve().parent.parent
    users = [str(p.relative_to(root)) for folder in ("engine", "lessons", "tests", "benchmarks")
             for p in (root / folder).rglob("*.py") if old.search(p.read_text(encoding="utf-8"))]
    assert users == []
