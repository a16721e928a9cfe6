"""``GET /api/organisationUnits?paging=false`` for all 3,356 units, beside a naive baseline.

* **HTTP** — a live ``chitieu serve`` (one worker, loopback) on a bootstrapped SQLite file
  (``--pg`` also on PostgreSQL), signed in as an admin at ``VN`` with HTTP Basic; the list with
  ``fields=id,code,name,level,parent[id,name]`` (what an integration reads to map ids) and with
  ``fields=*`` (children and ancestors too). Median and best of ``--repeat`` calls after one
  warm-up; the time includes sign-in (cached after the first call), JSON and the network.
* **in process** — the same list as :class:`chitieu.exchange.org_units.OrgUnitQuery` builds it
  (one query with the parent joined, then one for the ancestors' UIDs), beside a naive build of
  the same objects: one query for the units, then one query per unit for its parent (the N+1
  pattern an ORM walk of ``unit.parent`` gives). Same process, same connection; the ratio is
  naive / chitieu.

    .venv/bin/python bench/bench_dhis2_metadata.py [--repeat 7] [--pg]
"""

from __future__ import annotations

import argparse
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
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from chitieu.bootstrap import bootstrap
from chitieu.exchange.metadata_query import Paging, parse_fields
from chitieu.exchange.org_units import LEVEL_NUMBER, OrgUnitQuery
from chitieu.store.db import make_engine
from chitieu.store.models import Unit

CHITIEU = str(Path(sys.executable).with_name("chitieu"))
PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
PASSWORD = "bench password 123"
FIELDS = "id,code,name,level,parent[id,name]"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _add_admin(engine: Engine) -> None:
    from chitieu.auth.users import create_user

    with engine.begin() as conn:
        create_user(conn, "bench.admin", role="admin", unit_code="VN", password=PASSWORD)


def _naive(engine: Engine) -> list[dict]:
    out = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(Unit.uid, Unit.code, Unit.name, Unit.level, Unit.parent_code)
        ).all()
        for uid, code, name, level, parent_code in rows:
            obj = {"id": uid, "code": code, "name": name, "level": LEVEL_NUMBER[level]}
            if parent_code is not None:
                parent = conn.execute(
                    select(Unit.uid, Unit.name).where(Unit.code == parent_code)
                ).one()
                obj["parent"] = {"id": parent[0], "name": parent[1]}
            out.append(obj)
    return out


def _chitieu(engine: Engine) -> list[dict]:
    with Session(engine) as db:
        objects, _ = OrgUnitQuery(db, "VN").list(
            parse_fields(FIELDS, ""), [], paging=Paging(enabled=False)
        )
    return objects


def _timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def _http(url: str, repeat: int) -> None:
    port = _port()
    env = {**os.environ, "CHITIEU_DATABASE_URL": url, "CHITIEU_SECRET_KEY": "bench-secret-key"}
    proc = subprocess.Popen(
        [CHITIEU, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/organisationUnits.json"
    try:
        with httpx.Client(auth=("bench.admin", PASSWORD), timeout=60) as client:
            for _ in range(150):
                try:
                    client.get(f"http://127.0.0.1:{port}/api/ping")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            for fields in (FIELDS, "*"):
                params = {"paging": "false", "fields": fields}
                sizes: list[int] = []

                def call(params: dict = params, sizes: list[int] = sizes) -> None:
                    r = client.get(base, params=params)
                    r.raise_for_status()
                    assert len(r.json()["organisationUnits"]) == 3356
                    sizes.append(len(r.content))

                times = _timed(call, repeat)
                print(
                    f"  HTTP fields={fields:<36} median {statistics.median(times) * 1000:7.1f} ms"
                    f"  best {min(times) * 1000:7.1f} ms  ({sizes[-1] / 1e6:.2f} MB)"
                )
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def run(label: str, engine: Engine, url: str, repeat: int) -> None:
    print(f"{label}:")
    assert sorted(map(str, _naive(engine))) == sorted(map(str, _chitieu(engine)))
    ours = _timed(lambda: _chitieu(engine), repeat)
    naive = _timed(lambda: _naive(engine), repeat)
    m_ours, m_naive = statistics.median(ours), statistics.median(naive)
    print(f"  in process, chitieu (joined parent)   median {m_ours * 1000:7.1f} ms")
    print(f"  in process, naive (query per parent)  median {m_naive * 1000:7.1f} ms")
    print(
        f"  naive / chitieu: {m_naive / m_ours:.1f}× "
        f"(range {min(naive) / max(ours):.1f}–{max(naive) / min(ours):.1f}×)"
    )
    _http(url, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        bootstrap(engine)
        _add_admin(engine)
        run("SQLite", engine, url, args.repeat)
        engine.dispose()
    if args.pg:
        import psycopg

        name = f"chitieu_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}"
        engine = make_engine(url)
        try:
            bootstrap(engine)
            _add_admin(engine)
            with engine.begin() as conn:
                conn.execute(text("ANALYZE units"))
            run("PostgreSQL", engine, url, args.repeat)
        finally:
            engine.dispose()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
