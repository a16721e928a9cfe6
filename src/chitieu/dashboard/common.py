"""What every dashboard section shares: the view (unit, year, language), the latest year with
data, a stamp that changes whenever the data do, and compact JSON for a value with its interval.

The dashboard layer only assembles: every figure comes from :mod:`chitieu.indicators`,
:mod:`chitieu.targets` or :mod:`chitieu.stats`; nothing here computes a statistic.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chitieu.indicators import IndicatorValue
from chitieu.indicators.completeness import births_completeness, last_complete_year
from chitieu.ingest.birth_months import latest_birth_month_year
from chitieu.store.generations import rollups_built
from chitieu.store.models import BirthYearAggregate, DataValue, DataValueRollup
from chitieu.units.queries import UnitInfo, subtree_codes

#: Years of history the trend chart shows (the smoother sees them all).
TREND_FROM = 2005


@dataclass(frozen=True, slots=True)
class View:
    """One dashboard: a unit, a year, a language (``vi`` or ``en``)."""

    unit: UnitInfo
    year: int
    lang: str = "vi"

    def name(self, vi: str | None, en: str | None) -> str | None:
        """The English text when the view is English and there is one, else the Vietnamese."""
        return en if self.lang == "en" and en else vi


def latest_year(db: Session, unit: UnitInfo) -> int:
    """The year the dashboard leads with: the last year whose births are complete at or below
    ``unit`` (:mod:`chitieu.indicators.completeness`; a year still arriving is shown as
    provisional beside it, never as the headline); without a complete year, the latest with
    data (:func:`latest_data_year`)."""
    last = latest_data_year(db, unit)
    complete = last_complete_year(births_completeness(db, unit.code, last))
    return complete if complete is not None else last


def births_completeness_json(
    db: Session, unit: UnitInfo, year: int, lang: str = "vi"
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The births completeness of ``year`` for ``unit`` with its ``text`` (None when it has no
    births), and the year after it whose births are still arriving, ``{year, provisional: true,
    completeness, text}`` (None when there is none): one read of the unit's births."""
    done = births_completeness(db, unit.code, max(year, latest_data_year(db, unit)))
    this = {**asdict(done[year]), "text": done[year].text(lang)} if year in done else None
    later = [c for y, c in done.items() if y > year and not c.complete]
    if not later:
        return this, None
    provisional = {
        "year": later[-1].year,
        "provisional": True,
        "completeness": asdict(later[-1]),
        "text": later[-1].text(lang),
    }
    return this, provisional


def latest_data_year(db: Session, unit: UnitInfo) -> int:
    """The latest year with births recorded or reported at or below ``unit`` (birth records or
    ``LIVE_BIRTHS`` values), complete or not; without births, the latest year of any counted
    figure; the current year when there is nothing at all."""
    if rollups_built(db):
        return _latest_from_rollups(db, unit)
    below = subtree_codes(unit.path)
    from_records = db.scalar(
        select(func.max(BirthYearAggregate.year)).where(BirthYearAggregate.unit_code.in_(below))
    )
    # Canonical periods start with their year ("2025", "2025Q1", "202501"): max() is latest.
    period = db.scalar(
        select(func.max(DataValue.period)).where(
            DataValue.element_code == "LIVE_BIRTHS",
            DataValue.unit_code.in_(below),
            DataValue.status.in_(("submitted", "locked")),
        )
    )
    from_values = int(period[:4]) if period and period[:4].isdigit() else None
    years = [y for y in (from_records, from_values) if y is not None]
    if years:
        return max(years)
    # No births anywhere below (a capacity-only province): the latest year of any figure.
    period = db.scalar(
        select(func.max(DataValue.period)).where(
            DataValue.unit_code.in_(below), DataValue.status.in_(("submitted", "locked"))
        )
    )
    return int(period[:4]) if period and period[:4].isdigit() else date.today().year


def _latest_from_rollups(db: Session, unit: UnitInfo) -> int:
    """:func:`latest_data_year` from what the writes keep: the months with births of the
    unit's subtree and its rolled-up figures (a row per month, element and year of the unit
    itself). A figure counts in the year holding most of its period (as everywhere else)."""
    r = DataValueRollup
    own = (r.unit_code == unit.code, r.units > 0)
    reported = db.scalar(select(func.max(r.year)).where(*own, r.element_code == "LIVE_BIRTHS"))
    years = [y for y in (latest_birth_month_year(db, unit.code), reported) if y is not None]
    if years:
        return int(max(years))
    anything = db.scalar(select(func.max(r.year)).where(*own))
    return int(anything) if anything is not None else date.today().year


def num(x: float | None, digits: int = 2) -> float | None:
    """``x`` rounded for the page (small payloads); None for missing or non-finite values."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def interval_json(v: IndicatorValue | None, digits: int = 2) -> dict[str, Any] | None:
    """A value with its interval: ``{value, lower, upper, num, den}`` (None when absent)."""
    if v is None or v.value is None:
        return None
    return {
        "value": num(v.value, digits),
        "lower": num(v.lower, digits),
        "upper": num(v.upper, digits),
        "num": num(v.numerator, 0),
        "den": num(v.denominator, 0),
        "period": v.period,
    }


def unit_json(unit: UnitInfo) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "level": unit.level}
