"""Birth counts from ``birth_aggregates``, or its yearly rollup when no month is asked for
(both kept current on import; no birth record is read)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chitieu.api.cache import cached_json
from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser
from chitieu.api.errors import ApiError
from chitieu.api.params import (
    PageParams,
    Paging,
    PeriodRange,
    Periods,
    Scope,
    UnitScope,
    page_of,
    paginate,
    resolve_scope,
)
from chitieu.births.reconcile import commune_months
from chitieu.store.models import BirthAggregate, BirthYearAggregate

router = APIRouter(tags=["births"])

#: Group names and the columns they are.
_KEYS = {
    "unit": "unit_code",
    "year": "year",
    "month": "month",
    "sex": "sex",
    "birth_order": "birth_order",
    "prev_boys": "prev_boys",
    "prev_girls": "prev_girls",
}
DEFAULT_GROUPS = "year,sex,birth_order"
#: The source rule, as the reconciliation answers it (chitieu.births.reconcile.report_used).
RULE = (
    "each commune-month uses its submitted monthly report unless its birth records count at "
    "least as many births"
)


def _groups(text: str) -> list[str]:
    names = [g.strip() for g in text.split(",") if g.strip()]
    unknown = [g for g in names if g not in _KEYS]
    if unknown or not names or len(set(names)) != len(names):
        raise ApiError(
            422,
            f"group_by takes distinct names among {', '.join(_KEYS)}",
            details={"group_by": text},
        )
    return names


@router.get("/births/aggregates", summary="Birth counts, summed")
def birth_aggregates(
    request: Request,
    user: CurrentUser,
    scope: Scope,
    periods: Periods,
    db: DB,
    paging: Paging,
    group_by: Annotated[
        str,
        Query(
            description="Comma-separated keys to group by: unit, year, month, sex, "
            "birth_order (4 = 4+), prev_boys, prev_girls (2 = 2+)."
        ),
    ] = DEFAULT_GROUPS,
    sex: Annotated[Literal["M", "F"] | None, Query()] = None,
    birth_order: Annotated[
        list[Annotated[int, Field(ge=1, le=4)]] | None, Query(description="1, 2, 3, 4 (4+).")
    ] = None,
) -> Response:
    """Births in the unit (``children=true``: and below; default your whole unit) and months
    within ``start``–``end``, summed over everything not in ``group_by``. Each item has the
    group keys and ``births``; third births after two girls are ``birth_order=3,
    prev_boys=0, prev_girls=2``."""
    names = _groups(group_by)
    return cached_json(
        request, db, user, lambda db: _sums(db, scope, periods, paging, names, sex, birth_order)
    )


def _sums(
    db: DB,
    scope: UnitScope,
    periods: PeriodRange,
    paging: PageParams,
    names: list[str],
    sex: str | None,
    birth_order: list[int] | None,
) -> dict[str, Any]:
    monthly = "month" in names or not periods.open
    # Without months asked for, the yearly rollup holds the same sums in a twelfth of the rows.
    t = (BirthAggregate if monthly else BirthYearAggregate).__table__.c
    cols = [t[_KEYS[n]] for n in names]
    query = (
        select(*cols, func.sum(t.births))
        .where(scope.condition(t.unit_code))
        .group_by(*cols)
        .order_by(*cols)
    )
    if not periods.open:
        query = query.where(periods.month_condition(t.year, t.month))
    if sex:
        query = query.where(t.sex == sex)
    if birth_order:
        query = query.where(t.birth_order.in_(birth_order))
    rows, total = paginate(db, query, paging)
    items = [{**dict(zip(names, row[:-1], strict=True)), "births": int(row[-1])} for row in rows]
    return page_of(items, total, paging)


@router.get("/births/reconciliation", summary="Birth records beside the monthly reports")
def births_reconciliation(
    request: Request,
    user: CurrentUser,
    db: DB,
    year: Annotated[int, Query(ge=1990, le=2100, description="Calendar year.")],
    unit: Annotated[
        str | None, Query(description="Unit code; its communes are read. Default: your unit.")
    ] = None,
    differences: Annotated[
        bool, Query(description="Only the commune-months where the two sources disagree.")
    ] = False,
) -> Response:
    """Per commune-month of ``year`` at or below the unit (your unit by default; 403 outside
    it): births by sex from birth records and from the submitted monthly report, the
    difference (records − report), whether they disagree, and which one the figures use
    (``used``: ``report`` unless the records count at least as many births)."""
    scope = resolve_scope(user, db, unit, True)

    def build(db: Session) -> dict[str, Any]:
        months = commune_months(db, scope.path, [year])
        items = [m.as_dict() for m in months if m.differs or not differences]
        return {
            "unit": scope.code,
            "year": year,
            "rule": RULE,
            "differing": sum(1 for m in months if m.differs),
            "items": items,
        }

    return cached_json(request, db, user, build)
