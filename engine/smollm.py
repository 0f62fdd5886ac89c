"""SmolLM2-135M-Instruct, a real tuned assistant, from the data pack's GGUF file:
converted once into a cached 16-bit safetensors folder, then loaded as float32.

transformers reads the GGUF itself (`gguf_file=`, about 40 s and 1.15 GB peak on
two cores); the cached copy reloads in about a second. Not handled: other GGUF
files, chat templates (prefixes are raw text), or keeping the 4-bit weights.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from engine import datapack, settings
from engine.models import MODEL_LOCK, LoadedModel
from engine.paths import cache_dir, replace_folder

NAME = "smollm2"  # data-pack source and model-selector name
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
FOLDER = "smollm2-135m-instruct"
LABEL = "SmolLM2-135M-Instruct (real tuned assistant, 135M, from the data pack)"
STORAGE_DTYPE = "float16"  # on disk; the 4-bit source loses far more than this
MANIFEST_FILE = "manifest.json"

Progress = Callable[[float, str], None]

_convert_lock = threading.Lock()


class SmolLMError(RuntimeError):
    """SmolLM2 cannot be made ready; the message says what to do."""


def converted_dir() -> Path:
    return cache_dir() / "models" / FOLDER


def gguf_path() -> Path:
    return datapack.source_dir(NAME) / GGUF_FILE


def gguf_available() -> bool:
    try:
        return datapack.is_available(NAME) and gguf_path().is_file()
    except datapack.DataPackError:
        return False


def is_converted() -> bool:
    folder = converted_dir()
    return (folder / MANIFEST_FILE).is_file() and (folder / "model.safetensors").is_file()


def convert(progress: Progress | None = None) -> Path:
    """Read the GGUF with transformers, drop its quantiser, save 16-bit
    safetensors to a temporary folder and rename it into place (atomic)."""
    report = progress or (lambda frac, msg: None)
    with _convert_lock:
        if is_converted():
            report(1.0, "Already converted.")
            return converted_dir()
        if not gguf_available():
            raise SmolLMError(
                "The SmolLM2 GGUF file is not in the data pack yet. "
                "Fetch it with: python -m engine data smollm2"
            )
        import torch  # lazy, as everywhere: `import engine.smollm` stays light for the home page
        from transformers import AutoModelForCausalLM, AutoTokenizer

        src = gguf_path()
        t0 = time.perf_counter()
        report(0.05, "Reading the GGUF file and unpacking its 4-bit weights (about a minute)…")
        try:
            with MODEL_LOCK:  # see engine.models.MODEL_LOCK
                model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype=torch.float32)
            tokenizer = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
        except Exception as exc:  # corrupt file, missing gguf package, ...
            raise SmolLMError(
                f"transformers could not read {src} ({exc}). "
                "Fetch it again with: python -m engine data smollm2 --force"
            ) from None
        # The weights are plain tensors now; the quantiser only describes the source.
        if hasattr(model, "hf_quantizer"):
            del model.hf_quantizer
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        report(0.75, "Saving a 16-bit safetensors copy for fast reloads…")
        target = converted_dir()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER}.", dir=target.parent))
        try:  # a half or stale copy at target is replaced whole
            model.to(getattr(torch, STORAGE_DTYPE)).save_pretrained(tmp, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
            manifest = {
                "name": NAME,
                "label": LABEL,
                "source": f"data pack '{NAME}': {GGUF_FILE}",
                "kind": "tuned assistant (instruction-tuned), not a base model",
                "params": sum(p.numel() for p in model.parameters()),
                "storage_dtype": STORAGE_DTYPE,
                "convert_seconds": round(time.perf_counter() - t0, 1),
                "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n")
            os.chmod(tmp, 0o755)  # mkdtemp makes it private; the copy is an ordinary cache folder
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        replace_folder(tmp, target)
        report(1.0, "Converted.")
        return target


COMPUTE_DTYPE_ENV = settings.SMOLLM_DTYPE  # "float32" or "bfloat16"; default: by CPU


def cpu_has_native_bf16() -> bool:
    """True where the CPU multiplies bfloat16 in hardware (avx512_bf16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def compute_dtype() -> str:
    """bfloat16 where the CPU has it: SmolLM2 then answers in about 130 ms instead of
    about 230 ms on 2 cores, and its next-token probabilities move by at most half a
    percentage point (same top 5, KL 0.0004 nats; docs/BENCHMARKS.md). Elsewhere, and
    when the environment variable says so, float32."""
    chosen = settings.smollm_dtype()
    if chosen in ("float32", "bfloat16"):
        return chosen
    return "bfloat16" if cpu_has_native_bf16() else "float32"


def load(progress: Progress | None = None):
    """SmolLM2 as a LoadedModel in eval mode, converting on first use; weights are
    float32 or, where the CPU has native bfloat16, bfloat16 (see compute_dtype)."""
    import torch

    report = progress or (lambda frac, msg: None)
    if not is_converted():
        convert(lambda f, m: report(0.9 * f, m))
    report(0.92, "Loading the converted copy…")
    lm = load_folder(converted_dir(), name=NAME, label=LABEL)
    dtype = compute_dtype()
    if dtype == "bfloat16":
        lm.model.to(torch.bfloat16)
    lm.manifest["compute_dtype"] = dtype
    report(1.0, "SmolLM2 is ready.")
    return lm


def load_folder(folder: Path, *, name: str, label: str):
    """A saved transformers causal LM + tokenizer folder, as float32 in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        manifest = json.loads((Path(folder) / MANIFEST_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        manifest = {}
    try:
        with MODEL_LOCK:  # see engine.models.MODEL_LOCK
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except Exception as exc:
        raise SmolLMError(
            f"The converted copy in {folder} cannot be loaded ({exc}). Delete that folder and "
            "open the page again to convert it afresh."
        ) from None
    model.eval()
    return loaded_model(name=name, label=label, model=model, tokenizer=tokenizer, manifest=manifest)


def loaded_model(**fields) -> LoadedModel:
    """A model that is not one of our artifacts (SmolLM2, a hub model) in the same LoadedModel shape."""
    return LoadedModel(**fields)
