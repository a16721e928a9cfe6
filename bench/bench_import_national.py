"""National birth import (issue 13's figures): rate, peak memory and same-file re-import,
beside plain SQL into the same tables and indexes without validation, in one run per database.

The file: ``--records`` synthetic records for every commune of the country (3,321), 2019–2025,
an equal share a year, ids numbered per commune and year in date order; generated a year at a
time (fixed seed) and written as CSV (or Parquet) without holding the whole file.

Per database (``--db sqlite``, ``postgresql`` or ``both``), each step in a child process of its
own, on a fresh database with the schema migrated and the official units loaded:

1. **import**: ``chitieu.ingest.births.import_births`` (read, every row checked, staged,
   duplicates and stored ids checked, records + ``birth_aggregates`` + ``birth_year_aggregates``
   written, batch and audit row) — wall time, the process's CPU, on PostgreSQL its server
   backend's CPU, and the child's peak resident memory (``VmHWM``);
2. **same file again** into that database (recognised by its SHA-256, nothing read);
3. **plain SQL references**, each on a fresh database: the file streamed with Arrow and its
   batches written with no check at all (``COPY`` on PostgreSQL, ``executemany`` on SQLite),
   either straight into ``birth_records`` in file order, or into an unindexed temporary table
   and then moved with one ``INSERT … SELECT … ORDER BY birth_id`` (key order keeps the
   primary-key index appends local); then ``birth_aggregates`` and ``birth_year_aggregates``
   filled with one ``INSERT … SELECT … GROUP BY`` each. Same transaction handling and, on
   PostgreSQL, the same foreign-key drop/re-create and ``ANALYZE`` as the import
   (``birth_store.bulk_load``, ``refresh_statistics``), on SQLite the same foreign keys not
   checked row by row (``key_checks.defer_key_checks``): the same tables and indexes, no
   validation.

The ratio printed is the faster reference's seconds / the import's seconds (1.0: validation
is free), by wall time and by CPU time (client + server).

    PYTHONPATH=src .venv/bin/python bench/bench_import_national.py --records 10000000 --db both
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import PgDatabase, _cpu_seconds, _pid_cpu_seconds, _prepare, peak_rss_mb

SEED = 20261206
YEARS = tuple(range(2019, 2026))
TODAY = "2026-01-01"


def all_communes() -> list[str]:
    from chitieu.units.load import iter_official_units

    return [u.code for u in iter_official_units() if u.level == "commune"]


def year_of_births(n: int, year: int, communes: np.ndarray, rng: np.random.Generator) -> pa.Table:
    """``n`` records of ``year`` spread over ``communes``, sorted by date."""
    unit = rng.integers(0, len(communes), n)
    days = 366 if year % 4 == 0 else 365
    day = rng.integers(0, days, n)
    order = 1 + rng.choice(4, n, p=[0.44, 0.40, 0.13, 0.03])
    order[order == 4] += rng.integers(0, 2, int((order == 4).sum()))
    prev_boys = rng.binomial(order - 1, 0.53)
    sex = np.where(rng.random(n) < 0.527, "M", "F")
    mother_age = np.clip(np.rint(rng.normal(28, 5, n)), 16, 45).astype(int)
    sort = np.lexsort((unit, day))  # file in date order
    # Registration numbers count up per commune within the year, in date order.
    by_unit = np.argsort(unit[sort], kind="stable")
    start = np.searchsorted(unit[sort][by_unit], np.arange(len(communes)))
    seq = np.empty(n, dtype=np.int64)
    seq[by_unit] = np.arange(n) - start[unit[sort][by_unit]] + 1
    codes = pa.array(communes[unit[sort]])
    ids = pc.binary_join_element_wise(
        codes, str(year), pc.utf8_lpad(pa.array(seq).cast(pa.string()), 6, "0"), ""
    )
    dates = np.datetime64(f"{year}-01-01") + day[sort].astype("timedelta64[D]")
    return pa.table(
        {
            "birth_id": ids,
            "birth_date": pa.array(dates).cast(pa.date32()),
            "unit_code": codes,
            "sex": pa.array(sex[sort]),
            "birth_order": pa.array(order[sort]),
            "prev_boys": pa.array(prev_boys[sort]),
            "prev_girls": pa.array((order - 1 - prev_boys)[sort]),
            "mother_birth_year": pa.array((year - mother_age)[sort]),
            "facility_code": pa.nulls(n, pa.string()),
        }
    )


def write_national_file(n: int, path: Path) -> None:
    """``n`` records over :data:`YEARS`, written a year at a time."""
    rng = np.random.default_rng(SEED)
    communes = np.array(all_communes())
    shares = np.full(len(YEARS), n // len(YEARS))
    shares[: n % len(YEARS)] += 1
    writer: pa_csv.CSVWriter | pq.ParquetWriter | None = None
    try:
        for year, k in zip(YEARS, shares, strict=True):
            table = year_of_births(int(k), year, communes, rng)
            if writer is None:
                writer = (
                    pq.ParquetWriter(path, table.schema)
                    if path.suffix == ".parquet"
                    else pa_csv.CSVWriter(path, table.schema)
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


# --- child processes ----------------------------------------------------------------------


def _engine_with_backends(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    from chitieu.store.db import make_engine

    engine = make_engine(url)
    backends: list[int] = []
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _backend_pid(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            backends.append(dbapi_conn.info.backend_pid)

    return engine, backends


def _measured(work, backends: list[int]) -> dict:  # type: ignore[no-untyped-def]
    before = peak_rss_mb()
    cpu0, load0 = _cpu_seconds(), os.getloadavg()[0]
    t0 = time.perf_counter()
    out = work()
    return {
        **out,
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": _cpu_seconds() - cpu0,
        "server_cpu_seconds": sum(_pid_cpu_seconds(pid) for pid in backends),
        "load": (load0 + os.getloadavg()[0]) / 2,
        "peak_rss_mb_before": before,
        "peak_rss_mb": peak_rss_mb(),
    }


def child_import(url: str, path: str) -> dict:
    from datetime import date

    from chitieu.ingest.births import import_births

    engine, backends = _engine_with_backends(url)

    def work() -> dict:
        r = import_births(engine, path, today=date.fromisoformat(TODAY))
        return {"rows_added": r.rows_added, "rows_skipped": r.rows_skipped}

    return _measured(work, backends)


def child_plain(url: str, path: str) -> dict:
    """The plain SQL reference: no checks, no staging, straight into the tables."""
    return _plain(url, path, key_order=False)


def child_plain_sorted(url: str, path: str) -> dict:
    """The plain SQL reference in key order: into an unindexed temporary table, then one
    ``INSERT … SELECT … ORDER BY birth_id`` (what the import does, less its checks)."""
    return _plain(url, path, key_order=True)


def _plain(url: str, path: str, *, key_order: bool) -> dict:
    from sqlalchemy import MetaData, Table, func, insert, select, text, true

    from chitieu.ingest import birth_store
    from chitieu.ingest.birth_reader import iter_raw_batches
    from chitieu.ingest.birth_staging import append_rows
    from chitieu.ingest.key_checks import defer_key_checks
    from chitieu.store.models import ImportBatch

    engine, backends = _engine_with_backends(url)
    records, aggregates = birth_store.RECORDS, birth_store.AGGREGATES
    year_aggregates = birth_store.YEAR_AGGREGATES

    def work() -> dict:
        rows = 0
        with engine.begin() as conn:
            defer_key_checks(conn)
            batch_id = conn.execute(
                insert(ImportBatch).values(kind="births", source=path, sha256="", imported_by="x")
            ).inserted_primary_key[0]
            target = records
            if key_order:
                conn.execute(
                    text(
                        "CREATE TEMPORARY TABLE plain_stage AS "
                        "SELECT * FROM birth_records WHERE 1 = 0"
                    )
                )
                target = Table("plain_stage", MetaData())
            with birth_store.bulk_load(conn, 1 << 30):
                for raw in iter_raw_batches(Path(path)):
                    b = raw.batch
                    typed = pa.RecordBatch.from_arrays(
                        [
                            b.column("birth_id"),
                            b.column("birth_date").cast(pa.date32()),
                            b.column("unit_code"),
                            b.column("sex"),
                            *(
                                b.column(c).cast(pa.int32())
                                for c in (
                                    "birth_order",
                                    "prev_boys",
                                    "prev_girls",
                                    "mother_birth_year",
                                )
                            ),
                            pc.if_else(
                                pc.equal(b.column("facility_code"), ""),
                                pa.nulls(b.num_rows, pa.string()),
                                b.column("facility_code"),
                            ),
                            pa.array(np.full(b.num_rows, batch_id, dtype=np.int64)),
                        ],
                        names=["birth_id", *birth_store.COMPARED, "batch_id"],
                    )
                    append_rows(conn, target, typed)
                    rows += b.num_rows
                if key_order:
                    conn.execute(
                        text(
                            "INSERT INTO birth_records SELECT * FROM plain_stage ORDER BY birth_id"
                        )
                    )
                conn.execute(
                    insert(aggregates).from_select(
                        [*birth_store.AGGREGATE_KEY, "births"], _counts_sql(records)
                    )
                )
                a = aggregates.c
                ykey = [a[k] for k in birth_store.YEAR_KEY]
                conn.execute(
                    insert(year_aggregates).from_select(
                        [*birth_store.YEAR_KEY, "births"],
                        select(*ykey, func.sum(a.births)).where(true()).group_by(*ykey),
                    )
                )
        # The import gathers the planner's statistics after its commit: so does the reference.
        birth_store.refresh_statistics(engine, rows)
        return {"rows_added": rows, "rows_skipped": 0}

    return _measured(work, backends)


def _counts_sql(records):  # type: ignore[no-untyped-def]
    from sqlalchemy import case, extract, func, select

    from chitieu.ingest.birth_rows import ORDER_CAP, PREV_CAP

    r = records.c
    key = (
        r.unit_code,
        extract("year", r.birth_date),
        extract("month", r.birth_date),
        r.sex,
        case((r.birth_order > ORDER_CAP, ORDER_CAP), else_=r.birth_order),
        case((r.prev_boys > PREV_CAP, PREV_CAP), else_=r.prev_boys),
        case((r.prev_girls > PREV_CAP, PREV_CAP), else_=r.prev_girls),
    )
    return select(*key, func.count()).group_by(*key)


CHILDREN = {"import": child_import, "plain": child_plain, "plain-sorted": child_plain_sorted}


def run_child(kind: str, url: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- main -------------------------------------------------------------------------------


def _line(label: str, run: dict) -> str:
    server = f" + server {run['server_cpu_seconds']:.1f} s" if run["server_cpu_seconds"] else ""
    rate = run["rows_added"] / run["seconds"] if run["rows_added"] else 0
    cpu = run["cpu_seconds"]
    return (
        f"  {label:<22} {run['seconds']:7.1f} s  {rate:>9,.0f} rec/s  CPU {cpu:.1f} s{server}"
        f"  peak RSS {run['peak_rss_mb']:.0f} MB (start {run['peak_rss_mb_before']:.0f})"
        f"  load {run['load']:.1f}"
    )


def _cpu(run: dict) -> float:
    return run["cpu_seconds"] + run["server_cpu_seconds"]


def bench(label: str, url_factory, path: Path) -> dict:  # type: ignore[no-untyped-def]
    with url_factory() as url:
        _prepare(url)
        first = run_child("import", url, path)
        again = run_child("import", url, path)
    with url_factory() as url:
        _prepare(url)
        plain_file = run_child("plain", url, path)
    with url_factory() as url:
        _prepare(url)
        plain_key = run_child("plain-sorted", url, path)
    # The reference is the faster of the two plain ways.
    plain = min(plain_file, plain_key, key=lambda r: r["seconds"])
    print(f"{label}:")
    print(_line("import", first))
    print(_line("plain SQL, file order", plain_file))
    print(_line("plain SQL, key order", plain_key))
    print(
        f"  same file again        {again['seconds']:7.1f} s  ({again['rows_added']} added, "
        f"{again['rows_skipped']:,} skipped)  load {again['load']:.1f}"
    )
    ratio = plain["seconds"] / first["seconds"]
    cpu_ratio = _cpu(plain) / _cpu(first)
    print(
        f"  import rate / plain SQL rate: {ratio:.2f} by wall time, {cpu_ratio:.2f} by CPU time "
        "(client + server; the wall-time ratio is the figure on a quiet machine)"
    )
    return {"label": label, "import": first, "again": again, "plain": plain, "ratio": ratio}


class SqliteDatabase:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self) -> SqliteDatabase:
        return self

    def __enter__(self) -> str:
        self.path = self.folder / f"bench-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{self.path}"

    def __exit__(self, *exc: object) -> None:
        for p in self.folder.glob(f"{self.path.name}*"):
            p.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-national-") as tmp:
        folder = Path(tmp)
        path = folder / f"births.{args.format}"
        t0 = time.perf_counter()
        write_national_file(args.records, path)
        print(
            f"generated {args.records:,} national records, {YEARS[0]}–{YEARS[-1]} "
            f"({path.stat().st_size / 1e6:.0f} MB {args.format}) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        targets = []
        if args.db in ("sqlite", "both"):
            targets.append(("SQLite", SqliteDatabase(folder)))
        if args.db in ("postgresql", "both"):
            targets.append(("PostgreSQL", PgDatabase))
        for label, factory in targets:
            bench(label, factory, path)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, url, file = sys.argv[2:5]
        print(json.dumps(CHILDREN[kind](url, file)))
    else:
        main()
