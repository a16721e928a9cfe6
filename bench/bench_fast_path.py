"""What one answer from the cache costs, one request at a time: wall time per request seen by
one keep-alive client, and the server's CPU per request, for a cached national section, a
cached provincial section and ``/api/targets/status``, with the code under test beside an
earlier tree of the code (``--before``, e.g. an export of main before the change), in turns
in one run on the same database.

    git archive BEFORE_COMMIT | tar -x -C /tmp/before
    PYTHONPATH=src .venv/bin/python bench/bench_fast_path.py \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/NAME --before /tmp/before/src \\
        [--requests 300] [--rounds 3]

Each server is ``chitieu serve --workers 1``, signed in as ``admin`` with a bearer token; each
path is asked a few times first (built, then cached), then ``--requests`` times in a row.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import _Connection, machine, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
PATHS = (
    "/api/dashboard/reporting?unit=VN&year=2025&lang=vi",
    "/api/dashboard/scorecard?unit=01&year=2025&lang=vi",
    "/api/targets/status",
)


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User and system CPU of the server and its children."""
    p = psutil.Process(proc.pid)
    total = 0.0
    for q in [p, *p.children(recursive=True)]:
        t = q.cpu_times()
        total += t.user + t.system
    return total


async def timed(base: str, headers: dict[str, str], path: str, n: int) -> list[float]:
    url = httpx.URL(base)
    conn = _Connection(url.host, url.port or 80, headers)
    for _ in range(5):
        assert await conn.get(path) == 200, path
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        status = await conn.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (path, status)
    return out


def one(url: str, src: Path, n: int) -> dict[str, tuple[float, float, float]]:
    """Per path: median and 90th percentile ms, and server CPU ms per request."""
    proc, base = start_server(url, src=src)
    try:
        r = httpx.post(f"{base}/api/login", json={"username": "admin", "password": "demo"})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        out = {}
        for path in PATHS:
            asyncio.run(timed(base, headers, path, 5))  # built and cached
            cpu0 = cpu_seconds(proc)
            xs = asyncio.run(timed(base, headers, path, n))
            cpu = (cpu_seconds(proc) - cpu0) * 1000 / (n + 5)
            xs.sort()
            out[path] = (statistics.median(xs), xs[int(0.9 * len(xs))], cpu)
        return out
    finally:
        stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--before", type=Path, help="the src/ folder of the earlier code")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"Machine: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    variants = [("after", ROOT / "src")] + ([("before", args.before)] if args.before else [])
    results: dict[str, list[dict[str, tuple[float, float, float]]]] = {v: [] for v, _ in variants}
    for rnd in range(args.rounds):
        for name, src in variants if rnd % 2 == 0 else variants[::-1]:
            load = Path("/proc/loadavg").read_text().split()[:3]
            results[name].append(one(args.url, src, args.requests))
            print(f"round {rnd + 1} {name}: load {' '.join(load)}", flush=True)
    print("\npath | variant | median ms | p90 ms | server CPU ms/request (median of rounds)")
    for path in PATHS:
        for name, _ in variants:
            runs = results[name]
            med = statistics.median(r[path][0] for r in runs)
            p90 = statistics.median(r[path][1] for r in runs)
            cpu = statistics.median(r[path][2] for r in runs)
            print(f"{path} | {name} | {med:.2f} | {p90:.2f} | {cpu:.2f}")


if __name__ == "__main__":
    main()
