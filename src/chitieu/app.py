"""The web application: ``create_app()`` builds it; ``chitieu serve`` runs ``serve_app()`` (the
same app, with logging configured) under uvicorn.

The API is mounted at ``/api`` (OpenAPI at ``/docs``); the web pages at ``/`` with their
static files at ``/static``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware.gzip import GZipMiddleware

from chitieu.api.cache import MAX_BYTES, LruCache
from chitieu.api.errors import install_error_handlers
from chitieu.api.guards import BodyLimits, RequestGuards, SecurityHeaders
from chitieu.api.paths import MAX_VERSION, MIN_VERSION, Dhis2Paths
from chitieu.api.request_log import install_request_logging
from chitieu.api.request_metrics import API_PREFIX, RequestMetrics
from chitieu.api.router import api_router, service_router
from chitieu.auth.ratelimit import LoginLimiter
from chitieu.auth.state import AuthState
from chitieu.config import Settings, get_settings, signing_secret
from chitieu.logs import configure_logging
from chitieu.store.db import make_engine, session_factory
from chitieu.web import routes as web_routes
from chitieu.web.deps import guard_refusal
from chitieu.web.pages.dashboard import warm_country
from chitieu.web.static_files import PrecompressedStaticFiles

log = logging.getLogger(__name__)

WEB_STATIC = Path(__file__).resolve().parent / "web" / "static"
API_DESCRIPTION = f"""Every route below is also served, as DHIS2 clients call it, at
`/api/NN/…` for API versions {MIN_VERSION}–{MAX_VERSION} (e.g. `/api/41/organisationUnits`)
and, for GET, with a `.json` suffix (`/api/me.json`). Sign in with HTTP Basic, a bearer token
(`POST /api/login`), a personal access token (`Authorization: ApiToken d2pat_…`, see
`/api/apiToken`) or the session cookie. Errors carry DHIS2's WebMessage (`httpStatus`,
`httpStatusCode`, `status`, `message`, `errorCode`) and chitieu's `error` object."""
#: Smaller responses go as they are: compressing them costs more than it saves.
GZIP_MIN_BYTES = 800


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The FastAPI app on ``engine`` (default: one engine on ``settings.database_url``).

    ``app.state`` holds ``settings``, ``engine``, ``sessions`` (a sessionmaker), ``auth``
    (:class:`~chitieu.auth.state.AuthState`) and ``api_cache`` (:mod:`chitieu.api.cache`).
    The pages of :mod:`chitieu.web.routes` are mounted last, with their middleware and HTML
    error pages."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="chitieu",
        summary="Chỉ tiêu y tế và dân số — health and population targets",
        description=API_DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.auth = AuthState(secret=signing_secret(settings), limiter=LoginLimiter(engine))
    app.state.api_cache = LruCache[bytes](
        max_bytes=MAX_BYTES,
        name="api",
        refresh_interval=settings.stale_refresh_interval,
        max_stale_age=settings.stale_max_age,
    )
    install_error_handlers(app)
    # Level 5: within 2 % of level 9's size at a third of its CPU (~0.4 ms for 40 kB of JSON).
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=5)
    app.add_middleware(RequestMetrics)
    limits = BodyLimits(settings.max_sign_in_body, settings.max_body, settings.max_upload_body)
    # before routing, sign-in and parsing; a page gets its refusal as an HTML page
    app.add_middleware(RequestGuards, limits=limits, page_refusal=guard_refusal)
    app.add_middleware(SecurityHeaders)  # outermost: every response, errors too
    app.include_router(service_router())
    app.include_router(api_router(), prefix=API_PREFIX)
    app.add_middleware(Dhis2Paths)
    app.include_router(web_routes.router)
    app.mount("/static", PrecompressedStaticFiles(directory=WEB_STATIC), name="static")
    web_routes.install(app)
    install_request_logging(app)
    return app


def serve_app() -> FastAPI:
    """The app as ``chitieu serve`` runs it (uvicorn's factory, once per worker process): logs
    configured from the settings (``CHITIEU_LOG_FORMAT``, ``CHITIEU_LOG_LEVEL``), then
    :func:`create_app`."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level or "INFO")
    app = create_app(settings)
    log.info(
        "serving",
        extra={"database": app.state.engine.dialect.name, "pid": os.getpid()},
    )
    if settings.warm_up:
        threading.Thread(target=_warm_up, args=(app,), name="warm-up", daemon=True).start()
    return app


def _warm_up(app: FastAPI) -> None:
    """The country's dashboard built into this worker's cache (see
    :func:`chitieu.web.pages.dashboard.warm_country`); a failure is logged, and the first
    request builds what is missing as it would have."""
    started = time.perf_counter()
    try:
        built = warm_country(app.state)
    except Exception:
        log.exception("warm-up failed")
        return
    seconds = round(time.perf_counter() - started, 2)
    log.info("warmed up", extra={"sections": len(built), "seconds": seconds})
