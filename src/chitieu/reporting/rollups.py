"""The data-value rollups, kept current by every write of data values.

``data_value_years`` holds each unit's own figure per (element, disaggregation, year), as
:mod:`chitieu.reporting.own_figures` counts it (the coarsest period type of the year: the
sum of its periods and the value of its last one). ``data_value_rollups`` sums those figures
over a unit and every unit below it, so a province or the country reads one row per element,
disaggregation and year.

Every write brings them up to date in its own transaction and adds the difference of each
touched figure to the unit and every unit above it. A single write
(:mod:`chitieu.reporting.values`) calls :func:`refresh_rollups` with the keys it changed:
their unit-years are recounted from ``data_values`` by the database. An import
(:mod:`chitieu.reporting.imports`) notes each value's change as it writes (:func:`gather`)
and settles them at its end (:func:`flush`): a figure follows from the one before and the
changes alone, and only the cells they cannot settle are recounted
(:mod:`chitieu.reporting.own_changes`). Both bump the change counters of those units and
years (:mod:`chitieu.store.generations`), which is what cached answers are checked against.
:func:`rebuild_rollups` recounts everything (after a bulk load).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
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
from chitieu.reporting.own_changes import Changes, TypeChange, by_cell, figure_after, note
from chitieu.reporting.own_figures import Cell, Figure, own_figures, period_place, place_periods
from chitieu.store.batches import add_to, chunks, lock_units, put_at, unit_paths
from chitieu.store.db import core, dialect_name
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

#: The key of a cell's row in ``data_value_years`` and ``data_value_rollups``.
_CELL_COLUMNS = ("unit_code", "element_code", "disaggregation", "year")
_FIGURE_COLUMNS = ("rank", "total", "latest", "latest_start", "counted")
_OWN_COLUMNS = (*_CELL_COLUMNS, *_FIGURE_COLUMNS)
_SUM_VALUES = ("total", "latest", "units")
_SUM_COLUMNS = (*_CELL_COLUMNS, *_SUM_VALUES)
#: The same key as columns of ``data_value_years``.
_YEAR_KEY = tuple(DataValueYear.__table__.c[name] for name in _CELL_COLUMNS)


def _own_rows(own: Mapping[Cell, Figure]) -> list[tuple[Any, ...]]:
    """``data_value_years`` rows (:data:`_OWN_COLUMNS`) of the figures in ``own``."""
    return [(u, e, d, y, *f) for (u, e, d, y), f in own.items()]


@dataclass
class Pending:
    """What an import gathers over its batches and settles at its end (:func:`flush`), so no
    batch reads again the periods earlier ones wrote to the same unit-year."""

    changes: Changes = field(default_factory=dict)
    births: set[tuple[str, int, int]] = field(default_factory=set)
    scopes: set[tuple[str, int]] = field(default_factory=set)
    paths: dict[str, list[str]] = field(default_factory=dict)
    #: Whether the rollups are built (asked once; nothing to recount when they are not).
    built: bool | None = None


#: Cells settled per step of :func:`flush` (bounds what is held at once).
FLUSH_CELLS = 2000
#: Cells' period types (or months with births) an import gathers before it settles them,
#: before its end.
PENDING_CELLS = 50_000

#: A written value's key (unit, element, disaggregation, period) and its value as counted
#: before and after the write (None: not counted, as a draft, a deleted or an empty value).
ValueChange = tuple[str, str, str, str, float | None, float | None]


def refresh_rollups(db: Session, changed: Iterable[tuple[str, str, str, str]]) -> None:
    """Bring the rollups up to date after the values with these (unit, element,
    disaggregation, period) keys were written, in the caller's transaction, and bump the
    change counters of their units (and every unit above) for their years."""
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
    paths = unit_paths(db, units)
    if rollups_built(db):
        lock_units(db, _LOCK_SPACE, units)
        _recount(db, sorted(cells), paths, None)
        refresh_birth_months(db, births)
    bump(db, _scopes({(u, y) for u, _, _, y in cells}, paths))


def gather(db: Session, changed: Sequence[ValueChange], pending: Pending) -> None:
    """Note in ``pending`` what an import's batch changed (in the order written), for
    :func:`flush` to settle in the caller's transaction."""
    if pending.built is None:
        pending.built = rollups_built(db)
    unit_years: set[tuple[str, int]] = set()
    if pending.built:
        changes, births = pending.changes, pending.births
        for unit, element, disaggregation, period, before, after in changed:
            place = period_place(period)
            if place is not None:
                note(changes, (unit, element, disaggregation, place[0]), *place[1:], before, after)
                unit_years.add((unit, place[0]))
                if element == BIRTHS_ELEMENT:
                    births.update((unit, y, m) for y, m in period_months(period))
    else:  # the change counters only, from the distinct (unit, period) pairs
        for unit, period in {(c[0], c[3]) for c in changed}:
            place = period_place(period)
            if place is not None:
                unit_years.add((unit, place[0]))
    paths = pending.paths
    paths.update(unit_paths(db, {u for u, _ in unit_years} - paths.keys()))
    pending.scopes |= _scopes(unit_years, paths)
    if max(len(pending.changes), len(pending.births)) >= PENDING_CELLS:
        _settle(db, pending)  # memory stays bounded


def _scopes(
    unit_years: Iterable[tuple[str, int]], paths: Mapping[str, list[str]]
) -> set[tuple[str, int]]:
    """The change counters writes to these units and years bump: of the unit and every unit
    above, for the year and for any year."""
    return {(a, when) for u, y in unit_years for a in paths.get(u, [u]) for when in (y, ANY_YEAR)}


def flush(db: Session, pending: Pending) -> None:
    """Settle the changes ``pending`` gathered and bump their counters (caller's
    transaction)."""
    _settle(db, pending)
    if pending.scopes:
        bump(db, pending.scopes)
        pending.scopes.clear()


def _settle(db: Session, pending: Pending) -> None:
    """Bring up to date the figures and months with births ``pending`` gathered changes
    of, and forget those."""
    changes, pending.changes = pending.changes, {}
    if changes and rollups_built(db):
        lock_units(db, _LOCK_SPACE, {key[0] for key in changes})
        for part in by_cell(changes, FLUSH_CELLS):
            _recount(db, list(part), pending.paths, part)
        refresh_birth_months(db, pending.births)
    pending.births.clear()


def _stored_figures(db: Session, cells: list[Cell]) -> dict[Cell, Figure]:
    """The figures ``data_value_years`` holds for ``cells``."""
    t = DataValueYear.__table__.c
    found: dict[Cell, Figure] = {}
    conn = core(db)
    for these in key_conditions(db, _YEAR_KEY, cells, narrow=(0,)):
        query = select(*_YEAR_KEY, *(t[name] for name in _FIGURE_COLUMNS)).where(*these)
        for u, e, d, y, *figure in conn.execute(query):
            found[(u, e, d, y)] = Figure(*figure)
    return found


def _recount(
    db: Session,
    cells: list[Cell],
    paths: dict[str, list[str]],
    changes: Mapping[Cell, dict[int, TypeChange]] | None,
) -> None:
    """Bring the figures of ``cells`` up to date, from ``changes`` where they tell it
    (:func:`~chitieu.reporting.own_changes.figure_after`; none given: every cell is
    recounted from its values), and add the differences to the rollups above."""
    old = _stored_figures(db, cells)
    new: dict[Cell, Figure] = {}
    unsettled: list[Cell] = []
    for cell in cells:
        known, figure = (
            (False, None) if changes is None else figure_after(old.get(cell), changes[cell])
        )
        if not known:
            unsettled.append(cell)
        elif figure is not None:
            new[cell] = figure
    if unsettled:
        place_periods(db, sorted({c[0] for c in unsettled}))
        counted = own_figures(db, sorted({c[:3] for c in unsettled}))
        new.update((c, counted[c]) for c in unsettled if c in counted)
    rewritten = [c for c in cells if old.get(c) != new.get(c)]
    t = DataValueYear
    gone = [c for c in rewritten if c in old and c not in new]
    for these in key_conditions(db, _YEAR_KEY, gone, narrow=(0,)):
        db.execute(delete(t).where(*these))
    # a figure there already is set in place; a new one is appended (COPY on PostgreSQL)
    changed = {c: new[c] for c in rewritten if c in new and c in old}
    put_at(db, t, _CELL_COLUMNS, _FIGURE_COLUMNS, _own_rows(changed))
    added = {c: new[c] for c in rewritten if c in new and c not in old}
    append_rows(db, t.__tablename__, _OWN_COLUMNS, _own_rows(added))
    _roll_up(db, [(c, old.get(c), new.get(c)) for c in rewritten], paths)


def _roll_up(
    db: Session,
    differences: list[tuple[Cell, Figure | None, Figure | None]],
    paths: Mapping[str, list[str]],
) -> None:
    """Add to each unit's rollups, and every unit's above, the difference between the own
    figures before and after of (cell, before, after)."""
    deltas: dict[Cell, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for cell, before, after in differences:
        d_total = (after.total if after else 0.0) - (before.total if before else 0.0)
        d_latest = (after.latest if after else 0.0) - (before.latest if before else 0.0)
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
    rows = [(*k, t, lt, n) for k, (t, lt, n) in sorted(deltas.items())]
    add_to(db, DataValueRollup, _CELL_COLUMNS, _SUM_VALUES, rows)
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
