"""The analyst's path from a flagged commune to the inspection campaign: the flagged communes
with the facilities in and around them (filters by kind, ownership and years since the last
inspection), the form that puts the chosen ones on the campaign, and the campaign list with
its XLSX and PDF downloads (``/api/enforcement/campaign?format=…``).

    router    # /enforcement/flagged, /enforcement/campaign (GET and POST), /enforcement/effect
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from chitieu.api.db import DB
from chitieu.api.deps import ensure_within
from chitieu.api.errors import forbidden
from chitieu.catalog.clock import vietnam_today
from chitieu.enforcement.campaign import (
    FacilityFilter,
    campaign,
    flagged_with_facilities,
    plan_inspections,
)
from chitieu.enforcement.impact import inspection_effect
from chitieu.enforcement.register import FACILITY_KINDS
from chitieu.ingest.errors import ImportRefused
from chitieu.web.deps import PageOfUnit, PageUser, Saved, UnitCode
from chitieu.web.i18n import request_language
from chitieu.web.templating import render

router = APIRouter(include_in_schema=False)


def _float(text: str | None) -> float | None:
    try:
        return None if not text else float(text)
    except ValueError:
        return None


@router.get("/enforcement/flagged")
def flagged_page(page: PageOfUnit) -> Response:
    """Flagged communes, each with the facilities that can reveal fetal sex around it."""
    info = page.unit_info()
    today = vietnam_today()
    params = page.request.query_params
    only = FacilityFilter(
        kinds=tuple(k for k in params.getlist("kind") if k),
        ownership=params.get("ownership") or None,
        min_years=_float(params.get("min_years")),
    )
    error = params.get("error")
    try:
        found = flagged_with_facilities(
            page.db, info.code, until_year=page.year or today.year - 1, as_of=today, only=only
        )
    except ImportRefused as exc:
        found, error = [], exc.summary(lang=page.lang, what="change")
    context: dict[str, Any] = {
        "unit": info,
        "found": found,
        "only": only,
        "kinds": FACILITY_KINDS,
        "error": error,
        "may_plan": page.user.role in ("admin", "analyst"),
        **page.figures(),
        "min_day": today.isoformat(),
        "default_day": (today + timedelta(days=14)).isoformat(),
    }
    return page.render("plans/flagged.html", context)


@router.post("/enforcement/campaign")
async def post_campaign(request: Request, user: PageUser, db: DB) -> Response:
    """ "Add to the inspection campaign": planned inspections of the ticked facilities."""
    if user.role not in ("admin", "analyst"):
        raise forbidden("only analysts and administrators plan inspections")
    form = await request.form()
    info = ensure_within(user, str(form.get("unit") or user.unit_code), db)
    codes = [str(c) for c in form.getlist("facility_code")]
    flagged = str(form.get("flagged_unit_code") or "") or None
    try:
        planned_on = date.fromisoformat(str(form.get("planned_on") or ""))
    except ValueError:
        planned_on = date.min  # refused below as a date in the past
    try:
        ids = plan_inspections(
            db,
            info.code,
            codes,
            planned_on=planned_on,
            today=vietnam_today(),
            actor=user.username,
            flagged_unit_code=flagged,
        )
    except ImportRefused as exc:
        db.rollback()
        reasons = quote(exc.summary(lang=request_language(request), what="change"))
        back = f"/enforcement/flagged?unit={quote(info.code)}&error={reasons}"
        return RedirectResponse(back, status_code=303)
    return RedirectResponse(
        f"/enforcement/campaign?{urlencode({'unit': info.code, 'saved': len(ids)})}",
        status_code=303,
    )


@router.get("/enforcement/campaign")
def campaign_page(
    request: Request, user: PageUser, db: DB, unit: UnitCode = None, saved: Saved = None
) -> Response:
    """The campaign: planned inspections from today on, with the downloads."""
    lang = request_language(request)
    info = ensure_within(user, unit or user.unit_code, db)
    entries = campaign(db, info.code, as_of=vietnam_today())
    context: dict[str, Any] = {
        "unit": info,
        "entries": entries,
        "saved": saved,
        "download": lambda fmt: (
            "/api/enforcement/campaign?"
            + urlencode({"unit": info.code, "format": fmt, "lang": lang})
        ),
    }
    return render(request, "plans/campaign.html", context, user=user)


@router.get("/enforcement/effect")
def effect_page(page: PageOfUnit) -> Response:
    """Did it work? The commune's SRB before and after its inspection, against its peers."""
    info = page.unit_info()
    found, error = None, None
    last_data_year = vietnam_today().year - 1
    try:
        found = inspection_effect(page.db, info.code, year=page.year, last_data_year=last_data_year)
    except ImportRefused as exc:
        error = exc.summary(lang=page.lang, what="change")
    context: dict[str, Any] = {"unit": info, "found": found, "error": error, **page.figures()}
    return page.render("plans/effect.html", context)
