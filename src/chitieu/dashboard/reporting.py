"""Completeness and timeliness of the communes' monthly reports.

The monthly commune report holds live births by sex and birth order (``LIVE_BIRTHS``) and the
activities held (``ACT_*``) for one commune and one month (period ``YYYYMM``). Its status is
that of its values: *draft* while any value is a draft, *submitted* once every value is
submitted or locked.

* **Completeness** of a month: the share of communes whose report for the month is submitted.
* **Timeliness** of a month: the share of communes whose report was submitted by the deadline,
  the end of the 10th day of the following month, Vietnam time (UTC+7) — the rule
  :data:`DEADLINE_DAY` states. The submission time is the latest time the report's values
  became *submitted* in the audit log (a report reopened and sent again counts from its last
  sending); a value stored as submitted without an audit entry counts from its creation.
  Stored times are UTC.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.store.models import AuditEntry, DataValue, Unit
from chitieu.units.queries import UnitInfo, in_subtree

#: The data elements of the monthly commune report.
REPORT_ELEMENTS = (
    "LIVE_BIRTHS",
    "ACT_COMM_SESSIONS",
    "ACT_PEOPLE_REACHED",
    "ACT_FACILITY_COMMITMENTS",
    "ACT_INSPECTIONS",
)
#: A month's report is on time when submitted by the end of this day of the next month.
DEADLINE_DAY = 10
#: Vietnam time is UTC+7 all year (no daylight saving).
VIETNAM_OFFSET = timedelta(hours=7)
RULE_VI = (
    "Đầy đủ: tỷ lệ xã, phường đã gửi báo cáo tháng. Đúng hạn: tỷ lệ xã, phường gửi báo cáo "
    f"trước hết ngày {DEADLINE_DAY} của tháng sau (giờ Việt Nam)."
)
RULE_EN = (
    "Completeness: share of communes whose monthly report is submitted. Timeliness: share "
    f"submitted by the end of day {DEADLINE_DAY} of the following month (Vietnam time)."
)

# Cell codes of the grid: one character per commune and month keeps the payload small.
ON_TIME, LATE, DRAFT, MISSING, NOT_DUE = "T", "L", "D", ".", "_"


@dataclass(frozen=True, slots=True)
class ReportState:
    """One commune's report for one month: ``status`` is ``empty``, ``draft``, ``submitted``
    or ``locked``; ``submitted_at`` (UTC) is set once submitted."""

    unit_code: str
    period: str
    status: str
    submitted_at: datetime | None = None


def month_period(year: int, month: int) -> str:
    return f"{year:04d}{month:02d}"


def deadline(period: str) -> datetime:
    """The last moment (UTC) at which the report for ``period`` (``YYYYMM``) is on time."""
    year, month = int(period[:4]), int(period[4:6])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    local_end = datetime(year, month, DEADLINE_DAY) + timedelta(days=1)
    return local_end - VIETNAM_OFFSET


def report_states(db: Session, unit_codes: list[str] | Any, periods: list[str]) -> dict:
    """``{(unit, period): ReportState}`` for the units (a list or a subquery of codes) and
    periods that have any report value; absent pairs have no report."""
    values = db.execute(
        select(DataValue.unit_code, DataValue.period, DataValue.status, DataValue.created).where(
            DataValue.element_code.in_(REPORT_ELEMENTS),
            DataValue.unit_code.in_(unit_codes),
            DataValue.period.in_(periods),
        )
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


def _cell(state: ReportState | None, period: str, now: datetime) -> str:
    if state is None or state.status == "empty":
        return NOT_DUE if now <= deadline(period) else MISSING
    if state.status == "draft":
        return DRAFT
    on_time = state.submitted_at is not None and state.submitted_at <= deadline(period)
    return ON_TIME if on_time else LATE


def _share(cells: list[str], wanted: str) -> float | None:
    return round(100.0 * sum(c in wanted for c in cells) / len(cells), 1) if cells else None


def reporting_json(
    db: Session, unit: UnitInfo, year: int, *, now: datetime | None = None, lang: str = "vi"
) -> dict[str, Any]:
    """Completeness and timeliness (%) per month of ``year`` over the communes at or below
    ``unit``, and a grid of the rows below it: for communes one cell code per month
    (``T`` on time, ``L`` late, ``D`` draft, ``.`` missing, ``_`` not yet due), for larger
    units their completeness per month (%). Months that have not started are null."""
    now = now or datetime.utcnow()
    periods = [month_period(year, m) for m in range(1, 13)]
    started = [p for p in periods if datetime(int(p[:4]), int(p[4:]), 1) - VIETNAM_OFFSET <= now]
    communes = db.execute(
        select(Unit.code, Unit.name, Unit.path)
        .where(in_subtree(unit.path), Unit.level == "commune")
        .order_by(Unit.code)
    ).all()
    codes = select(Unit.code).where(in_subtree(unit.path), Unit.level == "commune")
    states = report_states(db, codes, started) if communes else {}
    cells = {c.code: [_cell(states.get((c.code, p)), p, now) for p in started] for c in communes}

    def month_shares(members: list[str], wanted: str) -> list[float | None]:
        column = [[cells[m][i] for m in members] for i in range(len(started))]
        return [_share(col, wanted) for col in column] + [None] * (12 - len(started))

    all_codes = [c.code for c in communes]
    depth = unit.path.count("/") + 1
    if unit.level == "commune":
        rows = [{"code": unit.code, "name": unit.name, "cells": "".join(cells.get(unit.code, []))}]
    elif unit.level == "province":
        rows = [{"code": c.code, "name": c.name, "cells": "".join(cells[c.code])} for c in communes]
    else:  # the country: one row per province, completeness per month
        members: dict[str, list[str]] = defaultdict(list)
        for c in communes:
            members[c.path.split("/")[depth]].append(c.code)
        names = dict(db.execute(select(Unit.code, Unit.name).where(Unit.code.in_(members))).all())
        rows = [
            {"code": p, "name": names.get(p, p), "completeness": month_shares(ms, ON_TIME + LATE)}
            for p, ms in sorted(members.items())
        ]
    return {
        "year": year,
        "communes": len(all_codes),
        "completeness": month_shares(all_codes, ON_TIME + LATE),
        "timeliness": month_shares(all_codes, ON_TIME),
        "rows": rows,
        "deadline_day": DEADLINE_DAY,
        "rule": RULE_EN if lang == "en" else RULE_VI,
    }
