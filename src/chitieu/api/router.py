"""Every API router, gathered for :func:`chitieu.app.create_app` to mount under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from chitieu.api.routes import (
    audit,
    births,
    datavalues,
    dhis2,
    indicators,
    inspections,
    plans,
    session,
    units,
)
from chitieu.targets import api as targets_api


def api_router() -> APIRouter:
    """All API routes, relative to ``/api``; targets with their evaluated status come from
    :mod:`chitieu.targets.api`."""
    router = APIRouter()
    for module in (session, units, datavalues, births, indicators, plans, inspections, audit):
        router.include_router(module.router)
    router.include_router(targets_api.router)
    router.include_router(dhis2.router)
    return router
