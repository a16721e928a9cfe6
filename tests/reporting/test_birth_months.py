"""The months with births kept per unit and year (``birth_months``) stay equal to a recount
from the birth counts and the stored values through births imports, fixture counts, saves,
deletes, status changes and imports of values; and the births completeness and the latest
year with data read from them equal the plain reading (rollups switched off), on SQLite and
PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from contextlib import suppress
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from tests.ingest.test_births_import import TODAY, synthetic_rows, write_csv
from tests.reporting.test_rollups import ADMIN, _step

from chitieu.catalog.periods import PeriodType, period_of_day
from chitieu.dashboard.common import latest_data_year
from chitieu.indicators import indicator_by_children, indicator_series
from chitieu.indicators.completeness import births_completeness
from chitieu.ingest.birth_months import period_months, spelling_range
from chitieu.ingest.birth_store import add_aggregates
from chitieu.ingest.births import import_births
from chitieu.reporting.rollups import rebuild_rollups
from chitieu.reporting.values import ValueKey, delete_value, save_value
from chitieu.store.db import session_on, transaction
from chitieu.store.generations import ANY_YEAR, ROLLUPS
from chitieu.store.models import (
    BirthAggregate,
    BirthMonth,
    BirthYearAggregate,
    BirthYearRollup,
    ChangeCounter,
    DataValue,
    Unit,
)
from chitieu.units.queries import get_unit

UNITS = ("VN", "01", "31", "00070", "00004", "11533", "00073")
YEARS = range(2015, 2027)


def _months(period: str) -> list[tuple[int, int]]:
    """The months of the spellings written here: a year, a quarter, a month."""
    year = int(period[:4])
    if len(period) == 4:
        return [(year, m) for m in range(1, 13)]
    if "Q" in period:
        first = 3 * (int(period[-1]) - 1) + 1
        return [(year, m) for m in range(first, first + 3)]
    return [(year, int(period[4:]))]


def _recount(engine: Engine) -> dict[tuple[str, int, int], tuple[int, int]]:
    """(unit, year, month) -> (own, units), recounted here from the birth counts and values."""
    with engine.connect() as conn:
        paths = {c: p.split("/") for c, p in conn.execute(select(Unit.code, Unit.path))}
        ba, dv = BirthAggregate, DataValue
        own = {
            (u, y, m)
            for u, y, m, n in conn.execute(select(ba.unit_code, ba.year, ba.month, ba.births))
            if n > 0
        }
        for u, period, value in conn.execute(
            select(dv.unit_code, dv.period, dv.value).where(
                dv.element_code == "LIVE_BIRTHS", dv.status.in_(("submitted", "locked"))
            )
        ):
            if value > 0:
                own.update((u, y, m) for y, m in _months(period))
    out: dict[tuple[str, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for u, y, m in own:
        out[(u, y, m)][0] = 1
        for above in paths[u]:
            out[(above, y, m)][1] += 1
    return {k: (a, b) for k, (a, b) in out.items()}


def _stored(engine: Engine) -> dict[tuple[str, int, int], tuple[int, int]]:
    t = BirthMonth
    with engine.connect() as conn:
        rows = conn.execute(select(t.unit_code, t.year, t.month, t.own, t.units))
        return {(u, y, m): (o, n) for u, y, m, o, n in rows}


def _fixture_counts(engine: Engine, unit: str, year: int, month: int, births: int) -> None:
    with engine.begin() as conn:
        add_aggregates(
            conn,
            [
                {
                    "unit_code": unit,
                    "year": year,
                    "month": month,
                    "sex": "M",
                    "birth_order": 1,
                    "prev_boys": 0,
                    "prev_girls": 0,
                    "births": births,
                }
            ],
        )


def _reads(engine: Engine) -> list:
    with engine.connect() as conn:
        db = session_on(conn)
        out = []
        for code in UNITS:
            unit = get_unit(db, code)
            out.append((code, latest_data_year(db, unit)))
            out.extend(asdict(c) for c in births_completeness(db, code, 2025).values())
        return out


def test_birth_months_follow_every_write(ready_engine: Engine, tmp_path) -> None:
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    assert _stored(ready_engine) == _recount(ready_engine)
    rng = random.Random(11)
    for i in range(40):
        _step(ready_engine, rng)
        if i == 15:  # birth records of three communes, 2015–2024
            rows = synthetic_rows(300)
            import_births(ready_engine, write_csv(tmp_path / "b.csv", rows), today=TODAY)
        if i == 25:
            _fixture_counts(ready_engine, "00004", 2025, 7, 12)
        if i % 10 == 9:
            assert _stored(ready_engine) == _recount(ready_engine)
    # a month's only births taken away: the month leaves the unit and every unit above it
    key = ValueKey("LIVE_BIRTHS", "00008", "202611", "M_O1")
    with transaction(ready_engine) as db:
        save_value(db, ADMIN, key, 9, confirmed=True)
    assert _stored(ready_engine)[("VN", 2026, 11)] == (0, 1)
    with transaction(ready_engine) as db:
        delete_value(db, ADMIN, key)
    assert ("VN", 2026, 11) not in _stored(ready_engine)
    assert _stored(ready_engine) == _recount(ready_engine)
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    assert _stored(ready_engine) == _recount(ready_engine)


def test_reads_from_birth_months_equal_the_plain_reading(ready_engine: Engine, tmp_path) -> None:
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    rng = random.Random(5)
    for _ in range(30):
        _step(ready_engine, rng)
    import_births(ready_engine, write_csv(tmp_path / "b.csv", synthetic_rows(200)), today=TODAY)
    _fixture_counts(ready_engine, "11533", 2025, 2, 30)
    kept = _reads(ready_engine)
    with ready_engine.begin() as conn:
        conn.execute(
            delete(ChangeCounter).where(
                ChangeCounter.scope == ROLLUPS, ChangeCounter.year == ANY_YEAR
            )
        )
    plain = _reads(ready_engine)
    assert kept == plain
    assert any(isinstance(r, dict) and r["months"] > 1 for r in kept)


def test_every_period_covering_a_month_is_spelled_within_the_range_read() -> None:
    """Every period of every type starting within 2023–2027 (from each day's period of each
    type) that covers a month of 2024–2026 is spelled within the range read for the month's
    year, and the range reads no spelling of a year too far away to cover it."""
    day, codes = date(2023, 1, 1), set()
    while day <= date(2027, 12, 31):
        for ptype in PeriodType:
            with suppress(ValueError):  # the 53rd ISO week has no bi-week
                codes.add(period_of_day(ptype, day).code)
        day += timedelta(days=1)
    assert len(codes) > 5 * 365
    for year, month in ((2024, 1), (2024, 12), (2025, 2), (2025, 11), (2026, 1)):
        low, high = spelling_range([year])
        covering = {c for c in codes if (year, month) in period_months(c)}
        assert covering and all(low <= c < high for c in covering)
        assert not any(low <= c < high for c in ("2021", "2022Q4", f"{year + 2}01", "2030"))
    # Nov 2024–Jan 2025, 30 Dec 2024–5 Jan 2025, Apr 2024–Mar 2025 cover January 2025
    some = {"2025NovQ1", "2025W1", "2024April", "2024W52", "2024BiW26", "2025Q2", "2024"}
    assert {c for c in some if (2025, 1) in period_months(c)} == {
        "2025NovQ1",
        "2025W1",
        "2024April",
    }


def _rollup_recount(engine: Engine) -> dict[tuple, int]:
    """``birth_year_rollups`` recounted here: for every unit above a unit with records, the
    yearly counts of its whole subtree."""
    with engine.connect() as conn:
        paths = {c: p.split("/") for c, p in conn.execute(select(Unit.code, Unit.path))}
        rows = conn.execute(select(BirthYearAggregate.__table__)).all()
    above = {a for r in rows for a in paths[r.unit_code][:-1]}
    out: dict[tuple, int] = defaultdict(int)
    for r in rows:
        for a in paths[r.unit_code]:
            if a in above:
                out[(a, r.year, r.sex, r.birth_order, r.prev_boys, r.prev_girls)] += r.births
    return dict(out)


def _rollup_stored(engine: Engine) -> dict[tuple, int]:
    with engine.connect() as conn:
        return {tuple(r[:6]): r.births for r in conn.execute(select(BirthYearRollup.__table__))}


def test_birth_rollups_follow_imports_and_counts(ready_engine: Engine, tmp_path) -> None:
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    assert _rollup_stored(ready_engine) == _rollup_recount(ready_engine)
    rows = synthetic_rows(400)
    import_births(ready_engine, write_csv(tmp_path / "a.csv", rows[:250]), today=TODAY)
    assert _rollup_stored(ready_engine) == _rollup_recount(ready_engine)
    # partly overlapping: only the new records add
    import_births(ready_engine, write_csv(tmp_path / "b.csv", rows[150:]), today=TODAY)
    _fixture_counts(ready_engine, "11533", 2024, 5, 7)
    stored = _rollup_stored(ready_engine)
    assert stored == _rollup_recount(ready_engine)
    assert {k[0] for k in stored} == {"VN", "01", "31"}
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    assert _rollup_stored(ready_engine) == stored


def test_indicators_from_birth_rollups_equal_the_plain_reading(ready_engine, tmp_path) -> None:
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    rng = random.Random(3)
    for _ in range(30):
        _step(ready_engine, rng)
    import_births(ready_engine, write_csv(tmp_path / "b.csv", synthetic_rows(300)), today=TODAY)
    _fixture_counts(ready_engine, "01", 2024, 6, 9)  # a province's own records

    def reads() -> list:
        with ready_engine.connect() as conn:
            db = session_on(conn)
            out = []
            for code in ("SRB", "SRB_O3_AFTER_2G", "THIRD_PLUS_SHARE"):
                for unit in ("VN", "01", "31", "00070"):
                    out += [v.as_dict() for v in indicator_series(db, code, unit, YEARS)]
                for parent in ("VN", "01"):
                    out += [v.as_dict() for v in indicator_by_children(db, code, parent, YEARS)]
            return out

    kept = reads()
    with ready_engine.begin() as conn:
        conn.execute(
            delete(ChangeCounter).where(
                ChangeCounter.scope == ROLLUPS, ChangeCounter.year == ANY_YEAR
            )
        )
    plain = reads()
    assert len(kept) == len(plain) > 0
    for a, b in zip(kept, plain, strict=True):
        assert a == pytest.approx(b), (a, b)
    assert any(v["denominator"] > 0 for v in kept)
