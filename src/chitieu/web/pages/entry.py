"""Data entry: the monthly commune report (births by sex and birth order, activities held).

Flow: the commune saves a *draft*, then *submits* (the values count from then on and the form
closes for the commune); the province — an analyst or admin whose unit lies above the
commune — can *reopen* a submitted report (back to draft) and an admin can *lock* it or reopen
a locked one. The report is saved, reopened and locked through :mod:`chitieu.reporting.reports`
(every value through :func:`chitieu.reporting.values.save_value`), so the form and the API obey
the same scope, lock and validation rules and every change is audited. A refused post (scope,
CSRF, a broken rule) writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from chitieu.api.db import DB
from chitieu.api.deps import ensure_within
from chitieu.api.errors import ApiError
from chitieu.auth.users import Principal
from chitieu.births.reconcile import commune_months
from chitieu.catalog.clock import vietnam_today
from chitieu.catalog.periods import PeriodType, months_later, parse_period, period_of_day
from chitieu.reporting.form import (
    SRB_CHECK_MIN_BIRTHS,
    SRB_PLAUSIBLE,
    CheckedReport,
    check_report,
)
from chitieu.reporting.monthly_report import (
    ACTIVITY_FIELDS,
    BIRTH_FIELDS,
)
from chitieu.reporting.reports import (
    EDITABLE,
    change_status,
    is_province,
    report_state,
    save_report,
    stored_fields,
)
from chitieu.reporting.state import (
    DEADLINE_DAY,
    deadline,
    report_states,
)
from chitieu.units.queries import UnitInfo, list_units
from chitieu.web.deps import PageUser
from chitieu.web.templating import render

router = APIRouter(include_in_schema=False)
ACTIONS = ("save", "submit", "reopen", "lock")


def previous_month(today: date | None = None) -> str:
    """The month a commune usually reports now (the one just ended), as ``YYYYMM``."""
    this_month = period_of_day(PeriodType.MONTHLY, today or vietnam_today())
    return months_later(this_month, -1).code


def _check_period(period: str) -> str:
    """``period`` if it is a month written ``YYYYMM`` (from 2000) that has started; else 422."""
    try:
        month = parse_period(period)
    except ValueError:
        month = None
    if (
        month is None
        or month.type is not PeriodType.MONTHLY
        or month.code != period
        or month.start.year < 2000
    ):
        raise ApiError(422, f"period {period!r}: a month is written YYYYMM, e.g. 202501")
    if month.start > vietnam_today():
        raise ApiError(422, f"period {period!r} has not started yet")
    return period


def _shift(period: str, months: int) -> str:
    return months_later(parse_period(period), months).code


def _next_period(period: str) -> str | None:
    """The month after ``period``, if it has started (Vietnam time)."""
    following = _shift(period, 1)
    return following if following <= f"{vietnam_today():%Y%m}" else None


def _commune(db: Session, user: Principal, unit: str) -> UnitInfo:
    info = ensure_within(user, unit, db)  # 404 unknown, 403 outside the user's unit
    if info.level != "commune":
        raise ApiError(404, f"{info.name} is not a commune: reports are entered per commune")
    return info


def _form_page(
    request: Request,
    db: Session,
    user: Principal,
    commune: UnitInfo,
    period: str,
    *,
    values: dict[str, str] | None = None,
    checked: CheckedReport | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    state = report_state(db, commune.code, period)
    editable = state.status in EDITABLE
    context = {
        "commune": commune,
        "period": period,
        "month": int(period[4:]),
        "year": int(period[:4]),
        "prev_period": _shift(period, -1),
        "next_period": _next_period(period),
        "state": state,
        "editable": editable,
        "province": is_province(user, commune),
        "values": values if values is not None else stored_fields(db, commune.code, period),
        "birth_fields": BIRTH_FIELDS,
        "activity_fields": ACTIVITY_FIELDS,
        "checked": checked,
        "errors": {i.field: i for i in checked.errors} if checked else {},
        "notice": notice,
        "deadline": deadline(period),
        "deadline_day": DEADLINE_DAY,
        "srb_rule": {
            "min": SRB_CHECK_MIN_BIRTHS,
            "low": SRB_PLAUSIBLE[0],
            "high": SRB_PLAUSIBLE[1],
        },
    }
    return render(request, "entry_form.html", context, user=user, status_code=status_code)


@router.get("/entry")
def entry_home(
    request: Request,
    user: PageUser,
    db: DB,
    unit: str | None = None,
    period: str | None = None,
) -> Response:
    """A commune officer goes to their form for the month just ended; the province sees its
    communes' reports for a month, with their status."""
    period = _check_period(period or previous_month())
    info = ensure_within(user, unit or user.unit_code, db)
    if info.level == "commune":
        return RedirectResponse(f"/entry/{info.code}/{period}", status_code=303)
    differing = []
    if info.level == "country":
        rows, states = list_units(db, info.code), {}
    else:
        rows = list_units(db, info.code)
        states = report_states(db, [u.code for u in rows], [period])
        month = (int(period[:4]), int(period[4:]))
        differing = [
            m
            for m in commune_months(db, info.path, [month[0]])
            if (m.year, m.month) == month and m.differs
        ]
    context = {
        "unit": info,
        "period": period,
        "prev_period": _shift(period, -1),
        "next_period": _next_period(period),
        "rows": rows,
        "states": {code: s for (code, _), s in states.items()},
        "deadline": deadline(period),
        "differing": differing,
        "names": {u.code: u.name for u in rows},
    }
    return render(request, "entry_list.html", context, user=user)


@router.get("/entry/{unit}/{period}")
def entry_form(
    request: Request,
    user: PageUser,
    db: DB,
    unit: str,
    period: str,
    done: Annotated[Literal["saved", "submitted", "reopen", "lock"] | None, Query()] = None,
) -> Response:
    """The report form for one commune and month (read-only once submitted); ``done`` is the
    notice shown after a save or a submission."""
    commune = _commune(db, user, unit)
    return _form_page(request, db, user, commune, _check_period(period), notice=done)


async def posted_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (Starlette keeps the parsed form, so reading it here and in
    the CSRF check parses it once)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/entry/{unit}/{period}")
def entry_post(
    request: Request,
    user: PageUser,
    db: DB,
    unit: str,
    period: str,
    posted: Annotated[dict[str, str], Depends(posted_fields)],
    action: Annotated[str, Form(max_length=16)] = "save",
) -> Response:
    """Save a draft, submit, reopen or lock (see the module docstring); then back to the form."""
    commune = _commune(db, user, unit)
    period = _check_period(period)
    if action not in ACTIONS:
        raise ApiError(422, f"unknown action {action!r}")
    if action in ("reopen", "lock"):
        change_status(db, user, commune, period, action)
        return RedirectResponse(f"/entry/{commune.code}/{period}?done={action}", status_code=303)

    if report_state(db, commune.code, period).status not in EDITABLE:
        return _form_page(
            request, db, user, commune, period, values=posted, notice="closed", status_code=409
        )
    checked = check_report(posted, submitting=action == "submit")
    if not checked.ok:
        return _form_page(
            request, db, user, commune, period, values=posted, checked=checked, status_code=422
        )
    save_report(db, user, commune, period, checked, submit=action == "submit")
    done = "submitted" if action == "submit" else "saved"
    return RedirectResponse(f"/entry/{commune.code}/{period}?done={done}", status_code=303)
