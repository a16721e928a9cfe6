"""DHIS2 period strings and ADX start/duration: every spelling, canonical form, round trips."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chitieu.catalog.periods import (
    Period,
    PeriodType,
    canonical_period,
    parse_adx_period,
    parse_period,
    period_of_day,
    weeks_in_year,
)

# (input, type, first day, last day, canonical) — dates worked out from a calendar by hand.
CASES = [
    ("2025", PeriodType.YEARLY, date(2025, 1, 1), date(2025, 12, 31), "2025"),
    ("2025Q1", PeriodType.QUARTERLY, date(2025, 1, 1), date(2025, 3, 31), "2025Q1"),
    ("2024Q4", PeriodType.QUARTERLY, date(2024, 10, 1), date(2024, 12, 31), "2024Q4"),
    ("2025S1", PeriodType.SIX_MONTHLY, date(2025, 1, 1), date(2025, 6, 30), "2025S1"),
    ("2025S2", PeriodType.SIX_MONTHLY, date(2025, 7, 1), date(2025, 12, 31), "2025S2"),
    ("202501", PeriodType.MONTHLY, date(2025, 1, 1), date(2025, 1, 31), "202501"),
    ("2025-01", PeriodType.MONTHLY, date(2025, 1, 1), date(2025, 1, 31), "202501"),
    ("202402", PeriodType.MONTHLY, date(2024, 2, 1), date(2024, 2, 29), "202402"),  # leap
    ("202501B", PeriodType.BI_MONTHLY, date(2025, 1, 1), date(2025, 2, 28), "202501B"),
    ("202503B", PeriodType.BI_MONTHLY, date(2025, 5, 1), date(2025, 6, 30), "202503B"),
    # ISO week 5 of 2025: 4 Jan 2025 is a Saturday, so week 1 starts Monday 30 Dec 2024.
    ("2025W5", PeriodType.WEEKLY, date(2025, 1, 27), date(2025, 2, 2), "2025W5"),
    ("2025W05", PeriodType.WEEKLY, date(2025, 1, 27), date(2025, 2, 2), "2025W5"),
    ("2025W1", PeriodType.WEEKLY, date(2024, 12, 30), date(2025, 1, 5), "2025W1"),
    ("2020W53", PeriodType.WEEKLY, date(2020, 12, 28), date(2021, 1, 3), "2020W53"),
    ("2025WedW1", PeriodType.WEEKLY_WEDNESDAY, date(2025, 1, 1), date(2025, 1, 7), "2025WedW1"),
    ("2025SunW01", PeriodType.WEEKLY_SUNDAY, date(2024, 12, 29), date(2025, 1, 4), "2025SunW1"),
    ("2025BiW2", PeriodType.BI_WEEKLY, date(2025, 1, 13), date(2025, 1, 26), "2025BiW2"),
    ("20250115", PeriodType.DAILY, date(2025, 1, 15), date(2025, 1, 15), "20250115"),
    ("2025-01-15", PeriodType.DAILY, date(2025, 1, 15), date(2025, 1, 15), "20250115"),
    ("2025April", PeriodType.FINANCIAL_APRIL, date(2025, 4, 1), date(2026, 3, 31), "2025April"),
    ("2025July", PeriodType.FINANCIAL_JULY, date(2025, 7, 1), date(2026, 6, 30), "2025July"),
    ("2025Oct", PeriodType.FINANCIAL_OCT, date(2025, 10, 1), date(2026, 9, 30), "2025Oct"),
    # November-based types are named by the year they end in (DHIS2's getIsoDate: year + 1).
    ("2025Nov", PeriodType.FINANCIAL_NOV, date(2024, 11, 1), date(2025, 10, 31), "2025Nov"),
    ("2025NovQ1", PeriodType.QUARTERLY_NOV, date(2024, 11, 1), date(2025, 1, 31), "2025NovQ1"),
    ("2025NovS2", PeriodType.SIX_MONTHLY_NOV, date(2025, 5, 1), date(2025, 10, 31), "2025NovS2"),
    (
        "2025AprilS2",
        PeriodType.SIX_MONTHLY_APRIL,
        date(2025, 10, 1),
        date(2026, 3, 31),
        "2025AprilS2",
    ),
    # ADX start/duration
    ("2025-01-01/P1M", PeriodType.MONTHLY, date(2025, 1, 1), date(2025, 1, 31), "202501"),
    ("2025-04-01/P3M", PeriodType.QUARTERLY, date(2025, 4, 1), date(2025, 6, 30), "2025Q2"),
    ("2024-12-30/P7D", PeriodType.WEEKLY, date(2024, 12, 30), date(2025, 1, 5), "2025W1"),
    ("2025-01-01/P1Y", PeriodType.YEARLY, date(2025, 1, 1), date(2025, 12, 31), "2025"),
    (
        "2025-04-01/P1Y",
        PeriodType.FINANCIAL_APRIL,
        date(2025, 4, 1),
        date(2026, 3, 31),
        "2025April",
    ),
    ("2025-01-15/P1D", PeriodType.DAILY, date(2025, 1, 15), date(2025, 1, 15), "20250115"),
    ("  202501 ", PeriodType.MONTHLY, date(2025, 1, 1), date(2025, 1, 31), "202501"),
]


@pytest.mark.parametrize(("text", "ptype", "start", "end", "code"), CASES)
def test_every_spelling(text, ptype, start, end, code):
    p = parse_period(text)
    assert (p.type, p.start, p.end) == (ptype, start, end)
    assert p.code == code == canonical_period(text)


@pytest.mark.parametrize(
    ("period", "adx"),
    [("202501", "2025-01-01/P1M"), ("2025Q3", "2025-07-01/P3M"), ("2025W5", "2025-01-27/P7D")],
)
def test_adx_form(period, adx):
    assert parse_period(period).adx == adx
    assert parse_adx_period(adx).code == period


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "202513",  # no month 13
        "202500",
        "2025W54",
        "2025W53",  # 2025 has 52 ISO weeks
        "2025Q5",
        "2025S3",
        "202507B",  # six bi-months
        "20250230",
        "2025-0115",  # mixed separators
        "2025BiW27",
        "2025Jan",
        "25Q1",
        "0999",
        "abc",
        "2025-01-02/P1M",  # a month starts on the 1st
        "2025-01-01/P5M",
        "2025-02-01/P1Y",  # no financial year starts in February
        "2025-01-07/P7D",  # a Tuesday: no DHIS2 week starts on Tuesday
        "١٢٣٤",  # Arabic-Indic digits are digits to \d, not to DHIS2
        "2025 Q1",
    ],
)
def test_refused_with_reason(bad):
    with pytest.raises(ValueError, match=r"period|year|month|week|quarter|day|bi-|half"):
        parse_period(bad)


def test_non_text_refused():
    with pytest.raises(ValueError, match="must be text"):
        parse_period(202501)  # type: ignore[arg-type]


def test_weeks_in_year_matches_isocalendar():
    for y in range(2000, 2040):
        # 28 December is always in the last ISO week of its year.
        assert weeks_in_year(y) == date(y, 12, 28).isocalendar().week


# --- properties -----------------------------------------------------------------------------

DAYS = st.dates(min_value=date(1001, 1, 1), max_value=date(9997, 12, 31))
TYPES = st.sampled_from(list(PeriodType))


def _period_of(ptype: PeriodType, d: date) -> Period:
    return period_of_day(ptype, d)


@settings(max_examples=400, deadline=None)
@given(TYPES, DAYS)
@example(PeriodType.BI_WEEKLY, date(1885, 12, 20))  # bi-week 26 followed by ISO week 53
def test_round_trip_dhis2_and_adx(ptype, d):
    try:
        p = _period_of(ptype, d)
    except ValueError:  # only the 53rd ISO week, which DHIS2's bi-weeks leave out
        assert ptype is PeriodType.BI_WEEKLY
        return
    assert p.type is ptype and p.contains(d)
    assert parse_period(p.code) == p
    assert parse_period(p.adx) == p
    assert period_of_day(ptype, p.start) == p == period_of_day(ptype, p.end)
    # Adjacent periods tile the calendar: the next day starts the next period, except the
    # 53rd ISO week after a year's 26th bi-week, which belongs to no bi-week.
    if p.end.year < 9997:
        try:
            nxt = period_of_day(ptype, p.end + timedelta(1))
        except ValueError:
            assert ptype is PeriodType.BI_WEEKLY and (p.end + timedelta(1)).isocalendar()[1] == 53
        else:
            assert nxt.start == p.end + timedelta(1)


@settings(max_examples=300, deadline=None)
@given(DAYS)
def test_weekly_agrees_with_python_isocalendar(d):
    iso = d.isocalendar()
    assert period_of_day(PeriodType.WEEKLY, d).code == f"{iso.year}W{iso.week}"


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=20),
        st.from_regex(r"[0-9]{4}(W|Q|S|B|BiW|WedW|NovQ|AprilS|-)?[0-9]{0,3}[A-Za-z]{0,5}"),
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}/P[0-9]{1,2}[DWMY]"),
    )
)
def test_fuzz_any_text_parses_or_raises_value_error(text):
    try:
        p = parse_period(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert parse_period(p.code) == p and p.start <= p.end
