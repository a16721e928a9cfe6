"""The data-value rollups stay equal to a recount of ``data_values`` through random saves,
deletes, status changes and imports, and indicators read from them equal those read from
the values themselves."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict

import pytest
from sqlalchemy import Engine, delete, func, select, update

from chitieu.auth.users import Principal
from chitieu.errors import DomainError
from chitieu.indicators import indicator_by_children, indicator_series
from chitieu.indicators.completeness import births_completeness
from chitieu.ingest.birth_store import add_aggregates
from chitieu.reporting.imports import ValueIn, import_values
from chitieu.reporting.periods import Editor
from chitieu.reporting.rollups import rebuild_rollups
from chitieu.reporting.values import ValueKey, delete_value, save_value, set_status
from chitieu.store.db import transaction
from chitieu.store.generations import ANY_YEAR, ROLLUPS
from chitieu.store.models import (
    ChangeCounter,
    DataValue,
    DataValueRollup,
    DataValueYear,
    Unit,
)

ADMIN = Principal("admin", "admin", "VN", "VN")
#: Three Hanoi wards and a Hai Phong one, Hanoi itself (annual figures), the country.
UNITS = ("00070", "00004", "00008", "11533", "01")
CELLS = (
    ("LIVE_BIRTHS", "M_O1"),
    ("LIVE_BIRTHS", "F_O1"),
    ("POPULATION", "default"),
    ("INSURED_PERSONS", "default"),
)
PERIODS = ("2024", "2024Q1", "2024Q2", "202401", "202402", "202403", "2025", "202501", "202512")
STOCKS = {"POPULATION", "INSURED_PERSONS"}


def _place(period: str) -> tuple[int, int, int]:
    """(year, rank, first month) for the spellings used here: year < quarter < month."""
    year = int(period[:4])
    if len(period) == 4:
        return year, 0, 1
    if "Q" in period:
        return year, 1, 3 * (int(period[-1]) - 1) + 1
    return year, 2, int(period[4:])


def _recount(engine: Engine) -> tuple[dict, dict]:
    """Both rollups computed here from the stored values, by the reading rules."""
    with engine.connect() as conn:
        paths = {c: p for c, p in conn.execute(select(Unit.code, Unit.path))}
        rows = conn.execute(
            select(
                DataValue.unit_code,
                DataValue.element_code,
                DataValue.disaggregation,
                DataValue.period,
                DataValue.value,
            ).where(DataValue.status.in_(("submitted", "locked")))
        ).all()
    per_type: dict = defaultdict(list)
    for u, e, d, p, v in rows:
        year, rank, month = _place(p)
        per_type[(u, e, d, year)].append((rank, month, v))
    own = {}
    for cell, items in per_type.items():
        best = min(r for r, _, _ in items)
        chosen = sorted((m, v) for r, m, v in items if r == best)
        own[cell] = (sum(v for _, v in chosen), chosen[-1][1])
    sums: dict = defaultdict(lambda: [0.0, 0.0, 0])
    for (u, e, d, y), (total, latest) in own.items():
        for a in paths[u].split("/"):
            acc = sums[(a, e, d, y)]
            acc[0] += total
            acc[1] += latest
            acc[2] += 1
    return own, {k: tuple(v) for k, v in sums.items()}


def _stored(engine: Engine) -> tuple[dict, dict]:
    with engine.connect() as conn:
        t, r = DataValueYear, DataValueRollup
        own = {
            (u, e, d, y): (total, latest)
            for u, e, d, y, total, latest in conn.execute(
                select(t.unit_code, t.element_code, t.disaggregation, t.year, t.total, t.latest)
            )
        }
        sums = {
            (u, e, d, y): (total, latest, n)
            for u, e, d, y, total, latest, n in conn.execute(
                select(
                    r.unit_code,
                    r.element_code,
                    r.disaggregation,
                    r.year,
                    r.total,
                    r.latest,
                    r.units,
                )
            )
        }
    return own, sums


def _assert_equal(engine: Engine) -> None:
    own, sums = _stored(engine)
    want_own, want_sums = _recount(engine)
    assert own.keys() == want_own.keys()
    assert sums.keys() == want_sums.keys()
    for k, v in want_own.items():
        assert own[k] == pytest.approx(v), k
    for k, v in want_sums.items():
        assert sums[k] == pytest.approx(v), k


def _random_value(rng: random.Random) -> tuple[str, str, str, str]:
    element, cell = rng.choice(CELLS)
    unit = rng.choice(UNITS)
    if element == "LIVE_BIRTHS" and unit == "01":
        unit = "00070"
    return element, unit, rng.choice(PERIODS), cell


def _number(element: str, rng: random.Random) -> int:
    return rng.randint(1_000, 9_000) if element in STOCKS else rng.randint(10, 30)


def _import(engine: Engine, rng: random.Random) -> None:
    values = {}
    for _ in range(rng.randint(2, 6)):
        e, u, p, d = _random_value(rng)
        gone = rng.random() < 0.2
        number = None if gone else str(_number(e, rng))
        values[(e, u, p, d)] = ValueIn(e, u, p, d, number, deleted=gone)
    import_values(
        engine, list(values.values()), actor="t", atomic=False, editor=Editor("admin", True)
    )


def _step(engine: Engine, rng: random.Random) -> None:
    kind = rng.choice(("save", "save", "delete", "status", "import"))
    if kind == "import":
        _import(engine, rng)
        return
    e, u, p, d = _random_value(rng)
    key = ValueKey(e, u, p, d)
    try:
        with transaction(engine) as db:
            if kind == "save":
                status = rng.choice(("submitted", "submitted", "draft", "locked"))
                save_value(db, ADMIN, key, _number(e, rng), status=status, confirmed=True)
            elif kind == "delete":
                delete_value(db, ADMIN, key)
            else:
                set_status(db, ADMIN, u, p, rng.choice(("draft", "submitted")))
    except DomainError:
        pass  # a refused write (nothing to delete, a locked report) writes nothing


def _indicators(engine: Engine) -> list:
    with engine.connect() as conn:
        out = []
        for unit in ("VN", "01", "00070", "11533"):
            for code in ("SRB", "INSURANCE_COVERAGE"):
                out.extend(v.as_dict() for v in indicator_series(conn, code, unit, [2024, 2025]))
            out.extend(asdict(c) for c in births_completeness(conn, unit, 2025).values())
        out.extend(v.as_dict() for v in indicator_by_children(conn, "SRB", "VN", [2024, 2025]))
        out.extend(v.as_dict() for v in indicator_by_children(conn, "SRB", "01", [2024, 2025]))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_rollups_equal_a_recount_after_random_writes(ready_engine: Engine, seed: int) -> None:
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    rng = random.Random(seed)
    for i in range(40):
        _step(ready_engine, rng)
        if i % 10 == 9:
            _assert_equal(ready_engine)
    _assert_equal(ready_engine)
    # a rebuild from nothing finds the same
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    _assert_equal(ready_engine)


def test_figures_kept_before_their_last_day_and_count_were_stored_are_recounted(
    ready_engine: Engine,
) -> None:
    """A database upgraded from a schema without ``latest_start`` and ``counted`` holds its
    figures with both empty: imports touching them recount them from the values."""
    rng = random.Random(3)
    for _ in range(30):
        _step(ready_engine, rng)
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
        db.execute(update(DataValueYear).values(latest_start=None, counted=None))
    for _ in range(15):
        _import(ready_engine, rng)
    _assert_equal(ready_engine)
    with ready_engine.connect() as conn:
        kept = conn.scalar(
            select(func.count()).select_from(DataValueYear).where(DataValueYear.counted.is_(None))
        )
        assert kept is not None and kept < conn.scalar(
            select(func.count()).select_from(DataValueYear)
        )


def test_indicators_from_rollups_equal_those_from_values(ready_engine: Engine) -> None:
    """Birth records win over reported births per unit and year in both readings; the
    years' completeness is the same too."""
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    rng = random.Random(7)
    for _ in range(40):
        _step(ready_engine, rng)
    with ready_engine.begin() as conn:
        add_aggregates(
            conn,
            [
                {
                    "unit_code": "00004",
                    "year": 2024,
                    "month": 3,
                    "sex": sex,
                    "birth_order": 1,
                    "prev_boys": 0,
                    "prev_girls": 0,
                    "births": n,
                }
                for sex, n in (("M", 40), ("F", 35))
            ],
        )
    from_rollups = _indicators(ready_engine)
    with ready_engine.begin() as conn:
        conn.execute(
            delete(ChangeCounter).where(
                ChangeCounter.scope == ROLLUPS, ChangeCounter.year == ANY_YEAR
            )
        )
    from_values = _indicators(ready_engine)
    assert len(from_rollups) == len(from_values) > 0
    for a, b in zip(from_rollups, from_values, strict=True):
        assert a == pytest.approx(b), (a, b)


def test_completeness_kept_between_reads_follows_every_write(ready_engine: Engine) -> None:
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    key = ValueKey("LIVE_BIRTHS", "00070", "202503", "M_O1")
    seen = []
    for value in (20, 25, 25):
        with transaction(ready_engine) as db:
            save_value(db, ADMIN, key, value, confirmed=True)
        with ready_engine.connect() as conn:
            for unit in ("VN", "01", "00070"):
                done = births_completeness(conn, unit, 2025)[2025]
                seen.append((unit, done.births, done.communes_reporting, done.months))
    assert seen == [
        (unit, births, 1, 1) for births in (20, 25, 25) for unit in ("VN", "01", "00070")
    ]
