"""One manifest schema: every build writes engine.manifest.provenance(), and the readers accept the
older names (created/commit) that the committed transfer manifests still carry."""
import json
import re

from engine import manifest, models
from engine.paths import ASSETS_DIR

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def test_provenance_carries_every_field_and_stays_light():
    record = manifest.provenance()
    assert list(record) == list(manifest.FIELDS)
    assert STAMP.match(record["built_at"]) and record["git_commit"]
    assert models.provenance().keys() == record.keys()  # the model builds write the same fields


def test_older_names_are_read_newer_names_win():
    assert manifest.built_at({"created": "2025-01-01T00:00:00Z"}) == "2025-01-01T00:00:00Z"
    assert manifest.git_commit({"commit": "abc"}) == "abc"
    assert manifest.built_at({"built_at": "new", "created": "old"}) == "new"
    assert manifest.built_at({}) is None and manifest.field({}, "machine", "?") == "?"


def _committed_manifests():
    for path in sorted(ASSETS_DIR.rglob("manifest.json")):
        yield path.relative_to(ASSETS_DIR).as_posix(), json.loads(path.read_text(encoding="utf-8"))
    results = json.loads((ASSETS_DIR / "transfer" / "results.json").read_text(encoding="utf-8"))
    yield "transfer/results.json#manifest", results["manifest"]


def test_every_committed_manifest_says_when_it_was_built():
    seen = dict(_committed_manifests())
    assert "transfer/results.json#manifest" in seen and "models/base/manifest.json" in seen
    undated = [name for name, m in seen.items() if not STAMP.match(str(manifest.built_at(m)))]
    assert undated == []
