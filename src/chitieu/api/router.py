"""Every API router, gathered for :func:`chitieu.app.create_app` to mount under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from chitieu.api.routes import (
    activities,
    api_tokens,
    audit,
    births,
    datavalues,
    dhis2,
    dhis2_metadata,
    enforcement,
    indicators,
    inspections,
    plans,
    session,
    system,
    targets,
    units,
)


def api_router() -> APIRouter:
    """All API routes, relative to ``/api``, one router per module of
    :mod:`chitieu.api.routes`."""
    router = APIRouter()
    for module in (
        session,
        units,
        datavalues,
        births,
        indicators,
        plans,
        inspections,
        audit,
        activities,
        enforcement,
        targets,
        dhis2,
        system,
        dhis2_metadata,
        api_tokens,
    ):
        router.include_router(module.router)
    return router
