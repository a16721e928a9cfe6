"""The three database reads behind every indicator, each grouped in the database by unit and
year: birth counts from ``birth_year_aggregates`` (the yearly rollup of ``birth_aggregates``),
reported figures, and counts of facilities. Only units at or below one unit are read (a
``units.path`` range).

Reported figures come from the rollups the write path keeps (:mod:`chitieu.reporting.rollups`):
a unit's own figures per year from ``data_value_years``, a whole subtree's from
``data_value_rollups`` (one row per element, disaggregation and year); from ``data_values``
itself where the rollups are not built."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from chitieu.births.reconcile import birth_filter_condition
from chitieu.catalog.schema import BirthFilter, Element
from chitieu.reporting.own_figures import COUNTED_STATUSES as COUNTED_STATUSES
from chitieu.reporting.own_figures import PERIOD_PRECEDENCE as PERIOD_PRECEDENCE
from chitieu.reporting.own_figures import period_place
from chitieu.store.models import (
    BirthYearAggregate,
    BirthYearRollup,
    DataValue,
    DataValueRollup,
    DataValueYear,
    Facility,
)
from chitieu.units.queries import subtree_codes


@dataclass(frozen=True, slots=True)
class BirthCounts:
    """Births per (unit, year): the numerator's, the denominator's, and all births."""

    unit_code: str
    year: int
    numerator: int
    denominator: int
    total: int


@dataclass(frozen=True, slots=True)
class ReportedCell:
    """One reported cell for a year, read from the coarsest period type reported:
    ``total`` sums that type's periods (flows); ``latest`` is the value of its last period
    (stocks)."""

    unit_code: str
    element: str
    disaggregation: str
    year: int
    rank: int
    total: float
    latest: float


YearTable = type[BirthYearAggregate] | type[BirthYearRollup]


def births_condition(
    filters: Sequence[BirthFilter], table: YearTable = BirthYearAggregate
) -> ColumnElement[bool]:
    """Birth-count rows (of a yearly table) selected by any of ``filters``."""
    terms = [birth_filter_condition(f, table) for f in filters]
    return or_(*terms) if terms else false()


def read_births(
    db: Session,
    path: str,
    years: Sequence[int],
    numerator: Sequence[BirthFilter],
    denominator: Sequence[BirthFilter],
) -> list[BirthCounts]:
    """Birth counts per unit and year at or below the unit at ``path``, from the yearly
    rollup (a twelfth of the monthly rows)."""
    return [
        BirthCounts(b.unit_code, b.year, b.counts[0], b.counts[1], b.total)
        for b in read_births_many(db, path, years, [numerator, denominator])
    ]


@dataclass(frozen=True, slots=True)
class ManyBirthCounts:
    """Births per (unit, year): one count per set of filters asked for, and all births."""

    unit_code: str
    year: int
    counts: tuple[int, ...]
    total: int


def _births_query(
    table: YearTable, units: Any, years: Sequence[int], filters: Sequence[Sequence[BirthFilter]]
) -> Any:
    def summed(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, table.births), else_=0)), 0)

    return (
        select(
            table.unit_code,
            table.year,
            func.coalesce(func.sum(table.births), 0),
            *(summed(births_condition(f, table)) for f in filters),
        )
        .where(table.unit_code.in_(units), table.year.in_(list(years)))
        .group_by(table.unit_code, table.year)
    )


def _many(db: Session, query: Any) -> list[ManyBirthCounts]:
    return [
        ManyBirthCounts(u, int(y), tuple(int(n) for n in ns), int(t))
        for u, y, t, *ns in db.execute(query)
    ]


def read_births_many(
    db: Session, path: str, years: Sequence[int], filters: Sequence[Sequence[BirthFilter]]
) -> list[ManyBirthCounts]:
    """:func:`read_births` for any number of sets of filters, in one grouped read."""
    return _many(db, _births_query(BirthYearAggregate, subtree_codes(path), years, filters))


def read_subtree_births(
    db: Session,
    roots: Sequence[str],
    years: Sequence[int],
    filters: Sequence[Sequence[BirthFilter]],
) -> list[ManyBirthCounts]:
    """:func:`read_births_many` summed over each of ``roots`` with everything below it, keyed
    by the root: from ``birth_year_rollups`` for a root and year with records below it, from
    the root's own counts otherwise (they are then its subtree's). Read once the rollups are
    built."""
    listed = sorted(set(roots))
    out = {
        (b.unit_code, b.year): b
        for b in _many(db, _births_query(BirthYearRollup, listed, years, filters))
    }
    for b in _many(db, _births_query(BirthYearAggregate, listed, years, filters)):
        out.setdefault((b.unit_code, b.year), b)
    return list(out.values())


def units_with_births(
    db: Session, path: str, years: Sequence[int], *, own: bool = False
) -> set[tuple[str, int]]:
    """The (unit, year) pairs at or below ``path`` whose birth records count any births
    (``own``: of the unit at ``path`` alone, which is then the root, its path its code)."""
    ba = BirthYearAggregate
    units = ba.unit_code == path if own else ba.unit_code.in_(subtree_codes(path))
    query = (
        select(ba.unit_code, ba.year)
        .where(units, ba.year.in_(list(years)))
        .group_by(ba.unit_code, ba.year)
        .having(func.sum(ba.births) > 0)
    )
    return {(u, int(y)) for u, y in db.execute(query)}


def _period_maps(
    db: Session, cells: ColumnElement[bool], years: Sequence[int]
) -> dict[str, tuple[int, int, int]]:
    """Each stored period of the wanted cells that counts in one of ``years``, mapped to
    (year, rank of its type, ordinal of its start day). Unreadable period strings are skipped:
    the importers store canonical spellings only."""
    wanted = set(years)
    maps: dict[str, tuple[int, int, int]] = {}
    for (text,) in db.execute(select(DataValue.period).where(cells).distinct()):
        place = period_place(text)
        if place is not None and place[0] in wanted:
            maps[text] = place
    return maps


def read_reported(
    db: Session, path: str, years: Sequence[int], wanted: Mapping[str, Collection[str]]
) -> list[ReportedCell]:
    """Reported figures per unit, element, disaggregation, year and period type, at or below
    the unit at ``path``; ``wanted`` maps element codes to the disaggregations to read."""
    dv = DataValue
    cells = or_(
        *(and_(dv.element_code == e, dv.disaggregation.in_(list(d))) for e, d in wanted.items())
    )
    cells = and_(cells, dv.status.in_(COUNTED_STATUSES))
    maps = _period_maps(db, cells, years)
    if not maps:
        return []

    def mapped(i: int) -> ColumnElement[int]:
        return case({p: m[i] for p, m in maps.items()}, value=dv.period)

    keys = (dv.unit_code, dv.element_code, dv.disaggregation, mapped(0), mapped(1))
    # One pass: each row carries its group's total and the value of the group's last period
    # (window functions), and one row per group is kept. A join of the rows with their
    # group's last period would cost a lookup per row.
    windowed = (
        select(
            *(k.label(n) for k, n in zip(keys, ("u", "e", "d", "y", "r"), strict=True)),
            func.sum(dv.value).over(partition_by=keys).label("total"),
            func.first_value(dv.value)
            .over(partition_by=keys, order_by=mapped(2).desc())
            .label("latest"),
            func.row_number().over(partition_by=keys, order_by=mapped(2).desc()).label("n"),
        )
        .where(dv.unit_code.in_(subtree_codes(path)), cells, dv.period.in_(list(maps)))
        .subquery()
    )
    w = windowed.c
    query = select(w.u, w.e, w.d, w.y, w.r, w.total, w.latest).where(w.n == 1)
    return [
        ReportedCell(u, e, d, int(y), int(r), float(t), float(v))
        for u, e, d, y, r, t, v in db.execute(query)
    ]


def read_facility_counts(db: Session, path: str, kind: str) -> dict[str, int]:
    """Facilities of ``kind`` per unit, at or below the unit at ``path``."""
    query = (
        select(Facility.unit_code, func.count())
        .where(Facility.unit_code.in_(subtree_codes(path)), Facility.kind == kind)
        .group_by(Facility.unit_code)
    )
    return {u: int(n) for u, n in db.execute(query)}


def element_cells(element: Element, disaggregations: Sequence[str] | None) -> list[str]:
    """The disaggregation codes an operand reads: those listed, or all the element's."""
    return list(disaggregations or element.disaggregation_codes)


def _cells(
    table: type[DataValueYear] | type[DataValueRollup], wanted: Mapping[str, Collection[str]]
) -> ColumnElement[bool]:
    return or_(
        *(
            and_(table.element_code == e, table.disaggregation.in_(list(d)))
            for e, d in wanted.items()
        )
    )


def read_own_reported(
    db: Session,
    years: Sequence[int],
    wanted: Mapping[str, Collection[str]],
    *,
    path: str | None = None,
    units: Sequence[str] | None = None,
) -> list[ReportedCell]:
    """:func:`read_reported` from ``data_value_years`` (each unit's own figures, already
    read from its coarsest period type), for the units at or below ``path`` or for ``units``."""
    t = DataValueYear
    query = select(t.unit_code, t.element_code, t.disaggregation, t.year, t.rank, t.total, t.latest)
    query = query.where(_cells(t, wanted), t.year.in_(list(years)))
    if path is not None:
        query = query.where(t.unit_code.in_(subtree_codes(path)))
    if units is not None:
        query = query.where(t.unit_code.in_(list(units)))
    return [
        ReportedCell(u, e, d, int(y), int(r), float(x), float(v))
        for u, e, d, y, r, x, v in db.execute(query)
    ]


def read_subtree_reported(
    db: Session, units: Sequence[str], years: Sequence[int], wanted: Mapping[str, Collection[str]]
) -> list[ReportedCell]:
    """Reported figures of each of ``units`` with everything below it, per element,
    disaggregation and year, from ``data_value_rollups``: one row each. Every unit's own
    figure comes from its coarsest period type (``rank`` is 0 here: nothing is left to
    choose)."""
    t = DataValueRollup
    query = select(t.unit_code, t.element_code, t.disaggregation, t.year, t.total, t.latest).where(
        t.unit_code.in_(list(units)), t.year.in_(list(years)), _cells(t, wanted)
    )
    return [
        ReportedCell(u, e, d, int(y), 0, float(x), float(v))
        for u, e, d, y, x, v in db.execute(query)
    ]


def units_with_reported(
    db: Session, path: str, years: Sequence[int], wanted: Mapping[str, Collection[str]]
) -> set[tuple[str, int]]:
    """The (unit, year) pairs at or below ``path`` whose own figures of the ``wanted`` cells
    (flows) add up to more than zero, from ``data_value_years``."""
    t = DataValueYear
    query = (
        select(t.unit_code, t.year)
        .where(t.unit_code.in_(subtree_codes(path)), t.year.in_(list(years)), _cells(t, wanted))
        .group_by(t.unit_code, t.year)
        .having(func.sum(t.total) > 0)
    )
    return {(u, int(y)) for u, y in db.execute(query)}
