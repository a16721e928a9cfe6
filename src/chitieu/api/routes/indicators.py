"""Catalogue indicators computed for any unit and years, each value with its interval
(:mod:`chitieu.indicators`: births from birth records where there are any, else from
reported aggregates; other figures from reported data values)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chitieu.api.cache import cached_json
from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within
from chitieu.api.errors import ApiError
from chitieu.api.params import Paging, Periods, paginate_list
from chitieu.api.responses import json_response
from chitieu.catalog import read_catalog
from chitieu.catalog.schema import Indicator
from chitieu.indicators import indicator_by_children, indicator_series, indicator_value
from chitieu.indicators.completeness import HISTORY_YEARS, births_completeness, needs_births

router = APIRouter(tags=["indicators"])

#: Without start/end, the last ten calendar years.
DEFAULT_YEARS = 10
MAX_YEARS = 50


def _describe(ind: Indicator) -> dict[str, Any]:
    return {
        "code": ind.code,
        "name_vi": ind.name_vi,
        "name_en": ind.name_en,
        "unit_vi": ind.unit_vi,
        "unit_en": ind.unit_en,
        "kind": ind.kind,
        "better": ind.better,
        "multiplier": ind.multiplier,
    }


@router.get("/indicators", summary="The catalogue's indicators")
def indicators(user: CurrentUser, paging: Paging) -> Response:
    return json_response(
        paginate_list([_describe(i) for i in read_catalog().indicators.values()], paging)
    )


@router.get("/indicators/{code}", summary="An indicator's values with intervals")
def indicator(
    request: Request,
    code: str,
    user: CurrentUser,
    db: DB,
    periods: Periods,
    paging: Paging,
    unit: Annotated[str | None, Query(description="Unit code; default your unit.")] = None,
    children: Annotated[
        bool, Query(description="One value per unit directly below `unit`, years pooled.")
    ] = False,
    pooled: Annotated[bool, Query(description="One value, the years pooled.")] = False,
    level: Annotated[float, Query(gt=0.5, lt=1.0, description="Interval level.")] = 0.95,
) -> Response:
    """Per year (default), pooled over the years (``pooled=true``), or per unit directly
    below ``unit`` with the years pooled (``children=true``; rank those by their intervals,
    not by the value). ``unit`` counts itself and everything below it. Years are those of
    the period range ``start``–``end`` (default: the last ten years). Per year, a births-based
    indicator's value carries its ``completeness`` and ``provisional`` (a year whose births are
    still arriving: :mod:`chitieu.indicators.completeness`)."""
    catalog = read_catalog()
    ind = catalog.indicator(code)
    target = ensure_within(user, unit or user.unit_code, db)
    last = periods.last_day.year if periods.last_day else date.today().year
    first = periods.first_day.year if periods.first_day else last - DEFAULT_YEARS + 1
    if last - first + 1 > MAX_YEARS:
        raise ApiError(422, f"at most {MAX_YEARS} years at once", details={"years": [first, last]})
    years = list(range(first, last + 1))

    def build(db: Session) -> dict[str, Any]:
        args = (db, code, target.code, years)
        if children:
            values = indicator_by_children(*args, level=level, catalog=catalog)
        elif pooled:
            values = [indicator_value(*args, level=level, catalog=catalog)]
        else:
            values = indicator_series(*args, level=level, catalog=catalog)
        rows = [v.as_dict() for v in values]
        if not children and not pooled and needs_births(ind, catalog):
            # each year says how complete its births are; a partial year is provisional
            done = births_completeness(db, target.code, last, catalog=catalog)
            for row in rows:
                year = done.get(row["years"][0])
                row["completeness"] = asdict(year) if year else None
                row["provisional"] = bool(year and not year.complete)
        page = paginate_list(rows, paging)
        return {**_describe(ind), "unit": target.code, "unit_name": target.name, **page}

    read = set(years)
    if not children and not pooled and needs_births(ind, catalog):
        read.update(range(last - HISTORY_YEARS + 1, last + 1))  # completeness's history
    return cached_json(request, db, user, build, unit_path=target.path, years=read)
