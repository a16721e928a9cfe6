"""The reporting calendar: due dates and deadlines of the monthly and quarterly reports,
overdue, completeness; and the monthly report's elements, listed once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chitieu.catalog.periods import month, months_later, parse_period
from chitieu.exchange.mapping import read_mapping
from chitieu.reporting.calendar import MONTHLY, QUARTERLY, completeness
from chitieu.reporting.monthly_report import ACTIVITY_ELEMENTS, REPORT_ELEMENTS, STORED_FIELDS


@pytest.mark.parametrize(
    ("rule", "period", "due"),
    [
        (MONTHLY, "202501", date(2025, 2, 10)),
        (MONTHLY, "202412", date(2025, 1, 10)),  # December: due in the next year
        (MONTHLY, "202402", date(2024, 3, 10)),
        (QUARTERLY, "2026Q1", date(2026, 4, 15)),
        (QUARTERLY, "2026Q4", date(2027, 1, 15)),
    ],
)
def test_due_dates(rule, period, due):
    assert rule.due_date(period) == due
    # The deadline is the end of that day in Vietnam (UTC+7): 17:00 UTC the same day.
    assert rule.deadline(period) == datetime(due.year, due.month, due.day, 17, 0)


def test_overdue_starts_the_moment_after_the_deadline():
    end = MONTHLY.deadline("202501")
    assert not MONTHLY.is_past_due("202501", end)
    assert MONTHLY.is_past_due("202501", end + timedelta(microseconds=1))
    assert MONTHLY.on_time("202501", end)
    assert not MONTHLY.on_time("202501", end + timedelta(seconds=1))
    assert not MONTHLY.on_time("202501", None)


def test_overdue_by_date_is_the_day_after_the_due_date():
    assert not QUARTERLY.is_past_due("2026Q1", date(2026, 4, 15))
    assert QUARTERLY.is_past_due("2026Q1", date(2026, 4, 16))


def test_a_month_starts_at_midnight_vietnam_time():
    start = datetime(2025, 2, 28, 17, 0)  # 1 March 00:00 in Vietnam
    assert MONTHLY.has_started("202503", start)
    assert not MONTHLY.has_started("202503", start - timedelta(seconds=1))


def test_periods_of_a_year():
    assert [p.code for p in QUARTERLY.periods_of_year(2026)] == [f"2026Q{q}" for q in range(1, 5)]
    assert [p.code for p in MONTHLY.periods_of_year(2025)][::11] == ["202501", "202512"]


def test_completeness_is_the_share_that_reported():
    assert completeness([True, True, False]) == 66.7
    assert completeness([]) is None


def test_months_later_crosses_years_and_refuses_other_periods():
    assert months_later(month(2025, 12), 1).code == "202601"
    assert months_later(month(2025, 1), -1).code == "202412"
    assert months_later(month(2025, 3), -15).code == "202312"
    with pytest.raises(ValueError, match="not a month"):
        months_later(parse_period("2025Q1"), 1)


def test_the_monthly_report_lists_the_elements_of_the_exchange_data_set():
    assert tuple(read_mapping().data_sets["COMMUNE_MONTHLY"].elements) == REPORT_ELEMENTS
    assert set(ACTIVITY_ELEMENTS) < set(REPORT_ELEMENTS)
    assert len({(e, d) for _, e, d in STORED_FIELDS}) == len(STORED_FIELDS) == 10
