"""Compute any catalogue indicator for a unit (itself and everything below it) and years.

Where the figures come from:

* births come from birth records (``birth_aggregates``) and from the ``LIVE_BIRTHS`` the units
  reported, never both for the same births. Month by month, a unit's births come from its
  submitted monthly report unless its birth records of that month count at least as many
  births (:func:`chitieu.births.reconcile.report_used`, the one rule); a unit-year without
  birth records uses what it reported. A figure reported for a longer period (a quarter, a
  year) is used only where the unit has no birth records that year. Indicators that need the
  sex of earlier children (``SRB_O3_AFTER_2G``) come from birth records only.
* everything else comes from ``data_values`` (submitted or locked; drafts are not counted),
  summed over the unit and every unit below it, as DHIS2 aggregates. Within a year a cell is
  read from its coarsest reported period type (an annual figure beats its quarters, quarters
  beat months); flows sum that type's periods, stocks take its latest period (the element's
  ``period_aggregation`` in the catalogue).
* ``mean`` indicators (doctors per health station) divide by the facilities of the declared
  kind in the units that reported the numerator that year, so a unit that did not report does
  not pull the mean down.

Several years given to :func:`indicator_value` or :func:`indicator_by_children` are pooled
(numerators and denominators summed), which is how small communes get usable intervals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chitieu.births.reconcile import BIRTHS_ELEMENT
from chitieu.catalog import Catalog, read_catalog
from chitieu.catalog.periods import PeriodType
from chitieu.catalog.schema import BirthFilter, Indicator, Operand
from chitieu.indicators.by_province import (
    UsedMonth,
    own_reported_of,
    recorded_units,
    used_months,
)
from chitieu.indicators.estimate import estimate
from chitieu.indicators.sources import (
    PERIOD_PRECEDENCE,
    ReportedCell,
    element_cells,
    read_births_many,
    read_facility_counts,
    read_own_reported,
    read_reported,
    read_subtree_births,
    read_subtree_reported,
)
from chitieu.store.generations import rollups_built
from chitieu.units.queries import UnitInfo, get_unit


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One indicator for one unit and period, with its interval.

    ``value`` is in the indicator's unit (``multiplier`` × numerator ÷ denominator, or missing
    girls); ``lower``/``upper`` bound it at ``level`` confidence. All three are None where the
    denominator is zero (nothing reported)."""

    indicator: str
    unit_code: str
    period: str
    years: tuple[int, ...]
    numerator: float
    denominator: float
    value: float | None
    lower: float | None
    upper: float | None
    level: float

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["years"] = list(self.years)
        return d


def _years(years: int | Iterable[int]) -> tuple[int, ...]:
    ys = (years,) if isinstance(years, int) else tuple(sorted({int(y) for y in years}))
    if not ys:
        raise ValueError("no years given")
    return ys


def period_label(years: tuple[int, ...]) -> str:
    """``2025``; ``2021-2025`` for consecutive years; ``2019,2021`` otherwise."""
    if len(years) == 1:
        return str(years[0])
    if years[-1] - years[0] == len(years) - 1:
        return f"{years[0]}-{years[-1]}"
    return ",".join(map(str, years))


def _birth_filters(op: Operand, catalog: Catalog) -> list[BirthFilter]:
    """The birth_aggregates rows an operand can be read from (none for non-birth operands)."""
    if op.births is not None:
        return [op.births]
    if op.element is None or not catalog.element(op.element).from_births:
        return []
    el = catalog.element(op.element)
    chosen = set(element_cells(el, op.disaggregations))
    return [d.births for d in el.disaggregations if d.code in chosen and d.births is not None]


class _Totals:
    """Numerator and denominator per (unit, year), filled from the three sources; ``recorded``
    holds the (unit, year) pairs with birth records."""

    def __init__(self, n_sides: int = 2) -> None:
        self.sides: list[dict[tuple[str, int], float]] = [{} for _ in range(max(n_sides, 2))]
        self.num, self.den = self.sides[0], self.sides[1]
        self.recorded: set[tuple[str, int]] = set()

    @staticmethod
    def add(side: dict[tuple[str, int], float], key: tuple[str, int], x: float) -> None:
        side[key] = side.get(key, 0.0) + x


def _unit_totals(
    db: Session,
    ind: Indicator,
    path: str,
    years: tuple[int, ...],
    catalog: Catalog,
    subtrees: list[str] | None = None,
    operands: Sequence[Operand] | None = None,
) -> _Totals:
    """Numerator and denominator of ``ind`` per unit and year, for the units at or below
    ``path``, by the rules in the module docstring. With ``subtrees``, reported figures are
    read already summed over each of those units' subtrees (keyed by those units), where the
    rollups allow it; birth counts stay per unit. ``operands``: one side each, same reads."""
    ops = tuple(operands or (ind.numerator, ind.denominator))
    totals = _Totals(len(ops))
    sides = tuple(zip(ops, totals.sides, strict=False))
    filters = [_birth_filters(op, catalog) for op in ops]
    with_records = totals.recorded
    rolled = rollups_built(db)
    # births of whole subtrees from their rollup; which units have records, apart
    by_subtree = rolled and subtrees is not None and ind.denominator.facilities is None
    if any(filters):
        if by_subtree:
            assert subtrees is not None
            with_records.update(recorded_units(db, path, years, rolled))
            births = read_subtree_births(db, subtrees, years, filters)
        else:
            births = read_births_many(db, path, years, filters)
        for b in births:
            if b.total > 0 and not by_subtree:
                with_records.add((b.unit_code, b.year))
            for side, n in zip(totals.sides, b.counts, strict=False):
                totals.add(side, (b.unit_code, b.year), n)

    wanted: dict[str, set[str]] = {}
    for op, _ in sides:
        if op.element is not None:
            cells = element_cells(catalog.element(op.element), op.disaggregations)
            wanted.setdefault(op.element, set()).update(cells)
    reported_numerator: set[tuple[str, int]] = set()

    # the coarsest period type of each reported births cell of a unit-year with records
    birth_ranks: dict[tuple[str, str, str, int], int] = {}

    def add_cells(cells: Iterable[ReportedCell], sign: float, skip_recorded: bool) -> None:
        # keep, per (unit, element, cell, year), the coarsest period type reported
        best: dict[tuple[str, str, str, int], ReportedCell] = {}
        for c in cells:
            key = (c.unit_code, c.element, c.disaggregation, c.year)
            if key not in best or c.rank < best[key].rank:
                best[key] = c
        for (unit, element, cell, year), c in best.items():
            el = catalog.element(element)
            if el.from_births and (unit, year) in with_records and (skip_recorded or sign < 0):
                birth_ranks[(unit, element, cell, year)] = c.rank
            if skip_recorded and el.from_births and (unit, year) in with_records:
                continue  # records, with the months whose report is used added below
            x = sign * (c.latest if el.period_aggregation == "last" else c.total)
            for op, side in sides:
                if op.element == element and cell in element_cells(el, op.disaggregations):
                    totals.add(side, (unit, year), x)
                    if side is totals.num and sign > 0:
                        reported_numerator.add((unit, year))

    built = bool(wanted) and rolled
    if not wanted:
        pass
    elif not built:
        add_cells(read_reported(db, path, years, wanted), 1.0, True)
    elif subtrees is None or ind.denominator.facilities is not None:
        add_cells(read_own_reported(db, years, wanted, path=path), 1.0, True)
    else:
        add_cells(read_subtree_reported(db, subtrees, years, wanted), 1.0, False)
        # take out the reported births of units that have records (the months whose report
        # is used are added back below)
        from_births = {e: d for e, d in wanted.items() if catalog.element(e).from_births}
        recorded = sorted({u for u, _ in with_records})
        if from_births and recorded:
            own = own_reported_of(db, path, years, from_births, recorded, rolled)
            add_cells((c for c in own if (c.unit_code, c.year) in with_records), -1.0, False)

    if with_records and any(op.element == BIRTHS_ELEMENT for op, _ in sides):
        months = used_months(db, path, years, with_records, catalog, rolled)
        _months_reported(totals, sides, months, with_records, birth_ranks, catalog)

    if ind.denominator.facilities is not None:
        counts = read_facility_counts(db, path, ind.denominator.facilities.kind)
        for unit, year in reported_numerator:
            totals.add(totals.den, (unit, year), counts.get(unit, 0))
    return totals


_MONTHLY = PERIOD_PRECEDENCE.index(PeriodType.MONTHLY)


def _months_reported(
    totals: _Totals,
    sides: tuple[tuple[Operand, dict[tuple[str, int], float]], ...],
    months: list[UsedMonth],
    with_records: set[tuple[str, int]],
    ranks: dict[tuple[str, str, str, int], int],
    catalog: Catalog,
) -> None:
    """In unit-years with birth records, replace the records of each month whose submitted
    report is used (``months``, by the rule of :mod:`chitieu.births.reconcile`) by that
    report's cells. A cell reported for a longer period that year is left to the records."""
    el = catalog.element(BIRTHS_ELEMENT)
    for unit, year, delta in months:
        key = (unit, year)
        if key not in with_records:
            continue
        for op, side in sides:
            if op.element != BIRTHS_ELEMENT:
                continue
            for cell in element_cells(el, op.disaggregations):
                rank = ranks.get((unit, BIRTHS_ELEMENT, cell, year))
                if rank is not None and rank != _MONTHLY:
                    continue
                totals.add(side, key, delta.get(cell, 0.0))


def birth_based(ind: Indicator, catalog: Catalog) -> bool:
    """True when the indicator's numerator or denominator is read from births."""
    return any(_birth_filters(op, catalog) for op in (ind.numerator, ind.denominator))


def unit_year_totals(
    db: Session,
    ind: Indicator,
    path: str,
    years: tuple[int, ...],
    catalog: Catalog | None = None,
) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
    """Numerator and denominator of ``ind`` per (unit, year) for the units at or below
    ``path``, before any rolling up (each unit's own figures)."""
    totals = _unit_totals(db, ind, path, years, catalog or read_catalog())
    return totals.num, totals.den


def subtree_year_totals(
    db: Session, ind: Indicator, unit: UnitInfo, years: tuple[int, ...], catalog: Catalog
) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float], set[tuple[str, int]]]:
    """Numerator and denominator of ``ind`` for ``unit`` with everything below it, keyed by
    (unit, year) pairs whose sum per year is the subtree's (reported figures from the rollups
    where built, births per unit), and the (unit, year) pairs with birth records."""
    totals = _unit_totals(db, ind, unit.path, years, catalog, subtrees=[unit.code])
    return totals.num, totals.den, totals.recorded


def _rolled_up(
    totals: _Totals, group_of: dict[str, int] | None, n_groups: int, years: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numerator and denominator arrays of shape (groups, years), summed over units, and
    whether any numerator figure went into each cell (a numerator nobody reported is unknown,
    not zero); ``group_of`` None puts every unit in one group."""
    year_index = {y: i for i, y in enumerate(years)}
    out = []
    counted = np.zeros((n_groups, len(years)), dtype=bool)
    for side in (totals.num, totals.den):
        # summed cell by cell in the order of the items, as np.add.at would, without building
        # an array per item
        sums: dict[tuple[int, int], float] = {}
        for (u, y), x in side.items():
            g = 0 if group_of is None else group_of.get(u)
            if g is not None:
                key = (g, year_index[y])
                sums[key] = sums.get(key, 0.0) + float(x)
        acc = np.zeros((n_groups, len(years)))
        for (g, i), x in sums.items():
            acc[g, i] = x
            if side is totals.num:
                counted[g, i] = True
        out.append(acc)
    return out[0], out[1], counted


def _values(
    ind: Indicator,
    labels: list[tuple[str, tuple[int, ...]]],
    num: np.ndarray,
    den: np.ndarray,
    counted: npt.ArrayLike,
    level: float,
) -> list[IndicatorValue]:
    """One :class:`IndicatorValue` per (unit, years) label, from flat numerator and
    denominator arrays in the same order (intervals computed in one vectorised call); a label
    whose numerator was never reported (``counted`` false) has no value."""
    est = estimate(ind, num, den, level)
    unknown = ~np.asarray(counted, dtype=bool)
    for arr in (est.value, est.lower, est.upper):
        arr[unknown] = np.nan

    def opt(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    return [
        IndicatorValue(
            indicator=ind.code,
            unit_code=unit,
            period=period_label(ys),
            years=ys,
            numerator=float(num[i]),
            denominator=float(den[i]),
            value=opt(est.value[i]),
            lower=opt(est.lower[i]),
            upper=opt(est.upper[i]),
            level=level,
        )
        for i, (unit, ys) in enumerate(labels)
    ]


def _unit_by_year(
    db: Session,
    indicator_code: str,
    unit_code: str,
    years: int | Iterable[int],
    catalog: Catalog | None,
) -> tuple[Indicator, str, tuple[int, ...], np.ndarray, np.ndarray, np.ndarray]:
    """The indicator, the unit's code, the years, and the unit's numerator and denominator
    (itself and everything below it) and whether its numerator was reported, as
    1 × len(years) arrays."""
    catalog = catalog or read_catalog()
    ind = catalog.indicator(indicator_code)
    ys = _years(years)
    unit = get_unit(db, unit_code)
    totals = _unit_totals(db, ind, unit.path, ys, catalog, subtrees=[unit.code])
    num, den, counted = _rolled_up(totals, None, 1, ys)
    return ind, unit.code, ys, num, den, counted


def indicator_series(
    db: Session,
    indicator_code: str,
    unit_code: str,
    years: int | Iterable[int],
    *,
    level: float = 0.95,
    catalog: Catalog | None = None,
) -> list[IndicatorValue]:
    """The indicator for ``unit_code`` (itself and everything below it), one value per year,
    in year order; a year with nothing reported has value None. Raises
    :class:`~chitieu.catalog.UnknownCodeError` or :class:`~chitieu.units.queries.UnknownUnitError`
    for unknown codes."""
    ind, code, ys, num, den, counted = _unit_by_year(db, indicator_code, unit_code, years, catalog)
    return _values(ind, [(code, (y,)) for y in ys], num[0], den[0], counted[0], level)


def indicator_value(
    db: Session,
    indicator_code: str,
    unit_code: str,
    years: int | Iterable[int],
    *,
    level: float = 0.95,
    catalog: Catalog | None = None,
) -> IndicatorValue:
    """The indicator for ``unit_code`` (and everything below it), pooled over ``years``."""
    ind, code, ys, num, den, counted = _unit_by_year(db, indicator_code, unit_code, years, catalog)
    return _values(ind, [(code, ys)], num.sum(1), den.sum(1), counted.any(1), level)[0]
