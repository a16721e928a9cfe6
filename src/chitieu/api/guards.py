"""ASGI middleware that every request passes before sign-in, routing and parsing.

* :class:`RequestGuards` — a size limit on request bodies (by ``Content-Length`` before
  anything is read, and by counting the bytes actually streamed), smaller for sign-in and
  larger for data imports; and a refusal of NUL characters in the path, the query and
  JSON or form bodies (PostgreSQL cannot store them; no legitimate text needs them): 413 and
  400 with a clear message, before any handler or database is involved.
* :class:`SecurityHeaders` — framing, content-type sniffing, referrer and content-security
  headers on every response. Pages get a fresh nonce per request for their inline script
  (``request.state.csp_nonce``); the API's documentation page is allowed its CDN.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths whose bodies are a username and password.
SIGN_IN_PATHS = frozenset({"/api/login", "/api/session", "/login"})
#: Paths that take data files (DHIS2 data value sets in JSON, CSV, XML or ADX).
UPLOAD_PATHS = frozenset({"/api/dataValueSets"})
#: Body types whose text is checked for NUL characters (raw, ``\u0000`` in JSON, ``%00`` in
#: a form); files and imports (:data:`UPLOAD_PATHS`, whose body may be a gzip file or a zip
#: archive) are checked by their own readers, value by value.
_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")
_NUL = re.compile(rb"\x00|\\u0000|%00", re.IGNORECASE)
_NUL_TAIL = 5  # bytes kept between chunks, so a marker split across two is still seen

NUL_MESSAGE = "the request contains a NUL character (ký tự NUL không hợp lệ)"


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """Largest request bodies, in bytes (``CHITIEU_MAX_*_BODY`` settings)."""

    sign_in: int = 16 * 1024
    default: int = 2 * 1024 * 1024
    upload: int = 1024 * 1024 * 1024

    def for_path(self, path: str) -> int:
        if path in SIGN_IN_PATHS:
            return self.sign_in
        if path in UPLOAD_PATHS:
            return self.upload
        return self.default


def too_large_message(limit: int | None) -> str:
    return f"the request body is larger than {limit} bytes (nội dung gửi lên quá lớn)"


def too_large(limit: int) -> JSONResponse:
    body = {"error": {"code": "too_large", "message": too_large_message(limit), "details": None}}
    return JSONResponse(body, status_code=413, headers={"Connection": "close"})


def _nul_refusal() -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "bad_request", "message": NUL_MESSAGE, "details": None}},
        status_code=400,
    )


#: Answers a refusal on a web page in the page's own form (an HTML page in the user's
#: language): given the request's scope, the status and the body limit, a response, or None
#: where the path is not a page (the API keeps its JSON).
PageRefusal = Callable[[Scope, int, int], Response | None]


class RequestGuards:
    """Body size limits and NUL refusal (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        limits: BodyLimits | None = None,
        page_refusal: PageRefusal | None = None,
    ) -> None:
        self.app = app
        self.limits = limits or BodyLimits()
        self.page_refusal = page_refusal

    def _refusal(self, scope: Scope, status: int, limit: int) -> Response:
        page = self.page_refusal(scope, status, limit) if self.page_refusal else None
        if page is not None:
            if status == 413:
                page.headers["Connection"] = "close"
            return page
        return too_large(limit) if status == 413 else _nul_refusal()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or _NUL.search(scope.get("query_string", b"")):
            limit = self.limits.for_path(scope["path"])
            await self._refusal(scope, 400, limit)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limits.for_path(scope["path"])
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            # nothing read, nothing run
            await self._refusal(scope, 413, limit)(scope, receive, send)
            return
        encoded = headers.get("content-encoding", "identity").lower() not in ("identity", "")
        text = headers.get("content-type", "").startswith(_TEXT_BODIES)
        if text and not encoded and scope["path"] not in UPLOAD_PATHS:
            # a compressed body is binary: its reader checks the text once decompressed
            receive = _refusing_nul(receive)
        # counts what is streamed (no or a false Content-Length); the handlers answer 413
        await RequestBodyLimitResponder(self.app, limit)(scope, receive, send)


def _refusing_nul(receive: Receive) -> Receive:
    tail = b""

    async def checked() -> Message:
        nonlocal tail
        message = await receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")
            if _NUL.search(tail + body):
                # an HTTPException raised while the body is read reaches the error handlers
                # as it is (FastAPI re-raises it), so the client gets this message
                raise HTTPException(400, NUL_MESSAGE)
            tail = (tail + body)[-_NUL_TAIL:]
        return message

    return checked


def _policy(directives: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives)


def page_policy(nonce: str) -> str:
    """The pages' Content-Security-Policy: scripts only from this server or with the request's
    nonce; inline styles allowed (the chart library positions its tooltips with them)."""
    return _policy(
        (
            ("default-src", "'self'"),
            ("script-src", f"'self' 'nonce-{nonce}'"),
            ("style-src", "'self' 'unsafe-inline'"),
            ("img-src", "'self' data: blob:"),
            ("font-src", "'self' data:"),
            ("connect-src", "'self'"),
            ("object-src", "'none'"),
            ("base-uri", "'self'"),
            ("form-action", "'self'"),
            ("frame-ancestors", "'none'"),
        )
    )


#: The interactive API documentation (FastAPI's Swagger UI page) loads from its CDN.
DOCS_POLICY = _policy(
    (
        ("default-src", "'self'"),
        ("script-src", "'self' 'unsafe-inline' https://cdn.jsdelivr.net"),
        ("style-src", "'self' 'unsafe-inline' https://cdn.jsdelivr.net"),
        ("img-src", "'self' data: https://fastapi.tiangolo.com"),
        ("connect-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'self'"),
        ("frame-ancestors", "'none'"),
    )
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})


class SecurityHeaders:
    """Adds the security headers to every HTTP response (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else page_policy(nonce)
        extra = [
            (b"content-security-policy", policy.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


_OURS = frozenset(
    {b"content-security-policy", b"x-frame-options", b"x-content-type-options", b"referrer-policy"}
)
