"""Each commune's inspection history: how often, how recently, with what outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from chitieu.store.models import Facility, Inspection, Unit
from chitieu.units.queries import get_unit, in_subtree


@dataclass(frozen=True, slots=True)
class CommuneInspections:
    """Inspections of the facilities located in one commune, up to a date."""

    unit_code: str
    count: int
    last_inspected: date | None
    violations: int
    fines_vnd: int
    suspensions: int
    commitments: int

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["last_inspected"] = self.last_inspected.isoformat() if self.last_inspected else None
        return out


def inspection_history(
    db: Session,
    unit_code: str,
    *,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, CommuneInspections]:
    """Per unit (the facility's commune) at or below ``unit_code``: the number of inspections
    between ``since`` and ``until`` inclusive, the last date, violations, total fines in VND,
    suspensions and commitments signed. Units never inspected are absent from the result."""
    path = get_unit(db, unit_code).path
    as_int = lambda flag: func.sum(case((flag, 1), else_=0))  # noqa: E731
    query = (
        select(
            Facility.unit_code,
            func.count(Inspection.id),
            func.max(Inspection.inspected_on),
            as_int(Inspection.violation),
            func.coalesce(func.sum(Inspection.fine_vnd), 0),
            as_int(Inspection.suspended),
            as_int(Inspection.commitment_signed),
        )
        .join(Facility, Facility.code == Inspection.facility_code)
        .join(Unit, Unit.code == Facility.unit_code)
        .where(in_subtree(path))
        .group_by(Facility.unit_code)
    )
    if since is not None:
        query = query.where(Inspection.inspected_on >= since)
    if until is not None:
        query = query.where(Inspection.inspected_on <= until)
    out: dict[str, CommuneInspections] = {}
    for code, count, last, violations, fines, suspensions, commitments in db.execute(query):
        if isinstance(last, str):  # SQLite returns max() of a date column as text
            last = date.fromisoformat(last)
        out[code] = CommuneInspections(
            unit_code=code,
            count=int(count),
            last_inspected=last,
            violations=int(violations or 0),
            fines_vnd=int(fines or 0),
            suspensions=int(suspensions or 0),
            commitments=int(commitments or 0),
        )
    return out
