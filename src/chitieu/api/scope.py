"""A unit the signed-in user may see: the unit, 404 when unknown, 403 outside the user's unit."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chitieu.api.errors import ApiError, forbidden
from chitieu.auth.users import Principal
from chitieu.units.queries import UnitInfo, UnknownUnitError, get_unit

#: Units seen, per engine. A unit's official code fixes its name and place in the hierarchy
#: (loading units only ever adds), so a unit once read need not be read again.
_UNITS: WeakKeyDictionary[Engine, dict[str, UnitInfo]] = WeakKeyDictionary()


def _unit(db: Session, code: str) -> UnitInfo:
    engine = db.get_bind()
    seen = _UNITS.get(engine)  # type: ignore[arg-type]
    if seen is None:
        seen = _UNITS.setdefault(engine, {})  # type: ignore[arg-type]
    unit = seen.get(code)
    if unit is None:
        unit = seen[code] = get_unit(db, code)
    return unit


def unit_path(db: Session, code: str) -> str | None:
    """The path of the unit ``code`` (read once per engine), or None if there is no such unit."""
    try:
        return _unit(db, code).path
    except UnknownUnitError:
        return None


def known_unit(engine: Engine, code: str) -> UnitInfo | None:
    """The unit ``code`` if a request on ``engine`` has read it already (no database work),
    else None."""
    seen = _UNITS.get(engine)
    return seen.get(code) if seen is not None else None


def ensure_within(
    user: Principal, unit_code: str, db: Session, *, facility: str | None = None
) -> UnitInfo:
    """The unit ``unit_code`` if it is the user's unit or lies below it; 404 if no such unit,
    403 if it lies outside the user's unit. When the unit is a ``facility``'s, the refusal
    names the facility only: it must not tell the user where a facility outside their unit
    lies."""
    try:
        unit = _unit(db, unit_code)
    except UnknownUnitError as exc:
        raise ApiError(404, str(exc), code="not_found", details={"unit": unit_code}) from None
    if user.covers(unit.path):
        return unit
    if facility is not None:
        raise forbidden(
            f"facility {facility} is outside your unit (ngoài phạm vi đơn vị của bạn)",
            key="outside_unit_facility",
            facility=facility,
        )
    raise forbidden(
        f"unit {unit_code} is outside your unit {user.unit_code} (ngoài phạm vi đơn vị của bạn)",
        key="outside_unit",
        unit=f"{unit.name} ({unit.code})",
    )
