"""National SRB read from the yearly births rollup beside the same read from the monthly counts.

Fills ``birth_aggregates`` with synthetic monthly counts for every commune (about 430 births a
commune-year, spread over month × sex × order × earlier children, zero cells left out as the
import leaves them), fills ``birth_year_aggregates`` from it with the migration's INSERT …
SELECT (timed), then reads male and female births per commune and year for the whole country
(``unit VN``, what the SRB indicator reads) both ways, checks that the answers are equal and
prints the times and their ratio.

Usage: ``.venv/bin/python bench/bench_rollup.py [--years 3] [--db sqlite|postgres|both]``
PostgreSQL: a database of its own is created at 127.0.0.1:5432 and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable

import numpy as np
import psycopg
from sqlalchemy import Engine, case, func, insert, select, text

from chitieu.catalog.schema import BirthFilter
from chitieu.indicators.sources import read_births
from chitieu.ingest.birth_store import YEAR_KEY, recount_year_aggregates
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import BirthAggregate, BirthYearAggregate, Unit
from chitieu.units.load import load_units
from chitieu.units.queries import subtree_codes

#: (birth order, earlier boys, earlier girls) as stored (order capped at 4, earlier at 2).
SHAPES = [
    (1, 0, 0),
    (2, 1, 0),
    (2, 0, 1),
    (3, 2, 0),
    (3, 1, 1),
    (3, 0, 2),
    (4, 2, 1),
    (4, 1, 2),
    (4, 2, 2),
]
SHAPE_WEIGHTS = np.array([0.42, 0.19, 0.17, 0.04, 0.07, 0.04, 0.03, 0.02, 0.02])
MALE = BirthFilter(sex="M")
FEMALE = BirthFilter(sex="F")


def fill(engine: Engine, years: list[int], seed: int = 1) -> int:
    """Synthetic monthly counts for every commune and year; returns the rows written."""
    rng = np.random.default_rng(seed)
    with engine.begin() as conn:
        load_units(conn)
        communes = list(conn.scalars(select(Unit.code).where(Unit.level == "commune")))
    cells = [
        (month, sex, *shape) for month in range(1, 13) for sex in ("M", "F") for shape in SHAPES
    ]
    p = np.array(
        [
            (0.53 if sex == "M" else 0.47) * SHAPE_WEIGHTS[SHAPES.index(tuple(s))] / 12
            for _, sex, *s in cells
        ]
    )
    p /= p.sum()
    written = 0
    for year in years:
        counts = rng.multinomial(rng.poisson(430, len(communes)), p)
        rows = [
            dict(
                zip(
                    ("unit_code", "year", "month", "sex", "birth_order", "prev_boys", "prev_girls"),
                    (communes[i], year, *cells[j]),
                    strict=True,
                ),
                births=int(counts[i, j]),
            )
            for i, j in zip(*np.nonzero(counts), strict=True)
        ]
        with engine.begin() as conn:
            conn.execute(insert(BirthAggregate), rows)
        written += len(rows)
    return written


def fill_rollup(engine: Engine) -> float:
    """The migration's fill of the rollup from the monthly counts; returns its time."""
    began = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            insert(BirthYearAggregate).from_select([*YEAR_KEY, "births"], recount_year_aggregates())
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE birth_aggregates, birth_year_aggregates, units"))
    return time.perf_counter() - began


def read_monthly(engine: Engine, years: list[int]) -> list[tuple]:
    """The baseline: the same read from ``birth_aggregates`` (one row per month)."""
    ba = BirthAggregate
    with engine.connect() as conn:
        query = (
            select(
                ba.unit_code,
                ba.year,
                func.sum(case((ba.sex == "M", ba.births), else_=0)),
                func.sum(case((ba.sex == "F", ba.births), else_=0)),
                func.sum(ba.births),
            )
            .where(ba.unit_code.in_(subtree_codes("VN")), ba.year.in_(years))
            .group_by(ba.unit_code, ba.year)
        )
        return sorted((u, int(y), int(m), int(f), int(t)) for u, y, m, f, t in conn.execute(query))


def read_rollup(engine: Engine, years: list[int]) -> list[tuple]:
    with engine.connect() as conn:
        got = read_births(conn, "VN", years, [MALE], [FEMALE])
    return sorted((b.unit_code, b.year, b.numerator, b.denominator, b.total) for b in got)


def timed(fn: Callable[[], list[tuple]], repeat: int) -> tuple[list[float], list[tuple]]:
    times, result = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return times, result


def run(name: str, engine: Engine, years: list[int], repeat: int) -> None:
    upgrade(engine)
    began = time.perf_counter()
    rows = fill(engine, years)
    print(f"[{name}] birth_aggregates: {rows:,} rows ({time.perf_counter() - began:.1f} s)")
    fill_time = fill_rollup(engine)
    with engine.connect() as conn:
        yearly = conn.scalar(select(func.count()).select_from(BirthYearAggregate))
    print(f"[{name}] birth_year_aggregates: {yearly:,} rows, filled in {fill_time:.2f} s")
    base_t, base = timed(lambda: read_monthly(engine, years), repeat)
    new_t, new = timed(lambda: read_rollup(engine, years), repeat)
    assert base == new, "the rollup and the monthly counts disagree"
    print(
        f"[{name}] national read, {len(new):,} unit-years: monthly (baseline) "
        f"first {base_t[0]:.3f} s, median {statistics.median(base_t):.3f} s; rollup first "
        f"{new_t[0]:.3f} s, median {statistics.median(new_t):.3f} s; "
        f"ratio (median) {statistics.median(base_t) / statistics.median(new_t):.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=3, help="years ending 2025")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    years = list(range(2026 - args.years, 2026))
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; years {years[0]}–{years[-1]}"
    )
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            run("sqlite", engine, years, args.repeat)
            engine.dispose()
    if args.db in ("postgres", "both"):
        name = f"chitieu_bench_{uuid.uuid4().hex[:10]}"
        admin = psycopg.connect("host=127.0.0.1 port=5432 dbname=test", autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')  # generated name, never user input
        try:
            engine = make_engine(f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}")
            run("postgres", engine, years, args.repeat)
            engine.dispose()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
