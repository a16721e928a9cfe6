"""The data-value rollups, kept current by every write of data values.

``data_value_years`` holds each unit's own figure per (element, disaggregation, year): within
a year a cell reported at several period types is read from the coarsest one (an annual
figure beats the sum of its months), ``total`` sums that type's periods (flows) and ``latest``
is the value of its last period (stocks). Only submitted and locked values count.
``data_value_rollups`` sums those figures over a unit and every unit below it, so a province
or the country reads one row per element, disaggregation and year.

:func:`refresh_rollups` is called by the write path (:mod:`chitieu.reporting.values`,
:mod:`chitieu.reporting.imports`) with the keys it changed, in the same transaction: each
touched unit-year is recounted from ``data_values`` and the difference is added to the unit
and every unit above it. It also bumps the change counters of those units and years
(:mod:`chitieu.store.generations`), which is what cached answers are checked against.
:func:`rebuild_rollups` recounts everything (after a migration or a bulk load).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.orm import Session

from chitieu.catalog.periods import PeriodType, parse_period
from chitieu.ingest.birth_months import (
    BIRTHS_ELEMENT,
    period_months,
    rebuild_birth_months,
    refresh_birth_months,
)
from chitieu.ingest.birth_rollups import rebuild_birth_rollups
from chitieu.reporting.bulk import append_rows
from chitieu.reporting.keys import key_conditions
from chitieu.store.batches import chunks, lock_units, unit_paths
from chitieu.store.db import core, dialect_name, upsert
from chitieu.store.generations import (
    ANY_YEAR,
    OTHER,
    bump,
    mark_rollups_built,
    rollups_built,
)
from chitieu.store.models import DataValue, DataValueRollup, DataValueYear

#: Period types from the coarsest to the finest. Within a year, a cell reported at several
#: types is read from the coarsest one (an annual figure beats the sum of its months), so a
#: figure is never counted twice. Each type has a rank of its own: quarters starting in
#: November are never added to calendar quarters.
PERIOD_PRECEDENCE: tuple[PeriodType, ...] = (
    PeriodType.YEARLY,
    PeriodType.FINANCIAL_APRIL,
    PeriodType.FINANCIAL_JULY,
    PeriodType.FINANCIAL_SEP,
    PeriodType.FINANCIAL_OCT,
    PeriodType.FINANCIAL_NOV,
    PeriodType.SIX_MONTHLY,
    PeriodType.SIX_MONTHLY_APRIL,
    PeriodType.SIX_MONTHLY_NOV,
    PeriodType.QUARTERLY,
    PeriodType.QUARTERLY_NOV,
    PeriodType.BI_MONTHLY,
    PeriodType.MONTHLY,
    PeriodType.BI_WEEKLY,
    PeriodType.WEEKLY,
    PeriodType.WEEKLY_WEDNESDAY,
    PeriodType.WEEKLY_THURSDAY,
    PeriodType.WEEKLY_SATURDAY,
    PeriodType.WEEKLY_SUNDAY,
    PeriodType.DAILY,
)
RANK = {t: i for i, t in enumerate(PERIOD_PRECEDENCE)}

#: Values still being entered are not figures yet.
COUNTED_STATUSES = ("submitted", "locked")

#: Advisory-lock namespace (PostgreSQL): writers recounting the same unit take turns, so each
#: recount sees the other's committed values.
_LOCK_SPACE = 0x0C17

Cell = tuple[str, str, str, int]  # unit, element, disaggregation, year


def year_of(start: date, end: date) -> int:
    """The calendar year a period counts in: the one holding most of its days (for a week, the
    year of its Thursday, as ISO weeks; ``2025April``, April 2025–March 2026, counts in 2025)."""
    if start.year == end.year:
        return start.year
    days_in_first = (date(start.year, 12, 31) - start).days + 1
    return start.year if 2 * days_in_first >= (end - start).days + 1 else end.year


@lru_cache(maxsize=65536)
def period_place(text_: str) -> tuple[int, int, int] | None:
    """(year it counts in, rank of its type, ordinal of its start day) of a stored period;
    None for an unreadable one (the importers store canonical spellings only)."""
    try:
        p = parse_period(text_)
    except ValueError:
        return None
    return year_of(p.start, p.end), RANK[p.type], p.start.toordinal()


class _Own:
    """A unit's own figure for a cell, built one period at a time."""

    __slots__ = ("latest", "rank", "start", "total")

    def __init__(self) -> None:
        self.rank = len(PERIOD_PRECEDENCE)
        self.total = 0.0
        self.latest = 0.0
        self.start = -1

    def add(self, rank: int, start: int, value: float) -> None:
        if rank < self.rank:
            self.rank, self.total, self.latest, self.start = rank, 0.0, value, start
        if rank == self.rank:
            self.total += value
            if start > self.start:
                self.latest, self.start = value, start


_OWN_COLUMNS = ("unit_code", "element_code", "disaggregation", "year", "rank", "total", "latest")
_SUM_COLUMNS = ("unit_code", "element_code", "disaggregation", "year", "total", "latest", "units")


def _own_rows(own: Mapping[Cell, _Own]) -> list[tuple[Any, ...]]:
    """``data_value_years`` rows (:data:`_OWN_COLUMNS`) of the figures in ``own``."""
    return [(u, e, d, y, o.rank, o.total, o.latest) for (u, e, d, y), o in own.items()]


def _count(rows: Iterable[Any], wanted: set[Cell] | None) -> dict[Cell, _Own]:
    """Own figures from (unit, element, disaggregation, period, value) rows, for the cells in
    ``wanted`` (all when None)."""
    out: dict[Cell, _Own] = {}
    for unit, element, disaggregation, period, value in rows:
        place = period_place(period)
        if place is None or value is None:
            continue
        cell = (unit, element, disaggregation, place[0])
        if wanted is not None and cell not in wanted:
            continue
        own = out.get(cell)
        if own is None:
            own = out[cell] = _Own()
        own.add(place[1], place[2], float(value))
    return out


def _upsert(db: Session) -> Any:
    r = DataValueRollup
    stmt = upsert(db, r)
    return stmt.on_conflict_do_update(
        index_elements=[r.unit_code, r.element_code, r.disaggregation, r.year],
        set_={
            "total": r.total + stmt.excluded.total,
            "latest": r.latest + stmt.excluded.latest,
            "units": r.units + stmt.excluded.units,
        },
    )


@dataclass
class Pending:
    """What an import gathers over its batches and settles at its end (:func:`flush`), so no
    batch reads again the periods earlier ones wrote to the same unit-year."""

    cells: set[Cell] = field(default_factory=set)
    births: set[tuple[str, int, int]] = field(default_factory=set)
    scopes: set[tuple[str, int]] = field(default_factory=set)
    paths: dict[str, list[str]] = field(default_factory=dict)
    #: Whether the rollups are built (asked once; nothing to recount when they are not).
    built: bool | None = None


#: Cells recounted per step of :func:`flush` (bounds the values held at once).
FLUSH_CELLS = 2000
#: Cells (or months with births) an import gathers before it recounts them, before its end.
PENDING_CELLS = 50_000


def refresh_rollups(
    db: Session,
    changed: Iterable[tuple[str, str, str, str]],
    pending: Pending | None = None,
) -> None:
    """Bring the rollups up to date after the values with these (unit, element,
    disaggregation, period) keys were written, in the caller's transaction, and bump the
    change counters of their units (and every unit above) for their years — at once, or
    when :func:`flush` is called with ``pending``."""
    if pending is not None and pending.built is None:
        pending.built = rollups_built(db)
    if pending is not None and not pending.built:
        _note_scopes(db, changed, pending)  # nothing to recount: the change counters only
        return
    cells: set[Cell] = set()
    births: set[tuple[str, int, int]] = set()  # unit-months whose births may change
    for unit, element, disaggregation, period in changed:
        place = period_place(period)
        if place is not None:
            cells.add((unit, element, disaggregation, place[0]))
            if element == BIRTHS_ELEMENT:
                births.update((unit, y, m) for y, m in period_months(period))
    if not cells:
        return
    units = {c[0] for c in cells}
    paths = pending.paths if pending is not None else {}  # an import's, kept between batches
    paths.update(unit_paths(db, units - paths.keys()))
    scopes = {
        (a, when) for u, _, _, y in cells for a in paths.get(u, [u]) for when in (y, ANY_YEAR)
    }
    if pending is not None:
        pending.cells |= cells
        pending.births |= births
        if max(len(pending.cells), len(pending.births)) >= PENDING_CELLS:
            _settle(db, pending)  # memory stays bounded
        pending.scopes |= scopes
        return
    if rollups_built(db):
        lock_units(db, _LOCK_SPACE, units)
        _recount(db, sorted(cells), paths)
        refresh_birth_months(db, births)
    bump(db, scopes)


def _note_scopes(
    db: Session, changed: Iterable[tuple[str, str, str, str]], pending: Pending
) -> None:
    """The change counters the keys ``changed`` will bump (their units and every unit above,
    for their years), gathered in ``pending``: the same scopes :func:`refresh_rollups` adds,
    from the distinct (unit, period) pairs alone."""
    pairs = {(unit, period) for unit, _, _, period in changed}
    unit_years = set()
    for unit, period in pairs:
        place = period_place(period)
        if place is not None:
            unit_years.add((unit, place[0]))
    paths = pending.paths
    paths.update(unit_paths(db, {u for u, _ in unit_years} - paths.keys()))
    pending.scopes.update(
        (a, when) for u, y in unit_years for a in paths.get(u, [u]) for when in (y, ANY_YEAR)
    )


def flush(db: Session, pending: Pending) -> None:
    """Recount the cells ``pending`` gathered and bump their counters (caller's transaction)."""
    _settle(db, pending)
    if pending.scopes:
        bump(db, pending.scopes)
        pending.scopes.clear()


def _settle(db: Session, pending: Pending) -> None:
    """Recount the cells and months with births ``pending`` gathered, and forget them."""
    cells, pending.cells = sorted(pending.cells), set()
    if cells and rollups_built(db):
        lock_units(db, _LOCK_SPACE, {c[0] for c in cells})
        for part in chunks(cells, FLUSH_CELLS):
            _recount(db, list(part), pending.paths)
        refresh_birth_months(db, pending.births)
    pending.births.clear()


def _recount(db: Session, cells: list[Cell], paths: dict[str, list[str]]) -> None:
    dv, own_t = DataValue, DataValueYear
    wanted = set(cells)
    triples = sorted({c[:3] for c in cells})
    rows: list[Any] = []
    columns = (dv.unit_code, dv.element_code, dv.disaggregation)
    conn = core(db)
    for where in key_conditions(db, columns, triples, narrow=(0, 1)):
        select_ = select(*columns, dv.period, dv.value).where(*where)
        rows.extend(conn.execute(select_.where(dv.status.in_(COUNTED_STATUSES))))
    new = _count(rows, wanted)
    old: dict[Cell, tuple[float, float]] = {}
    cell_columns = (own_t.unit_code, own_t.element_code, own_t.disaggregation, own_t.year)
    for these in key_conditions(db, cell_columns, cells, narrow=(0,)):
        for u, e, d, y, total, latest in conn.execute(
            select(*cell_columns, own_t.total, own_t.latest).where(*these)
        ):
            old[(u, e, d, y)] = (total, latest)
        db.execute(delete(own_t).where(*these))
    append_rows(db, own_t.__tablename__, _OWN_COLUMNS, _own_rows(new))

    deltas: dict[Cell, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for cell in cells:
        before, after = old.get(cell), new.get(cell)
        if before is None and after is None:
            continue
        d_total = (after.total if after else 0.0) - (before[0] if before else 0.0)
        d_latest = (after.latest if after else 0.0) - (before[1] if before else 0.0)
        d_units = (after is not None) - (before is not None)
        if d_total == 0 and d_latest == 0 and d_units == 0:
            continue
        u, e, d, y = cell
        for a in paths.get(u, [u]):
            acc = deltas[(a, e, d, y)]
            acc[0] += d_total
            acc[1] += d_latest
            acc[2] += d_units
    if not deltas:
        return
    stmt = _upsert(db)
    changes = [
        {
            "unit_code": a,
            "element_code": e,
            "disaggregation": d,
            "year": y,
            "total": t,
            "latest": lt,
            "units": n,
        }
        for (a, e, d, y), (t, lt, n) in sorted(deltas.items())
    ]
    for batch in chunks(changes):
        db.execute(stmt, list(batch))
    r = DataValueRollup
    emptied = [k for k, (_, _, n) in deltas.items() if n < 0]
    rkey = tuple_(r.unit_code, r.element_code, r.disaggregation, r.year)
    for keys in chunks(sorted(emptied)):
        db.execute(delete(r).where(rkey.in_(keys), r.units <= 0))


def rebuild_rollups(db: Session) -> int:
    """Recount both rollups from every stored value, in the caller's transaction, and mark
    them built; every cached answer is then stale. Returns the rows of ``data_value_years``."""
    dv = DataValue
    db.execute(delete(DataValueRollup))
    db.execute(delete(DataValueYear))
    rows = db.execute(
        select(dv.unit_code, dv.element_code, dv.disaggregation, dv.period, dv.value).where(
            dv.status.in_(COUNTED_STATUSES)
        )
    )
    own = _count(rows, None)
    paths = unit_paths(db, {c[0] for c in own})
    sums: dict[Cell, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for (u, e, d, y), o in own.items():
        for a in paths.get(u, [u]):
            acc = sums[(a, e, d, y)]
            acc[0] += o.total
            acc[1] += o.latest
            acc[2] += 1
    own_rows = _own_rows(own)
    append_rows(db, DataValueYear.__tablename__, _OWN_COLUMNS, own_rows)
    sum_rows = [(a, e, d, y, t, lt, n) for (a, e, d, y), (t, lt, n) in sums.items()]
    append_rows(db, DataValueRollup.__tablename__, _SUM_COLUMNS, sum_rows)
    mark_rollups_built(db)
    rebuild_birth_months(db)
    rebuild_birth_rollups(db)
    bump(db, [(OTHER, ANY_YEAR)])
    _analyze(db)
    return len(own_rows)


#: The tables the national reads plan over, whose statistics a rebuild (after a bulk load)
#: brings up to date.
_ANALYZED = (
    "units",
    "data_values",
    "data_value_years",
    "data_value_rollups",
    "birth_months",
    "birth_year_rollups",
)


def _analyze(db: Session) -> None:
    """On PostgreSQL, gather the planner statistics of :data:`_ANALYZED` now (a sample: well
    under a second each). Without them, as on a server with autovacuum off, the planner
    takes a subtree of thousands of units for two rows and reads the values unit by unit."""
    if dialect_name(db) == "postgresql":
        db.execute(text(f"ANALYZE {', '.join(_ANALYZED)}"))


def ensure_rollups(db: Session) -> bool:
    """Build the rollups if they are not built yet; True if this call built them."""
    if rollups_built(db):
        return False
    rebuild_rollups(db)
    return True
