"""DHIS2-compatible ``GET/POST /api/dataValueSets`` (JSON, CSV, XML, ADX), delegating to
:mod:`chitieu.exchange` with the caller's unit as the scope.

Query parameters carry DHIS2's names. A POST answers with DHIS2's envelope (``httpStatus``,
``httpStatusCode``, ``status``, ``message``, ``response``: the import summary with
``importCount`` and ``conflicts``), status 200 when applied, 400 for an unreadable payload,
403 when a value lies outside the caller's unit, 409 for other conflicts — and then also
chitieu's ``error`` object, so both kinds of client read it. An import is all or nothing.
"""

from __future__ import annotations

import inspect
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from chitieu.api.deps import CurrentUser
from chitieu.api.errors import ApiError, error_body
from chitieu.exchange.dhis2 import FORMATS, import_datavalueset
from chitieu.exchange.export import export_datavalueset
from chitieu.reporting import summary as sm

router = APIRouter(tags=["DHIS2"])

MAX_PAYLOAD = 20 * 1024 * 1024  # bytes
_ACCEPT = (("adx", "adx"), ("csv", "csv"), ("xml", "xml"))
_STATUS_NAMES = {200: "OK", 400: "Bad Request", 403: "Forbidden", 409: "Conflict"}


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


AppEngine = Annotated[Engine, Depends(get_engine)]
Many = Annotated[list[str] | None, Query()]


def _format(request: Request, ext: str | None) -> str:
    if ext is not None:
        if ext not in FORMATS:
            raise ApiError(404, f"no format {ext!r} (use {', '.join(FORMATS)})")
        return ext
    accept = request.headers.get("accept", "").lower()
    return next((fmt for word, fmt in _ACCEPT if word in accept), "json")


def _refuse_unknown(request: Request) -> None:
    """A query parameter the export does not read is refused, never ignored: an incremental
    sync sending a filter chitieu does not apply must not get everything back."""
    known = inspect.signature(_export_params).parameters
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        raise ApiError(
            400,
            f"unsupported query parameter(s): {', '.join(unknown)} (supported: {', '.join(known)})",
            code="unsupported_parameter",
        )


def _export(
    request: Request,
    user: Any,
    engine: Engine,
    ext: str | None,
    params: dict[str, Any],
) -> Response:
    _refuse_unknown(request)
    fmt = _format(request, ext)
    try:
        body, media = export_datavalueset(engine, fmt=fmt, allowed_unit=user.unit_code, **params)
    except PermissionError as exc:
        raise ApiError(403, str(exc)) from None
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    return Response(body, media_type=media)


def _export_params(
    dataSet: Many = None,
    period: Many = None,
    startDate: Annotated[str | None, Query()] = None,
    endDate: Annotated[str | None, Query()] = None,
    orgUnit: Many = None,
    children: bool = False,
    dataElement: Many = None,
    idScheme: Annotated[str | None, Query()] = None,
    dataElementIdScheme: Annotated[str | None, Query()] = None,
    orgUnitIdScheme: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    def day(name: str, text: str | None) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ApiError(400, f"{name} must be a date yyyy-MM-dd, not {text!r}") from None

    return {
        "data_set": dataSet or (),
        "period": period or (),
        "start_date": day("startDate", startDate),
        "end_date": day("endDate", endDate),
        "org_unit": orgUnit or (),
        "children": children,
        "data_element": dataElement or (),
        "id_scheme": idScheme,
        "data_element_id_scheme": dataElementIdScheme,
        "org_unit_id_scheme": orgUnitIdScheme,
    }


ExportParams = Annotated[dict[str, Any], Depends(_export_params)]


@router.get("/dataValueSets", summary="Export data values (DHIS2)")
def export_values(
    request: Request, user: CurrentUser, engine: AppEngine, params: ExportParams
) -> Response:
    """As DHIS2: ``orgUnit`` and ``period`` (or ``startDate`` and ``endDate``) are required;
    the format follows the ``Accept`` header (JSON by default, CSV, XML, ADX)."""
    return _export(request, user, engine, None, params)


@router.get("/dataValueSets.{ext}", summary="Export data values (DHIS2), format by extension")
def export_values_ext(
    ext: str, request: Request, user: CurrentUser, engine: AppEngine, params: ExportParams
) -> Response:
    return _export(request, user, engine, ext, params)


def _status(summary: sm.ImportSummary) -> int:
    if summary.ok:
        return 200
    if any(c.property == "payload" for c in summary.conflicts):
        return 400
    if any(c.error_code == sm.E_NOT_IN_HIERARCHY for c in summary.conflicts):
        return 403
    return 409


@router.post("/dataValueSets", summary="Import data values (DHIS2)")
async def import_values(
    request: Request,
    user: CurrentUser,
    engine: AppEngine,
    dryRun: bool = False,
    idScheme: Annotated[str | None, Query()] = None,
    dataElementIdScheme: Annotated[str | None, Query()] = None,
    orgUnitIdScheme: Annotated[str | None, Query()] = None,
    categoryOptionComboIdScheme: Annotated[str | None, Query()] = None,
    dataSetIdScheme: Annotated[str | None, Query()] = None,
    importStrategy: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    """Import a data value set: JSON, CSV, XML or ADX by ``Content-Type``. Values for units
    outside your unit are refused; a locked value can only be changed by an admin."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_PAYLOAD:
        raise ApiError(413, f"the payload is larger than {MAX_PAYLOAD} bytes")
    payload = await request.body()
    if len(payload) > MAX_PAYLOAD:
        raise ApiError(413, f"the payload is larger than {MAX_PAYLOAD} bytes")
    summary = await run_in_threadpool(
        import_datavalueset,
        engine,
        payload,
        request.headers.get("content-type"),
        actor=user.username,
        dry_run=dryRun,
        id_scheme=idScheme,
        data_element_id_scheme=dataElementIdScheme,
        org_unit_id_scheme=orgUnitIdScheme,
        category_option_combo_id_scheme=categoryOptionComboIdScheme,
        data_set_id_scheme=dataSetIdScheme,
        import_strategy=importStrategy,
        allowed_unit=user.unit_code,
        can_edit_locked=user.is_admin,
    )
    status = _status(summary)
    body = summary.to_web_message()
    body["httpStatusCode"] = status
    body["httpStatus"] = _STATUS_NAMES[status]
    if status != 200:
        details = [c.to_dict() for c in summary.conflicts]
        code = {400: "bad_request", 403: "forbidden", 409: "conflict"}[status]
        body.update(error_body(code, summary.description, details))
    return JSONResponse(body, status_code=status)
