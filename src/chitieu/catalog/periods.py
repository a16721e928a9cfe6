"""Reporting periods in DHIS2's spellings, and in ADX's ISO 8601 start/duration form.

``parse_period`` reads every period string DHIS2 accepts (the list in DHIS2's
``PeriodTypeEnum.ofIsoPeriod``) and ADX's ``start/duration`` form, and returns a ``Period``
whose ``code`` is the one canonical DHIS2 spelling (the one chitieu stores and writes):

=====================  =========================  ===============================
type                   accepted                    canonical ``code``
=====================  =========================  ===============================
Daily                  ``20250115``, ``2025-01-15``  ``20250115``
Weekly (Mon)           ``2025W5``, ``2025W05``       ``2025W5``
Weekly Wed/Thu/Sat/Sun ``2025WedW5`` …               ``2025WedW5``
BiWeekly               ``2025BiW1``, ``2025BiW01``   ``2025BiW1``
Monthly                ``202501``, ``2025-01``       ``202501``
BiMonthly              ``202501B`` (Jan–Feb)         ``202501B``
Quarterly              ``2025Q1``                    ``2025Q1``
QuarterlyNov           ``2025NovQ1`` (Nov 2024–Jan)  ``2025NovQ1``
SixMonthly             ``2025S1``                    ``2025S1``
SixMonthlyApril        ``2025AprilS1`` (Apr–Sep)     ``2025AprilS1``
SixMonthlyNov          ``2025NovS1`` (Nov 2024–Apr)  ``2025NovS1``
Yearly                 ``2025``                      ``2025``
Financial years        ``2025April`` (Apr 2025–Mar 2026), ``2025July``, ``2025Sep``,
                       ``2025Oct``; ``2025Nov`` (Nov 2024–Oct 2025, named by its end year)
=====================  =========================  ===============================

Weeks follow DHIS2 (``WeekFields.of(firstDay, 4)``): week 1 is the week, starting on the
type's first day, that holds 4 January. Bi-week *n* is ISO weeks 2n−1 and 2n (26 a year).
The November-based types are named by the year they end in, as DHIS2 names them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from chitieu.catalog.period_types import (
    FINANCIAL,
    MAX_YEAR,
    MIN_YEAR,
    WEEK_PREFIX,
    WEEK_START,
    Period,
    PeriodType,
    add_months,
    bi_month,
    bi_week,
    check_year,
    day,
    financial_year,
    half_year,
    month,
    months_later,
    quarter,
    week,
    week1_start,
    weeks_in_year,
    year,
)

# --- parsing ------------------------------------------------------------------------------

_WEEKLY_BY_PREFIX = {prefix: ptype for ptype, prefix in WEEK_PREFIX.items()}
_FINANCIAL_BY_SUFFIX = {suffix: ptype for ptype, (suffix, _) in FINANCIAL.items()}

# One anchored pattern per family; every group is ASCII digits only ([0-9], not \d, which
# would also match other scripts' digits).
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"([0-9]{4})"), "year"),
    (re.compile(r"([0-9]{4})([0-9]{2})"), "month"),
    (re.compile(r"([0-9]{4})-([0-9]{2})"), "month"),
    (re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"), "day"),
    (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), "day"),
    (re.compile(r"([0-9]{4})([0-9]{2})B"), "bi_month"),
    (re.compile(r"([0-9]{4})(W|WedW|ThuW|SatW|SunW)([0-9]{1,2})"), "week"),
    (re.compile(r"([0-9]{4})BiW([0-9]{1,2})"), "bi_week"),
    (re.compile(r"([0-9]{4})(Nov)?Q([0-9])"), "quarter"),
    (re.compile(r"([0-9]{4})(April|Nov)?S([0-9])"), "half_year"),
    (re.compile(r"([0-9]{4})(April|July|Sep|Oct|Nov)"), "financial"),
]
_ADX = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})/P([0-9]{1,2})([DMY])")


def _from_match(kind: str, g: tuple[str, ...]) -> Period:
    y = int(g[0])
    if kind == "year":
        return year(y)
    if kind == "month":
        return month(y, int(g[1]))
    if kind == "day":
        check_year(y)
        return day(date(y, int(g[1]), int(g[2])))
    if kind == "bi_month":
        return bi_month(y, int(g[1]))
    if kind == "week":
        return week(y, int(g[2]), _WEEKLY_BY_PREFIX[g[1]])
    if kind == "bi_week":
        return bi_week(y, int(g[1]))
    if kind == "quarter":
        return quarter(y, int(g[2]), november=g[1] == "Nov")
    if kind == "half_year":
        return half_year(y, int(g[2]), first_month={"April": 4, "Nov": 11}.get(g[1], 1))
    return financial_year(y, _FINANCIAL_BY_SUFFIX[g[1]])


def parse_adx_period(text: str) -> Period:
    """Read ADX's ``start/duration`` (``2025-01-01/P1M``) into the DHIS2 period it denotes.

    The start must begin a period of that length: ``P1M`` on the 1st, ``P3M`` on a quarter's
    first month (January-based or November-based), ``P7D`` on the first day of a DHIS2 week
    type (Monday, Wednesday, Thursday, Saturday, Sunday), ``P1Y`` on 1 January or on the first
    day of a financial year (April, July, September, October, November).
    """
    m = _ADX.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an ADX period (start/duration, e.g. 2025-01-01/P1M): {text!r}")
    y, mo, d, n, unit = int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5]
    check_year(y)
    try:
        start = date(y, mo, d)
    except ValueError as exc:
        raise ValueError(f"not a date in ADX period {text!r}: {exc}") from None
    duration = f"P{n}{unit}"
    candidates = _adx_candidates(start, duration)
    for candidate in candidates:
        if candidate.start == start and candidate.iso_duration == duration:
            return candidate
    raise ValueError(f"no DHIS2 period starts on {start.isoformat()} with duration {duration}")


def _adx_candidates(start: date, duration: str) -> list[Period]:
    y, m = start.year, start.month
    out: list[Period] = []
    try:
        if duration == "P1D":
            out.append(day(start))
        elif duration == "P7D":
            for ptype in WEEK_START:
                # The week-based year of a week is the year of its Thursday-or-later 4th day.
                wy = (start + timedelta(3)).year
                number = (start - week1_start(ptype, wy)).days // 7 + 1
                if number >= 1:
                    out.append(week(wy, number, ptype))
        elif duration == "P14D":
            wy = (start + timedelta(3)).year
            out.append(bi_week(wy, (start - week1_start(PeriodType.WEEKLY, wy)).days // 14 + 1))
        elif duration == "P1M":
            out.append(month(y, m))
        elif duration == "P2M" and m % 2 == 1:
            out.append(bi_month(y, (m + 1) // 2))
        elif duration == "P3M":
            if m % 3 == 1:
                out.append(quarter(y, (m + 2) // 3))
            else:  # November-based quarters start in Nov, Feb, May, Aug
                end_year = y + 1 if m == 11 else y
                out.append(quarter(end_year, {11: 1, 2: 2, 5: 3, 8: 4}.get(m, 1), november=True))
        elif duration == "P6M":
            for first, by_month in ((1, {1: (y, 1), 7: (y, 2)}), (4, {4: (y, 1), 10: (y, 2)})):
                if m in by_month:
                    out.append(half_year(*by_month[m], first_month=first))
            if m in (11, 5):
                out.append(half_year(y + 1 if m == 11 else y, 1 if m == 11 else 2, first_month=11))
        elif duration == "P1Y":
            if m == 1:
                out.append(year(y))
            for ptype, (_, first) in FINANCIAL.items():
                if m == first:
                    out.append(financial_year(y + 1 if first == 11 else y, ptype))
    except ValueError:
        return []
    return out


def parse_period(text: str) -> Period:
    """Read a DHIS2 period string, or an ADX ``start/duration``, into a ``Period``.

    Raises ``ValueError`` saying why when ``text`` is no period (an unknown spelling, or one
    naming a day, week, month or quarter that does not exist, e.g. ``202513``, ``2025W54``).
    """
    if not isinstance(text, str):
        raise ValueError(f"a period must be text, not {type(text).__name__}")
    s = text.strip()
    if "/" in s:
        return parse_adx_period(s)
    for pattern, kind in _PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            try:
                return _from_match(kind, m.groups())
            except ValueError as exc:
                raise ValueError(f"not a valid period {text!r}: {exc}") from None
    raise ValueError(
        f"not a DHIS2 period: {text!r} (expected e.g. 2025, 2025Q1, 2025S1, 202501, 2025-01, "
        "202501B, 2025W5, 20250115, 2025April, or ADX 2025-01-01/P1M)"
    )


def canonical_period(text: str) -> str:
    """The canonical DHIS2 spelling of ``text`` (``2025-01`` -> ``202501``)."""
    return parse_period(text).code


def period_of_day(ptype: PeriodType, d: date) -> Period:
    """The period of type ``ptype`` that holds day ``d``."""
    y, m = d.year, d.month
    if ptype is PeriodType.DAILY:
        return day(d)
    if ptype in WEEK_START:
        for wy in (y + 1, y, y - 1):
            number = (d - week1_start(ptype, wy)).days // 7 + 1
            if 1 <= number <= weeks_in_year(wy, ptype):
                return week(wy, number, ptype)
    if ptype is PeriodType.BI_WEEKLY:
        for wy in (y + 1, y, y - 1):
            number = (d - week1_start(PeriodType.WEEKLY, wy)).days // 14 + 1
            if 1 <= number <= 26:
                candidate = bi_week(wy, number)
                if candidate.contains(d):
                    return candidate
        raise ValueError(f"{d} falls in no bi-week (the 53rd ISO week has none in DHIS2)")
    if ptype is PeriodType.MONTHLY:
        return month(y, m)
    if ptype is PeriodType.BI_MONTHLY:
        return bi_month(y, (m + 1) // 2)
    if ptype is PeriodType.QUARTERLY:
        return quarter(y, (m + 2) // 3)
    if ptype is PeriodType.QUARTERLY_NOV:
        shifted_year, shifted = add_months(y, m, 2)  # Nov -> Jan of the naming year
        return quarter(shifted_year, (shifted + 2) // 3, november=True)
    if ptype is PeriodType.SIX_MONTHLY:
        return half_year(y, 1 if m <= 6 else 2)
    if ptype is PeriodType.SIX_MONTHLY_APRIL:
        sy, sm = add_months(y, m, -3)
        return half_year(sy, 1 if sm <= 6 else 2, first_month=4)
    if ptype is PeriodType.SIX_MONTHLY_NOV:
        sy, sm = add_months(y, m, 2)
        return half_year(sy, 1 if sm <= 6 else 2, first_month=11)
    if ptype is PeriodType.YEARLY:
        return year(y)
    _, first = FINANCIAL[ptype]
    start_year = y if m >= first else y - 1
    return financial_year(
        start_year + 1 if ptype is PeriodType.FINANCIAL_NOV else start_year, ptype
    )


__all__ = [
    "FINANCIAL",
    "MAX_YEAR",
    "MIN_YEAR",
    "WEEK_PREFIX",
    "WEEK_START",
    "Period",
    "PeriodType",
    "add_months",
    "bi_month",
    "bi_week",
    "canonical_period",
    "check_year",
    "day",
    "financial_year",
    "half_year",
    "month",
    "months_later",
    "parse_adx_period",
    "parse_period",
    "period_of_day",
    "quarter",
    "week",
    "week1_start",
    "weeks_in_year",
    "year",
]
