"""JSON errors with the right status: DHIS2's WebMessage (``httpStatus``,
``httpStatusCode``, ``status: "ERROR"``, ``message``, ``errorCode``: chitieu's stable code)
beside chitieu's own ``{"error": {"code", "message", "details"}}``, on every API route, so a
DHIS2 client reports the message and chitieu's clients keep reading ``error``.

A 401 challenges with ``Basic realm="DHIS2"`` as well as ``Bearer`` for scripts; a request a
browser makes (it sends ``Sec-Fetch-Mode``) is challenged with Bearer only, so the browser
never asks for and then silently resends Basic credentials, which need no CSRF token.

400 malformed body · 401 not signed in · 403 outside your unit, role or CSRF · 404 unknown
id · 409 conflicts with stored data · 413 body too large · 422 invalid values · 429 too many
sign-in attempts · 503 the database is busy (no pooled connection free in time, SQLite's write
lock held too long, the server's connection slots full), with ``Retry-After``: a load to wait
out, never a 500.
Services refuse with :mod:`chitieu.errors` (never an HTTP error); :data:`DOMAIN_STATUS` maps
each kind of refusal to its status here, once. Every handler raises inside the request's
transaction, which is then rolled back, so a refused request changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from chitieu.api.guards import too_large_message
from chitieu.catalog.load import UnknownCodeError
from chitieu.errors import DomainError, InvalidInput, NotAllowed, NotFound, StateConflict
from chitieu.ingest.errors import ImportRefused
from chitieu.units.queries import UnknownUnitError

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "rate_limited",
    503: "busy",
}

#: Seconds a client is asked to wait when the database is busy.
BUSY_RETRY_AFTER = 5
#: Driver messages that mean "busy, try again", not "broken".
_BUSY_MESSAGES = ("database is locked", "too many clients", "remaining connection slots")


class ApiError(Exception):
    """An error the API reports as JSON with ``status``; ``code`` is a stable machine name."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.details = details
        self.headers = headers
        #: The message catalogue's key (and its fields) for people reading a page, who get
        #: it in the page's language alone; API clients get ``message``.
        self.key = key
        self.values = values or {}


#: The HTTP status of each kind of refusal a service raises (:mod:`chitieu.errors`).
DOMAIN_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotAllowed: 403,
    NotFound: 404,
    StateConflict: 409,
}


def domain_status(exc: DomainError) -> int:
    """The status a service's refusal is answered with (422 for a kind not listed)."""
    for kind, status in DOMAIN_STATUS.items():
        if isinstance(exc, kind):
            return status
    return 422


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found (không tìm thấy)")


def forbidden(
    message: str, code: str = "forbidden", key: str | None = None, **values: Any
) -> ApiError:
    return ApiError(403, message, code=code, key=key, values=values)


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
#: The challenges of a 401 for scripts (DHIS2 clients look for Basic) and for browsers.
SCRIPT_CHALLENGES = ('Basic realm="DHIS2"', 'Bearer realm="chitieu"')
BROWSER_CHALLENGES = ('Bearer realm="chitieu"',)


def web_message(status: int, message: str, error_code: str | None = None) -> dict[str, Any]:
    """DHIS2's WebMessage for an error answered with ``status``."""
    body: dict[str, Any] = {
        "httpStatus": _REASONS.get(status, "Error"),
        "httpStatusCode": status,
        "status": "ERROR",
        "message": message,
    }
    if error_code:
        body["errorCode"] = error_code
    return body


def error_body(
    code: str, message: str, details: Any = None, status: int | None = None
) -> dict[str, Any]:
    """chitieu's ``error`` object, with DHIS2's WebMessage around it when ``status`` is given."""
    own = {"error": {"code": code, "message": message, "details": details}}
    return {**web_message(status, message, code), **own} if status is not None else own


def _json(status: int, code: str, message: str, details: Any = None, headers=None) -> JSONResponse:
    body = error_body(code, message, details, status)
    response = JSONResponse(body, status_code=status, headers=headers)
    return response


def _challenge(request: Request, response: JSONResponse) -> JSONResponse:
    if response.status_code == 401:
        browser = "sec-fetch-mode" in request.headers
        del response.headers["www-authenticate"]
        for challenge in BROWSER_CHALLENGES if browser else SCRIPT_CHALLENGES:
            response.headers.append("WWW-Authenticate", challenge)
    return response


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        item = {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
        value = e.get("input")
        if isinstance(value, str | int | float | bool) or value is None:
            item["input"] = value
        out.append(item)
    return out


def log_refusal(exc: ApiError | DomainError) -> None:
    """Log a refused request with its reason (the access line has only the status): a refusal
    by scope, role, CSRF or rate limit as a warning, any other as information."""
    status = exc.status if isinstance(exc, ApiError) else domain_status(exc)
    level = logging.WARNING if status in (403, 429) else logging.INFO
    log.log(level, "refused", extra={"status": status, "code": exc.code, "reason": exc.message})


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    log_refusal(exc)
    return _challenge(request, _json(exc.status, exc.code, exc.message, exc.details, exc.headers))


async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
    log_refusal(exc)
    return _json(domain_status(exc), exc.code, exc.message, exc.details)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _CODES.get(exc.status_code, "error")
    message = str(exc.detail)
    if exc.status_code == 413:
        message = too_large_message(request.scope.get("starlette.max_body_size"))
    return _json(exc.status_code, code, message, None, getattr(exc, "headers", None))


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    details = _validation_details(exc)
    if any(d["type"] == "json_invalid" for d in details):
        return _json(400, "bad_request", "the request body is not valid JSON", details)
    return _json(422, "validation", "invalid request (yêu cầu không hợp lệ)", details)


async def _integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "constraint"
    log.warning("conflict with stored data", extra={"reason": reason})
    return _json(409, "conflict", "the change conflicts with stored data", {"reason": reason})


async def _unknown_unit(_: Request, exc: UnknownUnitError) -> JSONResponse:
    return _json(404, "not_found", str(exc), {"unit": exc.code})


async def _unknown_code(_: Request, exc: UnknownCodeError) -> JSONResponse:
    return _json(404, "not_found", str(exc))


async def _refused(_: Request, exc: ImportRefused) -> JSONResponse:
    rows = [
        {
            "row": e.row,
            "column": e.column,
            "reason": e.reason,
            "reason_vi": e.reason_vi or e.reason,
            "value": e.value,
        }
        for e in exc.errors
    ]
    log.info("import refused", extra={"errors": len(exc.errors)})
    return _json(422, "validation", exc.summary().splitlines()[0], rows)


def busy_response() -> JSONResponse:
    return _json(
        503,
        "busy",
        "the server is busy; try again in a few seconds (máy chủ đang bận, hãy thử lại sau)",
        {"retry_after": BUSY_RETRY_AFTER},
        {"Retry-After": str(BUSY_RETRY_AFTER)},
    )


def is_busy(exc: BaseException) -> bool:
    """True for a database error that means a load to wait out: no pooled connection free
    in time, a lock held too long, no connection slot left on the server."""
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, OperationalError) and any(
        m in str(exc.orig).lower() for m in _BUSY_MESSAGES
    )


def has_nul(exc: BaseException) -> bool:
    """True for a statement refused because a text value holds a NUL character (PostgreSQL
    cannot store one)."""
    return isinstance(exc, StatementError) and "NUL" in str(getattr(exc, "orig", "") or "")


async def _database_error(request: Request, exc: StatementError) -> JSONResponse:
    if is_busy(exc):
        return busy_response()
    if has_nul(exc):
        return _json(400, "bad_request", "a text value contains a NUL character (ký tự NUL)")
    if isinstance(exc, DataError) or isinstance(getattr(exc, "orig", None), OverflowError):
        return await _out_of_range(request, exc)
    return await _unexpected(request, exc)


async def _out_of_range(_: Request, exc: Exception) -> JSONResponse:
    return _json(400, "bad_request", "a value is out of range for the database (số quá lớn)")


async def _pool_timeout(_: Request, exc: PoolTimeout) -> JSONResponse:
    return busy_response()


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _json(500, "internal", "internal error; nothing was changed")


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers on ``app``."""
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _integrity_error)  # type: ignore[arg-type]
    app.add_exception_handler(PoolTimeout, _pool_timeout)  # type: ignore[arg-type]
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(StatementError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownUnitError, _unknown_unit)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownCodeError, _unknown_code)  # type: ignore[arg-type]
    app.add_exception_handler(ImportRefused, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
