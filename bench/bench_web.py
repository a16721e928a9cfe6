"""First meaningful paint of the dashboard, in a real browser, beside a naive baseline.

The app runs under uvicorn on loopback against a demo-like SQLite database (all 126 Hanoi
communes, 2012–2025 births, monthly reports: ``tests/web/webworld.py``), or ``--database URL``
(e.g. the demo's). Debian's Chromium, driven by Playwright, signs in as ``analyst.hanoi`` and
opens the Hanoi dashboard, measuring from navigation start:

* first contentful paint (``performance.getEntriesByType('paint')``);
* the scorecard's numbers on screen (``chitieu:scorecard``: each target's estimate with its
  interval, status and probability, drawn as text without the chart library);
* first meaningful paint: the ``chitieu:first-chart`` mark, set when the first chart has
  finished drawing;
* all sections drawn (``chitieu:all-sections``).

Two pages: the real one (shell first, each section fetched in parallel and drawn as it arrives,
results cached per data version) and the naive baseline (``?inline=1``: every section computed
server-side before the first byte). Each is measured *cold* (the result cache emptied before
each load, as after any change to the data) and *warm*, on loopback and on a throttled "slow
3G-like" line (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency; Chrome DevTools emulation).

    .venv/bin/python bench/bench_web.py [--runs 5] [--database URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "web"))

SLOW_LINE = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
TIMINGS_JS = """() => {
  const mark = (n) => {
    const e = performance.getEntriesByName(n); return e.length ? e[0].startTime : null; };
  const fcp = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  return {fcp: fcp ? fcp.startTime : null, numbers: mark('chitieu:scorecard'),
          fmp: mark('chitieu:first-chart'), all: mark('chitieu:all-sections')};
}"""


def build_database(url: str | None) -> tuple[str, object]:
    from chitieu.store.db import make_engine

    if url:
        return url, make_engine(url)
    from webworld import PASSWORD, build_world

    from chitieu.auth.passwords import hash_password
    from chitieu.store.migrate import upgrade

    path = Path(tempfile.mkdtemp(prefix="bench_web_")) / "chitieu.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    build_world(engine, hash_password(PASSWORD))
    return url, engine


def measure(page, url: str, wait_for: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    page.goto(url, wait_until="commit")
    page.wait_for_selector(wait_for, timeout=120_000)
    return page.evaluate(TIMINGS_JS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=None, help="an existing database URL")
    parser.add_argument("--unit", default="01")
    args = parser.parse_args()

    from livebrowser import LiveServer, launch_chromium
    from playwright.sync_api import sync_playwright

    from chitieu.app import create_app
    from chitieu.config import Settings

    url, engine = build_database(args.database)
    app = create_app(Settings(database_url=url, secret_key="bench-web"), engine=engine)
    server = LiveServer(app)
    server.start()
    base = server.url
    results: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "analyst.hanoi")
        page.fill("input[name=password]", "demo")
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard**")
        page.wait_for_selector("#dashboard[data-loaded='1']", timeout=120_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        pages = {
            "progressive": f"{base}/dashboard?unit={args.unit}",
            "inline (naive)": f"{base}/dashboard?unit={args.unit}&inline=1",
        }
        for line in ("loopback", "slow line"):
            conditions = (
                SLOW_LINE
                if line == "slow line"
                else {**SLOW_LINE, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
            )
            cdp.send("Network.emulateNetworkConditions", conditions)
            for name, target in pages.items():
                for cache in ("cold", "warm"):
                    runs = []
                    for _ in range(args.runs):
                        if cache == "cold":
                            app.state.dashboard_cache.clear()
                            # the browser's HTTP cache too: a first visit on this machine
                            cdp.send("Network.clearBrowserCache")
                        runs.append(measure(page, target, "#dashboard[data-loaded='1']"))
                    results[(line, name, cache)] = runs
        browser.close()
    server.stop()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs if r[key] is not None)

    print(f"dashboard of unit {args.unit}, median of {args.runs} loads (ms from navigation start)")
    print(
        f"{'line':10} {'page':16} {'cache':5} {'FCP':>7} {'scorecard':>10} {'first chart':>12} "
        f"{'all drawn':>10}"
    )
    for (line, name, cache), runs in results.items():
        print(
            f"{line:10} {name:16} {cache:5} {med(runs, 'fcp'):7.0f} {med(runs, 'numbers'):10.0f} "
            f"{med(runs, 'fmp'):12.0f} {med(runs, 'all'):10.0f}"
        )
    for line in ("loopback", "slow line"):
        for cache in ("cold", "warm"):
            naive = med(results[(line, "inline (naive)", cache)], "fmp")
            ours = med(results[(line, "progressive", cache)], "fmp")
            print(f"{line}, {cache}: first chart naive/progressive = {naive / ours:.2f}x")


if __name__ == "__main__":
    main()
