"""Saving single data values (the API and the report form): scope, the lock rule, validation,
audit.

Validation is the import core's (:func:`chitieu.reporting.validate.plan_import`: the element,
its disaggregation, the unit and the caller's scope, the period, the value's type), so a
value typed into a form and one posted as a DHIS2 payload obey the same rules.

Status: ``draft`` → ``submitted`` → ``locked``. Who may change what in a period — a locked
period, a submitted monthly report — is :mod:`chitieu.reporting.periods`'s one policy; every
write first takes the period's row lock there, so what is read next is current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from chitieu.auth.users import Principal
from chitieu.catalog.periods import canonical_period
from chitieu.errors import DomainError, InvalidInput, NotAllowed, NotFound, StateConflict
from chitieu.reporting import summary as sm
from chitieu.reporting.periods import Editor, lock_periods, refusal, status_refusal
from chitieu.reporting.rollups import refresh_rollups
from chitieu.reporting.validate import ValueIn, plan_import
from chitieu.reporting.write import AUDITED_FIELDS
from chitieu.store.audit import record_change
from chitieu.store.models import DataValue, ReportPeriod, Unit

Status = Literal["draft", "submitted", "locked"]
STATUSES = ("draft", "submitted", "locked")


@dataclass(frozen=True, slots=True)
class ValueKey:
    element: str
    unit: str
    period: str
    disaggregation: str = "default"

    def audit_key(self, period: str | None = None) -> str:
        return f"{self.element}|{self.unit}|{period or self.period}|{self.disaggregation}"


def value_json(row: Any) -> dict[str, Any]:
    """A stored value (a ``DataValue`` or a row with its columns) as the API shows it."""
    return {
        "id": row.id,
        "element": row.element_code,
        "unit": row.unit_code,
        "period": row.period,
        "disaggregation": row.disaggregation,
        "value": row.value,
        "comment": row.comment,
        "stored_by": row.stored_by,
        "status": row.status,
        "synthetic": bool(row.synthetic),
        "created": row.created,
        "last_updated": row.last_updated,
    }


def _text(value: float | int | str) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_unit(db: Session, user: Principal, code: str) -> str:
    """The unit's path; InvalidInput for an unknown unit, NotAllowed for one outside the
    user's unit."""
    path = db.scalar(select(Unit.path).where(Unit.code == code))
    if path is None:
        raise InvalidInput(f"unknown unit {code!r}", details={"field": "unit", "value": code})
    if not user.covers(path):
        raise NotAllowed(f"unit {code} is outside your unit {user.unit_code}")
    return path


def _canonical(period: str) -> str:
    try:
        return canonical_period(period)
    except ValueError as exc:
        raise InvalidInput(str(exc), details={"field": "period", "value": period}) from None


def _refusal(conflicts: list[sm.Conflict]) -> DomainError:
    details = [c.to_dict() for c in conflicts]
    if any(c.error_code == sm.E_NOT_IN_HIERARCHY for c in conflicts):
        return NotAllowed(conflicts[0].value, details=details)
    if any(c.error_code == sm.E_LOCKED for c in conflicts):
        locked = next(c for c in conflicts if c.error_code == sm.E_LOCKED)
        return NotAllowed(locked.value, code="locked", details=details)
    return InvalidInput("; ".join(c.value for c in conflicts), details=details)


def _stored(db: Session, key: ValueKey, period: str) -> DataValue | None:
    """The stored row as now committed (never a stale copy the session kept)."""
    return db.scalar(
        select(DataValue)
        .where(
            DataValue.element_code == key.element,
            DataValue.unit_code == key.unit,
            DataValue.period == period,
            DataValue.disaggregation == key.disaggregation,
        )
        .execution_options(populate_existing=True)
    )


def _public(row: DataValue) -> dict[str, Any]:
    return {f: getattr(row, f) for f in AUDITED_FIELDS}


def _audit(
    db: Session,
    user: Principal,
    action: str,
    key: ValueKey,
    period: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Audit one change to the value ``key`` at ``period``, by ``user``."""
    record_change(
        db,
        actor=user.username,
        action=action,
        table=DataValue.__tablename__,
        key=key.audit_key(period),
        unit_code=key.unit,
        before=before,
        after=after,
    )
    refresh_rollups(db, [(key.unit, key.element, key.disaggregation, period)])


def save_value(
    db: Session,
    user: Principal,
    key: ValueKey,
    value: float | int | str,
    *,
    comment: str | None = None,
    status: Status = "submitted",
    create_only: bool = False,
    confirmed: bool = False,
) -> tuple[DataValue, str]:
    """Insert or update one value in the caller's transaction, audited; return the stored row
    and what happened (``created``, ``updated`` or ``unchanged``).

    NotAllowed outside the user's unit, or for a non-admin locking or touching a locked value
    (code ``locked``); StateConflict (code ``exists``) when ``create_only`` and the value exists;
    InvalidInput for anything invalid, implausible births included unless ``confirmed``
    (:mod:`chitieu.reporting.plausibility`)."""
    _check_unit(db, user, key.unit)
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    if status == "locked" and not user.is_admin:
        raise NotAllowed("only an admin can lock a value", code="locked")
    incoming = ValueIn(
        key.element,
        key.unit,
        key.period,
        key.disaggregation,
        _text(value),
        comment,
        user.username,
        location="body",
    )
    editor = Editor(user.role, confirm_implausible=confirmed)
    actions, conflicts = plan_import(db, [incoming], allowed_unit=user.unit_code, editor=editor)
    if conflicts:
        raise _refusal(conflicts)
    action = actions[0]
    if action.kind == "delete":  # only an empty value deletes; the body model forbids one
        raise InvalidInput("a value is required", details={"field": "value"})
    period = action.period
    row = _stored(db, key, period)
    if row is None:
        db.execute(
            insert(DataValue).values(
                element_code=key.element,
                unit_code=key.unit,
                period=period,
                disaggregation=key.disaggregation,
                value=action.number,
                comment=comment,
                stored_by=user.username,
                status=status,
            )
        )
        row = _stored(db, key, period)
        assert row is not None
        _audit(db, user, "insert", key, period, after=_public(row))
        return row, "created"
    if create_only:
        raise StateConflict(
            "the value exists already: use PUT to change it",
            code="exists",
            details={"id": row.id},
        )
    if status != row.status:
        (state,) = lock_periods(db, [(key.unit, period)]).values()
        why = refusal(state, key.element, editor) or status_refusal(
            state, status, editor, above=user.unit_code != key.unit
        )
        if why:
            raise NotAllowed(why, code="locked")
    before = _public(row)
    changes: dict[str, Any] = {}
    if action.kind == "update":
        changes["value"] = action.number
        if comment is not None:
            changes["comment"] = comment
    if status != row.status:
        changes["status"] = status
    if not changes:
        return row, "unchanged"
    changes["stored_by"] = user.username
    db.execute(update(DataValue).where(DataValue.id == row.id).values(**changes))
    db.refresh(row)
    _audit(db, user, "update", key, period, before, _public(row))
    return row, "updated"


def delete_value(db: Session, user: Principal, key: ValueKey) -> DataValue:
    """Delete one value, audited: NotFound if absent; NotAllowed outside scope, or locked for
    a non-admin."""
    _check_unit(db, user, key.unit)
    period = _canonical(key.period)
    (state,) = lock_periods(db, [(key.unit, period)]).values()
    row = _stored(db, key, period)
    if row is None:
        raise NotFound(f"no value {key.audit_key(period)}")
    why = refusal(state, key.element, Editor(user.role))
    if why is None and row.status == "locked" and not user.is_admin:
        why = "the value is locked: only an admin can delete it"
    if why:
        raise NotAllowed(why, code="locked")
    before = _public(row)
    db.execute(delete(DataValue).where(DataValue.id == row.id))
    _audit(db, user, "delete", key, period, before)
    return row


def set_status(
    db: Session,
    user: Principal,
    unit: str,
    period: str,
    status: Status,
    elements: list[str] | None = None,
) -> int:
    """Set the status of every value of ``unit`` in ``period`` (only ``elements`` if given):
    submit a report, lock it, or reopen it. Locking and anything touching a locked value need
    the admin role; the whole change is refused (NotAllowed) otherwise. Returns how many
    changed."""
    _check_unit(db, user, unit)
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    period = _canonical(period)
    (state,) = lock_periods(db, [(unit, period)]).values()
    query = select(DataValue).where(DataValue.unit_code == unit, DataValue.period == period)
    if elements:
        query = query.where(DataValue.element_code.in_(elements))
    rows = [r for r in db.scalars(query.execution_options(populate_existing=True))]
    rows = [r for r in rows if r.status != status]
    value_locked = any(r.status == "locked" for r in rows)
    why = status_refusal(state, status, Editor(user.role), above=user.unit_code != unit)
    if why is None and value_locked and not user.is_admin:
        why = "locking or reopening a locked report needs the admin role"
    if why:
        raise NotAllowed(why, code="locked")
    if state.locked != (status == "locked"):
        _set_period_lock(db, user, unit, period, locked=status == "locked")
    for row in rows:
        before = _public(row)
        db.execute(update(DataValue).where(DataValue.id == row.id).values(status=status))
        record_change(
            db,
            actor=user.username,
            action="status",
            table=DataValue.__tablename__,
            key=f"{row.element_code}|{row.unit_code}|{row.period}|{row.disaggregation}",
            unit_code=unit,
            before=before,
            after={**before, "status": status},
        )
    refresh_rollups(db, [(r.unit_code, r.element_code, r.disaggregation, r.period) for r in rows])
    return len(rows)


def _set_period_lock(db: Session, user: Principal, unit: str, period: str, *, locked: bool) -> None:
    """Lock or unlock the period itself (its row is already locked by the caller), audited."""
    db.execute(
        update(ReportPeriod)
        .where(ReportPeriod.unit_code == unit, ReportPeriod.period == period)
        .values(
            locked=locked,
            changed_by=user.username,
            changed_at=datetime.now(UTC).replace(tzinfo=None),
        )
    )
    record_change(
        db,
        actor=user.username,
        action="lock" if locked else "unlock",
        table=ReportPeriod.__tablename__,
        key=f"{unit}|{period}",
        unit_code=unit,
        before={"locked": not locked},
        after={"locked": locked},
    )
