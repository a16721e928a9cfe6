"""Which calendar months have births, per unit and year, kept on every write (``birth_months``).

A unit has births in a month when its birth records count any that month or one of its
submitted or locked ``LIVE_BIRTHS`` values above zero is for a period covering the month (a
quarter covers three months, in whichever years they fall). The table holds, per unit, year and
month, whether the unit itself has births then (``own``) and how many units at or below it do
(``units``), so the months with births of a province or of the country are read in one row
each, whatever the number of units below.

Once the rollups are built (:func:`chitieu.store.generations.rollups_built`) every writer of
births or of ``LIVE_BIRTHS`` values calls :func:`refresh_birth_months` with the units and years
it touched, in its own transaction: a birth import, a fixture's counts
(:func:`chitieu.ingest.birth_store.add_aggregates`) and the values' write path
(:func:`chitieu.reporting.rollups.refresh_rollups`). :func:`rebuild_birth_months` recounts all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache

from sqlalchemy import delete, func, insert, select, tuple_

from chitieu.catalog.periods import parse_period
from chitieu.store.batches import add_to, chunks, lock_units, unit_paths
from chitieu.store.db import Db, core
from chitieu.store.generations import rollups_built
from chitieu.store.keys import for_each
from chitieu.store.models import BirthAggregate, BirthMonth, DataValue

#: The element of the monthly report that carries births.
BIRTHS_ELEMENT = "LIVE_BIRTHS"
#: Values still being entered are not figures yet.
COUNTED_STATUSES = ("submitted", "locked")
#: Advisory-lock namespace (PostgreSQL): two writers recounting the same unit's months take
#: turns, so each sees the other's committed counts.
_LOCK_SPACE = 0x0C18

UnitMonth = tuple[str, int, int]  # unit, year, month


@lru_cache(maxsize=65536)
def period_months(text_: str) -> tuple[tuple[int, int], ...]:
    """The (year, month) pairs a stored period covers; none for an unreadable one."""
    try:
        p = parse_period(text_)
    except ValueError:
        return ()
    out = []
    y, m = p.start.year, p.start.month
    while date(y, m, 1) <= p.end:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def spelling_range(years: Sequence[int]) -> tuple[str, str]:
    """Bounds (from, before) of the spellings of every period that can cover a month of
    ``years``: each spelling starts with a year, at most one from the month's (a quarter
    from November, ``2025NovQ1``, starts in November 2024; a week of ``2024W52`` may end in
    January 2025). One index range reads them all at once; a list of every candidate
    spelling would be searched one spelling per unit."""
    return str(min(years) - 1), str(max(years) + 2)


def _own_months(db: Db, units: Sequence[str], wanted: set[UnitMonth] | None) -> set[UnitMonth]:
    """The (unit, year, month) with births of each of ``units`` itself among ``wanted``
    (every unit and month when ``units`` is empty and ``wanted`` None)."""
    ba, dv = BirthAggregate, DataValue
    found: set[UnitMonth] = set()
    records = select(ba.unit_code, ba.year, ba.month).where(ba.births > 0).distinct()
    values = (
        select(dv.unit_code, dv.period)
        .where(
            dv.element_code == BIRTHS_ELEMENT,
            dv.status.in_(COUNTED_STATUSES),
            dv.value > 0,
        )
        .distinct()
    )
    if wanted is not None:
        months = {(y, m) for _, y, m in wanted}
        years = sorted({y for y, _ in months})
        records = records.where(ba.year.in_(years), ba.month.in_(sorted({m for _, m in months})))
        low, high = spelling_range(years)
        values = values.where(dv.period >= low, dv.period < high)
    conn = core(db)
    for statement in for_each(conn, records, ba.unit_code, units):
        found.update((u, int(y), int(m)) for u, y, m in conn.execute(statement))
    for statement in for_each(conn, values, DataValue.unit_code, units):
        for u, period in conn.execute(statement):
            found.update((u, y, m) for y, m in period_months(period))
    if wanted is not None:
        found &= wanted
    return found


def refresh_birth_months(db: Db, unit_months: Iterable[tuple[str, int, int]]) -> None:
    """Recount whether each of these (unit, year, month) has births, from the unit's birth
    counts and values, and add the change to the unit and every unit above it, in the
    caller's transaction. Nothing to do before the rollups are built (readers do not read
    the table then, and the build counts everything)."""
    wanted = {(u, int(y), int(m)) for u, y, m in unit_months}
    if not wanted or not rollups_built(db):
        return
    units = sorted({u for u, _, _ in wanted})
    lock_units(db, _LOCK_SPACE, units)
    new = _own_months(db, units, wanted)
    t = BirthMonth
    years = sorted({y for _, y, _ in wanted})
    months = sorted({m for _, _, m in wanted})
    old: set[UnitMonth] = set()
    for some in chunks(units):
        found = db.execute(
            select(t.unit_code, t.year, t.month).where(
                t.unit_code.in_(list(some)), t.year.in_(years), t.month.in_(months), t.own > 0
            )
        )
        old.update((u, int(y), int(m)) for u, y, m in found)
    old &= wanted
    added, removed = new - old, old - new
    if not added and not removed:
        return
    paths = unit_paths(db, {k[0] for k in added | removed})
    deltas: dict[UnitMonth, list[int]] = defaultdict(lambda: [0, 0])
    for keys, sign in ((added, 1), (removed, -1)):
        for u, y, m in keys:
            for above in paths.get(u, [u]):
                acc = deltas[(above, y, m)]
                acc[0] += sign
                if above == u:
                    acc[1] += sign
    rows = [(*k, n, own) for k, (n, own) in sorted(deltas.items())]
    add_to(db, BirthMonth, ("unit_code", "year", "month"), ("units", "own"), rows)
    key = tuple_(t.unit_code, t.year, t.month)
    emptied = sorted(k for k, (n, _) in deltas.items() if n < 0)
    for gone in chunks(emptied):
        db.execute(delete(t).where(key.in_(list(gone)), t.units <= 0))


def rebuild_birth_months(db: Db) -> int:
    """Recount the whole table from the birth counts and values, in the caller's transaction;
    returns the number of (unit, year, month) with births of the units themselves."""
    db.execute(delete(BirthMonth))
    own = _own_months(db, [], None)
    paths = unit_paths(db, {u for u, _, _ in own})
    counts: dict[UnitMonth, list[int]] = defaultdict(lambda: [0, 0])
    for u, y, m in own:
        for above in paths.get(u, [u]):
            acc = counts[(above, y, m)]
            acc[0] += 1
            if above == u:
                acc[1] = 1
    rows = [
        {"unit_code": u, "year": y, "month": m, "units": n, "own": o}
        for (u, y, m), (n, o) in counts.items()
    ]
    for batch in chunks(rows, 5000):
        db.execute(insert(BirthMonth), list(batch))
    return len(own)


def months_with_births(db: Db, unit_code: str, years: Iterable[int]) -> dict[int, set[int]]:
    """Per year of ``years`` with any, the months in which the unit or a unit below it has
    births, from the kept table (read only once the rollups are built)."""
    t = BirthMonth
    out: dict[int, set[int]] = {}
    query = select(t.year, t.month).where(
        t.unit_code == unit_code, t.year.in_(sorted(set(years))), t.units > 0
    )
    for y, m in db.execute(query):
        out.setdefault(int(y), set()).add(int(m))
    return out


def latest_birth_month_year(db: Db, unit_code: str) -> int | None:
    """The latest year in which the unit or a unit below it has births in some month."""
    t = BirthMonth
    found = db.scalar(select(func.max(t.year)).where(t.unit_code == unit_code, t.units > 0))
    return int(found) if found is not None else None
