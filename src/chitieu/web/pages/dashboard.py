"""The dashboard page and the JSON its charts draw from.

The page itself computes nothing heavy: it names the unit and year and lays out the sections;
the browser then fetches each section from ``/api/dashboard/{section}`` in parallel and draws
it when it arrives, so the first chart appears without waiting for the slowest section.
Sections are cached until the data of their unit change (:class:`chitieu.api.cache.LruCache`,
:func:`chitieu.store.generations.stamp`) and sent with an
ETag, so a reload on a slow line costs a 304. The country's sections, and every section a
national user reads, may be served stale while they are rebuilt (the rule in
:mod:`chitieu.api.cache`); every section carries when it was
computed (``computed_at``, UTC), and the page says so, in Vietnam time, beside a stale one.
``?inline=1`` renders every section into the page before sending it (for printing; also the
baseline the paint benchmark compares with).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import State

from chitieu.api.cache import (
    LruCache,
    Served,
    freshness_headers,
    may_be_stale,
    scope_of,
)
from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within
from chitieu.api.errors import ApiError
from chitieu.auth.users import Principal
from chitieu.catalog.clock import vietnam_today
from chitieu.dashboard import (
    SECTIONS,
    View,
    build_section,
    evaluations,
    latest_data_year,
    latest_year,
)
from chitieu.dashboard.common import births_completeness_json
from chitieu.store.generations import stamp
from chitieu.targets.provenance import uses_synthetic_data
from chitieu.units import COUNTRY_CODE
from chitieu.units.queries import UnitInfo, ancestors, get_unit, list_units
from chitieu.web.deps import PageOfUnit, UnitCode, Year
from chitieu.web.i18n import CHART_KEYS, messages_for, request_language

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/dashboard", tags=["dashboard"])

#: The order the page requests the sections in: the cheap ones first (see the template).
FETCH_ORDER = ("reporting", "capacity", "signatures", "trend", "scorecard", "communes")
#: Years offered in the year picker, back from the latest year with data.
YEARS_OFFERED = 17


def _cache(request: Request) -> LruCache[Any]:
    return _cache_of(request.app.state)


def _cache_of(state: State) -> LruCache[Any]:
    if not hasattr(state, "dashboard_cache"):
        settings = state.settings
        state.dashboard_cache = LruCache[Any](
            name="pages",
            refresh_interval=settings.stale_refresh_interval,
            max_stale_age=settings.stale_max_age,
        )
    return state.dashboard_cache


def _view(
    request: Request, db: Session, user: Principal, unit: str | None, year: int | None, lang: str
) -> View:
    info = ensure_within(user, unit or user.unit_code, db)
    if year is None:  # the last complete year, read once per data version
        version = stamp(db, scope_of(info.path))
        key = ("headline_year", info.code)
        year = _cache(request).get_or_build(key, lambda: latest_year(db, info), version)
    return View(info, year, lang)


def warm_country(state: State) -> list[str]:
    """Build the country's sections for its headline year, in the default language, into the
    app's cache (``state``: the app's state), on a session of their own: what the first
    national request of a new worker process would otherwise build while it waits (reading
    the country's births, then keeping them per province and year). The sections built."""
    cache = _cache_of(state)
    with state.sessions() as db:
        info = get_unit(db, COUNTRY_CODE)
        version = stamp(db, scope_of(info.path))
        key = ("headline_year", info.code)
        year = cache.get_or_build(key, lambda: latest_year(db, info), version)
        view = View(info, year, state.settings.language)
        built = []
        for name in SECTIONS:
            _section_data(cache, db, view, name, None)
            built.append(name)
    return built


def section_data(
    request: Request,
    db: Session,
    view: View,
    name: str,
    version: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """Section ``name`` for ``view``, from the cache while the data of the view's unit (and
    everything below it) have not changed."""
    return _section_data(_cache(request), db, view, name, version)


def _section_data(
    cache: LruCache[Any], db: Session, view: View, name: str, version: tuple[int, ...] | None
) -> dict[str, Any]:
    version = version or stamp(db, scope_of(view.unit.path))
    key_evals = ("evals", view.unit.code, view.year)

    def evals():
        return cache.get_or_build(key_evals, lambda: evaluations(db, view.unit, view.year), version)

    key = (name, view.unit.code, view.year, view.lang)
    return cache.get_or_build(key, lambda: build_section(db, view, name, evals), version)


def section_body(
    request: Request, db: Session, view: View, name: str, reader: str | None = None
) -> Served[tuple[bytes, str, str]]:
    """Section ``name`` as JSON bytes with its ETag and when it was computed (UTC, also in
    the JSON as ``computed_at``), encoded once per data version (the encoding and hashing of
    the larger sections cost more than answering from the cache). The country's sections may
    be served stale while they are rebuilt, and so may every section to a national user (the
    reader's unit path ``reader``; :func:`chitieu.api.cache.may_be_stale`)."""
    version = stamp(db, scope_of(view.unit.path))
    cache, key, encode, refresh = _body_parts(request, view, name, reader, version)
    return cache.serve(key, lambda: encode(db), version=version, refresh=refresh)


def section_ready(
    request: Request, view: View, name: str, reader: str, version: tuple[int, int]
) -> Served[tuple[bytes, str, str]] | None:
    """:func:`section_body` where it needs no database work, given the stamp ``version`` of
    the view's unit read after the request arrived: the current answer, or the previous one
    where it may be served stale; None where the answer must be built, or waited for."""
    cache, key, _, refresh = _body_parts(request, view, name, reader, version)
    return cache.ready(key, version=version, refresh=refresh)


def _body_parts(
    request: Request, view: View, name: str, reader: str | None, version: tuple[int, ...]
) -> tuple[
    LruCache[Any],
    tuple[Any, ...],
    Callable[[Session], tuple[bytes, str, str]],
    Callable[[], tuple[bytes, str, str]] | None,
]:
    cache = _cache(request)

    def encode(db: Session) -> tuple[bytes, str, str]:
        at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        data = {**_section_data(cache, db, view, name, version), "computed_at": at}
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        encoded = body.encode()
        return encoded, '"' + hashlib.sha256(encoded).hexdigest()[:20] + '"', at

    refresh = None
    if reader is not None and may_be_stale(view.unit.path, reader):
        sessions = request.app.state.sessions

        def refresh() -> tuple[bytes, str, str]:
            with sessions() as own:
                return encode(own)

    key = ("body", name, view.unit.code, view.year, view.lang)
    return cache, key, encode, refresh


@api_router.get("/{section}", summary="One section of the dashboard, as the charts draw it")
def dashboard_section(
    section: str,
    request: Request,
    user: CurrentUser,
    db: DB,
    unit: UnitCode = None,
    year: Year = None,
    lang: Annotated[str | None, Query(pattern="^(vi|en)$")] = None,
) -> Response:
    """``section`` is one of scorecard, trend, signatures, communes, capacity, reporting; the
    unit defaults to your own, the year to the last with complete births. 403 outside your unit."""
    if section not in SECTIONS:
        raise ApiError(404, f"unknown section {section!r}: one of {', '.join(SECTIONS)}")
    return section_response(request, db, user, section, unit, year, lang)


def section_response(
    request: Request,
    db: Session,
    user: Principal,
    section: str,
    unit: str | None,
    year: int | None,
    lang: str | None,
) -> Response:
    """:func:`dashboard_section`'s answer once its parameters are checked: the section's
    JSON with its ETag and freshness headers, or 304 when the client has it already."""
    view = _view(request, db, user, unit, year, lang or request_language(request))
    try:
        served = section_body(request, db, view, section, user.unit_path)
    except ImportError as exc:  # a part of the statistics engine not installed yet
        raise ApiError(503, f"not available yet: {exc}", code="unavailable") from None
    return section_answer(request, served)


def section_answer(request: Request, served: Served[tuple[bytes, str, str]]) -> Response:
    """A section as served: its JSON with its ETag and freshness headers, or 304 when the
    client has it already."""
    body, etag, computed_at = served.value
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
    headers |= freshness_headers(served) | {"X-Chitieu-Computed-At": computed_at}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _crumbs(db: Session, user: Principal, unit: UnitInfo) -> list[UnitInfo]:
    """The units above ``unit`` that the user may open, then ``unit``."""
    return [u for u in ancestors(db, unit.code) if user.covers(u.path)] + [unit]


@router.get("/dashboard")
def dashboard_page(page: PageOfUnit, inline: bool = False) -> Response:
    """The dashboard for a unit (default: yours) and a year (default: the latest with data)."""
    request, user, db = page.request, page.user, page.db
    view = _view(request, db, user, page.unit, page.year, page.lang)
    last = latest_data_year(db, view.unit)  # a provisional year can still be picked
    children = [] if view.unit.level == "commune" else list_units(db, view.unit.code)
    # why the page opened by default on an earlier year than the current one: the later year's
    # births are provisional (shown with its completeness and a link), or there are none yet
    later, none_yet = None, None
    if page.year is None and last > view.year:
        later = births_completeness_json(db, view.unit, view.year, page.lang)[1]
    elif page.year is None and view.year < vietnam_today().year:
        none_yet = vietnam_today().year
    data = {name: section_data(request, db, view, name) for name in SECTIONS} if inline else None
    context = {
        "view": view,
        "crumbs": _crumbs(db, user, view.unit),
        "children": children,
        "years": list(range(max(last, view.year), max(last, view.year) - YEARS_OFFERED, -1)),
        "synthetic": uses_synthetic_data(db, view.unit.code),
        "fetch_order": [s for s in FETCH_ORDER if s != "communes" or children],
        "chart_text": messages_for(page.lang, CHART_KEYS),
        "inline_data": data,
        "can_enter": user.role != "entry" or view.unit.level == "commune",
        "provisional": later,
        "no_births_yet": none_yet,
    }
    return page.render("dashboard.html", context)
