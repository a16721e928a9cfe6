"""Who has reported on a plan, and what is overdue.

**Due rule.** Every body with duties under the plan and every commune in the plan's unit owes
one activity report per quarter, due by the 15th of the month after the quarter ends
(``2026Q1`` by 15 April 2026): the reporting calendar's
:data:`~chitieu.reporting.calendar.QUARTERLY` rule. A report is *overdue* when the due date has
passed (``as_of`` is later than it) and nothing was reported; *not yet due* before that.

A commune counts as having reported for a quarter when it filed an activity report for the plan
(reporter ``commune``) or sent its monthly report's activity figures (``ACT_*`` data values,
submitted or locked) for every month of the quarter — it need not report the same work twice.
The body that stands for the communes collectively (the commune People's Committees) is
represented by the communes themselves.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chitieu.catalog.periods import Period, month, parse_period
from chitieu.plans.activities import COMMUNE_REPORTER
from chitieu.reporting.calendar import QUARTERLY
from chitieu.reporting.monthly_report import ACTIVITY_ELEMENTS
from chitieu.store.models import ActivityReport, Body, DataValue, Plan, PlanBody
from chitieu.units.names import fold
from chitieu.units.queries import list_units


def due_date(period: Period | str) -> date:
    """The 15th of the month after ``period`` ends (the due rule above)."""
    return QUARTERLY.due_date(period)


def plan_quarters(plan: Plan, *, year: int | None = None, until: date | None = None) -> list[str]:
    """The plan's quarters (of ``year`` only, if given) that have started by ``until``."""
    years = [year] if year is not None else range(plan.start_year, plan.end_year + 1)
    out = []
    for y in years:
        if not plan.start_year <= y <= plan.end_year:
            continue
        for p in QUARTERLY.periods_of_year(y):
            if until is None or p.start <= until:
                out.append(p.code)
    return out


def is_commune_body(name_vi: str) -> bool:
    """True for the body that stands for the commune People's Committees as a whole
    ("Ủy ban nhân dân các xã, phường"): the communes report for themselves."""
    return "cac xa" in fold(name_vi)


def _communes(db: Session, unit_code: str) -> list[tuple[str, str]]:
    """(code, name) of the communes at or below ``unit_code``."""
    return [(u.code, u.name) for u in list_units(db, parent=unit_code, level="commune")]


@dataclass(frozen=True, slots=True)
class ReportingCell:
    """One reporter's duty for one quarter."""

    reporter: str  # body code, or commune code for communes
    kind: str  # body | commune
    name: str
    period: str
    due: date
    status: str  # reported | overdue | not_due

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["due"] = self.due.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class ReportingStatus:
    plan_code: str
    as_of: date
    periods: list[str]
    cells: list[ReportingCell]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per period: how many reporters reported, are overdue or are not yet due."""
        out: dict[str, dict[str, int]] = {
            p: {"reported": 0, "overdue": 0, "not_due": 0} for p in self.periods
        }
        for c in self.cells:
            out[c.period][c.status] += 1
        return out

    def overdue(self) -> list[ReportingCell]:
        return [c for c in self.cells if c.status == "overdue"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_code": self.plan_code,
            "as_of": self.as_of.isoformat(),
            "due_rule": f"quarterly, by the {QUARTERLY.due_day}th of the month after the quarter",
            "periods": self.periods,
            "counts": self.counts(),
            "cells": [c.to_dict() for c in self.cells],
        }


def _reported_activity(db: Session, plan_code: str, periods: list[str]) -> set[tuple[str, str]]:
    """(reporter key, period) pairs with at least one activity report; communes by unit code."""
    rows = db.execute(
        select(ActivityReport.reporter, ActivityReport.unit_code, ActivityReport.period)
        .where(ActivityReport.plan_code == plan_code, ActivityReport.period.in_(periods))
        .distinct()
    )
    return {
        (unit if reporter == COMMUNE_REPORTER else reporter, period)
        for reporter, unit, period in rows
    }


def _reported_monthly(db: Session, communes: list[str], periods: list[str]) -> set[tuple[str, str]]:
    """(commune, quarter) pairs whose monthly activity figures cover all three months."""
    months = {
        month(p.start.year, p.start.month + i).code: p.code
        for p in map(parse_period, periods)
        for i in range(3)
    }
    if not communes or not months:
        return set()
    rows = db.execute(
        select(DataValue.unit_code, DataValue.period, func.count())
        .where(
            DataValue.element_code.in_(list(ACTIVITY_ELEMENTS)),
            DataValue.period.in_(list(months)),
            DataValue.status.in_(["submitted", "locked"]),
            DataValue.unit_code.in_(communes),
        )
        .group_by(DataValue.unit_code, DataValue.period)
    )
    months_seen = Counter((unit, months[period]) for unit, period, _ in rows)
    return {key for key, n in months_seen.items() if n == 3}


def reporting_status(
    db: Session,
    plan_code: str,
    *,
    as_of: date,
    year: int | None = None,
    periods: list[str] | None = None,
) -> ReportingStatus:
    """For every body and commune owing reports under ``plan_code``, and every quarter (of
    ``year``, or ``periods``, or all the plan's quarters started by ``as_of``): reported,
    overdue or not yet due, by the due rule above. Raises ``KeyError`` for an unknown plan."""
    plan = db.get(Plan, plan_code)
    if plan is None:
        raise KeyError(f"unknown plan {plan_code!r}")
    periods = periods or plan_quarters(plan, year=year, until=as_of)
    bodies = db.execute(
        select(Body.code, Body.name_vi)
        .join(PlanBody, PlanBody.body_code == Body.code)
        .where(PlanBody.plan_code == plan_code)
        .order_by(PlanBody.position)
    ).all()
    reporters = [(code, "body", name) for code, name in bodies if not is_commune_body(name)]
    communes = _communes(db, plan.unit_code)
    reporters += [(code, "commune", name) for code, name in communes]
    reported = _reported_activity(db, plan_code, periods)
    reported |= _reported_monthly(db, [c for c, _ in communes], periods)
    cells = []
    for period in periods:
        due = due_date(period)
        for code, kind, name in reporters:
            if (code, period) in reported:
                status = "reported"
            elif QUARTERLY.is_past_due(period, as_of):
                status = "overdue"
            else:
                status = "not_due"
            cells.append(ReportingCell(code, kind, name, period, due, status))
    return ReportingStatus(plan_code, as_of, periods, cells)


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    """Activities reported for a plan over some quarters: totals per body, and over communes."""

    periods: list[str]
    by_body: dict[str, dict[str, float]]
    communes: dict[str, float]
    communes_reporting: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def activity_summary(db: Session, plan_code: str, periods: list[str]) -> ActivitySummary:
    """Sum the activity figures of ``periods`` (quarters): per body as reported; for communes,
    a commune's plan report for an activity and quarter where it filed one, otherwise the sum
    of that quarter's monthly ``ACT_*`` figures (never both, so nothing is counted twice)."""
    plan = db.get(Plan, plan_code)
    if plan is None:
        raise KeyError(f"unknown plan {plan_code!r}")
    by_body: dict[str, dict[str, float]] = {}
    filed: dict[tuple[str, str, str], float] = {}
    rows = db.execute(
        select(
            ActivityReport.reporter,
            ActivityReport.unit_code,
            ActivityReport.period,
            ActivityReport.activity,
            ActivityReport.value,
        ).where(ActivityReport.plan_code == plan_code, ActivityReport.period.in_(periods))
    )
    for reporter, unit, period, activity, value in rows:
        if reporter == COMMUNE_REPORTER:
            filed[(unit, period, activity)] = value
        else:
            body = by_body.setdefault(reporter, {})
            body[activity] = body.get(activity, 0.0) + value
    quarter_of = {
        month(p.start.year, p.start.month + i).code: p.code
        for p in map(parse_period, periods)
        for i in range(3)
    }
    communes = [c for c, _ in _communes(db, plan.unit_code)]
    monthly: dict[tuple[str, str, str], float] = {}
    if quarter_of and communes:
        values = db.execute(
            select(
                DataValue.unit_code, DataValue.period, DataValue.element_code, DataValue.value
            ).where(
                DataValue.element_code.in_(list(ACTIVITY_ELEMENTS)),
                DataValue.period.in_(list(quarter_of)),
                DataValue.status.in_(["submitted", "locked"]),
                DataValue.unit_code.in_(communes),
            )
        )
        for unit, period, element, value in values:
            key = (unit, quarter_of[period], ACTIVITY_ELEMENTS[element])
            monthly[key] = monthly.get(key, 0.0) + value
    totals: dict[str, float] = {}
    for key, value in {**monthly, **filed}.items():  # a filed report replaces monthly figures
        totals[key[2]] = totals.get(key[2], 0.0) + value
    reporting = {unit for unit, _, _ in {**monthly, **filed}}
    return ActivitySummary(periods, by_body, totals, len(reporting))
