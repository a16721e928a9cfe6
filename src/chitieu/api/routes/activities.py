"""HTTP API for plan activity reports: report them (each row within your unit), list them, and
see who has reported and what is overdue (:mod:`chitieu.plans.tracking` states the due rule)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within
from chitieu.api.params import Paging, paginate_list
from chitieu.catalog.clock import vietnam_today
from chitieu.plans.activities import ACTIVITY_KINDS, record_activities, reporting_bodies
from chitieu.plans.tracking import activity_summary, reporting_status
from chitieu.plans.visibility import visible_cells, visible_plan
from chitieu.store.models import ActivityReport, Unit
from chitieu.units.queries import get_unit

router = APIRouter(tags=["plan activities"])


class ActivityRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reporter: str = Field(description="A body code of the plan, or 'commune'.")
    unit_code: str
    period: str = Field(description="A quarter, e.g. 2026Q1.")
    activity: str = Field(description=f"One of {', '.join(ACTIVITY_KINDS)}.")
    value: float
    task_code: str | None = None
    note: str | None = None


class ActivityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[ActivityRow] = Field(min_length=1, max_length=5000)


@router.post("/plans/{plan}/activities", summary="Report activities")
def post_activities(plan: str, body: ActivityBody, user: CurrentUser, db: DB) -> dict[str, Any]:
    """Record activity reports (each row's unit must lie within yours). All rows are validated
    first: any problem answers 422 with row, column and reason, and nothing is written. The
    same reports sent again change nothing; a changed figure is updated and audited."""
    visible_plan(db, user, plan)
    for row in body.reports:
        if db.get(Unit, row.unit_code) is not None:
            ensure_within(user, row.unit_code, db)  # unknown units are left to validation
    rows = [{"plan_code": plan, **r.model_dump()} for r in body.reports]
    outcomes = record_activities(
        db, rows, actor=user.username, bodies=reporting_bodies(db, user.username)
    )
    counts = {a: sum(o.action == a for o in outcomes) for a in ("added", "updated", "unchanged")}
    return {"counts": counts, "items": [o.to_dict() for o in outcomes]}


@router.get("/plans/{plan}/activities", summary="List activity reports")
def list_activities(
    plan: str,
    user: CurrentUser,
    db: DB,
    paging: Paging,
    period: Annotated[str | None, Query(description="A quarter, e.g. 2026Q1.")] = None,
) -> dict[str, Any]:
    """Activity reports for the plan within your unit, by period, reporter and unit."""
    visible_plan(db, user, plan)
    query = (
        select(ActivityReport, Unit.path)
        .join(Unit, Unit.code == ActivityReport.unit_code)
        .where(ActivityReport.plan_code == plan)
        .order_by(ActivityReport.period, ActivityReport.reporter, ActivityReport.unit_code)
    )
    if period:
        query = query.where(ActivityReport.period == period)
    items = [
        {c.key: getattr(r, c.key) for c in ActivityReport.__table__.columns}
        for r, path in db.execute(query).all()
        if user.covers(path)
    ]
    return paginate_list(items, paging)


@router.get("/plans/{plan}/reporting", summary="Who has reported, what is overdue")
def reporting(
    plan: str,
    user: CurrentUser,
    db: DB,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    as_of: Annotated[date | None, Query(description="Judge due dates on this day.")] = None,
) -> dict[str, Any]:
    """Per quarter, each body and commune owing a report: reported, overdue or not yet due
    (due by the 15th of the month after the quarter). Communes outside your unit are left out;
    bodies are shown to users who cover the plan's unit. With the activity totals."""
    found = visible_plan(db, user, plan)
    status = reporting_status(db, plan, as_of=as_of or vietnam_today(), year=year)
    payload = status.to_dict()
    payload["cells"] = [c.to_dict() for c in visible_cells(db, user, found, status.cells)]
    if user.covers(get_unit(db, found.unit_code).path):
        payload["activities"] = activity_summary(db, plan, status.periods).to_dict()
    return payload
