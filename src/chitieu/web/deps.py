"""Page-side dependencies and error pages.

Pages use :data:`PageUser`: the signed-in user, or a redirect to the sign-in page (an API call
gets a JSON 401 instead, from :func:`chitieu.api.deps.current_user`). Errors raised under a page
path (not ``/api``, ``/docs``, ``/static``) are shown as an HTML page in the user's language
with the same status; the API keeps its JSON errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from chitieu.api.db import DB
from chitieu.api.deps import OptionalUser, ensure_within
from chitieu.api.errors import ApiError, domain_status, log_refusal
from chitieu.api.guards import NUL_MESSAGE
from chitieu.auth.users import Principal
from chitieu.catalog.messages import message
from chitieu.errors import DomainError
from chitieu.reports.i18n import fmt_interval, fmt_number
from chitieu.units.queries import UnitInfo
from chitieu.web.i18n import request_language
from chitieu.web.templating import render

JSON_PREFIXES = ("/api", "/docs", "/openapi.json", "/static")


class LoginRequired(Exception):
    """Raised by :func:`page_user` when nobody is signed in; answered by a redirect."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def page_user(request: Request, user: OptionalUser) -> Principal:
    """The signed-in user; without one, a redirect to ``/login?next=<this page>``."""
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


PageUser = Annotated[Principal, Depends(page_user)]

#: Query parameters the pages share: the unit shown, the year, and "saved N" after a form.
UnitCode = Annotated[str | None, Query(max_length=16)]
Year = Annotated[int | None, Query(ge=1990, le=2100)]
Saved = Annotated[int | None, Query(ge=0)]


@dataclass(frozen=True, slots=True)
class UnitPage:
    """What a page about a unit and a year starts from: the request, the signed-in user, the
    request's session, the page's language, and the ``unit`` and ``year`` asked for (None when
    the query does not name them)."""

    request: Request
    user: Principal
    db: Session
    lang: str
    unit: str | None
    year: int | None

    def unit_info(self, default: str | None = None) -> UnitInfo:
        """The unit asked for, else ``default``, else the user's own; 404 unknown, 403 outside
        the user's unit."""
        return ensure_within(self.user, self.unit or default or self.user.unit_code, self.db)

    def figures(self) -> dict[str, Callable[..., str]]:
        """The template's number formatters in the page's language: ``fmt(value, digits=1)``
        and ``interval(lower, upper, digits=1)``."""
        lang = self.lang
        return {
            "fmt": lambda v, d=1: fmt_number(v, d, lang),
            "interval": lambda lo, hi, d=1: fmt_interval(lo, hi, d, lang),
        }

    def render(self, template: str, context: dict[str, Any]) -> Response:
        return render(self.request, template, context, user=self.user)


def unit_page(
    request: Request, user: PageUser, db: DB, unit: UnitCode = None, year: Year = None
) -> UnitPage:
    return UnitPage(request, user, db, request_language(request), unit, year)


#: A page about a unit and a year (``?unit=`` and ``?year=``), for a signed-in user.
PageOfUnit = Annotated[UnitPage, Depends(unit_page)]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(JSON_PREFIXES)


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site: no ``//`` or scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    return target


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {
        401: "error_401",
        403: "error_403",
        404: "error_404",
        409: "error_409",
        413: "error_413",
    }
    return render(
        request,
        "error.html",
        {"status": status, "title_key": titles.get(status, "error_other"), "message": message},
        status_code=status,
    )


def _size(n: int, lang: str) -> str:
    """A byte count as people read it: 16 KB, 2 MB."""
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024:
        return f"{n // 1024:,} KB".replace(",", "." if lang == "vi" else ",")
    return f"{n} B"


def refusal_page(request: Request, status: int, limit: int | None) -> Response:
    """The page for a body refused as too large (413) or a NUL character (400), in the
    user's language."""
    lang = request_language(request)
    if status == 413:
        text = message("body_too_large", lang, size=_size(limit or 0, lang))
    else:
        text = message("nul_character", lang)
    return error_page(request, status, text)


def guard_refusal(scope: Scope, status: int, limit: int) -> Response | None:
    """:class:`chitieu.api.guards.RequestGuards`' refusals on a page path as HTML pages;
    None (the guard's JSON) elsewhere."""
    request = Request(scope)
    return refusal_page(request, status, limit) if is_page(request) else None


def _invalid_parameters(exc: Exception) -> str:
    """A readable line per invalid parameter: ``done: Input should be 'saved' or …``."""
    if not isinstance(exc, RequestValidationError):
        return str(exc)
    return "; ".join(
        f"{e['loc'][-1] if e.get('loc') else '?'}: {e.get('msg', '')}" for e in exc.errors()
    )


def install_page_errors(app: FastAPI) -> None:
    """HTML error pages and the sign-in redirect for page paths; the API's JSON handlers stay
    in charge of everything else."""
    json_handlers: dict[type[Exception], Any] = {
        exc: app.exception_handlers.get(exc)
        for exc in (ApiError, DomainError, StarletteHTTPException, RequestValidationError)
    }

    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)

    def dispatch(exc_type: type[Exception]):
        async def handler(request: Request, exc: Exception) -> Response:
            original = json_handlers.get(exc_type)
            if not is_page(request) and original is not None:
                return await original(request, exc)
            if isinstance(exc, ApiError | DomainError):
                log_refusal(exc)
                status = exc.status if isinstance(exc, ApiError) else domain_status(exc)
                if status == 401:
                    return await login_required(request, LoginRequired(request.url.path))
                text = exc.message
                if exc.key:  # the page's language only, never the API's bilingual line
                    text = message(exc.key, request_language(request), **exc.values)
                return error_page(request, status, text)
            if isinstance(exc, StarletteHTTPException) and exc.status_code == 413:
                return refusal_page(request, 413, request.scope.get("starlette.max_body_size"))
            if isinstance(exc, StarletteHTTPException) and exc.detail == NUL_MESSAGE:
                return refusal_page(request, 400, None)
            if isinstance(exc, StarletteHTTPException):
                return error_page(request, exc.status_code, str(exc.detail))
            return error_page(request, 422, _invalid_parameters(exc))

        return handler

    app.add_exception_handler(LoginRequired, login_required)  # type: ignore[arg-type]
    for exc_type in json_handlers:
        app.add_exception_handler(exc_type, dispatch(exc_type))
