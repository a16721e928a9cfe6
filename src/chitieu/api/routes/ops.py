"""What a province's IT office points its monitoring at, outside ``/api`` and without sign-in:

* ``GET /healthz`` — the process answers (a liveness probe: restart the service if not);
* ``GET /readyz`` — the database answers and its schema is the one this code needs (a
  readiness probe: send no traffic until it does; 503 with the reason otherwise);
* ``GET /metrics`` — Prometheus metrics (:mod:`chitieu.metrics`); keep it to the monitoring
  network at the proxy (``deploy/nginx/chitieu.conf`` does).
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from chitieu import metrics

router = APIRouter(tags=["operations"])


@cache
def _code_schema_head() -> str | None:
    from alembic.script import ScriptDirectory

    from chitieu.store.migrate import MIGRATIONS_DIR

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database answers and its schema is current",
    responses={503: {"description": "Not ready: the reason is in the body"}},
)
def readyz(request: Request) -> JSONResponse:
    from alembic.runtime.migration import MigrationContext

    head = _code_schema_head()
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        reason = f"database unreachable: {type(exc).__name__}"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    if current != head:
        reason = f"schema at {current}, code needs {head}: run `chitieu db upgrade`"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready", "schema": current})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def prometheus_metrics(request: Request) -> Response:
    body = metrics.exposition(request.app.state.engine)
    return Response(body, media_type=metrics.CONTENT_TYPE)
