"""A commune's monthly report as a whole: save it as a draft, submit it, reopen or lock it.

The rules every way of changing a report obeys, in one place:

* a report is *editable* while it is empty or a draft; once submitted (or locked) its figures
  change only after the province reopens it;
* reopening (back to draft) and locking are the province's acts: an analyst or admin whose
  unit lies above the commune; locking, and anything touching a locked value, needs the admin
  role (:func:`chitieu.reporting.values.set_status` checks that part);
* every figure is written through :func:`chitieu.reporting.values.save_value` (scope, lock,
  validation, audit); a figure left empty deletes the stored one.

Refusals are :mod:`chitieu.errors` domain errors.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.auth.users import Principal
from chitieu.errors import InvalidInput, NotAllowed, StateConflict
from chitieu.reporting.form import TOTAL_FIELD, CheckedReport
from chitieu.reporting.monthly_report import BIRTH_FIELDS, REPORT_ELEMENTS, STORED_FIELDS
from chitieu.reporting.state import ReportState, report_states
from chitieu.reporting.values import Status, ValueKey, delete_value, save_value, set_status
from chitieu.store.models import DataValue
from chitieu.units.queries import UnitInfo

#: The states in which a report's figures may be changed.
EDITABLE = ("empty", "draft")


def report_state(db: Session, unit: str, period: str) -> ReportState:
    """The state of ``unit``'s report for ``period`` (``empty`` when nothing is stored)."""
    return report_states(db, [unit], [period]).get((unit, period)) or ReportState(
        unit, period, "empty"
    )


def stored_fields(db: Session, unit: str, period: str) -> dict[str, str]:
    """The report's stored figures by form field, as the form shows them."""
    rows = db.execute(
        select(DataValue.element_code, DataValue.disaggregation, DataValue.value).where(
            DataValue.unit_code == unit,
            DataValue.period == period,
            DataValue.element_code.in_(REPORT_ELEMENTS),
        )
    ).all()
    by_key = {(e, d): v for e, d, v in rows}
    shown = {
        name: str(int(by_key[(el, dis)])) for name, el, dis in STORED_FIELDS if (el, dis) in by_key
    }
    # The total is typed to check the six birth cells and is not stored. Six cells saved
    # together with a typed total were saved only if it equalled their sum, so the form shows
    # their sum again and a saved draft can be submitted as it stands.
    if all(name in shown for name, _, _ in BIRTH_FIELDS):
        shown[TOTAL_FIELD] = str(sum(int(shown[name]) for name, _, _ in BIRTH_FIELDS))
    return shown


def is_province(user: Principal, commune: UnitInfo) -> bool:
    """An analyst or admin whose unit lies above the commune (not the commune itself)."""
    return user.role in ("analyst", "admin") and user.unit_code != commune.code


def change_status(
    db: Session,
    user: Principal,
    commune: UnitInfo,
    period: str,
    action: str,
) -> None:
    """``reopen`` (back to draft) or ``lock`` the commune's report for ``period``: NotAllowed
    unless the user is the province; StateConflict when there is no report."""
    if action not in ("reopen", "lock"):
        raise InvalidInput(f"unknown action {action!r}")
    if not is_province(user, commune):
        raise NotAllowed(
            "only the province (an analyst or admin above the commune) can do this",
            key="province_only",
        )
    if report_state(db, commune.code, period).status == "empty":
        raise StateConflict(
            "there is no report to reopen or lock for this month", key="no_report_to_reopen"
        )
    new: Status = "draft" if action == "reopen" else "locked"
    set_status(db, user, commune.code, period, new, list(REPORT_ELEMENTS))


def save_report(
    db: Session,
    user: Principal,
    commune: UnitInfo,
    period: str,
    checked: CheckedReport,
    *,
    submit: bool,
) -> None:
    """Write a checked form as the commune's report for ``period``: every filled figure saved
    as a draft, every emptied one deleted, then all submitted when ``submit``. StateConflict
    (code ``closed``) when the report is no longer editable."""
    if report_state(db, commune.code, period).status not in EDITABLE:
        raise StateConflict("the report is submitted: ask the province to reopen it", code="closed")
    # The figures are saved as a draft, then a submission sends the whole report at once (a
    # report whose every value is submitted is closed to the commune, so saving the figures
    # one by one as submitted would close it halfway).
    for element, disagg, value in checked.stored():
        save_value(
            db,
            user,
            ValueKey(element, commune.code, period, disagg),
            value,
            status="draft",
            confirmed=True,  # the form ran the same plausibility rule and asked the officer
        )
    emptied = [(el, dis) for name, el, dis in STORED_FIELDS if checked.values[name] is None]
    existing = set(stored_fields(db, commune.code, period))
    for name, el, dis in STORED_FIELDS:
        if (el, dis) in emptied and name in existing:
            delete_value(db, user, ValueKey(el, commune.code, period, dis))
    if submit:
        set_status(db, user, commune.code, period, "submitted", list(REPORT_ELEMENTS))
