"""DHIS2's ``/api/dataValues``: one data value read, saved or deleted by the identifiers in the
query (``de``, ``pe``, ``ou``, ``co``), as DHIS2's data entry and scripts call it
(:mod:`chitieu.exchange.single_value`). Answers as DHIS2 does: 201 saved, 204 deleted, the value
as a list of one text, 200 for a follow-up flag set; 409 with DHIS2's WebMessage otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from chitieu.api.deps import CurrentUser
from chitieu.api.errors import ApiError, error_body
from chitieu.api.routes.dhis2 import AppEngine
from chitieu.exchange.single_value import (
    Refused,
    ValueName,
    delete_value,
    read_value,
    save_value,
)
from chitieu.exchange.translate import NO_ATTRIBUTES
from chitieu.reporting.periods import Editor

router = APIRouter(tags=["DHIS2"])

Text = Annotated[str | None, Query()]


def _name(
    de: Annotated[str, Query(description="Data element (UID or code)")],
    pe: Annotated[str, Query(description="Period, e.g. 202501")],
    ou: Annotated[str, Query(description="Organisation unit (UID or code)")],
    co: Annotated[str | None, Query(description="Category option combo")] = None,
    cc: Annotated[str | None, Query(description="Attribute combo (only the default)")] = None,
    cp: Annotated[str | None, Query(description="Attribute options (only the default)")] = None,
) -> ValueName:
    if cc or cp:
        raise ApiError(409, NO_ATTRIBUTES, code="conflict")
    return ValueName(de, pe, ou, co)


Name = Annotated[ValueName, Depends(_name)]


def _conflict(refused: Refused) -> JSONResponse:
    c = refused.conflict
    body = error_body("conflict", c.value, [c.to_dict()], 409)
    if c.error_code:
        body["errorCode"] = c.error_code
    return JSONResponse(body, status_code=409)


@router.get("/dataValues", summary="One data value (DHIS2)")
async def get_data_value(name: Name, user: CurrentUser, engine: AppEngine) -> Response:
    """The stored value as a list of one text (``["12"]``), as DHIS2 answers; 409 when none."""
    try:
        item = await run_in_threadpool(read_value, engine, name, allowed_unit=user.unit_code)
    except Refused as refused:
        return _conflict(refused)
    return JSONResponse([item["value"]], headers={"Cache-Control": "no-store"})


async def _write(
    status: int, write: Callable[..., Any], user: Any, *args: Any, **kw: Any
) -> Response:
    """Run ``write`` as ``user`` (the actor, the scope, the role's rules): ``status`` with no
    body, or 409 with the refusal."""
    who = {"actor": user.username, "allowed_unit": user.unit_code, "editor": Editor(user.role)}
    try:
        await run_in_threadpool(write, *args, **kw, **who)
    except Refused as refused:
        return _conflict(refused)
    return Response(status_code=status)


@router.post("/dataValues", status_code=201, summary="Save one data value (DHIS2)")
async def post_data_value(
    name: Name,
    user: CurrentUser,
    engine: AppEngine,
    value: Text = None,
    comment: Text = None,
    followUp: Annotated[bool | None, Query()] = None,
) -> Response:
    """Save the value (``value``), its comment or its follow-up flag; an empty value clears
    it (chitieu deletes it, kept among the deleted values). 201 with no body, as DHIS2."""
    changes = {"value": value, "comment": comment, "followup": followUp}
    return await _write(201, save_value, user, engine, name, **changes)


@router.delete("/dataValues", status_code=204, summary="Delete one data value (DHIS2)")
async def delete_data_value(name: Name, user: CurrentUser, engine: AppEngine) -> Response:
    """Delete the value (kept among the deleted values); 409 when there is none."""
    return await _write(204, delete_value, user, engine, name)


class FollowUp(BaseModel):
    """DHIS2's follow-up request: the value's identifiers and the flag."""

    model_config = ConfigDict(extra="ignore")

    dataElement: str
    period: str
    orgUnit: str
    categoryOptionCombo: str | None = None
    attributeOptionCombo: str | None = None
    followup: bool


@router.put("/dataValues/followup", summary="Mark one data value for follow-up (DHIS2)")
async def put_follow_up(body: FollowUp, user: CurrentUser, engine: AppEngine) -> Response:
    """Set the follow-up flag of a stored value; 409 when there is none."""
    name = ValueName(
        body.dataElement,
        body.period,
        body.orgUnit,
        body.categoryOptionCombo,
        body.attributeOptionCombo,
    )
    return await _write(200, save_value, user, engine, name, value=None, followup=body.followup)
