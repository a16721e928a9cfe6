"""The country's reads that the births figures repeat on every national request, read province
by province and kept between requests while each province's data is unchanged.

After a write in one ward, a national section reads that province's part again and takes the
other provinces' as kept (:class:`chitieu.store.memo.ScopedMemo`, keyed by the change
counters). Only where every write bumps the counters (the rollups are built: ``kept``) and for
the country; any other unit is read as before. A kept month whose report is used holds only
what the figures need: the report's cells less the records', per cell of ``LIVE_BIRTHS``
(:func:`chitieu.births.reconcile.report_used` decides which months).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.births.reconcile import BIRTHS_ELEMENT, CommuneMonth, commune_months
from chitieu.catalog import Catalog, read_catalog
from chitieu.indicators.sources import ReportedCell, read_own_reported, units_with_births
from chitieu.store.memo import ScopedMemo
from chitieu.store.models import Unit
from chitieu.units.queries import in_subtree, list_units

T = TypeVar("T")

#: A month whose report is used: unit, year, and report less records per cell.
UsedMonth = tuple[str, int, dict[str, float]]

#: Parts kept: a province's answer to one read for one year (three reads, a few dozen years,
#: a few databases).
MEMO: ScopedMemo[list[Any]] = ScopedMemo(size=34 * 3 * 50 * 2)


def _provinces(
    db: Session,
    what: Any,
    path: str,
    years: Sequence[int],
    read: Callable[[str, tuple[int, ...]], list[T]],
    year_of: Callable[[T], int],
    unit_of: Callable[[T], str],
) -> list[T]:
    """The provinces' parts below the country at ``path``, concatenated in code and year
    order; ``read(path, years)`` reads a province (or, where most are missing, the country
    once, split by province), ``year_of`` and ``unit_of`` split its answer."""
    by_code = {p.code: p.path for p in list_units(db, parent=path)}

    def by_year(code: str, ys: tuple[int, ...]) -> dict[int, list[Any]]:
        split: dict[int, list[Any]] = {}
        for item in read(by_code[code], ys):
            split.setdefault(year_of(item), []).append(item)
        return split

    def everything(ys: tuple[int, ...]) -> dict[str, dict[int, list[Any]]]:
        rows = db.execute(select(Unit.code, Unit.path).where(in_subtree(path)))
        province = {code: p.split("/")[1] for code, p in rows if "/" in p}
        split: dict[str, dict[int, list[Any]]] = {}
        for item in read(path, ys):
            code = province.get(unit_of(item))
            if code is not None:
                split.setdefault(code, {}).setdefault(year_of(item), []).append(item)
        return split

    out: list[T] = []
    for part in MEMO.parts(db, what, list(by_code), years, by_year, [], everything):
        out += part
    return out


def _first(item: tuple[Any, ...]) -> str:
    return str(item[0])


def _unit(cell: ReportedCell) -> str:
    return cell.unit_code


def _second(item: tuple[Any, ...]) -> int:
    return int(item[1])


def _year(cell: ReportedCell) -> int:
    return cell.year


def _national(path: str, kept: bool) -> bool:
    return kept and "/" not in path


def _used(months: list[CommuneMonth], cells: Sequence[str]) -> list[UsedMonth]:
    out = []
    for m in months:
        if not m.uses_report or m.report is None:
            continue
        report, records = m.report, m.records
        delta = {c: report.get(c, 0.0) - records.get(c, 0) for c in cells}
        out.append((m.unit_code, m.year, delta))
    return out


def used_months(
    db: Session,
    path: str,
    years: tuple[int, ...],
    recorded: set[tuple[str, int]],
    catalog: Catalog,
    kept: bool,
) -> list[UsedMonth]:
    """The months at or below the unit at ``path`` whose report is used, in unit and month
    order, for the (unit, year) pairs ``recorded`` at least (others may be included)."""
    cells = catalog.element(BIRTHS_ELEMENT).disaggregation_codes
    units = {u for u, _ in recorded}
    if not _national(path, kept) or catalog is not read_catalog():
        months = commune_months(db, path, years, units=units, reported_only=True, catalog=catalog)
        return _used(months, cells)

    def read(at: str, ys: tuple[int, ...]) -> list[UsedMonth]:
        # the units with records in these years: a province-year's own data, so what is kept
        # for it holds every month a later request with the same counters needs
        listed = {u for u, y in recorded if y in ys}
        if not listed:
            return []
        found = commune_months(db, at, ys, units=listed, reported_only=True, catalog=catalog)
        return _used(found, cells)

    own = commune_months(db, None, years, units=[path], reported_only=True, catalog=catalog)
    out = _used(own, cells) + _provinces(db, "used_months", path, years, read, _second, _first)
    out.sort(key=itemgetter(0))  # unit order, as one read of the country gives
    return out


def recorded_units(
    db: Session, path: str, years: tuple[int, ...], kept: bool
) -> set[tuple[str, int]]:
    """:func:`chitieu.indicators.sources.units_with_births`."""
    if not _national(path, kept):
        return units_with_births(db, path, years)

    def read(at: str, ys: tuple[int, ...]) -> list[tuple[str, int]]:
        return sorted(units_with_births(db, at, ys))

    found = set(_provinces(db, "units_with_births", path, years, read, _second, _first))
    return found | units_with_births(db, path, years, own=True)


def own_reported_of(
    db: Session,
    path: str,
    years: tuple[int, ...],
    wanted: Mapping[str, Collection[str]],
    units: Sequence[str],
    kept: bool,
) -> list[ReportedCell]:
    """:func:`chitieu.indicators.sources.read_own_reported` for ``units`` (all at or below the
    unit at ``path``); for the country, those of every unit, whose caller keeps the ones it
    needs."""
    if not _national(path, kept):
        return read_own_reported(db, years, wanted, units=units)
    key = ("own_reported", tuple(sorted((e, tuple(sorted(d))) for e, d in wanted.items())))

    def read(at: str, ys: tuple[int, ...]) -> list[ReportedCell]:
        return read_own_reported(db, ys, wanted, path=at)

    return read_own_reported(db, years, wanted, units=[path]) + _provinces(
        db, key, path, years, read, _year, _unit
    )
