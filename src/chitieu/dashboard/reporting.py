"""Completeness and timeliness of the communes' monthly reports.

* **Completeness** of a month: the share of communes whose report for the month is submitted.
* **Timeliness** of a month: the share of communes whose report was submitted by the deadline,
  the end of the 10th day of the following month, Vietnam time (UTC+7).

A report's state, its submission time and its deadline come from
:mod:`chitieu.reporting.state`; this module draws them as the dashboard's grid.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.reporting.calendar import MONTHLY, completeness
from chitieu.reporting.state import DEADLINE_DAY, ReportState, report_states
from chitieu.store.models import Unit
from chitieu.units.queries import UnitInfo, in_subtree

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


def _cell(state: ReportState | None, deadline: datetime, now: datetime) -> str:
    """The cell of one commune-month whose report was due by ``deadline`` (UTC), as
    ``MONTHLY.is_past_due`` and ``MONTHLY.on_time`` decide (the deadline read once a month,
    not once a cell: the country has 3,321 communes)."""
    if state is None or state.status == "empty":
        return MISSING if now > deadline else NOT_DUE
    if state.status == "draft":
        return DRAFT
    submitted = state.submitted_at
    return ON_TIME if submitted is not None and submitted <= deadline else LATE


def reporting_json(
    db: Session, unit: UnitInfo, year: int, *, now: datetime | None = None, lang: str = "vi"
) -> dict[str, Any]:
    """Completeness and timeliness (%) per month of ``year`` over the communes at or below
    ``unit``, and a grid of the rows below it: for communes one cell code per month
    (``T`` on time, ``L`` late, ``D`` draft, ``.`` missing, ``_`` not yet due), for larger
    units their completeness per month (%). Months that have not started are null."""
    now = now or datetime.utcnow()
    started = [p.code for p in MONTHLY.periods_of_year(year) if MONTHLY.has_started(p, now)]
    communes = db.execute(
        select(Unit.code, Unit.name, Unit.path)
        .where(in_subtree(unit.path), Unit.level == "commune")
        .order_by(Unit.code)
    ).all()
    codes = select(Unit.code).where(in_subtree(unit.path), Unit.level == "commune")
    states = report_states(db, codes, started) if communes else {}
    due = [(p, MONTHLY.deadline(p)) for p in started]
    cells = {c.code: [_cell(states.get((c.code, p)), d, now) for p, d in due] for c in communes}

    def month_shares(members: list[str], wanted: str) -> list[float | None]:
        column = [[cells[m][i] for m in members] for i in range(len(started))]
        shares = [completeness(cell in wanted for cell in col) for col in column]
        return shares + [None] * (12 - len(started))

    all_codes = [c.code for c in communes]
    depth = unit.path.count("/") + 1
    rows: list[dict[str, Any]]
    if unit.level == "commune":
        rows = [{"code": unit.code, "name": unit.name, "cells": "".join(cells.get(unit.code, []))}]
    elif unit.level == "province":
        rows = [{"code": c.code, "name": c.name, "cells": "".join(cells[c.code])} for c in communes]
    else:  # the country: one row per province, completeness per month
        members: dict[str, list[str]] = defaultdict(list)
        for c in communes:
            members[c.path.split("/")[depth]].append(c.code)
        names = dict(
            db.execute(select(Unit.code, Unit.name).where(Unit.code.in_(members))).tuples().all()
        )
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
