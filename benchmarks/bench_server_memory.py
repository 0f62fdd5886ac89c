"""Server memory after one reader visits every page: RSS of the Streamlit server process.

Starts `streamlit run app.py` in APP_DIR (default: this checkout) on a free port, opens every
page in one Chromium session, waits for each to finish, and prints the server's resident memory
(VmRSS, and its peak VmHWM) after each page. Then, in the same server, it visits the pages that
offer SmolLM2 with it switched on, and prints memory again, and how many times SmolLM2's weights
were loaded (counted from the server log lines the loaders print is not reliable, so the figure
here is the memory step: one more copy of SmolLM2 costs about 500 MB).

    python benchmarks/bench_server_memory.py                 # this checkout
    python benchmarks/bench_server_memory.py --app-dir DIR   # another checkout (side by side)

The page list comes from the checkout's own page table, so an older checkout is measured on
the pages it has. Needs the data pack and SmolLM2 fetched (python -m engine data smollm2).
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

# Pages that offer SmolLM2, and the query that switches it on there (pages missing in a checkout
# are skipped).
SMOLLM_ON = {
    "next-token": "?model=smollm2",
    "transfer": "?task=spam&smol=true",
    "knowledge": "?smol=true",
    "cutoff": "?real=true",
}


def url_paths(app_dir: Path) -> list[str]:
    """Every page of that checkout's table, home first."""
    code = ("import sys; sys.path.insert(0, '.');\n"
            "try:\n from lessons._site import available_pages\n"
            "except ImportError:\n from app import available_pages\n"
            "print(' '.join(p.url_path for p in available_pages()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=app_dir, capture_output=True, text=True, check=True)
    return [""] + out.stdout.split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    get = lambda key: int(re.search(rf"^{key}:\s+(\d+) kB", text, re.M).group(1)) / 1024  # noqa: E731
    return get("VmRSS"), get("VmHWM")


def visit(browser, url: str, timeout_ms: int = 600_000) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector(DONE, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                           timeout=timeout_ms)
    page.wait_for_timeout(1500)
    page.wait_for_selector(DONE, timeout=timeout_ms)
    context.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app-dir", type=Path, default=ROOT)
    args = ap.parse_args()
    app_dir = args.app_dir.resolve()
    paths = url_paths(app_dir)
    port = free_port()
    log = open(ROOT / "test-artifacts" / "bench-server-memory.log", "wb") if (ROOT / "test-artifacts").is_dir() \
        else subprocess.DEVNULL
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        print(f"app: {app_dir} (commit {git_head(app_dir)})")
        print(f"at rest: RSS {rss_mb(proc.pid)[0]:.0f} MB")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for path in paths:
                t0 = time.perf_counter()
                visit(browser, f"{url}/{path}")
                rss, peak = rss_mb(proc.pid)
                print(f"/{path:<12} {time.perf_counter() - t0:6.1f} s   RSS {rss:6.0f} MB   peak {peak:6.0f} MB")
            rss, peak = rss_mb(proc.pid)
            print(f"every page, once: RSS {rss:.0f} MB, peak {peak:.0f} MB")
            for path, query in SMOLLM_ON.items():
                if path in paths:
                    t0 = time.perf_counter()
                    visit(browser, f"{url}/{path}{query}")
                    rss, peak = rss_mb(proc.pid)
                    print(f"/{path}{query:<24} {time.perf_counter() - t0:6.1f} s   RSS {rss:6.0f} MB   "
                          f"peak {peak:6.0f} MB")
            rss, peak = rss_mb(proc.pid)
            print(f"with SmolLM2 switched on: RSS {rss:.0f} MB, peak {peak:.0f} MB")
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return 0


def git_head(folder: Path) -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True, text=True)
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
