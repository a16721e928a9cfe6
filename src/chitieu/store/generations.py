"""Change counters: how often the data of a unit's subtree changed, per year, kept in the
database so that every server process (each with its own cache) sees the same ones.

A write of data values bumps ``(unit, year)`` and ``(unit, ANY_YEAR)`` for the unit it wrote
and every unit above it. An answer that depends on a unit's subtree for some years is current
as long as those counters are unchanged: one commune's value in Hanoi changes the counters of
the commune, Hanoi and the country, never Hai Phong's, and only for its own year.

A birth-record import does the same for the units and years of the births it added
(:func:`bump_units`). A change that belongs to one unit but to no year (a facility, an
inspection, a report period's lock) bumps ``(unit, ALL_YEARS)`` for the unit and every unit
above it, which every answer about those units depends on, whatever its years. Other changes
(users, tokens, the catalogue, the scorecard, plans and their activity reports, planned
inspections, which are read across units) bump the one counter ``(OTHER, ANY_YEAR)``, which
every answer depends on.

The row ``(ROLLUPS, ANY_YEAR)`` says that the data-value rollups have been built and are kept
by every write since (``chitieu.reporting.rollups``); without it readers read the values.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Integer, Select, bindparam, cast, func, insert, select

from chitieu.store.batches import unit_paths
from chitieu.store.db import Db, upsert
from chitieu.store.models import ChangeCounter

ANY_YEAR = 0
ALL_YEARS = -1
OTHER = "*"
ROLLUPS = "~rollups"

_cc = ChangeCounter


def bump(db: Db, scopes: Iterable[tuple[str, int]]) -> None:
    """Add one to the counter of every ``(scope, year)``, in the caller's transaction (a
    missing counter starts at 1), in one statement. Counters are taken in one order, so
    concurrent writers never wait for each other round a loop."""
    rows = [{"scope": s, "year": y, "version": 1} for s, y in sorted(set(scopes))]
    if not rows:
        return
    stmt = upsert(db, _cc)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_cc.scope, _cc.year], set_={"version": _cc.version + 1}
    )
    db.execute(stmt, rows)


def bump_units(db: Db, unit_years: Iterable[tuple[str, int]]) -> None:
    """Bump the counters of every ``(unit, year)`` given and of every unit above it: for a
    year, ``(unit, year)`` and ``(unit, ANY_YEAR)``; for :data:`ALL_YEARS`, that one only. In
    the caller's transaction, one statement for the counters."""
    pairs = set(unit_years)
    paths = unit_paths(db, {u for u, _ in pairs})
    scopes: set[tuple[str, int]] = set()
    for unit, year in pairs:
        for above in paths.get(unit, [unit]):
            scopes.add((above, year))
            if year != ALL_YEARS:
                scopes.add((above, ANY_YEAR))
    bump(db, scopes)


def stamp(db: Db, scope: str, years: Iterable[int] | None = None) -> tuple[int, ...]:
    """What an answer for the subtree of unit ``scope`` and ``years`` (None: any year)
    depends on, in one read: the subtree's counters for those years and for changes of no
    year, and the counter of other changes. Equal stamps mean the answer is current."""
    wanted = [ALL_YEARS, ANY_YEAR] if years is None else sorted({ALL_YEARS, *map(int, years)})
    params: dict[str, object] = {"stamp_scope": scope}
    params.update((f"stamp_year_{i}", year) for i, year in enumerate(wanted))
    row = db.execute(_stamp_statement(len(wanted)), params).one()
    return int(row[0] or 0), int(row[1] or 0)


@lru_cache(maxsize=64)
def _stamp_statement(years: int) -> Select[tuple[int, int]]:
    """:func:`stamp`'s statement for a number of years, made once: every request reads a
    stamp, and building the statement anew (then its cache key, then expanding its list of
    years) cost twice as much as running it."""
    # Each counter only grows, so their sum changes whenever one of them does.
    own = select(func.coalesce(func.sum(_cc.version), 0)).where(
        _cc.scope == bindparam("stamp_scope"),
        _cc.year.in_([bindparam(f"stamp_year_{i}") for i in range(years)]),
    )
    other = select(_cc.version).where(_cc.scope == OTHER, _cc.year == ANY_YEAR)
    return select(cast(own.scalar_subquery(), Integer), other.scalar_subquery())


def rollups_built(db: Db) -> bool:
    """True once the data-value rollups are built (and so kept current by every write)."""
    found = db.execute(
        select(_cc.version).where(_cc.scope == ROLLUPS, _cc.year == ANY_YEAR)
    ).first()
    return found is not None


def mark_rollups_built(db: Db) -> None:
    if not rollups_built(db):
        db.execute(insert(_cc).values(scope=ROLLUPS, year=ANY_YEAR, version=1))
