"""Writing the try-it classifiers: the file side of what engine.transfer.tryit reads.

For each task the build saves the classifier every approach trained at 32 labels per class,
seed 0: bag-of-words vocabulary and coefficients and the frozen probes' linear heads as .npz
(no pickle), the trained transformers as fp16 safetensors, our tokenizer beside them, and a
manifest naming each file. The manifest keys approaches by their schema-1 stored keys (as the
committed one does); engine.transfer.tryit maps them to ids. Files are written one by one,
atomically, so an interrupted build leaves whole files that `adopt` can list later.
Not handled: pruning files of approaches no longer built (a rebuild overwrites its own).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from engine.manifest import built_at, provenance
from engine.models import MODELS_DIR, portable_config
from engine.paths import atomic_write_bytes, atomic_write_text
from engine.transfer.approaches import APPROACHES, stored

BOW_SETTINGS = {"ngram_range": [1, 2], "sublinear_tf": True, "lowercase": True}


class TryItWriter:
    """The try-it files of one build: saved as rows finish, listed in a manifest at the end."""

    def __init__(self, folder: Path | None, *, per_class: int, seed: int):
        self.folder = folder
        self.per_class, self.seed = per_class, seed
        self.entries: dict[str, dict[str, dict]] = {}  # task -> approach id -> manifest entry

    def summary(self) -> dict:
        """What results.json records about the try-it classifiers."""
        return {"per_class": self.per_class, "seed": self.seed, "approaches": self.entries}

    def save(self, task: str, approach: str, keep: dict, labels: list[str], *, model_sha256: str | None) -> None:
        """Save the classifier a row trained (keep["model"]) and note its manifest entry."""
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        a = APPROACHES[approach]
        stem = f"{task}-{a.slug}"
        entry: dict = {"labels": labels}
        if a.kind == "bag-of-words":
            pipe = keep["model"]
            vec, clf = pipe.steps[0][1], pipe.steps[1][1]
            vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
            buf = io.BytesIO()
            np.savez_compressed(buf, terms=np.array(vocab, dtype=str), idf=vec.idf_.astype(np.float32),
                                coef=clf.coef_.astype(np.float32), intercept=clf.intercept_.astype(np.float32),
                                classes=np.array([str(c) for c in clf.classes_], dtype=str))
            atomic_write_bytes(folder / f"{stem}.npz", buf.getvalue())
            entry.update(file=f"{stem}.npz", kind="bag-of-words",
                         settings={"ngram_range": list(vec.ngram_range), "sublinear_tf": vec.sublinear_tf,
                                   "lowercase": vec.lowercase})
        elif a.kind == "frozen":
            pipe = keep["model"]
            scaler, clf = pipe.steps[0][1], pipe.steps[1][1]
            buf = io.BytesIO()
            np.savez(buf, mean=scaler.mean_.astype(np.float32), scale=scaler.scale_.astype(np.float32),
                     coef=clf.coef_.astype(np.float32), intercept=clf.intercept_.astype(np.float32),
                     classes=np.array([str(c) for c in clf.classes_], dtype=str))
            atomic_write_bytes(folder / f"{stem}.npz", buf.getvalue())
            entry.update(file=f"{stem}.npz", kind="frozen", model=a.model, model_sha256=model_sha256)
        else:
            import torch  # heavy: only a build that saves trained classifiers needs it
            from safetensors.torch import save as st_save

            clf = keep["model"]
            state = {k: v.detach().to(torch.float16).contiguous() for k, v in clf.state_dict().items()}
            atomic_write_bytes(folder / f"{stem}.safetensors", st_save(state))
            entry.update(file=f"{stem}.safetensors", kind="trained", config=portable_config(clf.body.config))
        self.entries.setdefault(task, {})[approach] = entry

    def adopt(self, folder: Path, task_labels: dict[str, list[str]], *, fingerprint, base_config) -> None:
        """Manifest entries for try-it files an interrupted build saved (newer than our base's
        weights, so never a head trained on an older base); a --cached-only build uses this.
        fingerprint(model name) gives a frozen model's sha256; base_config is our base's config."""
        weights = MODELS_DIR / "base" / "model.safetensors"
        base_time = weights.stat().st_mtime if weights.is_file() else 0.0
        self.folder = folder
        for task, labels in task_labels.items():
            for approach, a in APPROACHES.items():
                ext = "safetensors" if a.kind == "trained" else "npz"
                path = folder / f"{task}-{a.slug}.{ext}"
                if not path.is_file() or path.stat().st_mtime < base_time:
                    continue
                entry: dict = {"labels": list(labels), "file": path.name}
                if a.kind == "bag-of-words":
                    entry.update(kind="bag-of-words", settings=dict(BOW_SETTINGS))
                elif a.kind == "frozen":
                    entry.update(kind="frozen", model=a.model, model_sha256=fingerprint(a.model))
                else:
                    entry.update(kind="trained", config=portable_config(base_config))
                self.entries.setdefault(task, {})[approach] = entry

    def write_manifest(self, base_lm, *, base_sha256: str, max_tokens: int) -> None:
        """The tokenizer and manifest.json beside the saved files (nothing when none were saved)."""
        if self.folder is None or not self.entries:
            return
        base_lm.tokenizer.backend_tokenizer.save(str(self.folder / "tokenizer.json"))
        approaches = {t: {stored(a): e for a, e in v.items()} for t, v in self.entries.items()}
        manifest = dict(per_class=self.per_class, seed=self.seed, approaches=approaches, base_sha256=base_sha256,
                        max_tokens=max_tokens, **provenance())
        atomic_write_text(self.folder / "manifest.json", json.dumps(manifest, indent=1) + "\n")


def summary_of(folder: Path) -> dict:
    """What the try-it classifiers already on disk were trained on (a --cached-only build keeps them)."""
    try:
        m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return {"per_class": m["per_class"], "seed": m["seed"], "built_at": built_at(m),
                "approaches": {t: {a: {"kind": e.get("kind")} for a, e in v.items()} for t, v in m["approaches"].items()}}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
