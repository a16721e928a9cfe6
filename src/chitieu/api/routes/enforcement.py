"""HTTP API for the facility register and the "where to inspect" view (inspections themselves
are at ``/api/inspections``, :mod:`chitieu.api.routes.inspections`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within, require_role
from chitieu.api.params import Paging, paginate_list
from chitieu.auth.users import Principal
from chitieu.enforcement.ranking import YEARS_NOT_INSPECTED, excess_ranking
from chitieu.enforcement.register import facility_register, register_facility
from chitieu.store.models import Unit

router = APIRouter(tags=["enforcement"])


@router.get("/enforcement/register", summary="Facilities offering ultrasound or obstetrics")
def register(
    user: CurrentUser,
    db: DB,
    paging: Paging,
    unit: Annotated[str | None, Query(description="Unit (with everything below it).")] = None,
    ownership: Annotated[str | None, Query(pattern="^(public|private)$")] = None,
) -> dict[str, Any]:
    """The register within the unit (default your unit), public and private."""
    scope = ensure_within(user, unit or user.unit_code, db)
    found = facility_register(db, scope.code, ownership=ownership)
    return paginate_list([f.to_dict() for f in found], paging)


class FacilityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=300)
    unit_code: str
    kind: str = "clinic"
    ownership: str = "private"
    offers_ultrasound: bool = True
    offers_obstetrics: bool = False
    beds: int | None = Field(None, ge=0)


@router.post("/enforcement/register", status_code=201, summary="Add a facility to the register")
def add_facility(
    body: FacilityBody,
    user: Annotated[Principal, Depends(require_role("admin", "analyst"))],
    db: DB,
) -> dict[str, Any]:
    """Register a facility within your unit (analyst or admin; audited). A duplicate code,
    unknown unit, kind or ownership answers 422 with the field and reason."""
    if db.get(Unit, body.unit_code) is not None:
        ensure_within(user, body.unit_code, db)
    code = register_facility(db, body.model_dump(), actor=user.username)
    return {"code": code}


@router.get("/enforcement/ranking", summary="Excess ranking beside inspection history")
def ranking(
    user: CurrentUser,
    db: DB,
    paging: Paging,
    unit: Annotated[str | None, Query(description="A province: its communes are ranked.")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Last year of births.")] = None,
    years_not_inspected: Annotated[int, Query(ge=0, le=50)] = YEARS_NOT_INSPECTED,
) -> dict[str, Any]:
    """Units below ``unit`` by the evidence of an excess sex ratio at birth (the change model's
    P(excess) and expected excess boys over the pooled years, never raw SRB), each with its
    inspections: high excess and not inspected in ``years_not_inspected`` years first;
    ``window``: the years of births pooled."""
    scope = ensure_within(user, unit or user.unit_code, db)
    today = date.today()
    ranked = excess_ranking(
        db,
        scope.code,
        until_year=year or today.year - 1,
        as_of=today,
        years_not_inspected=years_not_inspected,
    )
    page = paginate_list([r.to_dict() for r in ranked.rows], paging)
    return page | {"window": {"first_year": ranked.first_year, "last_year": ranked.last_year}}
