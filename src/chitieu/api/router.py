"""Every API router, gathered for :func:`chitieu.app.create_app` to mount under ``/api``."""

from __future__ import annotations

import importlib
import importlib.util

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


def _targets_package_router() -> APIRouter | None:
    """The targets package's router (evaluated status), when that package provides one."""
    try:
        if importlib.util.find_spec("chitieu.targets.api") is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module("chitieu.targets.api").router


def api_router() -> APIRouter:
    """All API routes, relative to ``/api``. Targets: the ``chitieu.targets.api`` router
    when it exists (targets with their evaluated status), else the raw list of targets."""
    router = APIRouter()
    for module in (session, units, datavalues, births, indicators, plans, inspections, audit):
        router.include_router(module.router)
    router.include_router(_targets_package_router() or plans.targets_router)
    router.include_router(dhis2.router)
    return router
