"""DHIS2's metadata API, read-only: organisation units and their levels (within the caller's
unit) and the catalogue's data elements, data sets, category combos, categories, category
options and option combos.

Every list takes DHIS2's ``fields``, ``filter`` (repeatable, ANDed; ``rootJunction=OR``),
``order``, ``paging``/``page``/``pageSize`` and answers ``{"pager": …, "<collection>": […]}``
(no ``pager`` with ``paging=false``); ``/{id}`` takes a UID or a code. A parameter these
routes do not know is refused (400), never ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chitieu.api.deps import CurrentUser
from chitieu.api.errors import ApiError
from chitieu.api.responses import json_response
from chitieu.exchange.metadata import COLLECTIONS, catalogue
from chitieu.exchange.metadata_query import (
    Fields,
    Filter,
    Paging,
    QueryError,
    parse_fields,
    parse_filter,
    parse_order,
    project,
    select_objects,
    sort_objects,
)
from chitieu.exchange.org_units import OrgUnitQuery, level_objects

router = APIRouter(tags=["DHIS2 metadata"])

LIST_DEFAULT_FIELDS = "id,displayName"
OBJECT_DEFAULT_FIELDS = "*"
#: Query parameters the lists read; ``totalPages``, ``translate`` and ``locale`` are accepted
#: and have no effect (the pager is always complete; names come as stored).
LIST_PARAMS = frozenset(
    {"fields", "filter", "rootJunction", "order", "paging", "page", "pageSize", "totalPages"}
    | {"translate", "locale", "level", "userOnly"}
)
OBJECT_PARAMS = frozenset({"fields", "translate", "locale"})

Fields_ = Annotated[
    list[str] | None, Query(description="e.g. id,name,parent[id,name] or *; repeatable")
]
Filters_ = Annotated[
    list[str] | None,
    Query(description="property:operator:value, e.g. level:eq:3 or id:in:[a,b]; repeatable"),
]
Order_ = Annotated[str | None, Query(description="e.g. name:asc")]
Junction_ = Annotated[str | None, Query(description="AND (default) or OR")]
Paging_ = Annotated[str | None, Query(description="false: every object, no pager")]
Page_ = Annotated[str | None, Query()]


def _check_params(request: Request, allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ApiError(
            400,
            f"unsupported query parameter(s): {', '.join(unknown)} "
            f"(supported: {', '.join(sorted(allowed))})",
            code="unsupported_parameter",
        )


def _query(
    fields: list[str] | None,
    filters: list[str] | None,
    order: str | None,
    junction: str | None,
    paging: str | None,
    page: str | None,
    page_size: str | None,
) -> tuple[Fields, list[Filter], list[tuple[str, bool]], bool, Paging]:
    try:
        if junction is not None and junction.upper() not in ("AND", "OR"):
            raise QueryError(f"rootJunction must be AND or OR, not {junction!r}")
        return (
            parse_fields(fields, LIST_DEFAULT_FIELDS),
            [parse_filter(f) for f in filters or ()],
            parse_order(order),
            (junction or "AND").upper() == "OR",
            Paging.parse(paging, page, page_size),
        )
    except QueryError as exc:
        raise ApiError(400, str(exc), code="bad_request") from None


def _page_url(request: Request) -> Callable[[int], str]:
    def url(page: int) -> str:
        return str(request.url.include_query_params(page=page))

    return url


def _list_body(
    request: Request, name: str, objects: list[dict[str, Any]], total: int, paging: Paging
) -> Response:
    body: dict[str, Any] = {}
    if paging.enabled:
        body["pager"] = paging.pager(total, _page_url(request))
    body[name] = objects
    return json_response(body)


def _in_memory(
    request: Request,
    name: str,
    objects: list[dict[str, Any]],
    query: tuple[Fields, list[Filter], list[tuple[str, bool]], bool, Paging],
) -> Response:
    fields, filters, order, any_of, paging = query
    chosen = select_objects(objects, filters, any_of)
    if order:
        sort_objects(chosen, order)
    total = len(chosen)
    if paging.enabled:
        chosen = chosen[paging.offset : paging.offset + paging.page_size]
    return _list_body(request, name, [project(o, fields) for o in chosen], total, paging)


def _one(
    objects: list[dict[str, Any]], ident: str, fields: list[str] | None, what: str
) -> Response:
    obj = next((o for o in objects if o["id"] == ident), None) or next(
        (o for o in objects if o.get("code") == ident), None
    )
    if obj is None:
        raise ApiError(404, f"{what} with id {ident} could not be found.", code="not_found")
    try:
        spec = parse_fields(fields, OBJECT_DEFAULT_FIELDS)
    except QueryError as exc:
        raise ApiError(400, str(exc), code="bad_request") from None
    return json_response(project(obj, spec))


def _engine(request: Request) -> Engine:
    return request.app.state.engine


# --- organisation units -------------------------------------------------------------------


@router.get("/organisationUnits", summary="Organisation units within your unit (DHIS2)")
def organisation_units(
    request: Request,
    user: CurrentUser,
    fields: Fields_ = None,
    filter: Filters_ = None,
    order: Order_ = None,
    rootJunction: Junction_ = None,
    paging: Paging_ = None,
    page: Page_ = None,
    pageSize: Page_ = None,
    level: Annotated[int | None, Query(ge=1, le=3, description="only this level")] = None,
    userOnly: Annotated[bool, Query(description="only your own unit")] = False,
) -> Response:
    """Your unit and every unit below it: ``id`` (UID), ``code``, ``name``, ``level`` (1
    country, 2 province, 3 commune), ``path``, ``parent``, ``children``, ``ancestors``,
    ``lastUpdated``…; filters on ids, codes, names, level, ``parent.id`` and ``lastUpdated``
    run in the database."""
    _check_params(request, LIST_PARAMS)
    query = _query(fields, filter, order, rootJunction, paging, page, pageSize)
    fields_spec, filters, order_spec, any_of, pager = query
    if level is not None:
        filters = [*filters, parse_filter(f"level:eq:{level}")]
        any_of = any_of and len(filters) == 1
    if userOnly:
        filters = [*filters, parse_filter(f"code:eq:{user.unit_code}")]
        any_of = False
    with Session(_engine(request)) as db:
        objects, total = OrgUnitQuery(db, user.unit_path).list(
            fields_spec, filters, any_of=any_of, order=order_spec, paging=pager
        )
    return _list_body(request, "organisationUnits", objects, total, pager)


@router.get("/organisationUnits/{ident}", summary="One organisation unit (DHIS2)")
def organisation_unit(
    ident: str, request: Request, user: CurrentUser, fields: Fields_ = None
) -> Response:
    """The unit with this UID or code, if it is your unit or lies below it (else 404)."""
    _check_params(request, OBJECT_PARAMS)
    try:
        spec = parse_fields(fields, OBJECT_DEFAULT_FIELDS)
    except QueryError as exc:
        raise ApiError(400, str(exc), code="bad_request") from None
    with Session(_engine(request)) as db:
        obj = OrgUnitQuery(db, user.unit_path).get(ident, spec)
    if obj is None:
        raise ApiError(
            404,
            f"OrganisationUnit with id {ident} could not be found within your unit "
            f"{user.unit_code}.",
            code="not_found",
        )
    return json_response(obj)


@router.get("/organisationUnitLevels", summary="Organisation unit levels (DHIS2)")
def organisation_unit_levels(
    request: Request,
    user: CurrentUser,
    fields: Fields_ = None,
    filter: Filters_ = None,
    order: Order_ = None,
    rootJunction: Junction_ = None,
    paging: Paging_ = None,
    page: Page_ = None,
    pageSize: Page_ = None,
) -> Response:
    """The three levels: 1 country, 2 province, 3 commune."""
    _check_params(request, LIST_PARAMS - {"level", "userOnly"})
    query = _query(fields, filter, order, rootJunction, paging, page, pageSize)
    return _in_memory(request, "organisationUnitLevels", level_objects(), query)


@router.get("/organisationUnitLevels/{ident}", summary="One organisation unit level (DHIS2)")
def organisation_unit_level(
    ident: str, request: Request, user: CurrentUser, fields: Fields_ = None
) -> Response:
    _check_params(request, OBJECT_PARAMS)
    return _one(level_objects(), ident, fields, "OrganisationUnitLevel")


# --- the catalogue ------------------------------------------------------------------------

_KINDS = {
    "dataElements": "DataElement",
    "dataSets": "DataSet",
    "categoryCombos": "CategoryCombo",
    "categories": "Category",
    "categoryOptions": "CategoryOption",
    "categoryOptionCombos": "CategoryOptionCombo",
}


def _catalogue_routes(name: str) -> None:
    kind = _KINDS[name]

    async def list_objects(
        request: Request,
        user: CurrentUser,
        fields: Fields_ = None,
        filter: Filters_ = None,
        order: Order_ = None,
        rootJunction: Junction_ = None,
        paging: Paging_ = None,
        page: Page_ = None,
        pageSize: Page_ = None,
    ) -> Response:
        _check_params(request, LIST_PARAMS - {"level", "userOnly"})
        query = _query(fields, filter, order, rootJunction, paging, page, pageSize)
        objects = await run_in_threadpool(lambda: catalogue().collections[name])
        return _in_memory(request, name, objects, query)

    async def one_object(
        ident: str, request: Request, user: CurrentUser, fields: Fields_ = None
    ) -> Response:
        _check_params(request, OBJECT_PARAMS)
        objects = await run_in_threadpool(lambda: catalogue().collections[name])
        return _one(objects, ident, fields, kind)

    list_objects.__name__ = f"list_{name}"
    one_object.__name__ = f"get_{name}"
    router.add_api_route(
        f"/{name}",
        list_objects,
        methods=["GET"],
        summary=f"{kind} objects of the catalogue (DHIS2)",
        description=f"The catalogue's {name} as DHIS2 metadata, with ids the data exchange "
        "accepts. Takes fields, filter, order, rootJunction and paging like every DHIS2 list.",
    )
    router.add_api_route(
        f"/{name}/{{ident}}",
        one_object,
        methods=["GET"],
        summary=f"One {kind} (DHIS2)",
        description="By UID or code; all fields unless `fields` says otherwise.",
    )


for _name in COLLECTIONS:
    _catalogue_routes(_name)
