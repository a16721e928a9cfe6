"""Load the 2025 administrative hierarchy from the ``vietnam-provinces`` package.

Vietnam (``VN``) › 34 provinces (two-digit codes, Hanoi ``01``) › 3,321 communes, wards and
special zones (five-digit codes, Phường Hoàn Kiếm ``00070``), as the package publishes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from vietnam_provinces import Province, Ward

from chitieu.store.models import Unit
from chitieu.store.uids import derived_uid
from chitieu.units import COUNTRY_CODE
from chitieu.units.names import fold


@dataclass(frozen=True, slots=True)
class UnitRow:
    code: str
    parent_code: str | None
    level: str
    name: str
    division_type: str
    codename: str
    path: str


def province_code(number: int) -> str:
    return f"{number:02d}"


def commune_code(number: int) -> str:
    return f"{number:05d}"


def iter_official_units() -> Iterator[UnitRow]:
    """Every unit of the 2025 hierarchy, parents before children."""
    yield UnitRow(COUNTRY_CODE, None, "country", "Việt Nam", "quốc gia", "viet_nam", COUNTRY_CODE)
    for province in Province.iter_all():
        code = province_code(province.code.value)
        yield UnitRow(
            code,
            COUNTRY_CODE,
            "province",
            province.name,
            province.division_type.value,
            province.codename,
            f"{COUNTRY_CODE}/{code}",
        )
    for ward in Ward.iter_all():
        parent = province_code(ward.province_code.value)
        code = commune_code(ward.code.value)
        yield UnitRow(
            code,
            parent,
            "commune",
            ward.name,
            ward.division_type.value,
            ward.codename,
            f"{COUNTRY_CODE}/{parent}/{code}",
        )


def load_units(db: Session) -> int:
    """Insert the official units that are not in the database yet; return how many were added.

    Idempotent: running it again adds nothing.
    """
    existing = set(db.scalars(select(Unit.code)))
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows = [
        {
            "code": u.code,
            "parent_code": u.parent_code,
            "level": u.level,
            "name": u.name,
            "name_ascii": fold(u.name),
            "division_type": u.division_type,
            "codename": u.codename,
            "path": u.path,
            "uid": derived_uid("unit", u.code),
            "last_updated": now,
        }
        for u in iter_official_units()
        if u.code not in existing
    ]
    if rows:
        db.execute(insert(Unit), rows)
    return len(rows)
