"""Birth counts per year summed over each unit's subtree (``birth_year_rollups``), kept on
every write of birth counts.

For every unit above a unit with birth records (the country, the provinces), the table holds
the yearly counts of ``birth_year_aggregates`` (sex, birth order, earlier boys and girls)
summed over the unit and everything below it. A province's or the country's births are then a
row per cell and year; a unit with no row for a year has no records below it that year (its
own counts, if any, are its subtree's).

Once the rollups are built (:func:`chitieu.store.generations.rollups_built`) every writer of
birth counts calls :func:`refresh_birth_rollups` with the units and years it touched, in its
own transaction (a birth import, :func:`chitieu.ingest.birth_store.add_aggregates`): the rows
of every unit above them for those years are counted again from ``birth_year_aggregates``.
:func:`rebuild_birth_rollups` counts everything (with the other rollups).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, literal, select, text

from chitieu.store.db import Db, dialect_name
from chitieu.store.generations import rollups_built
from chitieu.store.models import BirthYearAggregate, BirthYearRollup, Unit
from chitieu.units.queries import subtree_codes

#: The cells of a yearly count.
CELLS = ("sex", "birth_order", "prev_boys", "prev_girls")
#: Advisory lock (PostgreSQL) taken by a refresh: two imports recounting the same province
#: take turns, so the second counts the first's committed births.
_LOCK = (0x0C19, 0)
#: Units listed in one query at most.
_LISTED = 500


def _ancestors(db: Db, units: Iterable[str]) -> set[str]:
    """The units strictly above any of ``units``."""
    out: set[str] = set()
    listed = sorted(set(units))
    for i in range(0, len(listed), _LISTED):
        some = listed[i : i + _LISTED]
        for (path,) in db.execute(select(Unit.path).where(Unit.code.in_(some))):
            out.update(path.split("/")[:-1])
    return out


def _count(db: Db, above: Iterable[str], years: list[int] | None) -> None:
    """Count the rows of each unit in ``above`` (for ``years``, all when None) again."""
    a, r = BirthYearAggregate, BirthYearRollup
    for code in sorted(set(above)):
        path = db.scalar(select(Unit.path).where(Unit.code == code))
        if path is None:
            continue
        gone = delete(r).where(r.unit_code == code)
        keys = [a.year, *(getattr(a, c) for c in CELLS)]
        summed = select(literal(code), *keys, func.sum(a.births)).where(
            a.unit_code.in_(subtree_codes(path))
        )
        if years is not None:
            gone = gone.where(r.year.in_(years))
            summed = summed.where(a.year.in_(years))
        db.execute(gone)
        db.execute(
            insert(r).from_select(["unit_code", "year", *CELLS, "births"], summed.group_by(*keys))
        )


def refresh_birth_rollups(db: Db, unit_years: Iterable[tuple[str, int]]) -> None:
    """Count the rows of every unit above these (unit, year) pairs, for their years, again
    from ``birth_year_aggregates``, in the caller's transaction. Nothing to do before the
    rollups are built (readers do not read the table then, and the build counts all)."""
    pairs = {(u, int(y)) for u, y in unit_years}
    if not pairs or not rollups_built(db):
        return
    if dialect_name(db) == "postgresql":
        db.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _LOCK[0], "key": _LOCK[1]},
        )
    units = sorted({u for u, _ in pairs})
    # a unit with rows of its own (records below it) counts its own births in them too
    r = BirthYearRollup
    rolled: set[str] = set()
    for i in range(0, len(units), _LISTED):
        some = units[i : i + _LISTED]
        rolled.update(db.scalars(select(r.unit_code).where(r.unit_code.in_(some)).distinct()))
    _count(db, _ancestors(db, units) | rolled, sorted({y for _, y in pairs}))


def rebuild_birth_rollups(db: Db) -> None:
    """Count the whole table again, in the caller's transaction."""
    db.execute(delete(BirthYearRollup))
    recorded = db.scalars(select(BirthYearAggregate.unit_code).distinct()).all()
    _count(db, _ancestors(db, recorded), None)
