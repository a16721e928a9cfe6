"""ASGI middleware that times every HTTP request into :data:`chitieu.metrics.REQUEST_SECONDS`,
labelled by the route's template (``/api/units/{code}``), never by the raw path: one series per
route, however many units or periods are asked for. It also opens the request's log context
(:func:`chitieu.logs.request_scope`, with the id from :mod:`chitieu.api.request_log`) and writes
the request's access line: method, route template, status and duration."""

from __future__ import annotations

import logging
import time

from asgi_correlation_id.context import correlation_id
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chitieu.logs import request_scope
from chitieu.metrics import REQUEST_SECONDS

log = logging.getLogger(__name__)

#: The label of requests that matched no route (404s): raw paths would be unbounded.
UNMATCHED = "unmatched"
#: Where :func:`chitieu.app.create_app` mounts the API router.
API_PREFIX = "/api"


def route_template(scope: Scope) -> str:
    """The template of the route that answered: routers included under a prefix keep their
    own relative path on the route, so the API's prefix is put back here."""
    path = getattr(scope.get("route"), "path", None)
    if path is None:
        return UNMATCHED
    if scope["path"].startswith(API_PREFIX + "/") and not path.startswith(API_PREFIX + "/"):
        path = API_PREFIX + path
    return path


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with request_scope(correlation_id.get() or "-"):
            try:
                await self.app(scope, receive, send_and_note)
            finally:
                template = route_template(scope)
                seconds = time.perf_counter() - started
                REQUEST_SECONDS.labels(scope["method"], template, str(status)).observe(seconds)
                fields = {"method": scope["method"], "route": template, "status": status}
                if template == UNMATCHED:
                    fields["path"] = scope["path"]
                log.info("access", extra={**fields, "duration_ms": round(1000 * seconds, 1)})
