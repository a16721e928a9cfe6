"""DHIS2's path spellings, rewritten before routing so every API route is written once.

* ``/api/41/dataValueSets`` (any version from :data:`MIN_VERSION` to :data:`MAX_VERSION`)
  is ``/api/dataValueSets``: DHIS2 clients pin an API version in the path.
* ``/api/…/x.json`` is ``/api/…/x`` with ``Accept: application/json`` (dhis2.py adds
  ``.json`` to every GET). ``.csv``, ``.xml`` and ``.adx`` stay for the routes that serve
  those representations (``/api/dataValueSets.csv``…); elsewhere they answer 404.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

MIN_VERSION, MAX_VERSION = 28, 44
_VERSIONED = re.compile(r"^/api/(\d{2})(/.*)?$")


def rewrite(path: str) -> tuple[str, bool]:
    """The path a DHIS2 spelling stands for, and whether it asked for JSON by its suffix."""
    m = _VERSIONED.match(path)
    if m and MIN_VERSION <= int(m.group(1)) <= MAX_VERSION:
        path = "/api" + (m.group(2) or "")
    if path.startswith("/api/") and path.endswith(".json"):
        return path[: -len(".json")], True
    return path, False


class Dhis2Paths:
    """ASGI middleware applying :func:`rewrite` to HTTP requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            path, json_suffix = rewrite(scope["path"])
            if path != scope["path"]:
                scope = dict(scope)
                scope["path"] = path
                scope["raw_path"] = path.encode("utf-8")
                if json_suffix:
                    headers: list[Any] = [
                        (k, v) for k, v in scope["headers"] if k.lower() != b"accept"
                    ]
                    scope["headers"] = [*headers, (b"accept", b"application/json")]
        await self.app(scope, receive, send)
