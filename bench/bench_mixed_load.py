"""National and provincial reads while communes write: latency under a mixed load with one
value written every second, and every national section's time right after a write.

The script serves the database at ``--url`` with ``chitieu serve --workers N`` (the demo
database, or the national-records one: ``chitieu demo --no-serve [--records national]``),
signs in as ``admin`` and runs, for ``--seconds``:

* ``--clients`` clients (asyncio, one keep-alive connection each, no think time) cycling
  through a mix: the six dashboard sections for the country and for five provinces,
  ``/api/targets/status`` (country and Hanoi), ``/api/enforcement/ranking`` (country, Hanoi)
  and the national SRB series (2016–2025, and 2026 from the communes' monthly reports);
* one writer saving a commune's monthly value (Ho Chi Minh City, 2026) every
  ``--write-every`` seconds through ``PUT /api/datavalues``: each write makes the national and
  that province's answers of 2026 stale, and nothing else.

It prints p50/p95/p99 and errors (any status but 200) over all reads, per call (with how many
were served stale, ``X-Chitieu-Stale``, and the oldest of those, ``Age``), the writes'
latencies, then each national section timed alone right after a write, each round after
``--quiet`` seconds without writes so that the write is the first after a quiet spell and the
server rebuilds the section while the request waits (cold: the write made its cached answer
stale; a section still served stale is counted). With ``--baseline`` it then does the same
cold timings with the rollups switched off (readers fall back to ``data_values``; the rollups
are rebuilt at the end), the naive reading beside the one measured, in the same run.

    PYTHONPATH=src .venv/bin/python bench/bench_mixed_load.py \\
        --url postgresql+psycopg://127.0.0.1:5432/NAME [--seconds 60] [--clients 50] \\
        [--workers 2] [--baseline] [--fresh-first]
    PYTHONPATH=src .venv/bin/python bench/bench_mixed_load.py --url ... --reads

``--reads`` only times the national reads in this process from the rollups and from
``data_values`` (the rollups switched off inside a transaction rolled back), side by side.
``--fresh-first`` first runs the same load with stale answers off
(``CHITIEU_STALE_REFRESH_INTERVAL=0``, every request waits for the current answer) and prints
its figures: the baseline, beside the run that follows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import (  # noqa: E402
    _Connection,
    chitieu_env,
    machine,
    start_server,
    stop_server,
)

SECTIONS = ("scorecard", "trend", "signatures", "communes", "capacity", "reporting")
PROVINCES = ("01", "31", "79", "48", "92")
YEAR = 2025
#: The value the writer changes: a Ho Chi Minh City ward's boys, first births, October 2026.
WRITE = {"element": "LIVE_BIRTHS", "unit": "25747", "period": "202610", "disaggregation": "M_O1"}


def national_sections() -> list[str]:
    return [f"/api/dashboard/{s}?unit=VN&year={YEAR}&lang=vi" for s in SECTIONS]


def calls() -> list[str]:
    out = national_sections()
    for p in PROVINCES:
        out += [f"/api/dashboard/{s}?unit={p}&year={YEAR}&lang=vi" for s in SECTIONS]
    out += [
        "/api/targets/status",
        "/api/targets/status?unit=01",
        "/api/enforcement/ranking?unit=VN",
        "/api/enforcement/ranking?unit=01",
        "/api/indicators/SRB?unit=VN&start=2016&end=2025",
        "/api/indicators/SRB?unit=VN&start=2026&end=2026",
    ]
    return out


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def _login(base: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/login", json={"username": "admin", "password": "demo"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _value(client: httpx.Client, headers: dict[str, str]) -> int:
    """The value stored now under :data:`WRITE`'s key."""
    query = {**WRITE, "start": WRITE["period"], "end": WRITE["period"]}
    r = client.get("/api/datavalues", params=query, headers=headers)
    r.raise_for_status()
    found = [i["value"] for i in r.json()["items"]]
    return int(found[0]) if found else 20


def _write(client: httpx.Client, headers: dict[str, str], value: int) -> float:
    """``value`` saved under :data:`WRITE`'s key (20 or 21: a plausible month); its ms."""
    t = time.perf_counter()
    r = client.put(
        "/api/datavalues?confirm=true", json={**WRITE, "value": 20 + value % 2}, headers=headers
    )
    r.raise_for_status()
    return (time.perf_counter() - t) * 1000


async def _load(
    base: str, headers: dict, mix: list[str], clients: int, seconds: float, every: float
):  # type: ignore[no-untyped-def]
    url = httpx.URL(base)
    latencies: dict[str, list[float]] = {p: [] for p in mix}
    stale: dict[str, list[int]] = {p: [] for p in mix}
    errors: dict[str, int] = {}
    writes: list[float] = []
    deadline = time.perf_counter() + seconds

    async def reader(offset: int) -> None:
        conn = _Connection(url.host, url.port or 80, headers)
        i = offset
        while time.perf_counter() < deadline:
            path = mix[i % len(mix)]
            i += 1
            t = time.perf_counter()
            try:
                status = await conn.get(path)
            except (OSError, asyncio.IncompleteReadError):
                status, conn = 0, _Connection(url.host, url.port or 80, headers)
            if status == 200:
                latencies[path].append((time.perf_counter() - t) * 1000)
                if conn.fields.get("x-chitieu-stale"):
                    stale[path].append(int(conn.fields.get("age", 0)))
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
        if conn.writer is not None:
            conn.writer.close()

    async def writer() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            i = await asyncio.to_thread(_value, client, headers) + 1
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writes.append(await asyncio.to_thread(_write, client, headers, i))
                i += 1
                await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))

    started = time.perf_counter()
    await asyncio.gather(writer(), *(reader(k) for k in range(clients)))
    return latencies, stale, errors, writes, time.perf_counter() - started


def cold_after_write(
    base: str, headers: dict, rounds: int, quiet: float = 0.0
) -> tuple[dict[str, list[float]], int]:
    """Each national section alone, right after a write made its cached answer stale (ms),
    each round after ``quiet`` seconds without writes; and how many were served stale."""
    out: dict[str, list[float]] = {p: [] for p in national_sections()}
    stale = 0
    with httpx.Client(base_url=base, timeout=300) as client:
        written = _value(client, headers)
        for _ in range(rounds):
            time.sleep(quiet)
            for path in out:
                written += 1  # a new value each time: an unchanged one changes nothing
                _write(client, headers, written)
                t = time.perf_counter()
                r = client.get(path, headers=headers)
                r.raise_for_status()
                out[path].append((time.perf_counter() - t) * 1000)
                stale += bool(r.headers.get("x-chitieu-stale"))
    return out, stale


def _psql_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def rollups_switch(url: str, on: bool) -> None:
    """Off: remove the rollups' mark, so readers read ``data_values`` (writes stop keeping
    them). On: ``chitieu db upgrade``, which rebuilds them."""
    if on:
        subprocess.run(
            [sys.executable, "-m", "chitieu", "db", "upgrade"],
            env=chitieu_env(url),
            check=True,
            capture_output=True,
        )
        return
    import psycopg

    with psycopg.connect(_psql_url(url), autocommit=True) as conn:
        conn.execute("DELETE FROM change_counters WHERE scope = '~rollups'")


def reads_side_by_side(url: str, repeat: int = 5) -> None:
    """The national and provincial reads in this process, from the rollups and, as the
    baseline, from ``data_values`` (the rollups' mark removed inside a transaction that is
    rolled back): medians of ``repeat`` runs and whether the answers are equal."""
    from sqlalchemy import text

    from chitieu.indicators import indicator_by_children, indicator_series
    from chitieu.indicators.completeness import births_completeness
    from chitieu.store.db import make_engine

    reads = {
        "indicator_series(SRB, VN, 2026)": lambda c: indicator_series(c, "SRB", "VN", [2026]),
        "indicator_series(SRB, VN, 2016–2026)": lambda c: indicator_series(
            c, "SRB", "VN", range(2016, 2027)
        ),
        "indicator_by_children(SRB, VN, 2026)": lambda c: indicator_by_children(
            c, "SRB", "VN", [2026]
        ),
        "indicator_by_children(SRB, 79, 2026)": lambda c: indicator_by_children(
            c, "SRB", "79", [2026]
        ),
        "births_completeness(VN, 2026)": lambda c: births_completeness(c, "VN", 2026),
    }

    def timed(conn, read):  # type: ignore[no-untyped-def]
        times, answer = [], None
        for _ in range(repeat):
            t = time.perf_counter()
            answer = read(conn)
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times), str(answer)

    engine = make_engine(url)
    with engine.connect() as conn:
        rolled = {name: timed(conn, read) for name, read in reads.items()}
        conn.execute(text("DELETE FROM change_counters WHERE scope = '~rollups'"))
        print("\n| read | from data_values, ms | from the rollups, ms | ratio | same answer |")
        print("| --- | --- | --- | --- | --- |")
        for name, read in reads.items():
            naive, answer = timed(conn, read)
            fast, expected = rolled[name]
            same = "yes" if answer == expected else "NO"
            print(f"| `{name}` | {naive:.0f} | {fast:.0f} | {naive / fast:.1f}× | {same} |")
        conn.rollback()
    engine.dispose()


def _warm(base: str, headers: dict, mix: list[str]) -> dict[str, float]:
    """Each call once (ms): fills both workers' caches about as often as not."""
    first = {}
    with httpx.Client(base_url=base, timeout=600) as client:
        for path in mix:
            t = time.perf_counter()
            client.get(path, headers=headers).raise_for_status()
            first[path] = (time.perf_counter() - t) * 1000
    return first


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the live processes ``pids``."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def _server_pids(proc: subprocess.Popen) -> list[int]:
    import psutil

    return [proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))]


def _backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving the database at ``url`` now."""
    import psycopg

    with psycopg.connect(_psql_url(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(r[0]) for r in rows]


class CpuShare:
    """CPU seconds of the server (its workers), of the database's backends and of this
    process (the clients) between :meth:`start` and :meth:`stop`."""

    def __init__(self, proc: subprocess.Popen, url: str) -> None:
        self.proc, self.url = proc, url

    def _now(self) -> tuple[dict[int, float], float]:
        import resource

        me = resource.getrusage(resource.RUSAGE_SELF)
        pids = _server_pids(self.proc)
        if self.url.startswith("postgresql"):
            pids += [-p for p in _backend_pids(self.url)]  # negative: a backend
        return {p: _cpu_seconds([abs(p)]) for p in pids}, me.ru_utime + me.ru_stime

    def start(self) -> None:
        self.before = self._now()

    def stop(self) -> tuple[float, float, float]:
        """Server, backends, clients; a process that came after the start counts from zero,
        one gone before the end is left out."""
        (after, me_after), (before, me_before) = self._now(), self.before
        used = {p: t - before.get(p, 0.0) for p, t in after.items()}
        server = sum(t for p, t in used.items() if p > 0)
        backends = sum(t for p, t in used.items() if p < 0)
        return server, backends, me_after - me_before


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="database URL (PostgreSQL: the figure)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write-every", type=float, default=1.0)
    parser.add_argument("--cold-rounds", type=int, default=3)
    parser.add_argument(
        "--quiet", type=float, default=31.0, help="seconds without writes before a cold round"
    )
    parser.add_argument("--baseline", action="store_true", help="cold timings without rollups")
    parser.add_argument(
        "--fresh-first",
        action="store_true",
        help="first the same load with stale answers off (CHITIEU_STALE_REFRESH_INTERVAL=0)",
    )
    parser.add_argument(
        "--reads", action="store_true", help="only the reads in-process, beside data_values"
    )
    args = parser.parse_args()
    if args.reads:
        print(f"Machine: {machine()}; load average before: {loadavg()}")
        reads_side_by_side(args.url)
        print(f"\nload average after: {loadavg()}")
        return
    print(
        f"Machine: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{args.clients} clients, {args.seconds:.0f} s, one write every {args.write_every} s, "
        f"{args.workers} workers; load average before: {loadavg()}"
    )
    mix = calls()
    if args.fresh_first:
        proc, base = start_server(args.url, args.workers, {"CHITIEU_STALE_REFRESH_INTERVAL": "0"})
        try:
            headers = _login(base)
            _warm(base, headers, mix)
            lat, _, errors, writes, wall = asyncio.run(
                _load(base, headers, mix, args.clients, args.seconds, args.write_every)
            )
        finally:
            stop_server(proc)
        every = [x for xs in lat.values() for x in xs]
        print(
            f"\nStale answers off: reads {len(every)} in {wall:.0f} s; "
            f"p50 {pct(every, 50):.0f} ms, p95 {pct(every, 95):.0f} ms, "
            f"p99 {pct(every, 99):.0f} ms; errors {errors or 0}; "
            f"writes {len(writes)}; load average after: {loadavg()}\n\nStale answers on:"
        )
    proc, base = start_server(args.url, args.workers)
    try:
        headers = _login(base)
        first = _warm(base, headers, mix)
        share = CpuShare(proc, args.url)
        share.start()
        lat, stale, errors, writes, wall = asyncio.run(
            _load(base, headers, mix, args.clients, args.seconds, args.write_every)
        )
        server_cpu, db_cpu, client_cpu = share.stop()
        every = [x for xs in lat.values() for x in xs]
        print(f"\nload average after the load: {loadavg()}")
        n = max(1, len(every))
        print(
            f"CPU during the load, per read: server {1000 * server_cpu / n:.2f} ms "
            f"({server_cpu:.1f} s), database {1000 * db_cpu / n:.2f} ms ({db_cpu:.1f} s), "
            f"clients (this process) {1000 * client_cpu / n:.2f} ms ({client_cpu:.1f} s) "
            f"of {wall * (os.cpu_count() or 1):.0f} CPU-s available"
        )
        print(
            f"\nreads: {len(every)} in {wall:.0f} s ({len(every) / wall:.0f}/s); "
            f"p50 {pct(every, 50):.0f} ms, p95 {pct(every, 95):.0f} ms, "
            f"p99 {pct(every, 99):.0f} ms, max {max(every):.0f} ms; errors {errors or 0}"
        )
        ages = [a for xs in stale.values() for a in xs]
        print(
            f"served stale: {len(ages)} of {len(every)}; oldest {max(ages, default=0)} s "
            "(Age of a stale answer)"
        )
        print(f"writes: {len(writes)}; p50 {pct(writes, 50):.0f} ms, p95 {pct(writes, 95):.0f} ms")
        print("\n| call | first (cold) ms | n | p50 ms | p95 ms | p99 ms | stale |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for path, xs in lat.items():
            print(
                f"| `{path}` | {first[path]:.0f} | {len(xs)} | {pct(xs, 50):.0f} | "
                f"{pct(xs, 95):.0f} | {pct(xs, 99):.0f} | {len(stale[path])} |"
            )
        cold, cold_stale = cold_after_write(base, headers, args.cold_rounds, args.quiet)
        base_cold: dict[str, list[float]] = {}
        if args.baseline:
            rollups_switch(args.url, on=False)
            try:
                base_cold, _ = cold_after_write(base, headers, args.cold_rounds, args.quiet)
            finally:
                rollups_switch(args.url, on=True)
        print(
            f"\nNational sections alone right after a write (median of {args.cold_rounds}; "
            f"{cold_stale} of {args.cold_rounds * len(cold)} served stale):"
        )
        print("\n| section | cold after a write, ms | without rollups, ms | ratio |")
        print("| --- | --- | --- | --- |")
        for path, xs in cold.items():
            if not xs:
                continue
            b = base_cold.get(path)
            naive = f"{statistics.median(b):.0f}" if b else "–"
            ratio = f"{statistics.median(b) / statistics.median(xs):.1f}×" if b else "–"
            print(f"| `{path}` | {statistics.median(xs):.0f} | {naive} | {ratio} |")
        print(f"\nload average at the end: {loadavg()}")
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
