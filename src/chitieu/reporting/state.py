"""The state of a unit's monthly report, read from its stored values.

The monthly commune report holds live births by sex and birth order (``LIVE_BIRTHS``) and the
activities held (``ACT_*``) for one commune and one month (period ``YYYYMM``). Its status is
that of its values: *draft* while any value is a draft, *submitted* once every value is
submitted or locked, *locked* when every value is locked.

A report is on time when submitted by the end of the 10th of the following month, Vietnam
time (UTC+7): the calendar's :data:`~chitieu.reporting.calendar.MONTHLY` rule. The submission
time is the latest time the report's values
became *submitted* in the audit log (a report reopened and sent again counts from its last
sending); a value stored as submitted without an audit entry counts from its creation.
Stored times are UTC.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chitieu.catalog.periods import month
from chitieu.reporting.calendar import MONTHLY
from chitieu.reporting.monthly_report import REPORT_ELEMENTS
from chitieu.store.models import AuditEntry, DataValue

#: A month's report is on time when submitted by the end of this day of the next month.
DEADLINE_DAY = MONTHLY.due_day


@dataclass(frozen=True, slots=True)
class ReportState:
    """One commune's report for one month: ``status`` is ``empty``, ``draft``, ``submitted``
    or ``locked``; ``submitted_at`` (UTC) is set once submitted."""

    unit_code: str
    period: str
    status: str
    submitted_at: datetime | None = None


def month_period(year: int, number: int) -> str:
    return month(year, number).code


def deadline(period: str) -> datetime:
    """The last moment (UTC) at which the report for ``period`` (``YYYYMM``) is on time."""
    return MONTHLY.deadline(period)


def report_states(db: Session, unit_codes: list[str] | Any, periods: list[str]) -> dict:
    """``{(unit, period): ReportState}`` for the units (a list or a subquery of codes) and
    periods that have any report value; absent pairs have no report."""
    dv = DataValue
    # one row per report and status (a report's cells share them): a sixth of the values
    values = db.execute(
        select(dv.unit_code, dv.period, dv.status, func.min(dv.created))
        .where(
            dv.element_code.in_(REPORT_ELEMENTS),
            dv.unit_code.in_(unit_codes),
            dv.period.in_(periods),
        )
        .group_by(dv.unit_code, dv.period, dv.status)
    ).all()
    statuses: dict[tuple[str, str], set[str]] = defaultdict(set)
    created: dict[tuple[str, str], datetime] = {}
    for unit, period, status, made in values:
        key = (unit, period)
        statuses[key].add(status)
        if status != "draft" and made is not None:
            created[key] = min(created.get(key, made), made)
    sent = _submission_times(db, unit_codes, set(periods))
    out = {}
    for key, seen in statuses.items():
        if "draft" in seen:
            out[key] = ReportState(key[0], key[1], "draft")
            continue
        status = "locked" if seen == {"locked"} else "submitted"
        out[key] = ReportState(key[0], key[1], status, sent.get(key) or created.get(key))
    return out


def _submission_times(
    db: Session, unit_codes: list[str] | Any, periods: set[str]
) -> dict[tuple[str, str], datetime]:
    """The latest time each (unit, period) report's values became *submitted*, from the audit
    log (audit keys are ``element|unit|period|disaggregation``)."""
    if not periods:
        return {}
    since = datetime(int(min(periods)[:4]), int(min(periods)[4:6]), 1) - timedelta(days=1)
    entries = db.execute(
        select(AuditEntry.row_key, AuditEntry.at, AuditEntry.before, AuditEntry.after).where(
            AuditEntry.table_name == DataValue.__tablename__,
            AuditEntry.unit_code.in_(unit_codes),
            AuditEntry.at >= since,
        )
    ).all()
    out: dict[tuple[str, str], datetime] = {}
    for row_key, at, before, after in entries:
        parts = row_key.split("|")
        if len(parts) != 4 or parts[0] not in REPORT_ELEMENTS or parts[2] not in periods:
            continue
        became = (after or {}).get("status") == "submitted"
        was = (before or {}).get("status") == "submitted"
        if became and not was:
            key = (parts[1], parts[2])
            out[key] = max(out.get(key, at), at)
    return out
