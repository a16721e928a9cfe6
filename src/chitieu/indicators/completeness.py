"""How complete a year's births are for a unit, and which year is the last complete one.

A year's births for a unit (itself and everything below it) come from birth records and, where
a commune has none for the year, from its reported ``LIVE_BIRTHS`` (the rules of
:mod:`chitieu.indicators.service`). Three counts say how much of the year has arrived:

* **communes reporting**: units below with any births that year, against those that had births
  in the *reference year* (the last complete year before it);
* **months**: the calendar months of the year that any birth record or monthly (or longer)
  report covers;
* **births**: the births counted, against the reference year's births (the expected count).

**The rule** (:data:`COMPLETE_SHARE`, :data:`CHANCE_SDS`): a year is *complete* when at least
90 % of the reference year's communes reported births, its births reach 90 % of the reference
year's ``E`` less what chance allows (``births ≥ 0.9·E − 3·√E``), and its
December report is due (the year has ended and the 10th of January has passed, Vietnam time;
:func:`year_is_due`). The first year with births has no reference and is complete once due.
Anything else is *provisional* (tạm tính): it may be shown, labelled with its completeness,
but it is never the headline and no target is judged on it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.catalog import Catalog, read_catalog
from chitieu.catalog.messages import message
from chitieu.catalog.periods import month as month_period
from chitieu.catalog.periods import parse_period
from chitieu.catalog.schema import Indicator
from chitieu.indicators.service import birth_based, subtree_year_totals, unit_year_totals
from chitieu.indicators.sources import COUNTED_STATUSES, units_with_reported
from chitieu.ingest.birth_months import months_with_births
from chitieu.reporting.calendar import MONTHLY
from chitieu.store.generations import rollups_built, stamp
from chitieu.store.models import BirthAggregate, DataValue
from chitieu.units.queries import UnitInfo, get_unit, subtree_codes

#: Share of the reference year's communes and births a year needs to be complete.
COMPLETE_SHARE = 0.9
#: A shortfall within this many Poisson standard deviations of the expected count is chance
#: (a commune of a few hundred births varies by a tenth from year to year).
CHANCE_SDS = 3.0
#: The indicator whose numerator and denominator (boys, girls) count every birth.
BIRTHS_INDICATOR = "SRB"
#: The element of the communes' monthly report that carries births.
BIRTHS_ELEMENT = "LIVE_BIRTHS"
#: How far back the history is read to find a reference year.
HISTORY_YEARS = 40


@dataclass(frozen=True, slots=True)
class Completeness:
    """How much of ``year``'s births have arrived for one unit (see the module docstring)."""

    year: int
    communes_reporting: int
    communes_expected: int
    months: int
    births: int
    births_expected: int | None
    reference_year: int | None
    due: bool
    complete: bool

    def text(self, lang: str = "vi") -> str:
        """``tạm tính: 1/126 xã, 1 tháng`` (``provisional: 1/126 communes, 1 month``) for a
        provisional year; ``đủ số liệu`` (``complete``) otherwise."""
        if self.complete:
            return message("completeness_complete", lang)
        share = f"{self.communes_reporting}/{self.communes_expected}"
        if self.months == 1:
            return message("completeness_provisional_one", lang, share=share)
        return message("completeness_provisional", lang, share=share, months=self.months)


def year_is_due(year: int, as_of: datetime | None = None) -> bool:
    """True once the year's December report is due: after the end of 10 January of the next
    year, Vietnam time (``as_of`` in UTC, default now)."""
    now = as_of or datetime.utcnow()
    return now >= MONTHLY.deadline(month_period(year, 12))


def _months_covered(db: Session, codes, years: set[int]) -> dict[int, set[int]]:
    """Per year, the months any birth record or reported ``LIVE_BIRTHS`` period covers."""
    out: dict[int, set[int]] = {}
    ba = BirthAggregate
    query = (
        select(ba.year, ba.month)
        .where(ba.unit_code.in_(codes), ba.year.in_(years), ba.births > 0)
        .distinct()
    )
    for year, month in db.execute(query):
        out.setdefault(int(year), set()).add(int(month))
    periods = select(DataValue.period).where(
        DataValue.element_code == BIRTHS_ELEMENT,
        DataValue.unit_code.in_(codes),
        DataValue.status.in_(COUNTED_STATUSES),
        DataValue.value > 0,
    )
    for (text,) in db.execute(periods.distinct()):
        try:
            p = parse_period(text)
        except ValueError:
            continue
        y, m = p.start.year, p.start.month
        while date(y, m, 1) <= p.end:
            if y in years:
                out.setdefault(y, set()).add(m)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _births_and_reporting(
    db: Session, unit: UnitInfo, years: tuple[int, ...], catalog: Catalog, built: bool
) -> tuple[dict[int, float], dict[int, int]]:
    """Per year with any: the unit's births (itself and everything below it), and how many
    units there have any births (from records, or reported where they have none). ``built``:
    the rollups are built."""
    ind = catalog.indicator(BIRTHS_INDICATOR)
    births: dict[int, float] = {}
    reporting: dict[int, int] = {}
    if not built:
        num, den = unit_year_totals(db, ind, unit.path, years, catalog)
        for key in set(num) | set(den):
            total = num.get(key, 0.0) + den.get(key, 0.0)
            if total > 0:
                births[key[1]] = births.get(key[1], 0.0) + total
                reporting[key[1]] = reporting.get(key[1], 0) + 1
        return births, reporting
    # the subtree's sums from the rollups, and the units with births counted apart: one row
    # per unit and year instead of one per unit, year and cell
    num, den, recorded = subtree_year_totals(db, ind, unit, years, catalog)
    for key in set(num) | set(den):
        births[key[1]] = births.get(key[1], 0.0) + num.get(key, 0.0) + den.get(key, 0.0)
    cells = {BIRTHS_ELEMENT: list(catalog.element(BIRTHS_ELEMENT).disaggregation_codes)}
    having = recorded | units_with_reported(db, unit.path, years, cells)
    for _, year in having:
        reporting[year] = reporting.get(year, 0) + 1
    births = {y: x for y, x in births.items() if y in reporting and x > 0}
    return births, {y: n for y, n in reporting.items() if y in births}


Counts = tuple[dict[int, float], dict[int, int], dict[int, set[int]]]
#: The counts of the last units asked for, with the stamp of the data they were read from: a
#: national section, the targets and the ranking all ask for the country's after a write.
_MEMO: OrderedDict[tuple[Any, ...], Counts] = OrderedDict()
_MEMO_SIZE = 64
_MEMO_LOCK = threading.Lock()


def _counts(db: Session, unit: UnitInfo, years: tuple[int, ...], catalog: Catalog) -> Counts:
    """Births, units with births and months covered per year, read once per change of the
    unit's data where every change is counted (the rollups are built, so every write of
    values bumps the change counters); read every time otherwise."""

    built = rollups_built(db)

    def read() -> Counts:
        births, reporting = _births_and_reporting(db, unit, years, catalog, built)
        if built:  # kept on write: a row per month of the unit's subtree
            return births, reporting, months_with_births(db, unit.code, births)
        return births, reporting, _months_covered(db, subtree_codes(unit.path), set(births))

    if catalog is not read_catalog() or not built:
        return read()
    engine = db.get_bind().engine if isinstance(db, Session) else db.engine
    key = (engine.url.render_as_string(), unit.path, years, stamp(db, unit.code, years))
    with _MEMO_LOCK:
        found = _MEMO.get(key)
        if found is not None:
            _MEMO.move_to_end(key)
            return found
    counts = read()
    with _MEMO_LOCK:
        _MEMO[key] = counts
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return counts


def births_completeness(
    db: Session,
    unit_code: str,
    until_year: int,
    *,
    as_of: datetime | None = None,
    catalog: Catalog | None = None,
) -> dict[int, Completeness]:
    """The completeness of every year up to ``until_year`` in which the unit (with everything
    below it) has births, in year order. Raises
    :class:`~chitieu.units.queries.UnknownUnitError` for an unknown unit."""
    catalog = catalog or read_catalog()
    unit = get_unit(db, unit_code)
    years = tuple(range(until_year - HISTORY_YEARS + 1, until_year + 1))
    births, reporting, months = _counts(db, unit, years, catalog)
    out: dict[int, Completeness] = {}
    reference: Completeness | None = None
    for year in sorted(births):
        due = year_is_due(year, as_of)
        if reference is None:
            enough = True
        else:
            expected = reference.births
            enough = (
                reporting[year] >= COMPLETE_SHARE * reference.communes_reporting
                and births[year] >= COMPLETE_SHARE * expected - CHANCE_SDS * expected**0.5
            )
        done = Completeness(
            year=year,
            communes_reporting=reporting[year],
            communes_expected=reference.communes_reporting if reference else reporting[year],
            months=len(months.get(year, ())),
            births=round(births[year]),
            births_expected=reference.births if reference else None,
            reference_year=reference.year if reference else None,
            due=due,
            complete=due and enough,
        )
        out[year] = done
        if done.complete:
            reference = done
    return out


def last_complete_year(completeness: dict[int, Completeness]) -> int | None:
    """The latest complete year, None when there is none."""
    return max((y for y, c in completeness.items() if c.complete), default=None)


def needs_births(indicator: Indicator, catalog: Catalog | None = None) -> bool:
    """True when the indicator is read from births (its completeness is the births')."""
    return birth_based(indicator, catalog or read_catalog())


__all__ = [
    "COMPLETE_SHARE",
    "Completeness",
    "births_completeness",
    "last_complete_year",
    "needs_births",
    "year_is_due",
]
