"""Pages for plans: the target scorecard with the report download, tasks and who has reported
(with the activity form), the national scorecard, and enforcement (where to inspect, the
register, recording an inspection).

    router    # include in the web app: /plans, /plans/{code}, /scorecard, /enforcement

Every figure comes from the functions the API calls (:func:`evaluate_targets`,
:func:`reporting_status`, :func:`excess_beside_inspections`…); the pages only lay them out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.api.db import DB
from chitieu.api.deps import ensure_within
from chitieu.api.errors import forbidden
from chitieu.auth.users import Principal
from chitieu.catalog.clock import vietnam_today
from chitieu.enforcement.inspections import list_inspections, record_inspections
from chitieu.enforcement.ranking import excess_ranking
from chitieu.enforcement.register import facility_register
from chitieu.ingest.errors import ImportRefused
from chitieu.plans.activities import (
    ACTIVITY_KINDS,
    COMMUNE_REPORTER,
    record_activities,
    reporting_bodies,
)
from chitieu.plans.tracking import reporting_status
from chitieu.plans.visibility import related_units, visible_cells, visible_plan
from chitieu.reports.build import plan_tasks
from chitieu.reports.i18n import fmt_interval, fmt_number, fmt_percent, fmt_signed
from chitieu.reports.tables import drift_text, goal_text, provisional_text, status_label
from chitieu.store.models import Body, Facility, Plan, PlanBody, Unit
from chitieu.targets.binding import notes
from chitieu.targets.provenance import uses_synthetic_data
from chitieu.targets.rules import rules_text
from chitieu.targets.scorecard import NATIONAL, national_scorecard
from chitieu.targets.service import evaluate_targets
from chitieu.units.queries import in_subtree
from chitieu.web.deps import PageOfUnit, PageUser, Saved, Year
from chitieu.web.i18n import request_language
from chitieu.web.templating import render

router = APIRouter(include_in_schema=False)


def _unit_choices(db: Session, user: Principal, plan: Plan) -> list[tuple[str, str]]:
    """The plan's unit and the communes below it, those the user covers, the plan's first."""
    rows = db.execute(
        select(Unit.code, Unit.name, Unit.path)
        .where(in_subtree(_path(db, plan.unit_code)))
        .order_by(Unit.path != _path(db, plan.unit_code), Unit.code)
    ).all()
    return [(c, n) for c, n, p in rows if user.covers(p)]


@router.get("/plans")
def plans_page(request: Request, user: PageUser, db: DB) -> Response:
    rows = db.execute(
        select(Plan, Unit.name)
        .join(Unit, Unit.code == Plan.unit_code)
        .where(related_units(user))
        .order_by(Plan.code)
    ).all()
    return render(request, "plans/list.html", {"plans": rows}, user=user)


def _evaluation_rows(evaluations: list[Any], lang: str) -> list[dict[str, Any]]:
    out = []
    for e in evaluations:
        digits = 0 if e.kind == "missing_births" else 1
        latest = e.latest
        out.append(
            {
                "e": e,
                "status": status_label(e.status, lang),
                "goal": goal_text(e, lang),
                "latest": fmt_number(latest.value, digits, lang) if latest else "–",
                "interval": fmt_interval(latest.lower, latest.upper, digits, lang)
                if latest
                else "",
                "year": latest.year if latest else "",
                "prob": fmt_percent(e.prob_target_met),
                "prob_pct": round(100 * e.prob_target_met) if e.prob_target_met is not None else 0,
                "needed": fmt_signed(e.required_annual_change, 2, lang),
                "observed": drift_text(e, lang),
                "notes": [t for t in (provisional_text(e, lang), *notes(e, lang)) if t],
            }
        )
    return out


@router.get("/plans/{code}")
def plan_page(code: str, page: PageOfUnit, saved: Saved = None) -> Response:
    """A plan: its targets evaluated for the unit, the report download, tasks, reporting."""
    user, db, lang = page.user, page.db, page.lang
    plan = visible_plan(db, user, code)
    default_unit = plan.unit_code if user.covers(_path(db, plan.unit_code)) else user.unit_code
    info = page.unit_info(default_unit)
    year = page.year or vietnam_today().year
    report_year = min(max(year, plan.start_year), plan.end_year)
    evaluations = evaluate_targets(db, plan_code=code, unit_code=info.code, until_year=year)
    status = reporting_status(db, code, as_of=vietnam_today(), year=report_year)
    counts = status.counts()
    names = {b.code: (b.name_vi, b.name_en) for b in db.scalars(select(Body))}
    bodies = db.execute(
        select(Body.code, Body.name_vi, Body.name_en)
        .join(PlanBody, PlanBody.body_code == Body.code)
        .where(PlanBody.plan_code == code)
        .order_by(PlanBody.position)
    ).all()
    context = {
        "plan": plan,
        "unit": info,
        "year": year,
        "report_year": report_year,
        "rows": _evaluation_rows(evaluations, lang),
        "rules": rules_text(lang),
        "synthetic": uses_synthetic_data(db, info.code),
        "tasks": plan_tasks(db, code, names),
        "periods": status.periods,
        "counts": counts,
        "overdue": visible_cells(db, user, plan, status.overdue()),
        "bodies": bodies,
        "units": _unit_choices(db, user, plan),
        "activities": ACTIVITY_KINDS,
        "commune_reporter": COMMUNE_REPORTER,
        "saved": saved,
        "error": page.request.query_params.get("error"),
    }
    return page.render("plans/plan.html", context)


def _reasons(exc: ImportRefused, request: Request) -> str:
    """The refusal's reasons, in the page's language where the check gives one, for a redirect
    URL (shown on the page as text, escaped there)."""
    vi = request_language(request) == "vi"
    return quote(
        "; ".join(f"{e.column}: {(e.reason_vi if vi else None) or e.reason}" for e in exc.errors)
    )


def _path(db: Session, code: str) -> str:
    """The unit path of a unit code (bodies report at the plan's unit: their code is no unit,
    so they map to the empty path, covered by nobody but the country)."""
    return db.scalar(select(Unit.path).where(Unit.code == code)) or "VN"


@router.post("/plans/{code}/activities")
async def post_activity(code: str, request: Request, user: PageUser, db: DB) -> Response:
    """The activity form: one row, validated like the API (row, column, reason)."""
    form = await request.form()
    visible_plan(db, user, code)
    row = {k: form.get(k) for k in ("reporter", "unit_code", "period", "activity", "value")}
    row |= {"plan_code": code, "task_code": form.get("task_code") or None}
    if db.get(Unit, str(row["unit_code"])) is not None:
        ensure_within(user, str(row["unit_code"]), db)
    try:
        record_activities(
            db, [row], actor=user.username, bodies=reporting_bodies(db, user.username)
        )
    except ImportRefused as exc:
        db.rollback()
        return RedirectResponse(f"/plans/{code}?error={_reasons(exc, request)}", status_code=303)
    return RedirectResponse(f"/plans/{code}?saved=1", status_code=303)


@router.get("/scorecard")
def scorecard_page(
    request: Request,
    user: PageUser,
    db: DB,
    year: Year = None,
) -> Response:
    card = national_scorecard(db, NATIONAL, years=[year] if year else None)
    return render(
        request,
        "plans/scorecard.html",
        {"card": card, "summaries": {y: card.summary(y) for y in card.years}},
        user=user,
    )


@router.get("/enforcement")
def enforcement_page(page: PageOfUnit, saved: Saved = None) -> Response:
    """Where to inspect (excess beside history), the register, recent inspections, the form."""
    user, db = page.user, page.db
    info = page.unit_info()
    today = vietnam_today()
    ranking, window = [], ""
    if info.level != "commune":
        until = page.year or today.year - 1
        ranked = excess_ranking(db, info.code, until_year=until, as_of=today)
        ranking, window = [r for r in ranked.rows if r.p_excess is not None], ranked.window
    context = {
        "unit": info,
        "ranking": ranking[:30],
        "window": window,
        "register": facility_register(db, info.code),
        "recent": list_inspections(db, info.code)[:20],
        "may_record": user.role in ("admin", "analyst"),
        "saved": saved,
        "error": page.request.query_params.get("error"),
        "synthetic": uses_synthetic_data(db, info.code),
        **page.figures(),
        "today": today.isoformat(),
    }
    return page.render("plans/enforcement.html", context)


@router.post("/enforcement/inspections")
async def post_inspection(request: Request, user: PageUser, db: DB) -> Response:
    """The inspection form (analysts and administrators, facilities within their unit)."""
    if user.role not in ("admin", "analyst"):
        raise forbidden("only analysts and administrators record inspections")
    form = await request.form()
    data: dict[str, Any] = {
        k: form.get(k) for k in ("facility_code", "inspected_on", "team", "findings", "fine_vnd")
    }
    for flag in ("violation", "suspended", "commitment_signed"):
        data[flag] = form.get(flag) == "on"
    unit_code = db.scalar(select(Facility.unit_code).where(Facility.code == data["facility_code"]))
    if unit_code is not None:
        ensure_within(user, unit_code, db, facility=str(data["facility_code"]))
    back = f"/enforcement?unit={quote(str(form.get('unit') or user.unit_code))}"
    try:
        outcomes = record_inspections(db, [data], actor=user.username)
    except ImportRefused as exc:
        db.rollback()
        return RedirectResponse(f"{back}&error={_reasons(exc, request)}", status_code=303)
    return RedirectResponse(f"{back}&saved={int(outcomes[0].created)}", status_code=303)
