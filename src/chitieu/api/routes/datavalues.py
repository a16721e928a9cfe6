"""Data values: list with filters; save one value (POST creates, PUT creates or updates);
delete one; set the status of a unit's report for a period (submit, lock, reopen)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.api.cache import cached_json
from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser
from chitieu.api.params import Paging, Periods, Scope, page_of, paginate
from chitieu.api.responses import json_response
from chitieu.catalog import read_catalog
from chitieu.reporting.values import (
    Status,
    ValueKey,
    delete_value,
    save_value,
    set_status,
    value_json,
)
from chitieu.store.models import DataValue

router = APIRouter(tags=["data values"])

Code = Annotated[str, Field(min_length=1, max_length=64)]


class ValueBody(BaseModel):
    """One value: ``element`` and ``disaggregation`` are catalogue codes, ``unit`` a unit
    code, ``period`` a DHIS2 period (stored in its canonical spelling)."""

    element: Code
    unit: Annotated[str, Field(min_length=1, max_length=16)]
    period: Annotated[str, Field(min_length=4, max_length=32)]
    disaggregation: Code = "default"
    value: float | int | str
    comment: Annotated[str | None, Field(max_length=50_000)] = None
    status: Status = "submitted"

    def key(self) -> ValueKey:
        return ValueKey(self.element, self.unit, self.period, self.disaggregation)


class StatusBody(BaseModel):
    unit: Annotated[str, Field(min_length=1, max_length=16)]
    period: Annotated[str, Field(min_length=4, max_length=32)]
    status: Status
    elements: list[Code] | None = None


def _indicator_elements(code: str) -> list[str]:
    ind = read_catalog().indicator(code)
    return [op.element for op in (ind.numerator, ind.denominator) if op.element is not None]


@router.get("/datavalues", summary="List data values")
def list_values(
    request: Request,
    user: CurrentUser,
    scope: Scope,
    periods: Periods,
    db: DB,
    paging: Paging,
    element: Annotated[list[str] | None, Query(description="Data element code(s).")] = None,
    indicator: Annotated[
        str | None, Query(description="Only the elements this indicator's formula uses.")
    ] = None,
    disaggregation: Annotated[str | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Response:
    """Values in the unit (``children=true``: and below; default your whole unit), within the
    period range ``start``–``end`` (periods wholly inside it), by unit, element and period."""
    elements = list(element or [])
    if indicator:
        wanted = _indicator_elements(indicator)
        elements = [e for e in elements if e in wanted] if elements else wanted
        if not elements:
            return json_response(page_of([], 0, paging))

    def build(db: Session) -> dict[str, Any]:
        query = select(DataValue).where(scope.condition(DataValue.unit_code))
        if elements:
            query = query.where(DataValue.element_code.in_(elements))
        if disaggregation:
            query = query.where(DataValue.disaggregation == disaggregation)
        if status:
            query = query.where(DataValue.status == status)
        if not periods.open:
            query = query.where(periods.period_condition(db, DataValue.period))
        query = query.order_by(
            DataValue.unit_code, DataValue.element_code, DataValue.period, DataValue.disaggregation
        )
        rows, total = paginate(db, query, paging)
        return page_of([value_json(r[0]) for r in rows], total, paging)

    return cached_json(request, db, user, build)


#: Store births the plausibility rule would refuse (:mod:`chitieu.reporting.plausibility`).
Confirm = Annotated[bool, Query(description="Confirm implausible births (e.g. no girl).")]


@router.post("/datavalues", status_code=201, summary="Create one data value")
def create_value(
    body: ValueBody, user: CurrentUser, db: DB, confirm: Confirm = False
) -> dict[str, Any]:
    """Create a value; 409 if it exists (use PUT). Audited."""
    row, _ = save_value(
        db,
        user,
        body.key(),
        body.value,
        comment=body.comment,
        status=body.status,
        create_only=True,
        confirmed=confirm,
    )
    return value_json(row)


@router.put("/datavalues", summary="Create or update one data value")
def put_value(
    body: ValueBody, user: CurrentUser, db: DB, response: Response, confirm: Confirm = False
) -> dict[str, Any]:
    """Create the value or change it (``result``: created, updated or unchanged). A locked
    value, or locking one, needs the admin role. Audited."""
    row, result = save_value(
        db,
        user,
        body.key(),
        body.value,
        comment=body.comment,
        status=body.status,
        confirmed=confirm,
    )
    if result == "created":
        response.status_code = 201
    return {**value_json(row), "result": result}


@router.delete("/datavalues", summary="Delete one data value")
def remove_value(
    user: CurrentUser,
    db: DB,
    element: Annotated[str, Query()],
    unit: Annotated[str, Query()],
    period: Annotated[str, Query()],
    disaggregation: Annotated[str, Query()] = "default",
) -> dict[str, Any]:
    row = delete_value(db, user, ValueKey(element, unit, period, disaggregation))
    return {"deleted": value_json(row)}


@router.post("/datavalues/status", summary="Submit, lock or reopen a unit's report")
def change_status(body: StatusBody, user: CurrentUser, db: DB) -> dict[str, Any]:
    """Set the status of the unit's values for the period (only ``elements`` if given)."""
    changed = set_status(db, user, body.unit, body.period, body.status, body.elements)
    return {"unit": body.unit, "period": body.period, "status": body.status, "changed": changed}
