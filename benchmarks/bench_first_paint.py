"""Home page first paint: from the server answering to the home page's title
being visible in Chromium, and to its figure being drawn.

Starts `streamlit run app.py` on a free port, then loads the home page in a
fresh browser context (a new session, empty browser cache) several times. The
first load is the server's first script run (cold imports); the rest are warm.
Target: the median under 5 s.

    python benchmarks/bench_first_paint.py [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lessons._site import HOME_TITLE  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402

TARGET_S = 5.0


def one_load(browser, url: str) -> tuple[float, float]:
    """Seconds to the title being visible, and to the plotly figure being drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.get_by_role("heading", name=HOME_TITLE).wait_for(state="visible", timeout=120_000)
        t_title = time.perf_counter() - t0
        page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(state="visible", timeout=120_000)
        t_figure = time.perf_counter() - t0
        return t_title, t_figure
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads (the first one is cold)")
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        print(f"needs Chromium at {CHROMIUM}", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    t_start = time.perf_counter()
    proc, url = start_server(ROOT / "test-artifacts" / "bench-first-paint-server.log")
    t_server = time.perf_counter() - t_start
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            loads = [one_load(browser, url) for _ in range(args.runs)]
            browser.close()
    finally:
        stop_server(proc)

    titles = [t for t, _ in loads]
    figures = [f for _, f in loads]
    print(f"server start to answering health check: {t_server:.2f} s")
    print("title visible, s:  " + "  ".join(f"{t:.2f}" for t in titles))
    print("figure drawn, s:   " + "  ".join(f"{f:.2f}" for f in figures))
    print(f"first (cold) load: title {titles[0]:.2f} s, figure {figures[0]:.2f} s")
    median = statistics.median(titles)
    print(f"median of {len(titles)}: title {median:.2f} s, figure {statistics.median(figures):.2f} s "
          f"(target < {TARGET_S:g} s: {'met' if median < TARGET_S else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
