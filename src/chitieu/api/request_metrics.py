"""ASGI middleware that times every HTTP request into :data:`chitieu.metrics.REQUEST_SECONDS`,
labelled by the route's template (``/api/units/{code}``), never by the raw path: one series per
route, however many units or periods are asked for."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chitieu.metrics import REQUEST_SECONDS

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

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            template = route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started
            )
