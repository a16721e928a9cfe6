"""Which plans, and which reporters of a plan, a user may see.

A plan or target is visible to a user when its unit is the user's unit, lies above it (the
province's plan and the national target govern a commune) or lies below it. Of a plan's
reporting duties, a user sees the bodies' when they cover the plan's unit, and the communes'
within their own unit. The API, the pages and the reports all ask here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from chitieu.auth.users import Principal
from chitieu.errors import NotAllowed, NotFound
from chitieu.plans.tracking import ReportingCell
from chitieu.store.models import Plan, Unit
from chitieu.units.queries import get_unit, in_subtree


def _above(user: Principal) -> list[str]:
    parts = user.unit_path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def related_units(user: Principal) -> ColumnElement[bool]:
    """Condition on ``units.path``: the user's unit, the units above it, the units below it."""
    return or_(Unit.path.in_(_above(user)), in_subtree(user.unit_path))


def is_related(user: Principal, path: str) -> bool:
    """True when the unit at ``path`` is the user's, above it or below it."""
    return path in _above(user) or user.covers(path)


def visible_plan(db: Session, user: Principal, code: str) -> Plan:
    """The plan, if the caller's unit is the plan's, above or below it: NotFound for an
    unknown plan, NotAllowed for one outside the user's unit."""
    plan = db.get(Plan, code)
    if plan is None:
        raise NotFound(f"plan {code!r} not found (không tìm thấy)")
    if not is_related(user, get_unit(db, plan.unit_code).path):
        raise NotAllowed(f"plan {code} is for unit {plan.unit_code}, outside your unit")
    return plan


def visible_cells(
    db: Session, user: Principal, plan: Plan, cells: list[ReportingCell]
) -> list[ReportingCell]:
    """The reporting cells the user may see: bodies when they cover the plan's unit, communes
    within their unit."""
    plan_path = get_unit(db, plan.unit_code).path
    paths = dict(
        db.execute(select(Unit.code, Unit.path).where(Unit.level == "commune")).tuples().all()
    )
    return [
        c
        for c in cells
        if (c.kind == "body" and user.covers(plan_path))
        or (c.kind == "commune" and user.covers(paths.get(c.reporter, "")))
    ]
