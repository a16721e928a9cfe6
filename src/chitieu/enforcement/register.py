"""The register of facilities that offer ultrasound or obstetric services, public and private.

These are the places the ban on fetal sex selection is enforced (Hanoi plan, III.2: inspect
"cơ sở y tế công lập và ngoài công lập", sign commitments with them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chitieu.ingest.errors import ImportRefused, RowError, field_problems
from chitieu.store.audit import record_change
from chitieu.store.models import Facility, Unit
from chitieu.units.queries import get_unit, in_subtree

FACILITY_KINDS = ("hospital", "regional_hospital", "private_hospital", "clinic", "health_station")
OWNERSHIPS = ("public", "private")


@dataclass(frozen=True, slots=True)
class FacilityInfo:
    """A facility as the register, the campaign and their exports show it; each of those adds
    its own fields after these."""

    code: str
    name: str
    unit_code: str
    unit_name: str
    kind: str
    ownership: str
    offers_ultrasound: bool
    offers_obstetrics: bool


def facility_fields(f: Facility, unit_name: str) -> dict[str, Any]:
    """The :class:`FacilityInfo` fields of a stored facility in the unit named ``unit_name``."""
    return {
        "code": f.code,
        "name": f.name,
        "unit_code": f.unit_code,
        "unit_name": unit_name,
        "kind": f.kind,
        "ownership": f.ownership,
        "offers_ultrasound": bool(f.offers_ultrasound),
        "offers_obstetrics": bool(f.offers_obstetrics),
    }


@dataclass(frozen=True, slots=True)
class RegisteredFacility(FacilityInfo):
    synthetic: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def facility_register(
    db: Session, unit_code: str, *, ownership: str | None = None
) -> list[RegisteredFacility]:
    """Facilities at or below ``unit_code`` that offer ultrasound or obstetric services,
    ordered by commune then code. ``ownership`` narrows to ``public`` or ``private``.
    Raises :class:`~chitieu.units.queries.UnknownUnitError` for an unknown unit."""
    path = get_unit(db, unit_code).path
    query = (
        select(Facility, Unit.name)
        .join(Unit, Unit.code == Facility.unit_code)
        .where(
            in_subtree(path),
            or_(Facility.offers_ultrasound, Facility.offers_obstetrics),
        )
        .order_by(Facility.unit_code, Facility.code)
    )
    if ownership is not None:
        query = query.where(Facility.ownership == ownership)
    return [
        RegisteredFacility(**facility_fields(f, unit_name), synthetic=bool(f.synthetic))
        for f, unit_name in db.execute(query)
    ]


def _facility_errors(db: Session, data: Mapping[str, Any]) -> list[RowError]:
    errors: list[RowError] = []

    bad = field_problems(data, None, errors)

    code = str(data.get("code") or "").strip()
    if not code or len(code) > 32:
        bad("code", ("a facility code of 1–32 characters is required", "cần mã cơ sở 1–32 ký tự"))
    elif db.get(Facility, code) is not None:
        bad(
            "code",
            ("a facility with this code is already registered", "mã cơ sở này đã được đăng ký"),
        )
    if not str(data.get("name") or "").strip():
        bad("name", ("a name is required", "cần tên cơ sở"))
    unit = db.get(Unit, str(data.get("unit_code") or ""))
    if unit is None:
        bad("unit_code", ("unknown unit", "mã đơn vị không có trong danh mục"))
    if data.get("kind") not in FACILITY_KINDS:
        kinds = ", ".join(FACILITY_KINDS)
        bad("kind", (f"must be one of {kinds}", f"phải là một trong: {kinds}"))
    if data.get("ownership") not in OWNERSHIPS:
        bad("ownership", ("must be public or private", "phải là public (công lập) hoặc private"))
    if not (data.get("offers_ultrasound") or data.get("offers_obstetrics")):
        bad(
            "offers_ultrasound",
            (
                "the register holds facilities offering ultrasound or obstetrics",
                "sổ quản lý chỉ ghi cơ sở có siêu âm hoặc sản khoa",
            ),
        )
    return errors


def register_facility(db: Session, data: Mapping[str, Any], *, actor: str) -> str:
    """Add a facility to the register (validated, audited) and return its code.

    Raises :class:`ImportRefused` naming each bad field (unknown unit, duplicate code, kind,
    ownership, no ultrasound/obstetric service); nothing is written then."""
    errors = _facility_errors(db, data)
    if errors:
        raise ImportRefused(errors)
    row = {
        "code": str(data["code"]).strip(),
        "unit_code": str(data["unit_code"]),
        "name": str(data["name"]).strip(),
        "kind": data["kind"],
        "ownership": data["ownership"],
        "offers_ultrasound": bool(data.get("offers_ultrasound")),
        "offers_obstetrics": bool(data.get("offers_obstetrics")),
        "beds": data.get("beds"),
        "synthetic": bool(data.get("synthetic", False)),
    }
    db.add(Facility(**row))
    db.flush()
    record_change(
        db,
        actor=actor,
        action="insert",
        table="facilities",
        key=row["code"],
        unit_code=row["unit_code"],
        after=row,
    )
    return row["code"]
