"""The enforcement figures a periodic report gives: inspections, outcomes, the register."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chitieu.enforcement.inspections import list_inspections
from chitieu.enforcement.register import facility_register


@dataclass(frozen=True, slots=True)
class EnforcementSummary:
    """Inspections of facilities at or below a unit between two dates (inclusive)."""

    unit_code: str
    since: date
    until: date
    inspections: int
    facilities_inspected: int
    violations: int
    fines_vnd: int
    suspensions: int
    commitments: int
    register_public: int
    register_private: int
    synthetic: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["since"], out["until"] = self.since.isoformat(), self.until.isoformat()
        return out


def enforcement_summary(
    db: Session, unit_code: str, *, since: date, until: date
) -> EnforcementSummary:
    """Count the inspections between ``since`` and ``until`` at or below ``unit_code``: how
    many, how many distinct facilities, violations, fines in VND, suspensions, commitments
    signed; and the register's public and private facilities offering ultrasound/obstetrics."""
    rows = list_inspections(db, unit_code, since=since, until=until)
    register = facility_register(db, unit_code)
    return EnforcementSummary(
        unit_code=unit_code,
        since=since,
        until=until,
        inspections=len(rows),
        facilities_inspected=len({r.facility_code for r in rows}),
        violations=sum(r.violation for r in rows),
        fines_vnd=sum(r.fine_vnd for r in rows),
        suspensions=sum(r.suspended for r in rows),
        commitments=sum(r.commitment_signed for r in rows),
        register_public=sum(f.ownership == "public" for f in register),
        register_private=sum(f.ownership == "private" for f in register),
        synthetic=any(r.synthetic for r in rows) or any(f.synthetic for f in register),
    )
