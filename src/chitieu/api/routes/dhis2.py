"""DHIS2-compatible ``GET/POST /api/dataValueSets`` (JSON, CSV, XML, ADX) and the import jobs
of ``async=true``, delegating to :mod:`chitieu.exchange` with the caller's unit as the scope.

Query parameters carry DHIS2's names. A POST answers with DHIS2's envelope (``httpStatus``,
``httpStatusCode``, ``status``, ``message``, ``response``: the import summary). As DHIS2 does,
an import is partial by default (``atomicMode=NONE``): the good values are written, the
refused ones listed (``conflicts``, ``rejectedIndexes``) and the answer is 409 with status
WARNING; ``atomicMode=ALL`` writes nothing if any value is refused (409, ERROR). A value for a
unit outside the caller's unit is such a conflict (E7617). 200 when every value was applied;
400 for an unreadable payload; 413 past the size limit; 415 for an unknown encoding.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Engine

from chitieu.api.body import spool_body
from chitieu.api.deps import CurrentUser
from chitieu.api.errors import ApiError, error_body
from chitieu.config import get_settings
from chitieu.exchange.dhis2 import FORMATS, import_datavalueset
from chitieu.exchange.export import export_datavalueset
from chitieu.exchange.jobs import JOB_TYPE, JOBS
from chitieu.reporting import summary as sm
from chitieu.reporting.periods import Editor

router = APIRouter(tags=["DHIS2"])

_ACCEPT = (("adx", "adx"), ("csv", "csv"), ("xml", "xml"))
_STATUS_NAMES = {200: "OK", 400: "Bad Request", 409: "Conflict"}
_OLD_UNITS = ("seat", "equal", "none")

IMPORT_DESCRIPTION = """Import a data value set, as DHIS2's `POST /api/dataValueSets`.

**Formats** by `Content-Type`: `application/json`, `application/csv` (or `text/csv`),
`application/xml`, `application/adx+xml`. A `Content-Encoding: gzip` body is decompressed, and
so is a body that is itself a gzip file or a zip archive of one file (DHIS2's compressed
exports, told apart by their first bytes as DHIS2 does).
The body may be up to the `CHITIEU_MAX_UPLOAD_BODY` setting (1 GiB by default) and is
read as a stream.

**Partial or atomic.** As in DHIS2, the import is partial by default (`atomicMode=NONE`): the
good values are written, the others listed in `conflicts` and `rejectedIndexes`, status
WARNING (HTTP 409). `atomicMode=ALL` writes nothing when any value is refused (ERROR, 409).
(The CLI `chitieu import dhis2` is atomic by default and partial with `--partial`.)

**Options and their precedence** (DHIS2's): `dryRun` is a dry run if the query or the payload
says so; `importStrategy` (CREATE, UPDATE, CREATE_AND_UPDATE, DELETE) from the payload, else
the query; id schemes per object: the payload's `dataElementIdScheme`/`orgUnitIdScheme`/…,
then the query's, then the payload's `idScheme`, then the query's, then UID (ADX: CODE). The
set's `period`, `orgUnit` and `attributeOptionCombo` override each value's own.

**Values.** `deleted: true` deletes the stored value (kept as deleted, exported with
`includeDeleted=true`); an empty value is conflict E7618 and the stored value stays;
`followup` is read as true/false (an unreadable flag: false, with a conflict). Periods of a
type none of the element's data sets has are E7632; periods after the current one (unless the
data set opens future periods) are E7641. Units outside your unit are E7617.

**Old unit codes.** Values before 1 July 2025 keyed by commune codes that named other
communes before the 2025 reform are read as 2025 codes with a WARNING naming them;
`oldUnits=seat|equal` maps pre-2025 codes through the crosswalk, `oldUnits=none` says the
codes are 2025 codes.

**async=true** answers at once with a job; poll `/api/system/tasks/DATAVALUE_IMPORT/{id}` and
read the summary at `/api/system/taskSummaries/DATAVALUE_IMPORT/{id}` (jobs run on a
background thread of the worker that accepted them and live in its memory)."""

_EXAMPLE_JSON = {
    "dataSet": "rkabtlZLGek",
    "period": "202501",
    "orgUnit": "00070",
    "dataValues": [
        {"dataElement": "vL2QCgKmWOu", "value": "2", "comment": "…", "followup": False},
        {"dataElement": "vL2QCgKmWOu", "orgUnit": "00073", "value": "1", "deleted": True},
    ],
}
_SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {
        "httpStatus": {"type": "string"},
        "httpStatusCode": {"type": "integer"},
        "status": {"type": "string", "enum": ["OK", "WARNING", "ERROR"]},
        "message": {"type": "string"},
        "response": {
            "type": "object",
            "description": "DHIS2's ImportSummary: status, importOptions, description, "
            "importCount {imported, updated, ignored, deleted}, conflicts [{object, objects, "
            "value, errorCode, property, indexes}], rejectedIndexes, dataSetComplete, dryRun",
        },
    },
}
IMPORT_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A DHIS2 data value set or an ADX message (optionally gzip-encoded).",
        "content": {
            "application/json": {"schema": {"type": "object"}, "example": _EXAMPLE_JSON},
            "application/csv": {
                "schema": {"type": "string"},
                "example": "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,"
                "value,storedby,lastupdated,comment,followup,deleted\n"
                "vL2QCgKmWOu,202501,00070,,,2,,,,false,false\n",
            },
            "application/xml": {"schema": {"type": "string"}},
            "application/adx+xml": {"schema": {"type": "string"}},
        },
    }
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Every value applied (or, with async=true, the job started)",
        "content": {"application/json": {"schema": _SUMMARY_SCHEMA}},
    },
    400: {"description": "The payload cannot be read (malformed JSON, XML, CSV or gzip)"},
    401: {"description": "Not signed in"},
    409: {
        "description": "Conflicts: WARNING (partial import, good values written) or ERROR "
        "(nothing written); the import summary lists them",
        "content": {"application/json": {"schema": _SUMMARY_SCHEMA}},
    },
    413: {"description": "The payload is larger than CHITIEU_MAX_UPLOAD_BODY"},
    415: {"description": "A Content-Encoding other than gzip"},
    422: {"description": "A query parameter is invalid"},
}


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


AppEngine = Annotated[Engine, Depends(get_engine)]
Many = Annotated[list[str] | None, Query()]
Text = Annotated[str | None, Query()]


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


def _day(name: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name} must be a date yyyy-MM-dd, not {text!r}") from None


def _moment(name: str, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise ApiError(400, f"{name} must be a date or a date and time, not {text!r}") from None


def _export_params(
    dataSet: Many = None,
    period: Many = None,
    startDate: Text = None,
    endDate: Text = None,
    orgUnit: Many = None,
    children: bool = False,
    dataElement: Many = None,
    idScheme: Text = None,
    dataElementIdScheme: Text = None,
    orgUnitIdScheme: Text = None,
    inputIdScheme: Text = None,
    includeDeleted: bool = False,
    lastUpdated: Text = None,
    lastUpdatedDuration: Text = None,
    limit: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    return {
        "data_set": dataSet or (),
        "period": period or (),
        "start_date": _day("startDate", startDate),
        "end_date": _day("endDate", endDate),
        "org_unit": orgUnit or (),
        "children": children,
        "data_element": dataElement or (),
        "id_scheme": idScheme,
        "data_element_id_scheme": dataElementIdScheme,
        "org_unit_id_scheme": orgUnitIdScheme,
        "input_id_scheme": inputIdScheme,
        "include_deleted": includeDeleted,
        "last_updated": _moment("lastUpdated", lastUpdated),
        "last_updated_duration": lastUpdatedDuration,
        "limit": limit,
    }


ExportParams = Annotated[dict[str, Any], Depends(_export_params)]


def _export(
    request: Request, user: Any, engine: Engine, ext: str | None, params: dict[str, Any]
) -> Response:
    _refuse_unknown(request)
    fmt = _format(request, ext)
    try:
        chunks, media = export_datavalueset(engine, fmt=fmt, allowed_unit=user.unit_code, **params)
    except PermissionError as exc:
        raise ApiError(403, str(exc)) from None
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    return StreamingResponse(chunks, media_type=media)


EXPORT_DESCRIPTION = """As DHIS2: `orgUnit` and one of `period`, `startDate`+`endDate` or
`lastUpdated`/`lastUpdatedDuration` (`30m`, `12h`, `10d`) are required; `children=true` adds
every unit below; `includeDeleted=true` adds deleted values (`deleted: true`); `limit` caps the
number of values. Identifiers in `orgUnit`, `dataSet` and `dataElement` are read under
`inputIdScheme` (default UID; any scheme is tried for a data set); `idScheme`,
`dataElementIdScheme`, `orgUnitIdScheme` choose how values are written. The format follows
the `Accept` header (JSON by default, CSV, XML, ADX) or the path's extension. The body is
streamed. CSV columns: `dataelement, period, orgunit, categoryoptioncombo,
attributeoptioncombo, value, storedby, lastupdated, comment, followup, deleted`."""


@router.get("/dataValueSets", summary="Export data values (DHIS2)", description=EXPORT_DESCRIPTION)
def export_values(
    request: Request, user: CurrentUser, engine: AppEngine, params: ExportParams
) -> Response:
    return _export(request, user, engine, None, params)


@router.get("/dataValueSets.{ext}", summary="Export data values (DHIS2), format by extension")
def export_values_ext(
    ext: str, request: Request, user: CurrentUser, engine: AppEngine, params: ExportParams
) -> Response:
    return _export(request, user, engine, ext, params)


def _status(summary: sm.ImportSummary) -> int:
    if summary.status == "ERROR" and any(c.property == "payload" for c in summary.conflicts):
        return 400
    return summary.http_status


def summary_response(summary: sm.ImportSummary) -> JSONResponse:
    """DHIS2's envelope for an import summary, with chitieu's ``error`` object when refused."""
    status = _status(summary)
    body = summary.to_web_message()
    body["httpStatusCode"] = status
    body["httpStatus"] = _STATUS_NAMES[status]
    if status != 200:
        details = [c.to_dict() for c in summary.conflicts]
        code = {400: "bad_request", 409: "conflict"}[status]
        body.update(error_body(code, summary.description, details))
    return JSONResponse(body, status_code=status)


@router.post(
    "/dataValueSets",
    summary="Import data values (DHIS2)",
    description=IMPORT_DESCRIPTION,
    openapi_extra=IMPORT_OPENAPI,
    responses=IMPORT_RESPONSES,
)
async def import_values(
    request: Request,
    user: CurrentUser,
    engine: AppEngine,
    dryRun: bool = False,
    idScheme: Text = None,
    dataElementIdScheme: Text = None,
    orgUnitIdScheme: Text = None,
    categoryOptionComboIdScheme: Text = None,
    dataSetIdScheme: Text = None,
    importStrategy: Text = None,
    atomicMode: Annotated[str, Query(pattern="^(ALL|NONE|all|none)$")] = "NONE",
    firstRowIsHeader: bool = True,
    confirmImplausible: bool = False,
    oldUnits: Text = None,
    async_: Annotated[bool, Query(alias="async")] = False,
) -> JSONResponse:
    if oldUnits is not None and oldUnits not in _OLD_UNITS:
        raise ApiError(422, f"oldUnits must be one of {', '.join(_OLD_UNITS)}")
    body = await spool_body(request, get_settings().max_upload_body)

    def work(stream: BinaryIO = body) -> sm.ImportSummary:
        try:
            return import_datavalueset(
                engine,
                stream,
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
                editor=Editor(user.role, confirm_implausible=confirmImplausible),
                atomic=atomicMode.upper() == "ALL",
                old_units=oldUnits,
                first_row_is_header=firstRowIsHeader,
                inflated_limit=get_settings().max_upload_body,
            )
        finally:
            stream.close()

    if async_:
        job = JOBS.start(user.username, work)
        return JSONResponse(job.started())
    return summary_response(await run_in_threadpool(work))


def _job(user: Any, job_id: str) -> Any:
    job = JOBS.get(job_id, user.username, see_all=user.is_admin)
    if job is None:
        raise ApiError(404, f"no {JOB_TYPE} job {job_id!r}")
    return job


@router.get(f"/system/tasks/{JOB_TYPE}/{{job_id}}", summary="Progress of an async DHIS2 import")
def job_tasks(job_id: str, user: CurrentUser) -> JSONResponse:
    """DHIS2's notifications of the job, newest first; the first is ``completed`` when done."""
    return JSONResponse(_job(user, job_id).notifications)


@router.get(
    f"/system/taskSummaries/{JOB_TYPE}/{{job_id}}", summary="Summary of an async DHIS2 import"
)
def job_summary(job_id: str, user: CurrentUser) -> JSONResponse:
    """The import summary once the job is done (``{}`` before, as DHIS2)."""
    job = _job(user, job_id)
    return JSONResponse(job.summary.to_dict() if job.summary is not None else {})
