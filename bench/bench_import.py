"""Birth-record import rate (records/s) into SQLite and PostgreSQL, beside a naive ORM baseline.

Generates a synthetic file of Hanoi births (fixed seed, NumPy-vectorised), imports it with
``chitieu.ingest.births.import_births`` into fresh SQLite files and fresh PostgreSQL databases
(``chitieu_bench_<random>`` on 127.0.0.1:5432, created and dropped here), ``--repeat`` times
each (the machine is shared, so the median run is quoted and every run printed), then once more
into the last database (every record already stored). The baseline is a naive row-by-row ORM
import (check the unit and the id, add the record, bump its aggregate, flush) of the first
``--baseline`` records; its rate is extrapolated to the full file.

Each import runs in a child process. Its peak resident memory is that process's ``VmHWM``
from ``/proc/self/status`` (the high-water mark of its own address space, interpreter and
libraries included); ``ru_maxrss`` is not used, because on Linux a child inherits its parent's
high-water mark across fork and exec and the parent holds the generated table. CPU time is
reported for the importing process and, on PostgreSQL, for its server backend
(``/proc/<pid>/stat``), so a run slowed by other jobs can be told apart.

    .venv/bin/python bench/bench_import.py [--records 2000000] [--baseline 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
SEED = 20260101
FIRST_YEAR, LAST_YEAR = 2009, 2025


def hanoi_communes() -> list[str]:
    from chitieu.units.load import iter_official_units

    return [u.code for u in iter_official_units() if u.parent_code == "01"]


def generate_births(n: int, seed: int = SEED) -> pa.Table:
    """``n`` synthetic Hanoi birth records, sorted by date, ids numbered per commune and year.

    Plausible shape, not calibrated: about 115 boys per 100 girls, 7.5 % third-or-later births.
    """
    rng = np.random.default_rng(seed)
    communes = np.array(hanoi_communes())
    unit_idx = rng.integers(0, len(communes), n)
    start = np.datetime64(f"{FIRST_YEAR}-01-01")
    days = (np.datetime64(f"{LAST_YEAR}-12-31") - start).astype(int) + 1
    birth_date = start + rng.integers(0, days, n).astype("timedelta64[D]")
    order = 1 + rng.choice(4, n, p=[0.48, 0.445, 0.06, 0.015])
    order[order == 4] += rng.integers(0, 2, int((order == 4).sum()))  # some 5th births
    prev_boys = rng.binomial(order - 1, 0.53)
    sex = np.where(rng.random(n) < 0.535, "M", "F")
    year = birth_date.astype("datetime64[Y]").astype(int) + 1970
    mother_age = np.clip(np.rint(rng.normal(28, 5, n)), 16, 45).astype(int)

    by_date = np.argsort(birth_date, kind="stable")
    # Registration numbers count up per commune and year, in date order.
    key = unit_idx[by_date] * 10_000 + year[by_date]
    grouped = np.argsort(key, kind="stable")
    sorted_key = key[grouped]
    group_start = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    sizes = np.diff(np.r_[group_start, n])
    seq_sorted = np.arange(n) - np.repeat(group_start, sizes) + 1
    seq = np.empty(n, dtype=np.int64)
    seq[grouped] = seq_sorted

    units = communes[unit_idx[by_date]]
    ids = pc.binary_join_element_wise(
        pa.array(units),
        pa.array(year[by_date].astype(str)),
        pc.utf8_lpad(pa.array(seq).cast(pa.string()), 6, "0"),
        "",
    )
    return pa.table(
        {
            "birth_id": ids,
            "birth_date": pa.array(birth_date[by_date]).cast(pa.date32()),
            "unit_code": pa.array(units),
            "sex": pa.array(sex[by_date]),
            "birth_order": pa.array(order[by_date]),
            "prev_boys": pa.array(prev_boys[by_date]),
            "prev_girls": pa.array((order - 1 - prev_boys)[by_date]),
            "mother_birth_year": pa.array((year - mother_age)[by_date]),
            "facility_code": pa.nulls(n, pa.string()),
        }
    )


def write_births(table: pa.Table, path: Path) -> None:
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        pa_csv.write_csv(table, path)


# --- child processes ----------------------------------------------------------------------


def _prepare(url: str) -> None:
    from chitieu.store.db import make_engine
    from chitieu.store.migrate import upgrade
    from chitieu.units.load import load_units

    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        load_units(conn)
    engine.dispose()


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pid_cpu_seconds(pid: int) -> float:
    """User + system CPU time of another local process (a PostgreSQL backend), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def _child_import(url: str, path: str) -> dict:
    from sqlalchemy import event

    from chitieu.ingest.births import import_births
    from chitieu.store.db import make_engine

    engine = make_engine(url)
    backends: list[int] = []
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _backend_pid(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            backends.append(dbapi_conn.info.backend_pid)

    rss_before = peak_rss_mb()
    cpu0, load0 = _cpu_seconds(), os.getloadavg()[0]
    t0 = time.perf_counter()
    result = import_births(engine, path, today=date(2026, 1, 1))
    elapsed = time.perf_counter() - t0
    return {
        "seconds": elapsed,
        "cpu_seconds": _cpu_seconds() - cpu0,
        # The pool keeps the import's connection open, so its backend is still there to ask.
        "server_cpu_seconds": sum(_pid_cpu_seconds(pid) for pid in backends),
        "load": (load0 + os.getloadavg()[0]) / 2,
        "rows_added": result.rows_added,
        "rows_skipped": result.rows_skipped,
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def _child_naive(url: str, path: str) -> dict:
    """Baseline: one ORM object at a time, each checked, added, its aggregate bumped, flushed."""
    from sqlalchemy.orm import Session

    from chitieu.store.db import make_engine
    from chitieu.store.models import BirthAggregate, BirthRecord, Unit

    engine = make_engine(url)
    rows = pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={"birth_id": pa.string(), "unit_code": pa.string()}
        ),
    ).to_pylist()
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    with Session(engine) as session, session.begin():
        for r in rows:
            if session.get(Unit, r["unit_code"]) is None or session.get(BirthRecord, r["birth_id"]):
                raise ValueError(r)
            d = r["birth_date"]
            session.add(
                BirthRecord(
                    birth_id=r["birth_id"],
                    birth_date=d,
                    unit_code=r["unit_code"],
                    sex=r["sex"],
                    birth_order=r["birth_order"],
                    prev_boys=r["prev_boys"],
                    prev_girls=r["prev_girls"],
                    mother_birth_year=r["mother_birth_year"],
                    facility_code=r["facility_code"] or None,
                )
            )
            key = (
                r["unit_code"],
                d.year,
                d.month,
                r["sex"],
                min(r["birth_order"], 4),
                min(r["prev_boys"], 2),
                min(r["prev_girls"], 2),
            )
            agg = session.get(BirthAggregate, key)
            if agg is None:
                session.add(BirthAggregate(**dict(zip(_AGG_KEY, key, strict=True)), births=1))
            else:
                agg.births += 1
            session.flush()
    return {
        "seconds": time.perf_counter() - t0,
        "rows_added": len(rows),
        "load": (load0 + os.getloadavg()[0]) / 2,
    }


_AGG_KEY = ("unit_code", "year", "month", "sex", "birth_order", "prev_boys", "prev_girls")


def _run_child(kind: str, url: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- databases ----------------------------------------------------------------------------


class PgDatabase:
    """A dedicated database on the local server, dropped on exit."""

    def __enter__(self) -> str:
        import psycopg

        self.admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True)
        self.name = f"chitieu_bench_{uuid.uuid4().hex[:10]}"
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        return f"postgresql+psycopg://{self.admin.info.user}@127.0.0.1:5432/{self.name}"

    def __exit__(self, *exc: object) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.close()


def bench_database(
    label: str, databases: Callable[[], ContextManager[str]], big: Path, repeat: int
) -> dict:
    """Import ``big`` into ``repeat`` fresh databases, then once more into the last (all
    records already stored). Reports every run; the rate quoted is the median run's."""
    runs = []
    for i in range(repeat):
        with databases() as url:
            _prepare(url)
            runs.append(_run_child("import", url, big))
            if i == repeat - 1:
                again = _run_child("import", url, big)
    for run in runs:
        server = (
            f" + server CPU {run['server_cpu_seconds']:.1f} s" if run["server_cpu_seconds"] else ""
        )
        print(
            f"{label}: {run['rows_added']:,} records in {run['seconds']:.1f} s = "
            f"{run['rows_added'] / run['seconds']:,.0f} records/s (import process CPU "
            f"{run['cpu_seconds']:.1f} s{server}; load {run['load']:.1f} on "
            f"{os.cpu_count()} cores); peak RSS {run['peak_rss_mb']:.0f} MB "
            f"({run['peak_rss_mb_before']:.0f} MB before the import)"
        )
    print(
        f"{label} re-import of the same file: {again['seconds']:.1f} s, "
        f"{again['rows_added']} added, {again['rows_skipped']:,} skipped"
    )
    median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {"label": label, "rate": median["rows_added"] / median["seconds"]}


def bench_naive(label: str, databases: Callable[[], ContextManager[str]], small: Path) -> float:
    with databases() as url:
        _prepare(url)
        naive = _run_child("naive", url, small)
    rate = naive["rows_added"] / naive["seconds"]
    print(
        f"{label} naive ORM row by row: {naive['rows_added']:,} records in "
        f"{naive['seconds']:.1f} s = {rate:,.0f} records/s (load {naive['load']:.1f})"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="fresh imports per database")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chitieu-bench-") as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        table = generate_births(args.records)
        big = tmpdir / f"births.{args.format}"
        write_births(table, big)
        small = tmpdir / "sample.csv"
        write_births(table.slice(0, args.baseline), small)
        del table
        print(
            f"generated {args.records:,} records ({big.stat().st_size / 1e6:.0f} MB "
            f"{args.format}) in {time.perf_counter() - t0:.1f} s"
        )

        @contextmanager
        def sqlite_db() -> Iterator[str]:
            path = tmpdir / f"bench-{uuid.uuid4().hex[:8]}.db"
            yield f"sqlite:///{path}"
            for p in tmpdir.glob(f"{path.name}*"):
                p.unlink()

        targets = [("SQLite", sqlite_db)]
        if not args.skip_postgres:
            targets.append(("PostgreSQL", PgDatabase))
        results = []
        for label, databases in targets:
            fast = bench_database(label, databases, big, args.repeat)
            results.append((fast, bench_naive(label, databases, small)))
        for fast, naive in results:
            print(
                f"{fast['label']}: median {fast['rate']:,.0f} records/s vs naive {naive:,.0f} "
                f"records/s (rate measured on {args.baseline:,} records): "
                f"{fast['rate'] / naive:.0f}x"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, url, path = sys.argv[2:5]
        result = _child_import(url, path) if kind == "import" else _child_naive(url, path)
        print(json.dumps(result))
    else:
        main()
