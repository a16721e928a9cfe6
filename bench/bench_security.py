"""Sign-in under a flood, the sign-in limit under concurrent guesses, and memory under
oversized input, against a real ``chitieu serve`` on loopback — beside baselines.

* **flood** — ``--flood`` (default 120) concurrent ``POST /api/login`` for unknown users:
  statuses (any 5xx is a failure) and wall time; meanwhile a signed-in user's unrelated
  ``GET /api/units/01``, timed, against the same GET on an idle server (baseline).
* **guesses** — 40 concurrent wrong passwords for one user: how many were evaluated (401)
  against the limit of 5; "past the limit" must be 0.
* **big body** — a 300 MB body to ``/api/login``, sent once with its ``Content-Length`` and
  once streamed without one: the server's peak RSS (``VmHWM``) before and after, beside the
  body's size (what a server that read the body first would need at least).
* **excel bomb** — ``chitieu import excel`` of a 300 MB-unpacking workbook (about 1 MB on
  disk) in a child process: peak RSS and time, beside importing the real template.

SQLite with one worker; PostgreSQL at 127.0.0.1:5432 with three (``--skip-pg`` to leave it).

    .venv/bin/python bench/bench_security.py [--flood 120] [--skip-pg]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from chitieu.auth.users import create_user
from chitieu.bootstrap import bootstrap
from chitieu.exchange.excel import write_template
from chitieu.store.db import make_engine

CHITIEU = str(Path(sys.executable).with_name("chitieu"))
PASSWORD = "bench password"
SECRET = "bench-security-secret-0123456789"
BODY_MB = 300
NAIVE_MB = 30


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(url: str) -> None:
    engine = make_engine(url)
    bootstrap(engine)
    hashed = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        create_user(conn, "analyst.hanoi", role="analyst", unit_code="01", password_hash=hashed)
        create_user(conn, "entry.00070", role="entry", unit_code="00070", password_hash=hashed)
    engine.dispose()


class Server:
    def __init__(self, url: str, workers: int) -> None:
        self.port = _port()
        env = {**os.environ, "CHITIEU_DATABASE_URL": url, "CHITIEU_SECRET_KEY": SECRET}
        cmd = [CHITIEU, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*cmd, "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                httpx.get(f"{self.base}/openapi.json", timeout=5)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit("server did not start")

    def peak_rss_mb(self) -> float:
        """Highest VmHWM of the server's processes (the worker, and the supervisor)."""
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        peak = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        return peak / 1024

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _login(client: httpx.Client, base: str, user: str, password: str) -> int:
    r = client.post(f"{base}/api/login", json={"username": user, "password": password})
    return r.status_code


def flood(server: Server, n: int) -> None:
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    with httpx.Client(timeout=300, limits=limits) as client:
        r = client.post(
            f"{server.base}/api/login", json={"username": "analyst.hanoi", "password": PASSWORD}
        )
        bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
        idle = []
        for _ in range(5):
            t0 = time.perf_counter()
            client.get(f"{server.base}/api/units/01", headers=bearer).raise_for_status()
            idle.append(time.perf_counter() - t0)
        started = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            futures = [
                pool.submit(_login, client, server.base, f"nobody.{uuid.uuid4().hex[:8]}", "x")
                for _ in range(n)
            ]
            time.sleep(1.0)
            t0 = time.perf_counter()
            other = client.get(f"{server.base}/api/units/01", headers=bearer)
            busy = time.perf_counter() - t0
            statuses = Counter(f.result() for f in futures)
        wall = time.perf_counter() - started
    fives = sum(c for s, c in statuses.items() if s >= 500)
    print(f"  flood: {n} concurrent failed sign-ins in {wall:.1f} s: {dict(statuses)}; 5xx {fives}")
    print(
        f"  signed-in GET during the flood: {other.status_code} in {busy * 1000:.0f} ms; idle "
        f"(baseline) {min(idle) * 1000:.0f} ms; ratio {busy / min(idle):.1f}×"
    )


def guesses(server: Server, n: int = 40, limit: int = 5) -> None:
    with (
        httpx.Client(timeout=300, limits=httpx.Limits(max_connections=n + 5)) as client,
        ThreadPoolExecutor(n) as pool,
    ):
        statuses = Counter(
            pool.map(lambda i: _login(client, server.base, "entry.00070", f"g{i}"), range(n))
        )
    evaluated = statuses[401] + statuses[200]
    print(
        f"  guesses: {n} concurrent for one user: {dict(statuses)}; evaluated {evaluated} "
        f"(limit {limit}), past the limit {max(0, evaluated - limit)}"
    )


def big_body(server: Server) -> None:
    before = server.peak_rss_mb()
    chunk = b"x" * (1024 * 1024)

    def stream():  # type: ignore[no-untyped-def]
        for _ in range(BODY_MB):
            yield chunk

    results = []
    for declared in (True, False):
        headers = {"Content-Type": "application/json"}
        if declared:
            headers["Content-Length"] = str(BODY_MB * len(chunk))
        t0 = time.perf_counter()
        try:
            r = httpx.post(
                f"{server.base}/api/login", content=stream(), headers=headers, timeout=120
            )
            status = str(r.status_code)
        except httpx.HTTPError as exc:  # the server may close the connection mid-upload
            status = type(exc).__name__
        results.append(
            f"{'declared' if declared else 'streamed'} → {status} in "
            f"{time.perf_counter() - t0:.2f} s"
        )
    after = server.peak_rss_mb()
    print(f"  {BODY_MB} MB body to /api/login: {'; '.join(results)}")
    print(
        f"  server peak RSS {before:.0f} MB before, {after:.0f} MB after (+{after - before:.0f} "
        f"MB); a server that read the body first needs ≥ {BODY_MB} MB more: "
        f"{BODY_MB / max(1.0, after - before):.0f}× less"
    )


def _write_bomb(template: Path, out: Path, megabytes: int) -> None:
    """``template`` with its sheet replaced by ``megabytes`` MB of cells (~40,000 per MB)."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info.filename))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as part:
                part.write(b'<?xml version="1.0"?><worksheet><sheetData><row r="1">')
                block = b'<c r="A1" t="n"><v>0</v></c>' * 40_000
                for _ in range(megabytes):
                    part.write(block)
                part.write(b"</row></sheetData></worksheet>")


def excel_bomb(url: str, workdir: Path) -> None:
    engine = make_engine(url)
    template = workdir / "hanoi.xlsx"
    with Session(engine) as db:
        write_template(db, "01", "202501", template)
    engine.dispose()
    bomb = workdir / "bomb.xlsx"
    _write_bomb(template, bomb, BODY_MB)
    env = {**os.environ, "CHITIEU_DATABASE_URL": url}
    rows = []
    for name, path in (("real template", template), ("bomb", bomb)):
        code = (
            "import resource, subprocess, sys, time; t = time.perf_counter(); "
            f"p = subprocess.run([{CHITIEU!r}, 'import', 'excel', {str(path)!r}], "
            "capture_output=True, text=True); "
            "print(p.returncode, round(time.perf_counter() - t, 2), "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, "
            "repr((p.stdout + p.stderr)[-160:]))"
        )
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        rows.append((name, path.stat().st_size, out.stdout.strip()))
    for name, size, line in rows:
        print(
            f"  excel {name} ({size / 2**20:.1f} MB on disk): exit, s, peak RSS MB, tail = {line}"
        )
    # naive baseline: openpyxl opening a bomb of NAIVE_MB unpacked (a tenth of the bomb above,
    # so the baseline itself stays bounded) with no limits, as the import did before
    small = workdir / "small-bomb.xlsx"
    _write_bomb(template, small, NAIVE_MB)
    code = (
        "import resource, time; from openpyxl import load_workbook; t = time.perf_counter(); "
        f"load_workbook({str(small)!r}, data_only=True); "
        "print(round(time.perf_counter() - t, 1), "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    seconds, peak = out.stdout.split()
    print(
        f"  naive baseline: openpyxl opens a {NAIVE_MB} MB-unpacking bomb without limits: "
        f"{seconds} s, peak RSS {peak} MB (≈ {int(peak) * BODY_MB // NAIVE_MB} MB at "
        f"{BODY_MB} MB by proportion)"
    )


def run(label: str, url: str, workers: int, args: argparse.Namespace, workdir: Path) -> None:
    print(f"== {label} ({workers} worker{'s' if workers > 1 else ''})")
    _prepare(url)
    server = Server(url, workers)
    try:
        flood(server, args.flood)
        guesses(server)
        big_body(server)
    finally:
        server.stop()
    if label == "SQLite":
        excel_bomb(url, workdir)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flood", type=int, default=120)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-security-"))
    try:
        run("SQLite", f"sqlite:///{workdir / 'bench.db'}", 1, args, workdir)
        if not args.skip_pg:
            admin = psycopg.connect("host=127.0.0.1 port=5432 dbname=test", autocommit=True)
            name = f"bench_security_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')  # generated name
            try:
                url = f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}"
                run("PostgreSQL", url, 3, args, workdir)
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
