"""The reporting calendar: the periods a report covers, when each is due, what is overdue, and
how complete a set of reports is.

One notion serves every report: a report for a period is **due by the end of day**
:attr:`ReportingRule.due_day` **of the month after the period ends, Vietnam time** (UTC+7,
no daylight saving). Before that moment it is *not yet due*; a report sent by then is *on
time*, one sent later is *late*; a report not sent once the moment has passed is *overdue*.

=====================  ===========  ==========================================  ============
report                 period       due                                         rule
=====================  ===========  ==========================================  ============
commune monthly        ``YYYYMM``   10th of the next month (``202501`` by 10/2)   :data:`MONTHLY`
plan activity report   ``YYYYQn``   15th of the month after the quarter          :data:`QUARTERLY`
                                    (``2026Q1`` by 15/4)
=====================  ===========  ==========================================  ============

Times are compared in UTC (as stored); dates (``as_of``) are Vietnam dates. **Completeness**
of a period is the share of the reporters owing it that have reported (:func:`completeness`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chitieu.catalog.clock import vietnam_midnight_utc
from chitieu.catalog.periods import Period, PeriodType, month, parse_period, quarter


def as_period(period: Period | str) -> Period:
    return parse_period(period) if isinstance(period, str) else period


@dataclass(frozen=True, slots=True)
class ReportingRule:
    """A report owed once per period of ``period_type``, due by the end of ``due_day`` of the
    month after the period ends (Vietnam time)."""

    name: str
    period_type: PeriodType
    due_day: int

    def due_date(self, period: Period | str) -> date:
        """The last day (Vietnam time) on which the report for ``period`` is on time."""
        end = as_period(period).end
        y, m = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
        return date(y, m, self.due_day)

    def deadline(self, period: Period | str) -> datetime:
        """The last moment (UTC) at which the report for ``period`` is on time: the end of
        :meth:`due_date` in Vietnam."""
        return vietnam_midnight_utc(self.due_date(period) + timedelta(days=1))

    def is_past_due(self, period: Period | str, now: datetime | date) -> bool:
        """True once the report for ``period`` can no longer be on time: ``now`` (a UTC time)
        is after the deadline, or ``now`` (a Vietnam date) is after the due date."""
        if isinstance(now, datetime):
            return now > self.deadline(period)
        return now > self.due_date(period)

    def on_time(self, period: Period | str, submitted_at: datetime | None) -> bool:
        """True when a report submitted at ``submitted_at`` (UTC) met the deadline."""
        return submitted_at is not None and submitted_at <= self.deadline(period)

    def has_started(self, period: Period | str, now: datetime) -> bool:
        """True once ``period`` has begun in Vietnam by ``now`` (UTC)."""
        return vietnam_midnight_utc(as_period(period).start) <= now

    def periods_of_year(self, year: int) -> list[Period]:
        """The year's periods of this rule's type, in order."""
        if self.period_type is PeriodType.MONTHLY:
            return [month(year, m) for m in range(1, 13)]
        if self.period_type is PeriodType.QUARTERLY:
            return [quarter(year, q) for q in range(1, 5)]
        raise ValueError(f"no calendar for {self.period_type} reports")


#: The commune's monthly report (births by sex and birth order, activities held).
MONTHLY = ReportingRule("monthly", PeriodType.MONTHLY, due_day=10)
#: A plan's quarterly activity report, by each body with duties and each commune.
QUARTERLY = ReportingRule("quarterly", PeriodType.QUARTERLY, due_day=15)


def completeness(reported: Iterable[bool]) -> float | None:
    """The share (%, one decimal) of reporters owing a period that have reported; None when
    nobody owes it."""
    flags = list(reported)
    return round(100.0 * sum(flags) / len(flags), 1) if flags else None
