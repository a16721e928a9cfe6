"""HTTP API for the facility register and the "where to inspect" view (inspections themselves
are at ``/api/inspections``, :mod:`chitieu.api.routes.inspections`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from chitieu.api.cache import cached_json
from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within, require_role
from chitieu.api.params import Paging, paginate_list
from chitieu.auth.users import Principal
from chitieu.catalog.clock import vietnam_today
from chitieu.enforcement.campaign import (
    FacilityFilter,
    campaign,
    flagged_with_facilities,
    plan_inspections,
)
from chitieu.enforcement.impact import inspection_effect
from chitieu.enforcement.ranking import YEARS_NOT_INSPECTED, excess_ranking
from chitieu.enforcement.register import facility_register, register_facility
from chitieu.reports.campaign import render_campaign_pdf, render_campaign_xlsx
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
    request: Request,
    user: CurrentUser,
    db: DB,
    paging: Paging,
    unit: Annotated[str | None, Query(description="A province: its communes are ranked.")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Last year of births.")] = None,
    years_not_inspected: Annotated[int, Query(ge=0, le=50)] = YEARS_NOT_INSPECTED,
) -> Response:
    """Units below ``unit`` by the evidence of an excess sex ratio at birth (the change model's
    P(excess) and expected excess boys over the pooled years, never raw SRB), each with its
    inspections: high excess and not inspected in ``years_not_inspected`` years first;
    ``window``: the years of births pooled. Kept until the data of ``unit`` change."""
    scope = ensure_within(user, unit or user.unit_code, db)
    today = date.today()

    def build(db: Session) -> dict[str, Any]:
        ranked = excess_ranking(
            db,
            scope.code,
            until_year=year or today.year - 1,
            as_of=today,
            years_not_inspected=years_not_inspected,
        )
        page = paginate_list([r.to_dict() for r in ranked.rows], paging)
        window = {"first_year": ranked.first_year, "last_year": ranked.last_year}
        return page | {"window": window}

    return cached_json(request, db, user, build, unit_path=scope.path, extra=today)


@router.get("/enforcement/flagged", summary="Flagged communes with the facilities around them")
def flagged(
    user: CurrentUser,
    db: DB,
    unit: Annotated[str | None, Query(description="Unit whose communes are ranked.")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Last year of births.")] = None,
    kind: Annotated[list[str] | None, Query(description="Facility kinds (repeatable).")] = None,
    ownership: Annotated[str | None, Query(description="public or private.")] = None,
    min_years: Annotated[
        float | None, Query(description="At least this many years since the last inspection.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Communes the excess model flags (P(excess) ≥ 0.5), in the ranking's order, each with
    its P(excess), onset and expected excess boys, and the facilities that can reveal fetal sex
    (ultrasound or obstetrics) in the commune first, then in its province, each with its last
    inspection (findings, fine, suspension, commitment) and any planned one."""
    scope = ensure_within(user, unit or user.unit_code, db)
    today = vietnam_today()
    found = flagged_with_facilities(
        db,
        scope.code,
        until_year=year or today.year - 1,
        as_of=today,
        only=FacilityFilter(tuple(kind or ()), ownership, min_years),
        limit=limit,
    )
    return {"items": [f.to_dict() for f in found], "unit": scope.code}


class CampaignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_codes: list[str] = Field(min_length=1, max_length=500)
    planned_on: date
    unit: str | None = None
    flagged_unit_code: str | None = None


@router.post("/enforcement/campaign", status_code=201, summary="Add facilities to the campaign")
def add_to_campaign(
    body: CampaignBody,
    user: Annotated[Principal, Depends(require_role("admin", "analyst"))],
    db: DB,
) -> dict[str, Any]:
    """Plan inspections of facilities within your unit on ``planned_on`` (today or later);
    audited, all or nothing; a facility already planned that day is not added twice."""
    scope = ensure_within(user, body.unit or user.unit_code, db)
    ids = plan_inspections(
        db,
        scope.code,
        body.facility_codes,
        planned_on=body.planned_on,
        today=vietnam_today(),
        actor=user.username,
        flagged_unit_code=body.flagged_unit_code,
    )
    return {"added": len(ids), "ids": ids}


@router.get("/enforcement/campaign", summary="The inspection campaign")
def campaign_list(
    user: CurrentUser,
    db: DB,
    unit: Annotated[str | None, Query()] = None,
    format: Annotated[str, Query(pattern="^(json|xlsx|pdf)$")] = "json",
    lang: Annotated[str, Query(pattern="^(vi|en)$")] = "vi",
) -> Any:
    """Planned inspections of facilities within the unit from today on, soonest first; as
    JSON, or for the inspection team as XLSX or PDF (Vietnamese by default)."""
    scope = ensure_within(user, unit or user.unit_code, db)
    today = vietnam_today()
    entries = campaign(db, scope.code, as_of=today)
    if format == "json":
        return {"items": [e.to_dict() for e in entries], "unit": scope.code}
    if format == "xlsx":
        data = render_campaign_xlsx(entries, scope.name, today, lang)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = render_campaign_pdf(entries, scope.name, today, lang)
        media = "application/pdf"
    name = f"dot-thanh-tra-{scope.code}-{today.isoformat()}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content=data, media_type=media, headers=headers)


@router.get("/enforcement/effect", summary="SRB before and after inspections, against peers")
def effect(
    user: CurrentUser,
    db: DB,
    unit: Annotated[str, Query(description="The inspected commune.")],
    year: Annotated[
        int | None, Query(ge=1990, le=2100, description="Inspection year (default: the last).")
    ] = None,
) -> dict[str, Any]:
    """The commune's SRB in the three years before and after the inspection year, each with its
    95 % interval, and the difference-in-differences (SRB points, 95 % prediction interval)
    against comparable communes of its province not inspected then, on the smoothed series;
    ``note_vi``/``note_en`` say that it is observational."""
    scope = ensure_within(user, unit, db)
    found = inspection_effect(db, scope.code, year=year, last_data_year=vietnam_today().year - 1)
    return found.to_dict()
