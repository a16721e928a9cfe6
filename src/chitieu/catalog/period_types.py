"""DHIS2's period types and the periods built from their parts (``month(2025, 1)``,
``quarter(2025, 1, november=True)``…). Reading period strings is :mod:`chitieu.catalog.periods`,
which also exports everything here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PeriodType(StrEnum):
    """DHIS2's period type names."""

    DAILY = "Daily"
    WEEKLY = "Weekly"
    WEEKLY_WEDNESDAY = "WeeklyWednesday"
    WEEKLY_THURSDAY = "WeeklyThursday"
    WEEKLY_SATURDAY = "WeeklySaturday"
    WEEKLY_SUNDAY = "WeeklySunday"
    BI_WEEKLY = "BiWeekly"
    MONTHLY = "Monthly"
    BI_MONTHLY = "BiMonthly"
    QUARTERLY = "Quarterly"
    QUARTERLY_NOV = "QuarterlyNov"
    SIX_MONTHLY = "SixMonthly"
    SIX_MONTHLY_APRIL = "SixMonthlyApril"
    SIX_MONTHLY_NOV = "SixMonthlyNov"
    YEARLY = "Yearly"
    FINANCIAL_APRIL = "FinancialApril"
    FINANCIAL_JULY = "FinancialJuly"
    FINANCIAL_SEP = "FinancialSep"
    FINANCIAL_OCT = "FinancialOct"
    FINANCIAL_NOV = "FinancialNov"


#: Years a period may carry; the bounds keep every start and end inside ``datetime.date``.
MIN_YEAR, MAX_YEAR = 1000, 9998


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: ``start`` and ``end`` are both inclusive; ``code`` is canonical."""

    type: PeriodType
    start: date
    end: date
    code: str

    def __str__(self) -> str:
        return self.code

    @property
    def iso_duration(self) -> str:
        """ISO 8601 duration as ADX writes it (``P1D``, ``P7D``, ``P14D``, ``P1M``, ``P2M``,
        ``P3M``, ``P6M``, ``P1Y``)."""
        return _DURATION[self.type]

    @property
    def adx(self) -> str:
        """ADX form ``start/duration``, e.g. ``2025-01-01/P1M``."""
        return f"{self.start.isoformat()}/{self.iso_duration}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


# --- building periods from their parts ----------------------------------------------------

WEEK_START = {  # Monday = 0, as date.weekday() counts
    PeriodType.WEEKLY: 0,
    PeriodType.WEEKLY_WEDNESDAY: 2,
    PeriodType.WEEKLY_THURSDAY: 3,
    PeriodType.WEEKLY_SATURDAY: 5,
    PeriodType.WEEKLY_SUNDAY: 6,
}
WEEK_PREFIX = {
    PeriodType.WEEKLY: "W",
    PeriodType.WEEKLY_WEDNESDAY: "WedW",
    PeriodType.WEEKLY_THURSDAY: "ThuW",
    PeriodType.WEEKLY_SATURDAY: "SatW",
    PeriodType.WEEKLY_SUNDAY: "SunW",
}
FINANCIAL = {  # type -> (suffix, first month)
    PeriodType.FINANCIAL_APRIL: ("April", 4),
    PeriodType.FINANCIAL_JULY: ("July", 7),
    PeriodType.FINANCIAL_SEP: ("Sep", 9),
    PeriodType.FINANCIAL_OCT: ("Oct", 10),
    PeriodType.FINANCIAL_NOV: ("Nov", 11),
}
_DURATION = {
    PeriodType.DAILY: "P1D",
    **dict.fromkeys(WEEK_START, "P7D"),
    PeriodType.BI_WEEKLY: "P14D",
    PeriodType.MONTHLY: "P1M",
    PeriodType.BI_MONTHLY: "P2M",
    PeriodType.QUARTERLY: "P3M",
    PeriodType.QUARTERLY_NOV: "P3M",
    PeriodType.SIX_MONTHLY: "P6M",
    PeriodType.SIX_MONTHLY_APRIL: "P6M",
    PeriodType.SIX_MONTHLY_NOV: "P6M",
    PeriodType.YEARLY: "P1Y",
    **dict.fromkeys(FINANCIAL, "P1Y"),
}


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _months(ptype: PeriodType, year: int, month: int, n: int, code: str) -> Period:
    """The ``n`` calendar months starting at ``year``-``month``."""
    end_year, end_month = add_months(year, month, n)
    return Period(ptype, date(year, month, 1), date(end_year, end_month, 1) - timedelta(1), code)


def week1_start(ptype: PeriodType, year: int) -> date:
    jan4 = date(year, 1, 4)
    return jan4 - timedelta((jan4.weekday() - WEEK_START[ptype]) % 7)


def weeks_in_year(year: int, ptype: PeriodType = PeriodType.WEEKLY) -> int:
    """Number of weeks (52 or 53) of the week-based ``year`` for a weekly period type."""
    return (week1_start(ptype, year + 1) - week1_start(ptype, year)).days // 7


def day(d: date) -> Period:
    check_year(d.year)
    return Period(PeriodType.DAILY, d, d, d.strftime("%Y%m%d"))


def week(year: int, number: int, ptype: PeriodType = PeriodType.WEEKLY) -> Period:
    check_year(year)
    if ptype not in WEEK_START:
        raise ValueError(f"{ptype} is not a weekly period type")
    if not 1 <= number <= weeks_in_year(year, ptype):
        raise ValueError(f"week {number} does not exist in {year} (1–{weeks_in_year(year, ptype)})")
    start = week1_start(ptype, year) + timedelta(weeks=number - 1)
    return Period(ptype, start, start + timedelta(6), f"{year}{WEEK_PREFIX[ptype]}{number}")


def bi_week(year: int, number: int) -> Period:
    check_year(year)
    if not 1 <= number <= 26:
        raise ValueError(f"bi-week {number} does not exist (1–26)")
    start = week1_start(PeriodType.WEEKLY, year) + timedelta(weeks=2 * (number - 1))
    return Period(PeriodType.BI_WEEKLY, start, start + timedelta(13), f"{year}BiW{number}")


def month(year: int, number: int) -> Period:
    check_year(year)
    if not 1 <= number <= 12:
        raise ValueError(f"month {number} does not exist (1–12)")
    return _months(PeriodType.MONTHLY, year, number, 1, f"{year}{number:02d}")


def months_later(period: Period, n: int) -> Period:
    """The month ``n`` months after the month ``period`` (before it when ``n`` < 0)."""
    if period.type is not PeriodType.MONTHLY:
        raise ValueError(f"{period.code} is not a month")
    return month(*add_months(period.start.year, period.start.month, n))


def bi_month(year: int, number: int) -> Period:
    check_year(year)
    if not 1 <= number <= 6:
        raise ValueError(f"bi-month {number} does not exist (01–06)")
    return _months(PeriodType.BI_MONTHLY, year, 2 * number - 1, 2, f"{year}{number:02d}B")


def quarter(year: int, number: int, *, november: bool = False) -> Period:
    check_year(year)
    if not 1 <= number <= 4:
        raise ValueError(f"quarter {number} does not exist (1–4)")
    if november:  # 2025NovQ1 = Nov 2024 – Jan 2025
        y, m = add_months(year - 1, 11, 3 * (number - 1))
        return _months(PeriodType.QUARTERLY_NOV, y, m, 3, f"{year}NovQ{number}")
    return _months(PeriodType.QUARTERLY, year, 3 * number - 2, 3, f"{year}Q{number}")


def half_year(year: int, number: int, *, first_month: int = 1) -> Period:
    """Six months: ``first_month`` 1 (``2025S1``), 4 (``2025AprilS1``) or 11 (``2025NovS1``,
    starting in November of the year before)."""
    check_year(year)
    if not 1 <= number <= 2:
        raise ValueError(f"half-year {number} does not exist (1–2)")
    if first_month == 1:
        return _months(PeriodType.SIX_MONTHLY, year, 6 * number - 5, 6, f"{year}S{number}")
    if first_month == 4:
        y, m = add_months(year, 4, 6 * (number - 1))
        return _months(PeriodType.SIX_MONTHLY_APRIL, y, m, 6, f"{year}AprilS{number}")
    if first_month == 11:
        y, m = add_months(year - 1, 11, 6 * (number - 1))
        return _months(PeriodType.SIX_MONTHLY_NOV, y, m, 6, f"{year}NovS{number}")
    raise ValueError(f"no six-monthly period type starts in month {first_month}")


def year(number: int) -> Period:
    check_year(number)
    return _months(PeriodType.YEARLY, number, 1, 12, str(number))


def financial_year(number: int, ptype: PeriodType) -> Period:
    """A financial year; ``2025April`` starts in April 2025, ``2025Nov`` in November 2024."""
    check_year(number)
    suffix, first = FINANCIAL[ptype]
    start_year = number - 1 if ptype is PeriodType.FINANCIAL_NOV else number
    return _months(ptype, start_year, first, 12, f"{number}{suffix}")
