"""API latency under 50 concurrent clients, on SQLite and on PostgreSQL, beside baselines.

For each database the script serves the app with ``chitieu serve`` (uvicorn on loopback: one
worker on SQLite, two on PostgreSQL, as the command chooses on these 2-core machines), signs
in as ``analyst.hanoi`` and runs two scenarios, each for a bounded time:

* **dashboard** — the calls the dashboard page makes for Hanoi: ``/api/dashboard/{section}``
  for its six sections (scorecard, trend, signatures, communes, capacity, reporting);
* **scripts** — an analyst's typical API calls: the SRB series 2009–2025, SRB per commune with
  intervals, births by year and sex, a page of data values, the communes of Hanoi.

Under load, 50 clients (asyncio, one keep-alive connection each, no think time) each repeat
the scenario's calls in order until the time is up; every latency is recorded. Baselines, in
the same process: (1) the same calls one at a time, each through a fresh connection (the
latency floor with nothing else running); (2) for the dashboard, the same calls one at a time
right after a data change, so nothing is cached: what a server that recomputes every answer
would take per call, even without load.

The database is the demo database, built by ``chitieu demo --no-serve`` (with its users).
The load generator shares the machine's 2 cores with the server.

    .venv/bin/python bench/bench_api.py [--seconds 20] [--clients 50] [--skip-pg] [--skip-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
CHITIEU = str(ROOT / ".venv" / "bin" / "chitieu")
PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
SECTIONS = ("scorecard", "trend", "signatures", "communes", "capacity", "reporting")
YEAR = 2025


def dashboard_calls(year: int) -> list[str]:
    return [f"/api/dashboard/{s}?unit=01&year={year}&lang=vi" for s in SECTIONS]


SCRIPT_CALLS = [
    "/api/indicators/SRB?unit=01&start=2009&end=2025",
    "/api/indicators/SRB?unit=01&start=2021&end=2025&children=true&page_size=200",
    "/api/births/aggregates?unit=01&children=true&group_by=year,sex&start=2009&end=2025",
    "/api/datavalues?unit=01&children=true&page_size=100",
    "/api/units?parent=01&page_size=200",
]


# --- the database -------------------------------------------------------------------------


def prepare(url: str) -> None:
    """Build the demo database at ``url`` (empty) with ``chitieu demo --no-serve``."""
    env = {**os.environ, "CHITIEU_DATABASE_URL": url}
    done = subprocess.run(
        [CHITIEU, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"chitieu demo failed:\n{done.stdout}\n{done.stderr}")


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chitieu_env(url: str, src: Path = ROOT / "src") -> dict[str, str]:
    """The environment of a ``chitieu`` child process on ``url``, running the code in ``src``."""
    return {**os.environ, "CHITIEU_DATABASE_URL": url, "PYTHONPATH": str(src)}


def start_server(
    url: str,
    workers: int = 1,
    settings: dict[str, str] | None = None,
    src: Path = ROOT / "src",
) -> tuple[subprocess.Popen, str]:
    """``chitieu serve`` on ``url`` with ``workers`` and the extra environment ``settings``,
    running the code in ``src``; returns once ``/healthz`` answers (its base URL with it)."""
    port = _free_port()
    env = {**chitieu_env(url, src), "CHITIEU_SECRET_KEY": uuid.uuid4().hex, **(settings or {})}
    # the server's log goes to a file open for the server's life (a pipe nobody reads would
    # stall it once full); it is read if the server exits before it answers
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "chitieu", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("server did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- measuring ----------------------------------------------------------------------------


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def sequential(base: str, headers: dict, calls: list[str], rounds: int) -> list[float]:
    """Latencies (ms) of the calls one at a time, each through a new connection."""
    out = []
    for _ in range(rounds):
        for path in calls:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                t = time.perf_counter()
                r = client.get(path)
                out.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
    return out


def cold(base: str, headers: dict, admin: dict, calls: list[str], rounds: int) -> list[float]:
    """Latencies (ms) of the calls one at a time, each round after a data change (a value
    written through the API), so no cached answer can be served."""
    out = []
    with httpx.Client(base_url=base, timeout=120) as client:
        for i in range(rounds):
            body = {"element": "NURSES", "unit": "01", "period": "2000", "value": i + 1}
            client.put("/api/datavalues", json=body, headers=admin).raise_for_status()
            for path in calls:
                t = time.perf_counter()
                client.get(path, headers=headers).raise_for_status()
                out.append((time.perf_counter() - t) * 1000)
    return out


class _Connection:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams, for the load only: httpx
    costs about 3.6 ms of CPU per request on these cores (as much as the server it measures),
    this about a tenth of that. It sends what a browser sends (``Accept-Encoding: gzip``)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        #: The last response's header fields, names in lower case.
        self.fields: dict[str, str] = {}

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept-Encoding: gzip\r\n"
            f"{self.extra}\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        self.fields = fields
        if "content-length" in fields:
            await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if fields.get("connection") == "close":
            self.writer.close()
            self.writer = None
        return status


async def _load(base: str, headers: dict, calls: list[str], clients: int, seconds: float):  # type: ignore[no-untyped-def]
    url = httpx.URL(base)
    latencies: dict[str, list[float]] = {p: [] for p in calls}
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal errors
        conn = _Connection(url.host, url.port or 80, headers)
        i = offset
        while time.perf_counter() < deadline:
            path = calls[i % len(calls)]
            i += 1
            t = time.perf_counter()
            status = await conn.get(path)
            elapsed = (time.perf_counter() - t) * 1000
            if status == 200:
                latencies[path].append(elapsed)
            else:
                errors += 1
        if conn.writer is not None:
            conn.writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    return latencies, errors, time.perf_counter() - started


def under_load(base: str, headers: dict, calls: list[str], clients: int, seconds: float):  # type: ignore[no-untyped-def]
    return asyncio.run(_load(base, headers, calls, clients, seconds))


def _login(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/login", json={"username": username, "password": "demo"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def run_backend(name: str, url: str, args: argparse.Namespace) -> list[str]:
    lines = [f"### {name}", ""]
    t = time.perf_counter()
    prepare(url)
    lines.append(f"Data: the demo database, built in {time.perf_counter() - t:.0f} s.")
    proc, base = start_server(url)
    try:
        analyst = _login(base, "analyst.hanoi")
        admin = _login(base, "admin")
        scenarios = {"dashboard": dashboard_calls(YEAR), "scripts": SCRIPT_CALLS}
        available = httpx.get(f"{base}{scenarios['dashboard'][0]}", headers=analyst)
        if available.status_code == 404:
            del scenarios["dashboard"]
            lines.append("The dashboard's JSON routes are not installed: scenario skipped.")
        lines += [
            "",
            "| scenario | requests | req/s | median ms | p95 ms | max ms | errors | "
            "sequential, fresh connection: median / p95 ms | loaded p95 ÷ sequential median "
            "| cold (no cache) median / p95 ms | cold median ÷ loaded median |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        per_call = []
        for scenario, calls in scenarios.items():
            # a short burst, not counted, fills every worker's caches and connection pools
            under_load(base, analyst, calls, args.clients, 3.0)
            seq = sequential(base, analyst, calls, args.rounds)
            coldest = cold(base, analyst, admin, calls, 3) if scenario == "dashboard" else []
            under_load(base, analyst, calls, args.clients, 3.0)
            lat, errors, wall = under_load(base, analyst, calls, args.clients, args.seconds)
            every = [x for xs in lat.values() for x in xs]
            cold_cells = (
                f"{statistics.median(coldest):.0f} / {pct(coldest, 95):.0f} | "
                f"{statistics.median(coldest) / statistics.median(every):.1f}×"
                if coldest
                else "– | –"
            )
            lines.append(
                f"| {scenario} | {len(every)} | {len(every) / wall:.0f} | "
                f"{statistics.median(every):.0f} | {pct(every, 95):.0f} | {max(every):.0f} | "
                f"{errors} | {statistics.median(seq):.1f} / {pct(seq, 95):.1f} | "
                f"{pct(every, 95) / statistics.median(seq):.1f}× | {cold_cells} |"
            )
            for path, xs in lat.items():
                per_call.append(
                    f"| {scenario} | `{path}` | {len(xs)} | {statistics.median(xs):.0f} | "
                    f"{pct(xs, 95):.0f} |"
                )
        lines += [
            "",
            "| scenario | call | n | median ms | p95 ms |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += per_call
    finally:
        stop_server(proc)
    return lines


def _pg_database() -> tuple[str, psycopg.Connection, str] | None:
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None
    name = f"chitieu_bench_api_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # generated name, never user input
    return f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}", admin, name


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.split("\n")[1]
    return f"{os.cpu_count()} cores ({cpu}); memory: {' '.join(mem.split()[:2])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="load per scenario")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="sequential baseline rounds")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(
        f"Machine: {machine()}; {time.strftime('%Y-%m-%d')}; {args.clients} clients, "
        f"{args.seconds:.0f} s per scenario.\n"
    )
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            for line in run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args):
                print(line)
        print()
    if args.skip_pg:
        return
    pg = _pg_database()
    if pg is None:
        print(f"PostgreSQL: no server at {PG_ADMIN_DSN!r}; skipped.")
        return
    url, admin, name = pg
    try:
        for line in run_backend("PostgreSQL", url, args):
            print(line)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
