"""From a flagged commune to the clinics to inspect, and the inspection campaign.

For each commune the excess model flags (``p_excess`` at least :data:`PRIORITY_P`, ranked as
:mod:`.ranking` ranks them), the facilities able to reveal a fetus's sex — those offering
ultrasound or obstetrics, public and private — in the commune first, then elsewhere in its
province, each with its last inspection (date, findings, fine, suspension, commitment).
Putting facilities on the campaign creates *planned* inspections (their own table: a plan is
never counted as a visit), audited, within the planner's unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from chitieu.enforcement.ranking import PRIORITY_P, ExcessRow, excess_ranking
from chitieu.enforcement.register import (
    FACILITY_KINDS,
    OWNERSHIPS,
    FacilityInfo,
    facility_fields,
)
from chitieu.ingest.errors import ImportRefused, RowError
from chitieu.store.audit import record_change
from chitieu.store.models import Facility, Inspection, PlannedInspection, Unit
from chitieu.units.queries import get_unit, in_subtree

#: Facilities listed beside each flagged commune at most (its own first, then its province's).
NEARBY = 12


@dataclass(frozen=True, slots=True)
class CandidateFacility(FacilityInfo):
    #: "commune" (in the flagged commune) or "province" (elsewhere in its province)
    where: str
    last_inspected: date | None
    findings: str | None
    fine_vnd: int | None
    suspended: bool | None
    commitment_signed: bool | None
    years_since_inspection: float | None
    planned_on: date | None


@dataclass(frozen=True, slots=True)
class FlaggedCommune:
    unit_code: str
    unit_name: str
    p_excess: float | None
    onset: int | None
    expected_excess_boys: float | None
    srb: float | None
    srb_lower: float | None
    srb_upper: float | None
    facilities: list[CandidateFacility] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FacilityFilter:
    """Which facilities to show: kinds, ownership, and at least ``min_years`` since the last
    inspection (never inspected always passes)."""

    kinds: tuple[str, ...] = ()
    ownership: str | None = None
    min_years: float | None = None

    def errors(self) -> list[RowError]:
        bad = [k for k in self.kinds if k not in FACILITY_KINDS]
        out = [RowError(None, "kind", f"one of {', '.join(FACILITY_KINDS)}", k) for k in bad]
        if self.ownership not in (None, *OWNERSHIPS):
            out.append(RowError(None, "ownership", "public or private", self.ownership))
        if self.min_years is not None and self.min_years < 0:
            out.append(RowError(None, "min_years", "must not be negative", str(self.min_years)))
        return out


def flagged_with_facilities(
    db: Session,
    unit_code: str,
    *,
    until_year: int,
    as_of: date,
    only: FacilityFilter | None = None,
    limit: int = 20,
) -> list[FlaggedCommune]:
    """The communes at or below ``unit_code`` the excess model flags, in the ranking's order,
    each with the facilities in and around it that pass ``only``. Raises ImportRefused for a
    bad filter, UnknownUnitError for an unknown unit."""
    only = only or FacilityFilter()
    if problems := only.errors():
        raise ImportRefused(problems)
    ranked = excess_ranking(db, unit_code, until_year=until_year, as_of=as_of).rows
    flagged = [r for r in ranked if r.p_excess is not None and r.p_excess >= PRIORITY_P][:limit]
    return [_with_facilities(db, r, unit_code, as_of, only) for r in flagged]


def _with_facilities(
    db: Session, row: ExcessRow, scope_code: str, as_of: date, only: FacilityFilter
) -> FlaggedCommune:
    commune = get_unit(db, row.unit_code)
    province_path = "/".join(commune.path.split("/")[:2])
    scope_path = get_unit(db, scope_code).path
    # within the province and within the user's unit, whichever is narrower
    area = scope_path if scope_path.startswith(province_path) else province_path
    query = (
        select(Facility, Unit.name)
        .join(Unit, Unit.code == Facility.unit_code)
        .where(in_subtree(area), or_(Facility.offers_ultrasound, Facility.offers_obstetrics))
    )
    if only.kinds:
        query = query.where(Facility.kind.in_(only.kinds))
    if only.ownership:
        query = query.where(Facility.ownership == only.ownership)
    found = db.execute(query).all()
    last = _last_inspections(db, [f.code for f, _ in found], as_of)
    planned = _planned(db, scope_code, [f.code for f, _ in found], as_of)
    out = []
    for f, unit_name in found:
        seen = last.get(f.code)
        since = None if seen is None else round((as_of - seen.inspected_on).days / 365.25, 1)
        if only.min_years is not None and since is not None and since < only.min_years:
            continue
        out.append(
            CandidateFacility(
                **facility_fields(f, unit_name),
                where="commune" if f.unit_code == row.unit_code else "province",
                last_inspected=None if seen is None else seen.inspected_on,
                findings=None if seen is None else seen.findings,
                fine_vnd=None if seen is None else seen.fine_vnd,
                suspended=None if seen is None else seen.suspended,
                commitment_signed=None if seen is None else seen.commitment_signed,
                years_since_inspection=since,
                planned_on=planned.get(f.code),
            )
        )
    # the commune's own first; then never inspected, then longest since the last inspection
    out.sort(key=lambda c: (c.where != "commune", -(c.years_since_inspection or 1e9), c.code))
    return FlaggedCommune(
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        p_excess=row.p_excess,
        onset=row.onset,
        expected_excess_boys=row.expected_excess_boys,
        srb=row.srb,
        srb_lower=row.srb_lower,
        srb_upper=row.srb_upper,
        facilities=out[:NEARBY],
    )


def _last_inspections(db: Session, codes: list[str], as_of: date) -> dict[str, Inspection]:
    """Each facility's most recent inspection on or before ``as_of``."""
    if not codes:
        return {}
    rows = db.scalars(
        select(Inspection)
        .where(Inspection.facility_code.in_(codes), Inspection.inspected_on <= as_of)
        .order_by(Inspection.facility_code, Inspection.inspected_on, Inspection.id)
    )
    return {i.facility_code: i for i in rows}  # the last one per facility wins


def _planned(db: Session, scope_code: str, codes: list[str], as_of: date) -> dict[str, date]:
    if not codes:
        return {}
    rows = db.execute(
        select(PlannedInspection.facility_code, PlannedInspection.planned_on).where(
            PlannedInspection.unit_code == scope_code,
            PlannedInspection.facility_code.in_(codes),
            PlannedInspection.planned_on >= as_of,
        )
    )
    return {code: on for code, on in rows}


@dataclass(frozen=True, slots=True)
class CampaignEntry:
    id: int
    facility_code: str
    facility_name: str
    unit_code: str
    unit_name: str
    kind: str
    ownership: str
    flagged_unit_code: str | None
    planned_on: date
    created_by: str
    last_inspected: date | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_inspections(
    db: Session,
    scope_code: str,
    facility_codes: Iterable[str],
    *,
    planned_on: date,
    today: date,
    actor: str,
    flagged_unit_code: str | None = None,
) -> list[int]:
    """Put facilities on ``scope_code``'s inspection campaign for ``planned_on`` (today or
    later). Every facility must exist and lie within the scope; all or nothing, audited; a
    facility already planned for that day is left as it is. Returns the new rows' ids."""
    codes = list(dict.fromkeys(facility_codes))
    scope_path = get_unit(db, scope_code).path
    errors = []
    if not codes:
        errors.append(RowError(None, "facility_codes", "name at least one facility", None))
    if planned_on < today:
        errors.append(RowError(None, "planned_on", "must be today or later", str(planned_on)))
    inside = set(
        db.scalars(
            select(Facility.code)
            .join(Unit, Unit.code == Facility.unit_code)
            .where(Facility.code.in_(codes), in_subtree(scope_path))
        )
    )
    for i, code in enumerate(codes, 1):
        if code not in inside:
            errors.append(RowError(i, "facility_code", "no such facility in your unit", code))
    if errors:
        raise ImportRefused(errors)
    have = set(
        db.scalars(
            select(PlannedInspection.facility_code).where(
                and_(
                    PlannedInspection.unit_code == scope_code,
                    PlannedInspection.planned_on == planned_on,
                    PlannedInspection.facility_code.in_(codes),
                )
            )
        )
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    new = []
    for code in codes:
        if code in have:
            continue
        row = PlannedInspection(
            unit_code=scope_code,
            facility_code=code,
            flagged_unit_code=flagged_unit_code,
            planned_on=planned_on,
            created_by=actor,
            created=now,
        )
        db.add(row)
        db.flush()
        after = {
            "unit_code": scope_code,
            "facility_code": code,
            "flagged_unit_code": flagged_unit_code,
            "planned_on": planned_on.isoformat(),
        }
        record_change(
            db,
            actor=actor,
            action="insert",
            table="planned_inspections",
            key=str(row.id),
            before=None,
            after=after,
        )
        new.append(row.id)
    return new


def campaign(db: Session, scope_code: str, *, as_of: date) -> list[CampaignEntry]:
    """The campaign of ``scope_code`` and every unit below it: planned inspections from
    ``as_of`` on, soonest first, each with the facility's last inspection."""
    scope_path = get_unit(db, scope_code).path
    rows = db.execute(
        select(PlannedInspection, Facility, Unit.name)
        .join(Facility, Facility.code == PlannedInspection.facility_code)
        .join(Unit, Unit.code == Facility.unit_code)
        .where(in_subtree(scope_path), PlannedInspection.planned_on >= as_of)
        .order_by(PlannedInspection.planned_on, Facility.unit_code, Facility.code)
    ).all()
    last = _last_inspections(db, [f.code for _, f, _ in rows], as_of)
    return [
        CampaignEntry(
            id=p.id,
            facility_code=f.code,
            facility_name=f.name,
            unit_code=f.unit_code,
            unit_name=unit_name,
            kind=f.kind,
            ownership=f.ownership,
            flagged_unit_code=p.flagged_unit_code,
            planned_on=p.planned_on,
            created_by=p.created_by,
            last_inspected=last[f.code].inspected_on if f.code in last else None,
        )
        for p, f, unit_name in rows
    ]
