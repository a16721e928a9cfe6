"""Every API router, gathered for :func:`chitieu.app.create_app` to mount under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from chitieu.api.routes import (
    activities,
    audit,
    births,
    datavalues,
    dhis2,
    enforcement,
    indicators,
    inspections,
    plans,
    session,
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
    ):
        router.include_router(module.router)
    return router
