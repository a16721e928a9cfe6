"""The dashboard's sections answered without FastAPI's route matching and dependency solving,
for the requests that need neither (most of them: the page's six sections at a time, for a
signed-in user, most from the cache).

:class:`SectionLane` is the app's first route. It takes a ``GET /api/dashboard/{section}``
only when everything the full route (:func:`chitieu.web.pages.dashboard.dashboard_section`)
checks before its handler runs can be checked from this worker's memory, with the outcome the
full route would reach:

* a known section, and no query parameter but ``unit``, ``year`` and ``lang``, each once,
  non-empty and valid as the route declares them (``unit`` at most 16 characters, ``year``
  1990–2100, ``lang`` ``vi`` or ``en``);
* a bearer token or session cookie that :func:`chitieu.api.deps.current_user` would accept
  without the database (:func:`chitieu.api.deps.signed_in_from_memory`: the account held by
  this worker, the credential found not signed out less than a second ago);
* a unit this worker has read already, the user's own or below it.

Such a request is answered by the full route's own code
(:func:`chitieu.web.pages.dashboard.section_response`: the headline year, the cache and its
stale-answer rule, the ETag and freshness headers) on a session of the reads engine, in one
trip to a worker thread, the user bound to the request's log lines as
:func:`chitieu.api.deps.optional_user` does. Every other request (a credential to check
against the database or to refuse, an unknown unit, a unit outside the user's, a parameter
the route would refuse or read otherwise) goes on to the full route, which answers it as it
always has. The access line and the metrics carry the route's template
(``/api/dashboard/{section}``); request ids, security headers, compression and error pages
are the app's middleware's and handlers', as for every route.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams, URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, get_route_path
from starlette.types import Receive, Scope, Send

from chitieu.api.db import end_reading, reads_engine_of
from chitieu.api.deps import signed_in_from_memory
from chitieu.api.scope import known_unit
from chitieu.auth.users import Principal
from chitieu.dashboard import SECTIONS
from chitieu.logs import bind_user
from chitieu.web.pages.dashboard import section_response

_PATH = re.compile(r"/api/dashboard/([a-z]+)")
_YEAR = re.compile(r"[0-9]{4}")
_LANGS = frozenset({"vi", "en"})
#: The longest unit code the full route accepts.
MAX_UNIT = 16
#: Where :meth:`SectionLane.matches` leaves what it checked, for :meth:`SectionLane.handle`.
_CHECKED = "chitieu.section_lane"


def _parameters(query_string: bytes) -> tuple[str | None, int | None, str | None] | None:
    """``unit``, ``year`` and ``lang`` of a query the full route reads the same way, or None
    for any other (an unknown, repeated or empty parameter, a value it would refuse)."""
    unit: str | None = None
    year: int | None = None
    lang: str | None = None
    seen: set[str] = set()
    for key, value in QueryParams(query_string).multi_items():
        if key in seen or not value:
            return None
        seen.add(key)
        if key == "unit" and len(value) <= MAX_UNIT:
            unit = value
        elif key == "year" and _YEAR.fullmatch(value) and 1990 <= int(value) <= 2100:
            year = int(value)
        elif key == "lang" and value in _LANGS:
            lang = value
        else:
            return None
    return unit, year, lang


class SectionLane(BaseRoute):
    """The route described in the module's docstring."""

    #: The template the access line and the metrics label the request with (the full route's).
    path = path_format = "/api/dashboard/{section}"
    name = "dashboard_section_lane"
    include_in_schema = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET":
            return Match.NONE, {}
        found = _PATH.fullmatch(get_route_path(scope))
        if found is None or found.group(1) not in SECTIONS:
            return Match.NONE, {}
        params = _parameters(scope.get("query_string", b""))
        if params is None:
            return Match.NONE, {}
        user = signed_in_from_memory(Request(scope))
        if user is None:
            return Match.NONE, {}
        unit, year, lang = params
        info = known_unit(reads_engine_of(scope["app"].state), unit or user.unit_code)
        if info is None or not user.covers(info.path):
            return Match.NONE, {}
        section = found.group(1)
        checked = (user, section, unit, year, lang)
        return Match.FULL, {"path_params": {"section": section}, "route": self, _CHECKED: checked}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        user, section, unit, year, lang = scope[_CHECKED]
        bind_user(user.username, user.unit_code)
        request = Request(scope, receive)
        response = await run_in_threadpool(_answer, request, user, section, unit, year, lang)
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)


def _answer(
    request: Request,
    user: Principal,
    section: str,
    unit: str | None,
    year: int | None,
    lang: str | None,
) -> Response:
    """The full route's answer, on a session of the reads engine ended as
    :func:`chitieu.api.db.get_db` ends a reading request's."""
    state = request.app.state
    db = state.sessions(bind=reads_engine_of(state))
    try:
        response = section_response(request, db, user, section, unit, year, lang)
        end_reading(db)
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()
    return response
