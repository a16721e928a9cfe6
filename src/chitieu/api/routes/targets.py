"""HTTP API for targets with their evaluated status, the national scorecard, and the periodic
report download.

A target is evaluated for the unit asked (within the caller's unit); without one, for the
target's own unit when the caller covers it, else for the caller's own unit (a commune sees the
city's target applied to itself).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.api.cache import cached_json
from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within, require_role
from chitieu.api.errors import ApiError, forbidden
from chitieu.api.params import Paging, paginate_list
from chitieu.api.scope import unit_path
from chitieu.auth.users import Principal
from chitieu.catalog.clock import vietnam_today
from chitieu.plans.visibility import related_units, visible_plan
from chitieu.reports import FORMATS, build_plan_report, render_report, report_filename
from chitieu.store.models import Target, Unit
from chitieu.targets.rules import rules_text
from chitieu.targets.scorecard import (
    NATIONAL,
    national_scorecard,
    set_scorecard_result,
    set_scorecard_target,
)
from chitieu.targets.service import evaluate_pairs
from chitieu.units import COUNTRY_CODE
from chitieu.units.queries import get_unit

router = APIRouter(tags=["targets and scorecard"])

Year = Annotated[
    int | None, Query(ge=1990, le=2100, description="Use data up to this year (default: all).")
]


def _evaluations(
    db: DB,
    user: Principal,
    *,
    plan: str | None,
    unit: str | None,
    indicator: str | None,
    year: int | None,
    with_series: bool,
) -> list[dict[str, Any]]:
    if plan is not None:
        visible_plan(db, user, plan)
    if unit is not None:
        ensure_within(user, unit, db)
    query = (
        select(Target, Unit.path)
        .join(Unit, Unit.code == Target.unit_code)
        .where(related_units(user))
        .order_by(Target.plan_code, Target.id)
    )
    if plan is not None:
        query = query.where(Target.plan_code == plan)
    if indicator is not None:
        query = query.where(Target.indicator_code == indicator)
    pairs = [
        (t, unit or (t.unit_code if user.covers(path) else user.unit_code))
        for t, path in db.execute(query).all()
    ]
    evaluations = evaluate_pairs(db, pairs, until_year=year)
    return [e.to_dict(with_series=with_series) for e in evaluations]


@router.get("/targets/status", summary="Targets with their evaluated status")
def targets_status(
    request: Request,
    user: CurrentUser,
    db: DB,
    plan: Annotated[str | None, Query(description="Plan code.")] = None,
    unit: Annotated[str | None, Query(description="Evaluate for this unit.")] = None,
    indicator: Annotated[str | None, Query(description="Indicator code.")] = None,
    year: Year = None,
    series: Annotated[bool, Query(description="Include the yearly series.")] = False,
) -> Response:
    """Each target's latest value with its 95 % interval, P(met by its year), the change per
    year still needed and observed, and its status (``rules`` states how it is decided). The
    periodic report and the dashboard print these same figures. Kept until the data of the
    unit evaluated (default: your unit) change."""

    def build(db: Session) -> dict[str, Any]:
        items = _evaluations(
            db, user, plan=plan, unit=unit, indicator=indicator, year=year, with_series=series
        )
        return {"items": items, "rules": {"vi": rules_text("vi"), "en": rules_text("en")}}

    path = unit_path(db, unit) if unit else None
    today = vietnam_today()
    return cached_json(request, db, user, build, unit_path=path or user.unit_path, extra=today)


@router.get("/targets", summary="List targets with their status")
def targets(
    user: CurrentUser,
    db: DB,
    paging: Paging,
    plan: Annotated[str | None, Query(description="Plan code.")] = None,
    unit: Annotated[str | None, Query(description="Evaluate for this unit.")] = None,
    indicator: Annotated[str | None, Query(description="Indicator code.")] = None,
    year: Year = None,
) -> dict[str, Any]:
    """:func:`targets_status` as a paginated list (``items, total, page, page_size``)."""
    items = _evaluations(
        db, user, plan=plan, unit=unit, indicator=indicator, year=year, with_series=False
    )
    return paginate_list(items, paging)


# --- national scorecard -------------------------------------------------------------------


@router.get("/scorecard", summary="The national ten-target scorecard")
def scorecard(
    user: CurrentUser,
    db: DB,
    code: Annotated[str, Query(alias="scorecard", description="Scorecard code.")] = NATIONAL,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Only this year.")] = None,
) -> dict[str, Any]:
    """Per year, each target's value and whether it was met (officially stated, or derived from
    value and target); placeholders mark slots the sources do not fill."""
    return national_scorecard(db, code, years=[year] if year else None).to_dict()


class ScorecardTargetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_vi: str | None = Field(None, min_length=1)
    name_en: str | None = Field(None, min_length=1)
    indicator_code: str | None = None
    assigned_by: str | None = None
    legal_basis: str | None = None
    direction: str | None = None
    unit_label: str | None = None
    source: str | None = None


class ScorecardResultBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_value: float | None = None
    value: float | None = None
    met: bool | None = None
    source: str | None = None


Admin = Annotated[Principal, Depends(require_role("admin"))]


def national_admin(user: Admin) -> Principal:
    """The national scorecard is the country's: only an admin whose unit is the country
    changes it (a province's admin reads it like everyone)."""
    if user.unit_code != COUNTRY_CODE:
        raise forbidden(
            "chỉ quản trị cấp quốc gia sửa được bảng chỉ tiêu quốc gia / only a national admin "
            "can change the national scorecard"
        )
    return user


NationalAdmin = Annotated[Principal, Depends(national_admin)]


@router.put("/scorecard/{scorecard}/targets/{code}", summary="Fill a scorecard target")
def put_scorecard_target(
    scorecard: str, code: str, body: ScorecardTargetBody, user: NationalAdmin, db: DB
) -> dict[str, Any]:
    """Create or amend a target of the scorecard (administrators; audited). Unknown indicator
    or direction: 422."""
    return set_scorecard_target(
        db, scorecard, code, body.model_dump(exclude_unset=True), actor=user.username
    )


@router.put("/scorecard/{scorecard}/targets/{code}/results/{year}", summary="Set a year's figures")
def put_scorecard_result(
    scorecard: str, code: str, year: int, body: ScorecardResultBody, user: NationalAdmin, db: DB
) -> dict[str, Any]:
    """Set the target, the value reached and the verdict of one year (administrators; audited)."""
    return set_scorecard_result(
        db, scorecard, code, year, body.model_dump(exclude_unset=True), actor=user.username
    )


# --- the periodic report ------------------------------------------------------------------


@router.get("/reports/{plan}", summary="Download the periodic report", response_model=None)
def report_download(
    plan: str,
    user: CurrentUser,
    db: DB,
    period: Annotated[int, Query(ge=1990, le=2100, description="The year reported on.")],
    unit: Annotated[str | None, Query(description="Report for this unit.")] = None,
    fmt: Annotated[str, Query(alias="format", pattern="^(pdf|xlsx|docx|html)$")] = "pdf",
    lang: Annotated[str, Query(pattern="^(vi|en)$")] = "vi",
) -> Response:
    """The plan's report for ``period`` as PDF, XLSX, DOCX or HTML (its figures are those of
    ``/api/targets/status?plan=…&unit=…&year=period``)."""
    found = visible_plan(db, user, plan)  # a plan outside the user's line: 403
    target_unit = ensure_within(user, unit or found.unit_code, db)
    plan_path = get_unit(db, found.unit_code).path
    if not (target_unit.path + "/").startswith(plan_path + "/"):
        raise ApiError(
            422, f"unit {target_unit.code} is not within the plan's unit {found.unit_code}"
        )
    try:
        content = build_plan_report(db, plan, period, unit_code=target_unit.code)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    data = render_report(content, fmt, lang)
    name = report_filename(plan, period, target_unit.code, fmt, lang)
    return Response(
        data,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
