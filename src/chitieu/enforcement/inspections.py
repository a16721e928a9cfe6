"""Inspections of facilities: validated, recorded with an audit entry, listed by unit and dates.

An inspection records the date, the team, what was found, whether there was a violation, the
fine in VND, whether the facility was suspended and whether it signed a commitment not to
disclose fetal sex (as in Hanoi in 2015: a clinic fined 40 million VND and suspended).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chitieu.ingest.errors import ImportRefused, RowError, field_problems, row_error
from chitieu.store.audit import record_change
from chitieu.store.db import transaction
from chitieu.store.models import Facility, Inspection, Unit
from chitieu.units.queries import get_unit, in_subtree

#: Fields an inspection carries besides its facility and date, with their defaults.
_OPTIONAL = {
    "team": None,
    "findings": None,
    "violation": False,
    "fine_vnd": 0,
    "suspended": False,
    "commitment_signed": False,
}
_TRUE = {"1", "true", "yes", "y", "có", "co", "x"}
_FALSE = {"0", "false", "no", "n", "không", "khong", ""}


@dataclass(frozen=True, slots=True)
class InspectionRecord:
    id: int
    facility_code: str
    facility_name: str
    ownership: str
    unit_code: str
    unit_name: str
    inspected_on: date
    team: str | None
    findings: str | None
    violation: bool
    fine_vnd: int
    suspended: bool
    commitment_signed: bool
    synthetic: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["inspected_on"] = self.inspected_on.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class Recorded:
    """The outcome of recording one inspection: its id and whether a row was added (False when
    the identical inspection was already recorded, so a re-submission changes nothing)."""

    id: int
    created: bool


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _as_fine(value: Any) -> int | None:
    """A fine in whole VND, or None when the value is not a whole number."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).replace("_", "").strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def validate_inspection(
    db: Session, data: Mapping[str, Any], *, row: int | None = None, today: date
) -> tuple[dict[str, Any], list[RowError]]:
    """Check one inspection; return the clean row and the list of problems (empty when valid).

    Refused: an unknown facility, a missing or unreadable date, a date after ``today``, a fine
    that is negative or not a whole number of VND, yes/no fields that are neither, a fine or a
    suspension without a violation."""
    errors: list[RowError] = []

    bad = field_problems(data, row, errors)

    clean: dict[str, Any] = {}
    facility_code = str(data.get("facility_code") or "").strip()
    if not facility_code:
        bad("facility_code", ("a facility code is required", "cần mã cơ sở"))
    elif db.scalar(select(Facility.code).where(Facility.code == facility_code)) is None:
        bad(
            "facility_code",
            (
                "unknown facility: register it first",
                "cơ sở chưa có trong sổ quản lý: đăng ký trước",
            ),
        )
    clean["facility_code"] = facility_code

    inspected_on = _as_date(data.get("inspected_on"))
    if inspected_on is None:
        bad(
            "inspected_on",
            ("a date written YYYY-MM-DD is required", "cần ngày kiểm tra dạng YYYY-MM-DD"),
        )
    elif inspected_on > today:
        day = today.isoformat()
        bad(
            "inspected_on",
            (
                f"the date is in the future (today is {day})",
                f"ngày trong tương lai (hôm nay là {day})",
            ),
        )
    clean["inspected_on"] = inspected_on

    unreadable = set()
    for column in ("violation", "suspended", "commitment_signed", "synthetic"):
        flag = _as_bool(data.get(column, False))
        if flag is None:
            bad(column, ("must be yes or no", "phải là có hoặc không"))
            unreadable.add(column)
        clean[column] = bool(flag)

    fine = _as_fine(data.get("fine_vnd", 0))
    if fine is None:
        bad(
            "fine_vnd",
            ("the fine must be a whole number of VND", "tiền phạt phải là số nguyên (đồng)"),
        )
    elif fine < 0:
        bad("fine_vnd", ("the fine cannot be negative", "tiền phạt không được âm"))
    clean["fine_vnd"] = fine or 0

    # Consistency is judged only on readable fields, so one typo gives one error.
    if "violation" not in unreadable and not clean["violation"]:
        if clean["fine_vnd"] > 0:
            bad(
                "fine_vnd",
                (
                    "a fine needs a violation: set violation to yes or the fine to 0",
                    "có phạt tiền thì phải có vi phạm: ghi có vi phạm hoặc tiền phạt bằng 0",
                ),
            )
        if clean["suspended"]:
            bad("suspended", ("a suspension needs a violation", "đình chỉ phải có vi phạm"))

    for column in ("team", "findings"):
        text = data.get(column)
        clean[column] = str(text).strip() if text not in (None, "") else None
    if clean["team"] and len(clean["team"]) > 300:
        bad("team", ("at most 300 characters", "tối đa 300 ký tự"))
    return clean, errors


def _existing(db: Session, clean: Mapping[str, Any]) -> Inspection | None:
    return db.scalar(
        select(Inspection).where(
            Inspection.facility_code == clean["facility_code"],
            Inspection.inspected_on == clean["inspected_on"],
            Inspection.team.is_(None)
            if clean["team"] is None
            else Inspection.team == clean["team"],
        )
    )


def _same(row: Inspection, clean: Mapping[str, Any]) -> bool:
    return all(getattr(row, k) == clean[k] for k in _OPTIONAL)


def record_inspections(
    db: Session, rows: Iterable[Mapping[str, Any]], *, actor: str, today: date | None = None
) -> list[Recorded]:
    """Validate every row first, then record them all in the caller's transaction, each with
    an audit entry. On any problem raise :class:`ImportRefused` (rows numbered from 1) and write
    nothing. Idempotent: an inspection already recorded identically (same facility, date, team
    and fields) is not added again; the same facility, date and team with different fields is
    refused as a conflict (amend the existing record instead)."""
    today = today or date.today()
    checked = [validate_inspection(db, r, row=i, today=today) for i, r in enumerate(rows, 1)]
    errors = [e for _, errs in checked for e in errs]
    outcomes: list[Recorded] = []
    pending: list[dict[str, Any]] = []
    for i, (clean, errs) in enumerate(checked, 1):
        if errs:
            continue
        found = _existing(db, clean)
        if found is None:
            pending.append(clean)
            continue
        if _same(found, clean):
            outcomes.append(Recorded(found.id, created=False))
        else:
            errors.append(
                row_error(
                    i,
                    "inspected_on",
                    (
                        f"inspection {found.id} of this facility on this date by this team "
                        "already exists with other figures; amend it instead",
                        f"cuộc kiểm tra {found.id} của đoàn này tại cơ sở này ngày này đã có với "
                        "số liệu khác; hãy sửa bản ghi đó",
                    ),
                    clean["inspected_on"].isoformat(),
                )
            )
    if errors:
        raise ImportRefused(errors)
    for clean in pending:
        inspection = Inspection(**clean)
        db.add(inspection)
        db.flush()
        unit_code = db.scalar(
            select(Facility.unit_code).where(Facility.code == clean["facility_code"])
        )
        after = {**clean, "id": inspection.id, "inspected_on": clean["inspected_on"].isoformat()}
        record_change(
            db,
            actor=actor,
            action="insert",
            table="inspections",
            key=str(inspection.id),
            unit_code=unit_code,
            after=after,
        )
        outcomes.append(Recorded(inspection.id, created=True))
    return outcomes


def record_inspection(
    engine: Engine, data: Mapping[str, Any], *, actor: str, today: date | None = None
) -> Recorded:
    """Record one inspection in its own transaction (see :func:`record_inspections`)."""
    with transaction(engine) as db:
        return record_inspections(db, [data], actor=actor, today=today)[0]


def list_inspections(
    db: Session,
    unit_code: str,
    *,
    since: date | None = None,
    until: date | None = None,
    facility_code: str | None = None,
) -> list[InspectionRecord]:
    """Inspections of facilities at or below ``unit_code`` between ``since`` and ``until``
    (inclusive), newest first."""
    path = get_unit(db, unit_code).path
    query = (
        select(Inspection, Facility.name, Facility.ownership, Facility.unit_code, Unit.name)
        .join(Facility, Facility.code == Inspection.facility_code)
        .join(Unit, Unit.code == Facility.unit_code)
        .where(in_subtree(path))
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    )
    if since is not None:
        query = query.where(Inspection.inspected_on >= since)
    if until is not None:
        query = query.where(Inspection.inspected_on <= until)
    if facility_code is not None:
        query = query.where(Inspection.facility_code == facility_code)
    return [
        InspectionRecord(
            id=i.id,
            facility_code=i.facility_code,
            facility_name=fname,
            ownership=ownership,
            unit_code=ucode,
            unit_name=uname,
            inspected_on=i.inspected_on,
            team=i.team,
            findings=i.findings,
            violation=bool(i.violation),
            fine_vnd=int(i.fine_vnd or 0),
            suspended=bool(i.suspended),
            commitment_signed=bool(i.commitment_signed),
            synthetic=bool(i.synthetic),
        )
        for i, fname, ownership, ucode, uname in db.execute(query)
    ]
