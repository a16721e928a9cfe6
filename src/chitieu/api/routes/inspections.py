"""Inspections of facilities (:mod:`chitieu.enforcement.inspections`): list within your unit;
record one (analyst or admin, for a facility within their unit), validated and audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within, require_role
from chitieu.api.params import Paging, paginate_list
from chitieu.api.responses import json_response
from chitieu.auth.users import Principal
from chitieu.enforcement.inspections import list_inspections, record_inspections
from chitieu.store.models import Facility

router = APIRouter(tags=["inspections"])


class InspectionBody(BaseModel):
    """One inspection. Validation (unknown facility, a date in the future, a negative fine, a
    fine or suspension without a violation) answers 422 with the field and the reason."""

    facility_code: Annotated[str, Field(min_length=1, max_length=32)]
    inspected_on: date
    team: Annotated[str | None, Field(max_length=300)] = None
    findings: Annotated[str | None, Field(max_length=20_000)] = None
    violation: bool = False
    fine_vnd: int = Field(0, description="Fine in VND (a whole number, not negative).")
    suspended: bool = False
    commitment_signed: bool = False


@router.get("/inspections", summary="List inspections")
def inspections(
    user: CurrentUser,
    db: DB,
    paging: Paging,
    unit: Annotated[str | None, Query(description="Unit (with everything below it).")] = None,
    since: Annotated[date | None, Query(description="From this date (inclusive).")] = None,
    until: Annotated[date | None, Query(description="Up to this date (inclusive).")] = None,
    facility: Annotated[str | None, Query(description="Facility code.")] = None,
) -> Response:
    """Inspections of facilities in the unit and below it (default your unit), newest first."""
    target = ensure_within(user, unit or user.unit_code, db)
    found = list_inspections(db, target.code, since=since, until=until, facility_code=facility)
    return json_response(paginate_list([i.to_dict() for i in found], paging))


@router.post("/inspections", status_code=201, summary="Record an inspection")
def add_inspection(
    body: InspectionBody,
    user: Annotated[Principal, Depends(require_role("admin", "analyst"))],
    db: DB,
    response: Response,
) -> dict[str, Any]:
    """Record one inspection (audited). The same inspection posted again is not added twice
    (``created: false``, status 200)."""
    unit = db.scalar(select(Facility.unit_code).where(Facility.code == body.facility_code))
    if unit is not None:
        # an unknown facility is left to validation (422)
        ensure_within(user, unit, db, facility=body.facility_code)
    outcome = record_inspections(db, [body.model_dump()], actor=user.username)[0]
    if not outcome.created:
        response.status_code = 200
    return {"id": outcome.id, "created": outcome.created}
