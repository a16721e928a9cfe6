"""The web app's routes, mounted by :func:`chitieu.app.create_app`.

    router          # sign-in pages, dashboard page and JSON, data entry
    install(app)    # long caching of versioned static files, HTML error pages

Pages: ``/login`` (GET, POST), ``/logout`` (POST), ``/`` → ``/dashboard``,
``/dashboard?unit=&year=&lang=``, ``/entry``, ``/entry/{commune}/{YYYYMM}`` (GET, POST); and the
plan, scorecard and enforcement pages of :mod:`chitieu.web.pages.plans`; ``/tokens`` (GET,
POST) and ``/tokens/{id}/revoke`` (POST), the user's personal access tokens.
JSON: ``/api/dashboard/{section}?unit=&year=&lang=``.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chitieu.web.deps import install_page_errors
from chitieu.web.pages import auth, campaign, dashboard, entry, map, plans, tokens
from chitieu.web.section_lane import SectionLane

log = logging.getLogger(__name__)


router = APIRouter()
router.include_router(auth.router)
router.include_router(dashboard.router)
router.include_router(dashboard.api_router)
router.include_router(entry.router)
router.include_router(plans.router)
router.include_router(campaign.router)
router.include_router(map.router)
router.include_router(tokens.router)

STATIC_MAX_AGE = 365 * 24 * 3600


class VersionedStaticCache:
    """Lets browsers keep ``/static/…?v=<hash>`` for a year: the hash changes with the file
    (see :func:`chitieu.web.templating.static_url`), so a kept copy is never stale."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        versioned = (
            scope["type"] == "http"
            and scope["path"].startswith("/static/")
            and b"v=" in scope.get("query_string", b"")
        )
        if not versioned:
            await self.app(scope, receive, send)
            return

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", []))
                headers.append(
                    (b"cache-control", f"public, max-age={STATIC_MAX_AGE}, immutable".encode())
                )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_cached)


def install(app: FastAPI) -> None:
    """Add what the pages need to ``app`` (which already compresses responses): year-long
    caching of versioned static files, HTML error pages with the sign-in redirect, and the
    dashboard sections' lane (:mod:`chitieu.web.section_lane`) before every other route."""
    app.router.routes.insert(0, SectionLane())
    app.add_middleware(VersionedStaticCache)
    install_page_errors(app)
