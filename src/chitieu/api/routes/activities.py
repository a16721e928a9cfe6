"""HTTP API for plan activity reports: report them (each row within your unit), list them, and
see who has reported and what is overdue (:mod:`chitieu.plans.tracking` states the due rule)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within
from chitieu.api.errors import forbidden, not_found
from chitieu.api.params import Paging, paginate_list
from chitieu.api.routes.plans import is_related
from chitieu.auth.users import Principal
from chitieu.plans.activities import ACTIVITY_KINDS, record_activities
from chitieu.plans.tracking import ReportingCell, activity_summary, reporting_status
from chitieu.store.models import ActivityReport, Plan, Unit
from chitieu.units.queries import get_unit

router = APIRouter(tags=["plan activities"])


def visible_plan(db: Session, user: Principal, code: str) -> Plan:
    """The plan, if the caller's unit is the plan's, above or below it; else 404/403."""
    plan = db.get(Plan, code)
    if plan is None:
        raise not_found(f"plan {code!r}")
    if not is_related(user, get_unit(db, plan.unit_code).path):  # type: ignore[arg-type]
        raise forbidden(f"plan {code} is for unit {plan.unit_code}, outside your unit")
    return plan


def visible_cells(
    db: Session, user: Principal, plan: Plan, cells: list[ReportingCell]
) -> list[ReportingCell]:
    """The reporting cells the user may see: bodies when they cover the plan's unit, communes
    within their unit."""
    plan_path = get_unit(db, plan.unit_code).path  # type: ignore[arg-type]
    paths = dict(db.execute(select(Unit.code, Unit.path).where(Unit.level == "commune")).all())
    return [
        c
        for c in cells
        if (c.kind == "body" and user.covers(plan_path))
        or (c.kind == "commune" and user.covers(paths.get(c.reporter, "")))
    ]


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
    outcomes = record_activities(db, rows, actor=user.username)
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
        {
            c.key: getattr(r, c.key)
            for c in ActivityReport.__table__.columns  # type: ignore[attr-defined]
        }
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
    status = reporting_status(db, plan, as_of=as_of or date.today(), year=year)
    payload = status.to_dict()
    payload["cells"] = [c.to_dict() for c in visible_cells(db, user, found, status.cells)]
    if user.covers(get_unit(db, found.unit_code).path):  # type: ignore[arg-type]
        payload["activities"] = activity_summary(db, plan, status.periods).to_dict()
    return payload
