"""Activity reports: validated, audited, idempotent; who has reported and what is overdue."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from chitieu.ingest.errors import ImportRefused
from chitieu.plans.activities import record_activities
from chitieu.plans.tracking import activity_summary, due_date, reporting_status
from chitieu.store.db import transaction
from chitieu.store.models import ActivityReport, AuditEntry, DataValue

PLAN = "HN-SRB-2026-2030"
TODAY = date(2026, 11, 23)
HOAN_KIEM, BA_DINH = "00070", "00004"


def _row(**kw):
    base = {
        "plan_code": PLAN,
        "reporter": "HN-SYT",
        "unit_code": "01",
        "period": "2026Q1",
        "activity": "comm_sessions",
        "value": 12,
        "task_code": "T1.1",
    }
    return base | kw


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_due_rule_is_the_15th_of_the_month_after_the_quarter():
    assert due_date("2026Q1") == date(2026, 4, 15)
    assert due_date("2026Q4") == date(2027, 1, 15)


def test_reports_are_added_then_unchanged_then_updated_with_audit(ready_engine):
    rows = [
        _row(),
        _row(activity="people_reached", value=1500),
        _row(reporter="commune", unit_code=HOAN_KIEM, activity="facility_commitments", value=3),
    ]
    with transaction(ready_engine) as s:
        first = record_activities(s, rows, actor="syt", today=TODAY)
    assert [o.action for o in first] == ["added"] * 3
    audits = _count(ready_engine, AuditEntry)
    with transaction(ready_engine) as s:
        again = record_activities(s, rows, actor="syt", today=TODAY)
    assert [o.action for o in again] == ["unchanged"] * 3
    assert _count(ready_engine, AuditEntry) == audits
    with transaction(ready_engine) as s:
        [changed] = record_activities(s, [_row(value=14)], actor="syt", today=TODAY)
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "update").order_by(AuditEntry.id.desc())
        ).first()
    assert changed.action == "updated"
    assert entry.before["value"] == 12 and entry.after["value"] == 14
    assert _count(ready_engine, ActivityReport) == 3


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"plan_code": "NO-PLAN"}, "plan_code", "unknown plan"),
        ({"reporter": "HP-SYT"}, "reporter", "neither a body of this plan"),
        ({"unit_code": "31"}, "unit_code", "outside the plan's unit"),
        ({"unit_code": "99999"}, "unit_code", "unknown unit"),
        ({"reporter": "commune", "unit_code": "01"}, "unit_code", "must name a commune"),
        ({"period": "202601"}, "period", "quarterly"),
        ({"period": "2026Q5"}, "period", "not a valid period"),
        ({"period": "2031Q1"}, "period", "outside the plan"),
        ({"period": "2027Q1"}, "period", "has not started"),
        ({"activity": "parades"}, "activity", "must be one of"),
        ({"task_code": "T9.9"}, "task_code", "not a task of this plan"),
        ({"value": -3}, "value", "whole number"),
        ({"value": 2.5}, "value", "whole number"),
        ({"value": "nhiều"}, "value", "a number"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(ready_sqlite, change, column, reason):
    with pytest.raises(ImportRefused) as refused, transaction(ready_sqlite) as s:
        record_activities(s, [_row(activity="trainings"), _row(**change)], actor="x", today=TODAY)
    [error] = refused.value.errors
    assert (error.row, error.column) == (2, column) and reason in error.reason
    assert _count(ready_sqlite, ActivityReport) == 0


def test_the_same_report_twice_in_one_batch_is_refused(ready_sqlite):
    with pytest.raises(ImportRefused) as refused, transaction(ready_sqlite) as s:
        record_activities(s, [_row(), _row(value=3)], actor="x", today=TODAY)
    assert (
        refused.value.errors[0].row == 2
        and "same report as row 1" in refused.value.errors[0].reason
    )


def test_who_has_reported_and_what_is_overdue(ready_sqlite):
    rows = [
        _row(period="2026Q1"),
        _row(period="2026Q2"),
        _row(reporter="HN-SGDDT", activity="school_programmes", value=4, task_code=None),
        _row(reporter="commune", unit_code=HOAN_KIEM, activity="comm_sessions", value=2),
    ]
    with transaction(ready_sqlite) as s:
        record_activities(s, rows, actor="x", today=TODAY)
        # Ba Đình sent its monthly activity figures for all of Q1 instead of a plan report
        for month in ("202601", "202602", "202603"):
            s.add(
                DataValue(
                    element_code="ACT_COMM_SESSIONS",
                    unit_code=BA_DINH,
                    period=month,
                    value=1,
                    status="submitted",
                )
            )
        # ... and only two months of Q2: not a full quarter
        for month in ("202604", "202605"):
            s.add(
                DataValue(
                    element_code="ACT_COMM_SESSIONS",
                    unit_code=BA_DINH,
                    period=month,
                    value=1,
                    status="submitted",
                )
            )
    with transaction(ready_sqlite) as s:
        status = reporting_status(s, PLAN, as_of=TODAY, year=2026)
        summary = activity_summary(s, PLAN, status.periods)
    assert status.periods == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    cell = {(c.reporter, c.period): c.status for c in status.cells}
    assert cell[("HN-SYT", "2026Q1")] == "reported"
    assert cell[("HN-SYT", "2026Q3")] == "overdue"  # due 15 October 2026
    assert cell[("HN-SYT", "2026Q4")] == "not_due"  # due 15 January 2027
    assert cell[("HN-SGDDT", "2026Q1")] == "reported"
    assert cell[("HN-STC", "2026Q1")] == "overdue"
    assert cell[(HOAN_KIEM, "2026Q1")] == "reported"
    assert cell[(BA_DINH, "2026Q1")] == "reported"
    assert cell[(BA_DINH, "2026Q2")] == "overdue"
    # the body standing for all communes is represented by the communes themselves
    assert not any(c.reporter == "HN-UBND-XP" for c in status.cells)
    n_bodies = 10  # eleven bodies in the plan, less the communes' People's Committees
    n_communes = sum(1 for c in status.cells if c.kind == "commune") // 4
    assert n_communes == 126  # Hanoi's communes and wards after the 2025 reform
    counts = status.counts()
    assert counts["2026Q1"] == {"reported": 4, "overdue": n_bodies + n_communes - 4, "not_due": 0}
    assert counts["2026Q4"]["not_due"] == n_bodies + n_communes
    # totals: bodies as reported; communes from plan reports, else from monthly figures
    assert summary.by_body["HN-SYT"]["comm_sessions"] == 24  # 12 in Q1 + 12 in Q2
    assert summary.communes["comm_sessions"] == 2 + 3 + 2  # Hoàn Kiếm 2; Ba Đình 3 + 2
    assert summary.communes_reporting == 2
