"""Birth records beside the communes' monthly reports, commune-month by commune-month, and the
one rule that says which of the two the figures use.

A commune's births for a month can reach chitieu twice: as individual birth records (the
civil or facility register, ``birth_aggregates``) and as the live births of its monthly report
(``LIVE_BIRTHS`` for period ``YYYYMM``, submitted or locked). Both are kept as they came. The
figures use one of them per commune-month (:func:`report_used`):

* **the submitted monthly report**, unless the birth records of that commune-month count at
  least as many births: a report is the commune's signed account of the month, and a handful of
  records (an import still under way, a register that lags) must not replace it;
* **the birth records** where they count at least as many births as the report (they say as
  much and more: the sex of earlier children), or where there is no submitted report.

:func:`commune_months` reads both sources side by side; the indicators apply
:func:`report_used` where they read births, and the reconciliation page and API show every
commune-month where the two disagree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from chitieu.catalog import Catalog, read_catalog
from chitieu.catalog.schema import BirthFilter, Element
from chitieu.store.models import (
    BirthAggregate,
    BirthYearAggregate,
    BirthYearRollup,
    DataValue,
    Unit,
)
from chitieu.units.queries import in_subtree, subtree_codes

#: The element of the monthly report that birth records can also supply.
BIRTHS_ELEMENT = "LIVE_BIRTHS"
#: Report values that are figures (a draft is still being entered).
COUNTED_STATUSES = ("submitted", "locked")
#: Units listed by code in a query at most; more are read by their subtree alone.
MAX_LISTED_UNITS = 500


def report_used(records_total: float, report_total: float | None) -> bool:
    """The rule: True where the commune-month's figures come from its submitted report (there
    is one and the records count fewer births), False where they come from birth records."""
    return report_total is not None and records_total < report_total


@dataclass(frozen=True, slots=True)
class CommuneMonth:
    """One unit's births in one month from both sources, by cell of ``LIVE_BIRTHS``.

    ``report`` is None where the month has no submitted or locked report; ``status`` is the
    report's state then."""

    unit_code: str
    year: int
    month: int
    records: dict[str, int]
    report: dict[str, float] | None
    status: str | None
    males: frozenset[str]

    @property
    def period(self) -> str:
        return f"{self.year}{self.month:02d}"

    @property
    def records_total(self) -> int:
        return sum(self.records.values())

    @property
    def report_total(self) -> float | None:
        return None if self.report is None else sum(self.report.values())

    def _by_sex(self, cells: dict[str, Any] | None, male: bool) -> float | None:
        if cells is None:
            return None
        return sum(v for c, v in cells.items() if (c in self.males) == male)

    @property
    def records_boys(self) -> int:
        return int(self._by_sex(self.records, True) or 0)

    @property
    def records_girls(self) -> int:
        return int(self._by_sex(self.records, False) or 0)

    @property
    def report_boys(self) -> float | None:
        return self._by_sex(self.report, True)

    @property
    def report_girls(self) -> float | None:
        return self._by_sex(self.report, False)

    @property
    def uses_report(self) -> bool:
        return report_used(self.records_total, self.report_total)

    @property
    def differs(self) -> bool:
        """Both sources are there and they disagree on boys or girls."""
        return (
            self.report is not None
            and self.records_total > 0
            and (self.report_boys, self.report_girls) != (self.records_boys, self.records_girls)
        )

    def as_dict(self) -> dict[str, Any]:
        def whole(x: float | None) -> float | int | None:
            return int(x) if x is not None and float(x).is_integer() else x

        return {
            "unit": self.unit_code,
            "period": self.period,
            "records": {
                "boys": self.records_boys,
                "girls": self.records_girls,
                "total": self.records_total,
            },
            "report": None
            if self.report is None
            else {
                "boys": whole(self.report_boys),
                "girls": whole(self.report_girls),
                "total": whole(self.report_total),
                "status": self.status,
            },
            "difference": None
            if self.report is None
            else {
                "boys": whole(self.records_boys - (self.report_boys or 0)),
                "girls": whole(self.records_girls - (self.report_girls or 0)),
                "total": whole(self.records_total - (self.report_total or 0)),
            },
            "differs": self.differs,
            "used": "report" if self.uses_report else "records",
        }


def birth_filter_condition(
    f: BirthFilter,
    ba: type[BirthAggregate] | type[BirthYearAggregate] | type[BirthYearRollup] = BirthAggregate,
) -> ColumnElement[bool]:
    """Rows of a birth-count table (monthly ``ba`` by default, or a yearly one) that the
    filter selects."""
    parts: list[ColumnElement[bool]] = []
    if f.sex is not None:
        parts.append(ba.sex == f.sex)
    for column, wanted in (
        (ba.birth_order, f.birth_order),
        (ba.prev_boys, f.prev_boys),
        (ba.prev_girls, f.prev_girls),
    ):
        if wanted is not None:
            parts.append(column.in_(wanted))
    return and_(*parts) if parts else ba.births.is_not(None)


def _element(catalog: Catalog) -> Element:
    return catalog.element(BIRTHS_ELEMENT)


def _months(years: Sequence[int]) -> list[str]:
    return [f"{y}{m:02d}" for y in years for m in range(1, 13)]


def _listed_within(db: Session, path: str, units: Collection[str]) -> list[str]:
    """Those of ``units`` at or below the unit at ``path``, looked up in ``units``: the counts
    are then read by unit code alone, a plan that needs no estimate of the subtree's size."""
    listed = sorted(set(units))
    out: list[str] = []
    for i in range(0, len(listed), MAX_LISTED_UNITS):
        some = listed[i : i + MAX_LISTED_UNITS]
        out += db.scalars(select(Unit.code).where(Unit.code.in_(some), in_subtree(path)))
    return out


def _where_units(
    db: Session, query: Any, column: Any, path: str | None, units: Collection[str] | None
) -> Any:
    """``query`` narrowed to the units at or below ``path`` (None: any) and among ``units``
    (None: any)."""
    if units is not None:
        listed = _listed_within(db, path, units) if path is not None else sorted(set(units))
        return query.where(column.in_(listed))
    if path is not None:
        return query.where(column.in_(subtree_codes(path)))
    return query


def read_reports(
    db: Session,
    path: str | None,
    years: Sequence[int],
    units: Collection[str] | None = None,
    catalog: Catalog | None = None,
) -> dict[tuple[str, int, int], tuple[dict[str, float], str]]:
    """The submitted or locked monthly births reports at or below the unit at ``path``: per
    (unit, year, month), the value of each ``LIVE_BIRTHS`` cell (0 where not reported) and the
    state, summed in the database (one row a report)."""
    dv = DataValue
    cells = _element(catalog or read_catalog()).disaggregation_codes
    sums = [func.sum(case((dv.disaggregation == c, dv.value), else_=0.0)) for c in cells]
    locked = func.max(case((dv.status == "locked", 1), else_=0))
    query = (
        select(dv.unit_code, dv.period, locked, *sums)
        .where(
            dv.element_code == BIRTHS_ELEMENT,
            dv.period.in_(_months(years)),
            dv.status.in_(COUNTED_STATUSES),
        )
        .group_by(dv.unit_code, dv.period)
    )
    query = _where_units(db, query, dv.unit_code, path, units)
    return {
        (unit, int(period[:4]), int(period[4:])): (
            {c: float(v) for c, v in zip(cells, values, strict=True)},
            "locked" if is_locked else "submitted",
        )
        for unit, period, is_locked, *values in db.execute(query)
    }


def read_records(
    db: Session,
    path: str | None,
    years: Sequence[int],
    units: Collection[str] | None = None,
    catalog: Catalog | None = None,
) -> dict[tuple[str, int, int], dict[str, int]]:
    """Births from birth records at or below the unit at ``path``: per (unit, year, month),
    the births of each ``LIVE_BIRTHS`` cell, summed in the database."""
    el = _element(catalog or read_catalog())
    ba = BirthAggregate
    cells = [d for d in el.disaggregations if d.births is not None]
    sums = [
        func.coalesce(func.sum(case((birth_filter_condition(d.births), ba.births), else_=0)), 0)
        for d in cells
        if d.births is not None
    ]
    query = (
        select(ba.unit_code, ba.year, ba.month, *sums)
        .where(ba.year.in_(list(years)))
        .group_by(ba.unit_code, ba.year, ba.month)
    )
    query = _where_units(db, query, ba.unit_code, path, units)
    return {
        (unit, int(year), int(month)): {d.code: int(n) for d, n in zip(cells, counts, strict=True)}
        for unit, year, month, *counts in db.execute(query)
    }


def commune_months(
    db: Session,
    path: str | None,
    years: Sequence[int],
    *,
    units: Collection[str] | None = None,
    reported_only: bool = False,
    catalog: Catalog | None = None,
) -> list[CommuneMonth]:
    """Every unit-month at or below the unit at ``path`` in ``years`` with birth records or a
    submitted births report (``reported_only``: with a report), both sources side by side, in
    unit and month order. ``path`` None reads every unit (``units`` may narrow it)."""
    catalog = catalog or read_catalog()
    if units is not None and path is not None and len(units) > MAX_LISTED_UNITS:
        units = None  # the subtree alone: a long IN list costs more than it filters
    males = frozenset(
        d.code for d in _element(catalog).disaggregations if d.births and d.births.sex == "M"
    )
    reports = read_reports(db, path, years, units, catalog)
    if reported_only:
        if not reports:
            return []
        units = {u for u, _, _ in reports}
        if path is not None and len(units) > MAX_LISTED_UNITS:
            units = None
        years = sorted({y for _, y, _ in reports})  # records only of the years reported
    records = read_records(db, path, years, units, catalog)
    keys = set(reports) if reported_only else set(reports) | set(records)
    out = []
    for key in sorted(keys):
        cells, status = reports.get(key, (None, None))
        out.append(CommuneMonth(*key, records.get(key, {}), cells, status, males))
    return out


def disagreements(db: Session, months: Collection[tuple[str, int, int]]) -> list[CommuneMonth]:
    """Of the (unit, year, month) given (those a birth-record import touched), the ones whose
    records now disagree with the unit's submitted monthly report, in order."""
    wanted = set(months)
    if not wanted:
        return []
    units = {u for u, _, _ in wanted}
    years = sorted({y for _, y, _ in wanted})
    return [
        m
        for m in commune_months(db, None, years, units=units, reported_only=True)
        if (m.unit_code, m.year, m.month) in wanted and m.differs
    ]
