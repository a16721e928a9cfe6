"""The audit log (administrators only): who changed what, when, before and after."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select

from chitieu.api.db import DB
from chitieu.api.deps import require_role
from chitieu.api.params import Paging, page_of, paginate, resolve_scope
from chitieu.api.responses import json_response
from chitieu.auth.users import Principal
from chitieu.store.models import AuditEntry

router = APIRouter(tags=["audit"])

Admin = Annotated[Principal, Depends(require_role("admin"))]


@router.get("/audit", summary="The audit log")
def audit(
    user: Admin,
    db: DB,
    paging: Paging,
    unit: Annotated[str | None, Query(description="Unit; default your unit.")] = None,
    children: Annotated[bool, Query(description="And everything below `unit`.")] = True,
    actor: Annotated[str | None, Query()] = None,
    table: Annotated[str | None, Query(description="Table changed, e.g. data_values.")] = None,
    action: Annotated[str | None, Query(description="insert, update, delete, …")] = None,
    key: Annotated[str | None, Query(description="The changed row's key.")] = None,
    since: Annotated[date | None, Query(description="From this day (inclusive).")] = None,
    until: Annotated[date | None, Query(description="Up to this day (inclusive).")] = None,
) -> Response:
    """Entries for units within the admin's unit, newest first. Entries tied to no unit
    (e.g. catalogue loads) are shown to administrators of the whole country only."""
    scope = resolve_scope(user, db, unit, children)
    query = (
        select(AuditEntry)
        .where(scope.condition(AuditEntry.unit_code))
        .order_by(AuditEntry.id.desc())
    )
    for column, wanted in (
        (AuditEntry.actor, actor),
        (AuditEntry.table_name, table),
        (AuditEntry.action, action),
        (AuditEntry.row_key, key),
    ):
        if wanted:
            query = query.where(column == wanted)
    if since:
        query = query.where(AuditEntry.at >= datetime.combine(since, time.min))
    if until:
        query = query.where(AuditEntry.at < datetime.combine(until + timedelta(days=1), time.min))
    rows, total = paginate(db, query, paging)
    items = [
        {
            "id": e.id,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "table": e.table_name,
            "key": e.row_key,
            "unit": e.unit_code,
            "before": e.before,
            "after": e.after,
        }
        for (e,) in rows
    ]
    return json_response(page_of(items, total, paging))
