"""Our small GPTs: transformers' GPT-2 classes, saved as 16-bit safetensors plus a manifest.

An artifact is a folder assets/models/<name>/ that transformers itself can open
(config.json + model.safetensors) with our tokenizer.json beside it and a
manifest.json saying how it was built. Because the classes are GPT-2's own, a
real GPT-2-format checkpoint loads through the same `load_artifact` code.

Not handled: sharded checkpoints, quantised weights, and models that are not
causal LMs. Weights are stored in float16 and always loaded as float32.
"""
from __future__ import annotations

import copy
import hashlib
import json
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from engine import manifest as manifests
from engine.ourtokenizer import as_transformers
from engine.paths import ASSETS_DIR, replace_folder, sha256_file
from engine.presets import get_preset

# Held while any transformers model is built or loaded, process-wide. transformers builds a model
# by patching torch globally (parameters first made on the "meta" device, then filled), so two
# threads loading at once could each get the other's empty parameters: on a fresh server, thirty
# readers opening pages together got "Cannot copy out of meta tensor" and NaN probabilities.
# Reentrant: a loader may build a model inside another loader.
MODEL_LOCK = threading.RLock()

MODELS_DIR = ASSETS_DIR / "models"
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
STORAGE_DTYPE = "float16"  # on disk; finer mantissa than bfloat16, and our weights are small


class ArtifactError(Exception):
    """An artifact is missing or corrupt; the message says what and how to rebuild it."""


# The base run also saves its weights as it passes these token counts (assets/models/base-1m ...):
# the transfer lesson measures how much tuning gains from more pretraining.
BASE_SNAPSHOTS = {"base-1m": 1_000_000, "base-2m": 2_000_000, "base-4m": 4_000_000, "base-8m": 8_000_000}


def rebuild_command(name: str) -> str:
    """The CLI command that rebuilds artifact `name`: every artifact in assets/models/ (the base and
    its snapshots) comes from the one base run, `python -m engine build base`."""
    del name  # one build writes them all; the argument stays so callers need not know that
    return "python -m engine build base"


@dataclass
class LoadedModel:
    name: str  # artifact name, e.g. "base"
    label: str  # human label for a selector, e.g. "Our base model (2.6M params)"
    model: "transformers.PreTrainedModel"  # noqa: F821  causal LM, eval(), float32
    tokenizer: "transformers.PreTrainedTokenizerFast"  # noqa: F821
    manifest: dict = field(default_factory=dict)


# --- building -------------------------------------------------------------------------


def gpt2_config(preset, vocab_size: int, *, eot_id: int = 0):
    """A GPT2Config from a preset's dimensions (SDPA attention, no dropout unless asked)."""
    from transformers import GPT2Config

    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=preset.context,
        n_embd=preset.n_embd,
        n_layer=preset.n_layer,
        n_head=preset.n_head,
        resid_pdrop=preset.dropout,
        embd_pdrop=preset.dropout,
        attn_pdrop=preset.dropout,
        bos_token_id=eot_id,
        eos_token_id=eot_id,
        tie_word_embeddings=True,
        activation_function="gelu_pytorch_tanh",  # GPT-2's tanh GELU as one fused kernel
    )
    config._attn_implementation = "sdpa"
    return config


def new_model(preset_or_config, vocab_size: int | None = None, *, seed: int | None = None):
    """A randomly initialised GPT2LMHeadModel; same seed, same weights.

    preset_or_config: a `Preset` (or its name) or a GPT2Config. The global torch
    RNG is left as it was.
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    if isinstance(preset_or_config, str):
        preset_or_config = get_preset(preset_or_config)
    if isinstance(preset_or_config, GPT2Config):
        config = preset_or_config
        if vocab_size is not None and vocab_size != config.vocab_size:
            raise ValueError(f"vocab_size {vocab_size} != config.vocab_size {config.vocab_size}")
        seed = 1337 if seed is None else seed
    else:
        if vocab_size is None:
            raise ValueError("new_model(preset, vocab_size): vocab_size is required with a preset")
        config = gpt2_config(preset_or_config, vocab_size)
        seed = preset_or_config.seed if seed is None else seed
    config._attn_implementation = "sdpa"
    with MODEL_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
    return model


def param_count(model, *, embeddings: bool = True) -> int:
    """Parameters, counting tied weights once; embeddings=False drops wte/wpe (as in papers)."""
    seen, n = set(), 0
    for name, p in model.named_parameters():
        if id(p) in seen or (not embeddings and ("wte" in name or "wpe" in name)):
            continue
        seen.add(id(p))
        n += p.numel()
    return n


def provenance() -> dict:
    """Where, when and with what it was built: the fields every manifest carries (engine.manifest)."""
    return manifests.provenance()


# --- saving and loading ---------------------------------------------------------------


@contextmanager
def _quiet_transformers():
    """No progress bars or info chatter from transformers while we save or load."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    verbosity = logging.get_verbosity()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if was_enabled:
            logging.enable_progress_bar()


def portable_config(config) -> dict:
    """A transformers config as a dict for a manifest, without the folder it was loaded
    from (`_name_or_path` names a path of the machine that built it)."""
    d = config.to_dict()
    d.pop("_name_or_path", None)
    return d


def save_artifact(name: str, model, tokenizer, manifest: dict, *, root: Path = MODELS_DIR) -> Path:
    """Write root/<name>/ atomically: float16 weights, config, tokenizer, manifest.

    Everything goes to a temporary folder beside the target, which then
    replaces the old one, so a reader never sees half an artifact.
    """
    import torch

    root.mkdir(parents=True, exist_ok=True)
    target = root / name
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    try:
        half = copy.deepcopy(model).to(getattr(torch, STORAGE_DTYPE))
        with _quiet_transformers():
            half.save_pretrained(tmp, safe_serialization=True)
        (tmp / "generation_config.json").unlink(missing_ok=True)  # not ours to promise
        (tmp / TOKENIZER_FILE).write_text(tokenizer.backend_tokenizer.to_str(), encoding="utf-8")
        manifest = dict(manifest)
        manifest.update(
            name=name,
            label=manifest.get("label") or f"Our {name} model ({param_count(model) / 1e6:.1f}M params)",
            params=param_count(model),
            storage_dtype=STORAGE_DTYPE,
            tokenizer_sha256=sha256_file(tmp / TOKENIZER_FILE),
            files={p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.name != MANIFEST_FILE},
        )
        manifest.setdefault("config", portable_config(model.config))
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1, default=str) + "\n")
        tmp.chmod(0o755)  # mkdtemp makes it private; an artifact is for everyone to read
        for path in tmp.iterdir():
            path.chmod(0o644)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_folder(tmp, target)
    return target


def read_manifest(name: str = "base", *, root: Path = MODELS_DIR) -> dict:
    """The artifact's manifest alone (cheap: no torch), or ArtifactError."""
    folder = root / name
    fix = f"Rebuild it with: {rebuild_command(name)}"
    if not folder.is_dir():
        raise ArtifactError(f"The model artifact {name!r} is missing (no folder {folder}). {fix}")
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text("utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"The model artifact {name!r} has no {MANIFEST_FILE} in {folder}. {fix}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"The manifest of model artifact {name!r} is not valid JSON ({exc}). {fix}") from None
    if not isinstance(manifest, dict):
        raise ArtifactError(f"The manifest of model artifact {name!r} is not a JSON object. {fix}")
    return manifest


def check_artifact(name: str = "base", *, root: Path = MODELS_DIR) -> dict:
    """Verify files against the manifest's sha256s; return the manifest or raise ArtifactError."""
    folder = root / name
    fix = f"Rebuild it with: {rebuild_command(name)}"
    manifest = read_manifest(name, root=root)
    for filename in (CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE):
        if not (folder / filename).is_file():
            raise ArtifactError(f"The model artifact {name!r} is missing {filename} in {folder}. {fix}")
    expected = manifest.get("files", {})
    for filename, sha in expected.items():
        path = folder / filename
        if not path.is_file():
            raise ArtifactError(f"The model artifact {name!r} is missing {filename} in {folder}. {fix}")
        if sha256_file(path) != sha:
            what = "tokenizer" if filename == TOKENIZER_FILE else filename
            raise ArtifactError(
                f"The model artifact {name!r} is corrupt: {what} does not match the sha256 in its "
                f"manifest (truncated or edited?). {fix}"
            )
    tok_sha = manifest.get("tokenizer_sha256")
    if tok_sha and sha256_file(folder / TOKENIZER_FILE) != tok_sha:
        raise ArtifactError(
            f"The model artifact {name!r} has a tokenizer whose sha256 does not match its manifest: "
            f"the model would read different tokens than it was trained on. {fix}"
        )
    return manifest


def load_artifact(name: str = "base", *, root: Path = MODELS_DIR) -> LoadedModel:
    """Load root/<name>/ as a float32 causal LM in eval mode, with its tokenizer and manifest."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM

    folder = root / name
    fix = f"Rebuild it with: {rebuild_command(name)}"
    manifest = check_artifact(name, root=root)
    try:
        tokenizer = as_transformers(Tokenizer.from_file(str(folder / TOKENIZER_FILE)))
    except Exception as exc:  # tokenizers raises plain Exceptions for bad JSON
        raise ArtifactError(f"The tokenizer of model artifact {name!r} cannot be read ({exc}). {fix}") from None
    try:
        with MODEL_LOCK, _quiet_transformers():
            model = AutoModelForCausalLM.from_pretrained(
                folder, dtype=torch.float32, attn_implementation="sdpa", local_files_only=True
            )
    except Exception as exc:
        raise ArtifactError(f"The weights of model artifact {name!r} cannot be loaded ({exc}). {fix}") from None
    model.eval()
    if model.config.vocab_size < len(tokenizer):
        raise ArtifactError(
            f"The model artifact {name!r} has {model.config.vocab_size} embeddings but its tokenizer "
            f"has {len(tokenizer)} tokens. {fix}"
        )
    label = manifest.get("label") or f"{name} ({param_count(model) / 1e6:.1f}M params)"
    return LoadedModel(name=name, label=label, model=model, tokenizer=tokenizer, manifest=manifest)


def weights_fingerprint(model) -> str:
    """sha256 over every weight, name by name, as float32 bytes: equal fingerprints, equal weights.

    The one fingerprint of the project (the transfer cache keys, the try-it manifests' base_sha256
    and the tuning page's "weights unchanged" check all use it). Float32 bytes, so a model hashes
    the same whether it is held in 16 or 32 bits after loading; not cached, because a model that
    trains changes under the same object.
    """
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().float().contiguous().cpu().numpy().tobytes())
    return h.hexdigest()
