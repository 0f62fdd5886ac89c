"""Try it: label a reader's text with each approach's saved classifier.

The transfer build (`python -m engine build transfer`) saves, for every task, the classifier
each approach trained on **32 labelled examples per class, seed 0** under
assets/transfer/tryit/: the bag-of-words vocabulary and coefficients and the frozen probes'
linear heads as .npz (no pickle), the from-scratch and fine-tuned transformers as fp16
safetensors with our tokenizer beside them. `classify(task, text)` runs every approach
whose pieces are here; the real bases (SmolLM2, MiniLM) need their data-pack source, and
`unavailable_approaches(task)` says which are missing and how to fetch them. Approaches are
named by id (engine.transfer.approaches); the manifest's schema-1 keys are mapped on reading.

Input is bounded: at most MAX_CHARS characters are kept (`clean_user_text`), and each model
reads at most 128 tokens (each Prediction says how many it read and whether it cut the text).
Special-token strings such as `<|endoftext|>` are ordinary input here: our tokenizer reads
them as its document separator, which is what the classifiers saw in training too.
Not handled: batching many texts (one text per call), explanations of a label.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import datapack, smollm
from engine.manifest import built_at
from engine.ourtokenizer import as_transformers
from engine.paths import ASSETS_DIR
from engine.textinput import clean_user_text
from engine.transfer import bases, features
from engine.transfer.approaches import APPROACHES, approach_id
from engine.transfer.experiment import classifier, predict_proba

TRYIT_DIR = ASSETS_DIR / "transfer" / "tryit"
MAX_CHARS = 5_000  # a BBC article's opening is ~400 characters; the models read 128 tokens at most
REBUILD = "python -m engine build transfer"
APPROACH_ORDER = tuple(APPROACHES)  # ids
FETCH = {"smollm2": "python -m engine data smollm2", "minilm": "python -m engine data minilm"}
EXAMPLES = {  # a text to try per task, before the reader types their own
    "spam": "WINNER!! You have been selected for a free holiday. Text CLAIM to 80062 now, only 1.50/msg.",
    "sentiment": "A slow, muddled film that never decides what it wants to say, despite two fine performances.",
    "topic": "The chancellor said interest rates would stay on hold as figures showed the economy grew "
             "faster than expected in the last quarter.",
}


class TryItError(Exception):
    """The saved classifiers are missing or unreadable; the message names the rebuild command."""


@dataclass(frozen=True)
class Prediction:
    approach: str
    label: str  # the most probable label
    confidence: float  # its probability
    probabilities: dict[str, float]  # label -> probability, in the task's label order; sums to 1
    tokens_read: int | None  # tokens the model read (None: bag-of-words reads words, not tokens)
    truncated: bool  # the text was longer than this model reads


_lock = threading.Lock()
_loaded: dict = {}  # (folder, kind, name) -> loaded pieces, read-only after loading


def read_manifest(folder: Path | None = None) -> dict:
    folder = Path(folder or TRYIT_DIR)
    path = folder / "manifest.json"
    if not path.is_file():
        raise TryItError(f"The try-it classifiers are not built (no {path.name} in {folder.name}/). "
                         f"Build them with `{REBUILD}`.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["approaches"] = {task: {approach_id(a): e for a, e in entries.items()}
                                  for task, entries in manifest["approaches"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TryItError(f"The try-it manifest is unreadable ({exc.__class__.__name__}). "
                         f"Rebuild it with `{REBUILD}`.") from None
    return manifest


def trained_on(folder: Path | None = None) -> dict:
    """{"per_class": 32, "seed": 0, ...}: what every saved classifier was trained on."""
    m = read_manifest(folder)
    return {"per_class": m.get("per_class"), "seed": m.get("seed"), "max_tokens": m.get("max_tokens"),
            "built_at": built_at(m)}


def trained_on_if_built(folder: Path | None = None) -> dict:
    """trained_on, or {} where the classifiers are not built (the page still explains try-it)."""
    try:
        return trained_on(folder)
    except TryItError:
        return {}


def _entries(task: str, folder: Path | None) -> dict:
    m = read_manifest(folder)
    if task not in m["approaches"]:
        raise KeyError(f"no try-it classifiers for task {task!r}; built: {', '.join(m['approaches'])}")
    return m["approaches"][task]


def _source_ready(model: str) -> bool:
    if model == "smollm2":
        return smollm.is_converted() or smollm.gguf_available()
    if model == "minilm":
        try:
            return datapack.is_available("minilm")
        except Exception:
            return False
    return True


def unavailable_approaches(task: str, folder: Path | None = None) -> dict[str, str]:
    """Approaches built for this task that cannot run here -> why, in plain words with the fix."""
    out = {}
    for approach, entry in _entries(task, folder).items():
        model = entry.get("model")
        if model in FETCH and not _source_ready(model):
            out[approach] = f"its model is not on this machine; fetch it with `{FETCH[model]}`"
    return out


def available_approaches(task: str, folder: Path | None = None) -> list[str]:
    entries = _entries(task, folder)
    missing = unavailable_approaches(task, folder)
    return [a for a in APPROACH_ORDER if a in entries and a not in missing]


def prepare(text: str | None) -> tuple[str, list[str]]:
    """(text bounded to MAX_CHARS, notices); ValueError for empty or whitespace-only text."""
    if text is None or not str(text).strip():
        raise ValueError("Type a message, a review or a news snippet first: the text is empty.")
    return clean_user_text(str(text), max_chars=MAX_CHARS)


def classify(task: str, text: str, *, models: dict | None = None, folder: Path | None = None,
             approaches: list[str] | None = None) -> list[Prediction]:
    """Each available approach's label for `text` (APPROACH_ORDER). models may supply loaded
    {"base": LoadedModel, "smollm2": LoadedModel, "minilm": (model, tokenizer)} (the page's
    shared, read-only copies); missing ones are loaded once. ValueError for empty text."""
    text, _ = prepare(text)
    folder = Path(folder or TRYIT_DIR)
    manifest = read_manifest(folder)
    entries = _entries(task, folder)
    todo = [a for a in map(approach_id, approaches or available_approaches(task, folder)) if a in entries]
    return [_predict(a, entries[a], text, manifest, folder, models or {}) for a in todo]


def classify_each(task: str, text: str, *, models: dict | None = None, folder: Path | None = None,
                  approaches: list[str] | None = None) -> tuple[list[Prediction], dict[str, str]]:
    """classify, one approach at a time, so one broken piece hides no other: (predictions,
    {approach id: why it failed}) for TryItError and ValueError (the message says the fix)."""
    predictions, failures = [], {}
    for approach in approaches or available_approaches(task, folder):
        try:
            predictions += classify(task, text, models=models, folder=folder, approaches=[approach])
        except (TryItError, ValueError) as exc:
            failures[approach_id(approach)] = str(exc)
    return predictions, failures


def _softmax_from_linear(z: np.ndarray, classes: list[str], labels: list[str]) -> dict[str, float]:
    """sklearn's convention: binary -> one logit for classes[1]; else one per class."""
    z = np.asarray(z, dtype=np.float64).ravel()
    if z.size == 1:
        p1 = 1.0 / (1.0 + np.exp(-z[0]))
        probs = {classes[0]: 1.0 - p1, classes[1]: p1}
    else:
        e = np.exp(z - z.max())
        e /= e.sum()
        probs = dict(zip(classes, e.tolist()))
    return {lab: float(probs.get(lab, 0.0)) for lab in labels}


def _prediction(approach, probs: dict[str, float], tokens: int | None, truncated: bool) -> Prediction:
    label = max(probs, key=probs.get)
    return Prediction(approach, label, probs[label], probs, tokens, truncated)


def _npz(path: Path) -> dict:
    key = ("npz", str(path))
    with _lock:
        if key not in _loaded:
            if not path.is_file():
                raise TryItError(f"The try-it file {path.name} is missing. Rebuild with `{REBUILD}`.")
            try:
                with np.load(path, allow_pickle=False) as z:
                    _loaded[key] = {k: z[k] for k in z.files}
            except Exception as exc:
                raise TryItError(f"The try-it file {path.name} is unreadable ({exc.__class__.__name__}). "
                                 f"Rebuild with `{REBUILD}`.") from None
        return _loaded[key]


def _vectorizer(path: Path, settings: dict):
    key = ("tfidf", str(path))
    with _lock:
        cached = _loaded.get(key)
    if cached is not None:
        return cached
    from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: only when bag-of-words answers

    z = _npz(path)
    vec = TfidfVectorizer(ngram_range=tuple(settings.get("ngram_range", (1, 2))),
                          sublinear_tf=settings.get("sublinear_tf", True), lowercase=settings.get("lowercase", True),
                          vocabulary={t: i for i, t in enumerate(z["terms"].tolist())})
    vec.idf_ = z["idf"].astype(np.float64)
    with _lock:
        _loaded[key] = vec
    return vec


def _tokenizer(folder: Path):
    key = ("tokenizer", str(folder))
    with _lock:
        if key not in _loaded:
            from tokenizers import Tokenizer  # heavy (as_transformers pulls in transformers)

            path = folder / "tokenizer.json"
            if not path.is_file():
                raise TryItError(f"The try-it tokenizer is missing. Rebuild with `{REBUILD}`.")
            _loaded[key] = as_transformers(Tokenizer.from_file(str(path)))
        return _loaded[key]


def _trained_model(path: Path, entry: dict):
    key = ("trained", str(path))
    with _lock:
        if key in _loaded:
            return _loaded[key]
    import torch  # heavy: only once a trained classifier is asked for
    from safetensors.torch import load_file
    from transformers import GPT2Config, GPT2Model

    if not path.is_file():
        raise TryItError(f"The try-it model {path.name} is missing. Rebuild with `{REBUILD}`.")
    config = GPT2Config.from_dict(entry["config"])
    clf = classifier(GPT2Model(config), len(entry["labels"]), seed=0)
    try:
        state = {k: v.to(torch.float32) for k, v in load_file(str(path)).items()}
        clf.load_state_dict(state)
    except Exception as exc:
        raise TryItError(f"The try-it model {path.name} cannot be loaded ({exc.__class__.__name__}). "
                         f"Rebuild with `{REBUILD}`.") from None
    clf.eval()
    with _lock:
        _loaded[key] = clf
    return clf


def _count_tokens(tokenizer, text: str, limit: int) -> tuple[int, bool]:
    n = len(tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])
    return min(n, limit), n > limit


def _predict(approach: str, entry: dict, text: str, manifest: dict, folder: Path, models: dict) -> Prediction:
    labels = list(entry["labels"])
    limit = int(manifest.get("max_tokens") or 128)
    path = folder / entry["file"]
    kind = entry["kind"]
    if kind == "bag-of-words":
        z = _npz(path)
        x = _vectorizer(path, entry.get("settings", {})).transform([text])
        logits = np.asarray(x @ z["coef"].T.astype(np.float64)).ravel() + z["intercept"]
        return _prediction(approach, _softmax_from_linear(logits, z["classes"].tolist(), labels), None, False)
    if kind == "frozen":
        name = entry["model"]
        lm = bases.pick(name, models)
        if name == "minilm":
            x = features.encoder_features([text], encoder=lm, max_tokens=limit)
            tok = lm[1]
        else:
            if name == "base" and manifest.get("base_sha256") and \
                    features.model_fingerprint(lm.model) != manifest["base_sha256"]:
                raise TryItError("Our base model has changed since its try-it head was trained, so the head "
                                 f"would read different features. Rebuild with `{REBUILD}`.")
            limit = min(limit, getattr(lm.model.config, "n_positions", None) or
                        getattr(lm.model.config, "max_position_embeddings", None) or limit)
            x = features.decoder_features(lm, [text], max_tokens=limit)
            tok = lm.tokenizer
        z = _npz(path)
        logits = ((x[0] - z["mean"]) / z["scale"]) @ z["coef"].T + z["intercept"]
        tokens, cut = _count_tokens(tok, text, limit)
        return _prediction(approach, _softmax_from_linear(logits, z["classes"].tolist(), labels), tokens, cut)
    if kind == "trained":
        clf = _trained_model(path, entry)
        limit = min(limit, clf.body.config.n_positions)
        tok = _tokenizer(folder)
        p = predict_proba(clf, tok, [text], max_tokens=limit)[0]
        tokens, cut = _count_tokens(tok, text, limit)
        return _prediction(approach, {lab: float(v) for lab, v in zip(labels, p)}, tokens, cut)
    raise TryItError(f"unknown try-it classifier kind {kind!r}; rebuild with `{REBUILD}`")
