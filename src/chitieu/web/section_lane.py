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

Such a request is answered with the full route's own code, the user bound to the request's
log lines as :func:`chitieu.api.deps.optional_user` does. Where the year is given, the stamp
of the unit's change counters is read (:class:`SharedStamps`: one read for the requests of
this worker waiting for the same unit's, each read begun after every request it answers
arrived, so as current as the request's own read would be), and the answer the cache holds
for it, current or, where the rule allows, stale
(:func:`chitieu.web.pages.dashboard.section_ready`), is sent from the event loop. Otherwise
(no year, an answer to build or to wait for) the request is answered by
:func:`chitieu.web.pages.dashboard.section_response` on a session of the reads engine, in one
trip to a worker thread. Every other request (a credential to check
against the database or to refuse, an unknown unit, a unit outside the user's, a parameter
the route would refuse or read otherwise) goes on to the full route, which answers it as it
always has. The access line and the metrics carry the route's template
(``/api/dashboard/{section}``); request ids, security headers, compression and error pages
are the app's middleware's and handlers', as for every route.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams, State, URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, get_route_path
from starlette.types import Receive, Scope, Send

from chitieu.api.cache import scope_of
from chitieu.api.db import end_reading, reads_engine_of
from chitieu.api.deps import signed_in_from_memory
from chitieu.api.scope import known_unit
from chitieu.auth.users import Principal
from chitieu.dashboard import SECTIONS, View
from chitieu.logs import bind_user
from chitieu.store.generations import stamp
from chitieu.web.i18n import request_language
from chitieu.web.pages.dashboard import section_answer, section_ready, section_response

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
        response = None
        if year is not None:
            response = await _from_cache(request, user, section, unit, year, lang)
        if response is None:
            response = await run_in_threadpool(_answer, request, user, section, unit, year, lang)
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)


async def _from_cache(
    request: Request, user: Principal, section: str, unit: str | None, year: int, lang: str | None
) -> Response | None:
    """The answer the cache holds for the request (see the module's docstring), or None."""
    state = request.app.state
    info = known_unit(reads_engine_of(state), unit or user.unit_code)
    if info is None:
        return None
    scope = scope_of(info.path)
    version = await shared_stamps(state).stamp(scope, partial(_read_stamp, state, scope))
    view = View(info, year, lang or request_language(request))
    served = section_ready(request, view, section, user.unit_path, version)
    return section_answer(request, served) if served is not None else None


class _Read:
    """One read of a stamp: when its statement was about to start (None: not yet), and the
    future its readers wait on."""

    __slots__ = ("future", "started")

    def __init__(self, future: asyncio.Future[tuple[int, int]]) -> None:
        self.future = future
        self.started: float | None = None


class SharedStamps:
    """Stamps of the change counters read once for every request of this worker waiting for
    the same unit's: a request joins a read not yet begun, or begun after the request arrived
    (its statement then sees every change committed before the request arrived, as the
    request's own read would); otherwise it starts a new one. The read runs in a worker
    thread; the requests wait on the event loop."""

    def __init__(self) -> None:
        self._reads: dict[str, _Read] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def stamp(self, scope: str, read: Callable[[_Read], tuple[int, int]]) -> tuple[int, int]:
        """The stamp of ``scope``, from ``read(the read)``, which sets ``started`` on the read
        before its statement starts."""
        arrived = time.monotonic()
        pending = self._reads.get(scope)
        if pending is None or (pending.started is not None and pending.started <= arrived):
            pending = self._reads[scope] = _Read(asyncio.get_running_loop().create_future())
            task = asyncio.ensure_future(self._run(scope, pending, read))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(pending.future)

    async def _run(
        self, scope: str, pending: _Read, read: Callable[[_Read], tuple[int, int]]
    ) -> None:
        try:
            pending.future.set_result(await run_in_threadpool(read, pending))
        except BaseException as exc:  # every reader gets the error its own read would have
            pending.future.set_exception(exc)
            pending.future.add_done_callback(_retrieved)
        finally:
            if self._reads.get(scope) is pending:
                del self._reads[scope]


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a future's error as seen (a reader may have gone before it came)."""
    if not future.cancelled():
        future.exception()


def shared_stamps(state: State) -> SharedStamps:
    """The app's :class:`SharedStamps` (``state``: the app's state)."""
    found = getattr(state, "shared_stamps", None)
    if found is None:
        found = state.shared_stamps = SharedStamps()
    return found


def _read_stamp(state: State, scope: str, read: _Read) -> tuple[int, int]:
    read.started = time.monotonic()
    db = state.sessions(bind=reads_engine_of(state))
    try:
        found = stamp(db, scope)
    finally:
        db.close()
    return found[0], found[1]


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
