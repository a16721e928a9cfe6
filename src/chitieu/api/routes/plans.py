"""Plans, their targets and tasks.

A plan or target is visible to a user when its unit is the user's unit, lies above it or lies
below it (:mod:`chitieu.plans.visibility`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import Select, func, select

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser
from chitieu.api.params import Paging, page_of, paginate
from chitieu.api.responses import json_response
from chitieu.auth.users import Principal
from chitieu.plans.visibility import related_units, visible_plan
from chitieu.store.models import Body, Plan, PlanBody, Target, Task, Unit

router = APIRouter(tags=["plans and targets"])


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def _visible(query: Select[Any], unit_column: Any, user: Principal) -> Select[Any]:
    return query.join(Unit, Unit.code == unit_column).where(related_units(user))


@router.get("/plans", summary="List plans")
def plans(user: CurrentUser, db: DB, paging: Paging) -> Response:
    query = _visible(select(Plan, Unit.name), Plan.unit_code, user).order_by(Plan.code)
    rows, total = paginate(db, query, paging)
    items = [{**_columns(p), "unit_name": name} for p, name in rows]
    return json_response(page_of(items, total, paging))


@router.get("/plans/{code}", summary="One plan with its bodies and targets")
def plan(code: str, user: CurrentUser, db: DB) -> Response:
    p = visible_plan(db, user, code)
    bodies = db.execute(
        select(PlanBody, Body)
        .join(Body, Body.code == PlanBody.body_code)
        .where(PlanBody.plan_code == code)
        .order_by(PlanBody.position)
    ).all()
    targets = db.scalars(select(Target).where(Target.plan_code == code).order_by(Target.id))
    n_tasks = db.scalar(select(func.count()).where(Task.plan_code == code)) or 0
    return json_response(
        {
            **_columns(p),
            "bodies": [
                {**_columns(pb), "name_vi": b.name_vi, "name_en": b.name_en} for pb, b in bodies
            ],
            "targets": [_columns(t) for t in targets],
            "tasks": int(n_tasks),
        }
    )


@router.get("/plans/{code}/tasks", summary="A plan's tasks")
def tasks(
    code: str,
    user: CurrentUser,
    db: DB,
    paging: Paging,
    group: Annotated[str | None, Query(description="Task group code.")] = None,
) -> Response:
    """Tasks in the plan's order, each with its lead body's names and its partner bodies."""
    visible_plan(db, user, code)
    query = (
        select(Task, Body.name_vi, Body.name_en)
        .join(Body, Body.code == Task.lead_body)
        .where(Task.plan_code == code)
        .order_by(Task.id)
    )
    if group:
        query = query.where(Task.group_code == group)
    rows, total = paginate(db, query, paging)
    items = [{**_columns(t), "lead_body_vi": vi, "lead_body_en": en} for t, vi, en in rows]
    return json_response(page_of(items, total, paging))
