"""Sign-in and sign-out pages.

Before sign-in there is no session to tie a CSRF token to, so the sign-in form uses a
double-submit token: a random value in a short-lived cookie and in the form; a post whose two
copies differ (a form posted from another site, which cannot read the cookie) is refused.
After sign-in, forms carry the session's CSRF token (:func:`chitieu.api.deps.csrf_token`).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, OptionalUser, end_session, login_page_user, start_session
from chitieu.api.errors import ApiError
from chitieu.web.deps import safe_next
from chitieu.web.i18n import request_language, translator
from chitieu.web.templating import render

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "chitieu_login_csrf"
LOGIN_CSRF_AGE = 2 * 3600


def _login_form(
    request: Request, *, next_url: str, error: str | None = None, username: str = "", status=200
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "next": next_url, "error": error, "username": username},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_CSRF_AGE,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return _login_form(request, next_url=safe_next(next))


@router.post("/login")
async def login_submit(
    request: Request,
    db: DB,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/dashboard",
) -> Response:
    """Check the form; on success set the session cookie and go to ``next``. A wrong password
    shows the form again (401); too many failures 429; a missing or wrong form token 403."""
    t = translator(request_language(request))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_form(
            request, next_url=safe_next(next), error=t("login_csrf"), username=username, status=403
        )
    if not username or not password:
        return _login_form(
            request,
            next_url=safe_next(next),
            error=t("login_missing"),
            username=username,
            status=422,
        )
    try:
        # a coroutine: the password check holds no connection or thread (chitieu.auth.signin)
        user = await login_page_user(request, username, password)
    except ApiError as exc:
        key = "login_too_many" if exc.status == 429 else "login_wrong"
        return _login_form(
            request, next_url=safe_next(next), error=t(key), username=username, status=exc.status
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    await run_in_threadpool(start_session, response, request, db, user)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: CurrentUser, db: DB) -> Response:
    """Sign out: the session is refused from now on (the form carries the session's CSRF
    token; :func:`current_user` checks it)."""
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response, db, user)
    return response


@router.get("/")
def home(user: OptionalUser) -> Response:
    """The dashboard when signed in, else the sign-in page, whose form then leads to the
    dashboard. The redirect carries no query string: a DHIS2 client (dhis2w) follows it
    from its base URL and adopts where it lands, minus a trailing ``/login``, as the base."""
    return RedirectResponse("/dashboard" if user else "/login", status_code=303)
