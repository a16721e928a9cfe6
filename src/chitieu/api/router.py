"""Every router of :mod:`chitieu.api.routes`, gathered for :func:`chitieu.app.create_app`: the API
under ``/api``, and the operators' routes at the root."""

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
    dhis2_values,
    enforcement,
    indicators,
    inspections,
    ops,
    plans,
    session,
    system,
    targets,
    units,
)


def api_router() -> APIRouter:
    """All API routes, relative to ``/api``, one router per module of
    :mod:`chitieu.api.routes` (but :mod:`~chitieu.api.routes.ops`)."""
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
        dhis2_values,
        system,
        dhis2_metadata,
        api_tokens,
    ):
        router.include_router(module.router)
    return router


def service_router() -> APIRouter:
    """The routes operators and monitors call, at the root: ``/healthz``, ``/readyz``,
    ``/metrics`` (:mod:`chitieu.api.routes.ops`)."""
    router = APIRouter()
    router.include_router(ops.router)
    return router
