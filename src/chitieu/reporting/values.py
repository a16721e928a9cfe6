"""Saving single data values (the API and the report form): scope, the lock rule, validation,
audit.

Validation is the import core's (:func:`chitieu.reporting.validate.plan_import`: the element,
its disaggregation, the unit and the caller's scope, the period, the value's type), so a
value typed into a form and one posted as a DHIS2 payload obey the same rules.

Status: ``draft`` → ``submitted`` → ``locked``. Anyone in scope may save drafts and submitted
values; locking, reopening a locked value, or changing one needs the ``admin`` role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from chitieu.auth.users import Principal
from chitieu.catalog.periods import canonical_period
from chitieu.errors import DomainError, InvalidInput, NotAllowed, NotFound, StateConflict
from chitieu.reporting import summary as sm
from chitieu.reporting.validate import ValueIn, plan_import
from chitieu.store.audit import record_change
from chitieu.store.models import DataValue, Unit

Status = Literal["draft", "submitted", "locked"]
STATUSES = ("draft", "submitted", "locked")
_FIELDS = ("value", "comment", "stored_by", "status")


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


def _check_unit(db: Session, user: Principal, code: str) -> None:
    """InvalidInput for an unknown unit, NotAllowed for one outside the user's unit."""
    path = db.scalar(select(Unit.path).where(Unit.code == code))
    if path is None:
        raise InvalidInput(f"unknown unit {code!r}", details={"field": "unit", "value": code})
    if not user.covers(path):
        raise NotAllowed(f"unit {code} is outside your unit {user.unit_code}")


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
        return NotAllowed("the value is locked: only an admin can change it", code="locked")
    return InvalidInput("; ".join(c.value for c in conflicts), details=details)


def _stored(db: Session, key: ValueKey, period: str) -> DataValue | None:
    return db.scalar(
        select(DataValue).where(
            DataValue.element_code == key.element,
            DataValue.unit_code == key.unit,
            DataValue.period == period,
            DataValue.disaggregation == key.disaggregation,
        )
    )


def _public(row: DataValue) -> dict[str, Any]:
    return {f: getattr(row, f) for f in _FIELDS}


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


def save_value(
    db: Session,
    user: Principal,
    key: ValueKey,
    value: float | int | str,
    *,
    comment: str | None = None,
    status: Status = "submitted",
    create_only: bool = False,
) -> tuple[DataValue, str]:
    """Insert or update one value in the caller's transaction, audited; return the stored row
    and what happened (``created``, ``updated`` or ``unchanged``).

    NotAllowed outside the user's unit, or for a non-admin locking or touching a locked value
    (code ``locked``); StateConflict (code ``exists``) when ``create_only`` and the value exists;
    InvalidInput for anything invalid."""
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
    actions, conflicts = plan_import(
        db.connection(), [incoming], allowed_unit=user.unit_code, can_edit_locked=user.is_admin
    )
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
    if row.status == "locked" and not user.is_admin:
        raise NotAllowed("the value is locked: only an admin can change it", code="locked")
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
    row = _stored(db, key, period)
    if row is None:
        raise NotFound(f"no value {key.audit_key(period)}")
    if row.status == "locked" and not user.is_admin:
        raise NotAllowed("the value is locked: only an admin can delete it", code="locked")
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
    query = select(DataValue).where(DataValue.unit_code == unit, DataValue.period == period)
    if elements:
        query = query.where(DataValue.element_code.in_(elements))
    rows = [r for r in db.scalars(query) if r.status != status]
    if not user.is_admin and (status == "locked" or any(r.status == "locked" for r in rows)):
        raise NotAllowed("locking or reopening a locked report needs the admin role", code="locked")
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
    return len(rows)
