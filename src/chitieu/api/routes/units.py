"""Units of the administrative hierarchy and the facilities under them.

The hierarchy itself is the official published list (reference data), so any signed-in user
may read every unit; facilities, like every figure, only within the user's unit.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chitieu.api.cache import cached_json
from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within
from chitieu.api.errors import ApiError, not_found
from chitieu.api.params import Paging, Scope, page_of, paginate, paginate_list
from chitieu.api.responses import json_response
from chitieu.store.models import Facility, Unit
from chitieu.units.names import fold
from chitieu.units.queries import ancestors, get_unit, list_units
from chitieu.units.search import search_units

router = APIRouter(tags=["units"])

Level = Literal["country", "province", "commune"]
#: Enough for every unit: search results are ranked in the database, then paged here.
_ALL_UNITS = 10_000


@router.get("/units", summary="List or search units")
def units(
    request: Request,
    user: CurrentUser,
    db: DB,
    paging: Paging,
    q: Annotated[
        str | None, Query(description="Name, with or without diacritics (Hoan Kiem).")
    ] = None,
    parent: Annotated[str | None, Query(description="Only units below this unit.")] = None,
    level: Annotated[Level | None, Query()] = None,
) -> Response:
    """Without ``q``: the provinces; with ``parent``, its direct children; with ``level``,
    every unit at that level (below ``parent`` when given). With ``q``: units whose name
    contains it, best matches first. Paginated."""

    def build(db: Session) -> dict[str, Any]:
        if q is not None and q.strip():
            try:
                found = search_units(db, q, level=level, parent=parent, limit=_ALL_UNITS)
            except ValueError as exc:
                raise ApiError(422, str(exc), details={"q": q}) from None
        else:
            found = list_units(db, parent=parent, level=level)
        return paginate_list([u.as_dict() for u in found], paging)

    return cached_json(request, db, user, build)


@router.get("/units/{code}", summary="One unit")
def unit(code: str, user: CurrentUser, db: DB) -> Response:
    """The unit, the units above it (country first) and how many units lie directly below."""
    info = get_unit(db, code)
    children = db.scalar(select(func.count()).where(Unit.parent_code == code)) or 0
    return json_response(
        {
            **info.as_dict(),
            "ancestors": [a.as_dict() for a in ancestors(db, code)],
            "children": int(children),
            "in_scope": user.covers(info.path),
        }
    )


def _facility_json(f: Facility, unit_name: str) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "unit": f.unit_code,
        "unit_name": unit_name,
        "kind": f.kind,
        "ownership": f.ownership,
        "offers_ultrasound": bool(f.offers_ultrasound),
        "offers_obstetrics": bool(f.offers_obstetrics),
        "beds": f.beds,
        "synthetic": bool(f.synthetic),
    }


@router.get("/facilities", summary="List facilities")
def facilities(
    scope: Scope,
    db: DB,
    paging: Paging,
    kind: Annotated[
        Literal["hospital", "regional_hospital", "private_hospital", "clinic", "health_station"]
        | None,
        Query(),
    ] = None,
    ownership: Annotated[Literal["public", "private"] | None, Query()] = None,
    q: Annotated[str | None, Query(description="Part of the name, diacritics optional.")] = None,
) -> Response:
    """Facilities in the unit (``children=true``: and below; default: your whole unit)."""
    query = (
        select(Facility, Unit.name)
        .join(Unit, Unit.code == Facility.unit_code)
        .where(scope.condition(Facility.unit_code))
        .order_by(Facility.unit_code, Facility.code)
    )
    if kind:
        query = query.where(Facility.kind == kind)
    if ownership:
        query = query.where(Facility.ownership == ownership)
    if q and q.strip():
        # Names have no folded column: fold them here (a unit holds at most a few thousand).
        needle = fold(q)
        found = [
            _facility_json(f, name)
            for f, name in db.execute(query)
            if needle in fold(f.name) or needle in f.code.lower()
        ]
        return json_response(paginate_list(found, paging))
    rows, total = paginate(db, query, paging)
    return json_response(page_of([_facility_json(f, name) for f, name in rows], total, paging))


@router.get("/facilities/{code}", summary="One facility")
def facility(code: str, user: CurrentUser, db: DB) -> Response:
    row = db.execute(
        select(Facility, Unit.name)
        .join(Unit, Unit.code == Facility.unit_code)
        .where(Facility.code == code)
    ).first()
    if row is None:
        raise not_found(f"facility {code!r}")
    ensure_within(user, row[0].unit_code, db, facility=code)
    return json_response(_facility_json(row[0], row[1]))
