"""The data-value rollups, kept current by every write of data values.

``data_value_years`` holds each unit's own figure per (element, disaggregation, year), as
:mod:`chitieu.reporting.own_figures` counts it (the coarsest period type of the year: the
sum of its periods and the value of its last one). ``data_value_rollups`` sums those figures over a unit and every unit below it, so a province
or the country reads one row per element, disaggregation and year.

:func:`refresh_rollups` is called by the write path (:mod:`chitieu.reporting.values`,
:mod:`chitieu.reporting.imports`) with the keys it changed, in the same transaction: each
touched unit-year is recounted from ``data_values`` by the database and the difference is added to the unit
and every unit above it. It also bumps the change counters of those units and years
(:mod:`chitieu.store.generations`), which is what cached answers are checked against.
:func:`rebuild_rollups` recounts everything (after a migration or a bulk load).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.orm import Session

from chitieu.ingest.birth_months import (
    BIRTHS_ELEMENT,
    period_months,
    rebuild_birth_months,
    refresh_birth_months,
)
from chitieu.ingest.birth_rollups import rebuild_birth_rollups
from chitieu.reporting.bulk import append_rows
from chitieu.reporting.own_figures import Cell, Figure, own_figures, period_place, place_periods
from chitieu.store.batches import chunks, lock_units, unit_paths
from chitieu.store.db import core, dialect_name, upsert
from chitieu.store.generations import (
    ANY_YEAR,
    OTHER,
    bump,
    mark_rollups_built,
    rollups_built,
)
from chitieu.store.keys import key_conditions
from chitieu.store.models import DataValueRollup, DataValueYear

#: Advisory-lock namespace (PostgreSQL): writers recounting the same unit take turns, so each
#: recount sees the other's committed values.
_LOCK_SPACE = 0x0C17

_OWN_COLUMNS = ("unit_code", "element_code", "disaggregation", "year", "rank", "total", "latest")
_SUM_COLUMNS = ("unit_code", "element_code", "disaggregation", "year", "total", "latest", "units")


def _own_rows(own: Mapping[Cell, Figure]) -> list[tuple[Any, ...]]:
    """``data_value_years`` rows (:data:`_OWN_COLUMNS`) of the figures in ``own``."""
    return [(u, e, d, y, f.rank, f.total, f.latest) for (u, e, d, y), f in own.items()]


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
        place_periods(db, sorted(units))
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
        units = {c[0] for c in cells}
        lock_units(db, _LOCK_SPACE, units)
        place_periods(db, sorted(units))
        for part in chunks(cells, FLUSH_CELLS):
            _recount(db, list(part), pending.paths)
        refresh_birth_months(db, pending.births)
    pending.births.clear()


def _recount(db: Session, cells: list[Cell], paths: dict[str, list[str]]) -> None:
    own_t = DataValueYear
    conn = core(db)
    counted = own_figures(db, sorted({c[:3] for c in cells}))
    new = {c: counted[c] for c in cells if c in counted}
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
    db.execute(delete(DataValueRollup))
    db.execute(delete(DataValueYear))
    place_periods(db, None)
    own = own_figures(db, None)
    paths = unit_paths(db, {c[0] for c in own})
    sums: dict[Cell, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for (u, e, d, y), f in own.items():
        for a in paths.get(u, [u]):
            acc = sums[(a, e, d, y)]
            acc[0] += f.total
            acc[1] += f.latest
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
