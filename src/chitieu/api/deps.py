"""FastAPI dependencies for sign-in, roles, unit scope and CSRF (pages and API alike).

Credentials are read in this order: ``Authorization: Bearer <token>``, ``Authorization: Basic
…``, ``Authorization: ApiToken d2pat_…`` (a personal access token,
:mod:`chitieu.auth.api_tokens`), then the session cookie. A cookie is ambient (the browser
sends it by itself), so any
state-changing request (not GET/HEAD/OPTIONS) authenticated by the cookie must carry the
session's CSRF token in the ``X-CSRF-Token`` header or a ``csrf_token`` form field; bearer
and Basic requests need none (the server never asks a browser for Basic credentials, so a
browser never sends them on its own).

Dependencies for handlers (``DB`` is :data:`chitieu.api.db.DB`, the request's session)::

    CurrentUser  = Annotated[Principal, Depends(current_user)]         # 401 when not signed in
    OptionalUser = Annotated[Principal | None, Depends(optional_user)]

    def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]
        # Depends(require_role("admin", "analyst")) -> the user, or 403
    def require_scope(param: str = "unit") -> Callable[..., UnitInfo]
        # Depends(require_scope("unit")) -> the unit named by that path/query parameter
        # (the user's own unit when absent), 404 unknown, 403 outside the user's unit
    def ensure_within(user: Principal, unit_code: str, db: Session) -> UnitInfo   # 404 / 403
    def csrf_token(request: Request) -> str | None       # the session's CSRF token, for forms
    async def verify_csrf(request: Request) -> None      # Depends(verify_csrf): 403 without it
    async def login_page_user(request, username, password) -> Principal  # rate-limited; 401/429
    def signed_in_from_memory(request) -> Principal | None  # a GET's user, if no DB work needed
    def start_session(response, request, db, user) -> str   # sets the cookie; the CSRF token
    def end_session(request, response, db, user) -> None   # revokes the credential; clears cookie
    def issue_api_token(request, db, user) -> str

:func:`current_user` enforces the CSRF rule, so a page handler that depends on ``CurrentUser``
is protected without more code. Handlers and dependencies that query the database must be
plain ``def`` functions (FastAPI runs them in worker threads): a query on the event loop that
waits for a pooled connection would stall every request.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from chitieu.api.credentials import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    Presented,
    auth_state,
    credentials,
    csrf_token,
    read_credentials,
    unauthenticated,
    verify_csrf,
)
from chitieu.api.db import DB
from chitieu.api.errors import ApiError, forbidden
from chitieu.api.scope import ensure_within
from chitieu.auth import api_tokens, tokens
from chitieu.auth.revocation import is_revoked, revoke
from chitieu.auth.signin import TooManyAttempts, WrongCredentials, check_password
from chitieu.auth.state import AuthState
from chitieu.auth.users import Principal, load_account
from chitieu.logs import bind_user
from chitieu.units.queries import UnitInfo

log = logging.getLogger(__name__)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _too_many(seconds: int) -> ApiError:
    return ApiError(
        429,
        f"too many failed sign-ins; try again in {seconds} s (đăng nhập sai quá nhiều lần)",
        code="rate_limited",
        details={"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )


async def _sign_in(request: Request, username: str, password: str) -> Principal:
    """Check a username and password, limited per username and address (401, or 429 when
    over the limit); see :mod:`chitieu.auth.signin` for why no connection is held meanwhile."""
    try:
        return await check_password(
            auth_state(request),
            request.app.state.engine,
            username,
            password,
            client_address(request),
        )
    except TooManyAttempts as exc:
        log.warning("sign-in refused: too many failures", extra={"username": username})
        raise _too_many(exc.seconds) from None
    except WrongCredentials:
        log.warning("sign-in failed", extra={"username": username})
        raise unauthenticated(
            "wrong username or password (sai tên đăng nhập hoặc mật khẩu)"
        ) from None


async def optional_user(
    request: Request,
    db: DB,
    presented: Annotated[Presented | None, Depends(credentials)],
) -> Principal | None:
    """The signed-in user, or None for an anonymous request or an expired/revoked session.
    A bad bearer token or Basic password is still an error (401), never silently anonymous.
    The request's log lines carry the user and their unit from here on."""
    user = await _signed_in(request, db, presented)
    if user is not None:
        bind_user(user.username, user.unit_code)
    return user


async def _signed_in(
    request: Request, db: Session, presented: Presented | None
) -> Principal | None:
    """The account comes from :class:`~chitieu.auth.state.AccountCache` (two seconds) or from
    the database in a worker thread; database work never runs on the event loop, where
    waiting for a pooled connection would stall every request. A session or bearer token
    found not signed out in the last second (:class:`~chitieu.auth.state.UnrevokedCache`)
    whose account is cached is signed in on the event loop, with no database work."""
    if presented is None:
        return None
    if presented.via == "basic":
        checked = await _sign_in(request, presented.username, presented.password or "")
        return replace(checked, via="basic")
    if presented.via == "apitoken":
        user = await run_in_threadpool(api_tokens.authenticate_token, db, presented.password or "")
        if user is None:
            raise unauthenticated("the personal access token is unknown, expired or revoked")
        return user
    state = auth_state(request)
    account = state.accounts.get(presented.username)
    if account is not None and state.unrevoked.known(presented.credential_id or ""):
        revoked = False  # both checked within a second or two: no thread, no round trip
    else:
        account, revoked = await run_in_threadpool(_account_unless_revoked, state, db, presented)
    if revoked:
        if presented.via == "bearer":
            raise unauthenticated("the token was revoked (signed out)")
        return None
    user = _principal(state, presented, account)
    if user is None and presented.via == "bearer":
        raise unauthenticated("the token was revoked (password changed or user disabled)")
    return user


def _principal(
    state: AuthState, presented: Presented, account: tuple[Principal, str] | None
) -> Principal | None:
    """The user a bearer token or session not signed out stands for, or None if the account
    is gone or its password changed since the credential was issued."""
    valid = account is not None and tokens.password_fingerprint(account[1]) == presented.fingerprint
    if not valid or account is None:
        return None
    if presented.via == "bearer":
        return replace(account[0], via="bearer", credential_id=presented.credential_id)
    csrf = tokens.csrf_for(state.secret, presented.session_id or "")
    return replace(account[0], via="session", csrf=csrf, credential_id=presented.credential_id)


def signed_in_from_memory(request: Request) -> Principal | None:
    """The signed-in user of a request that reads (GET, HEAD) when nothing needs the
    database nor raises: a bearer token or session cookie that :func:`current_user` would
    accept from this worker's memory alone (its account cached, the credential found not
    signed out less than a second ago). None otherwise (no or other credentials, one to
    check against the database, one refused): :func:`current_user` then decides."""
    if request.method not in ("GET", "HEAD"):
        return None
    try:
        presented = read_credentials(request)
    except ApiError:
        return None
    if presented is None or presented.via not in ("bearer", "session"):
        return None
    state = auth_state(request)
    account = state.accounts.get(presented.username)
    if account is None or not state.unrevoked.known(presented.credential_id or ""):
        return None
    return _principal(state, presented, account)


def _account_unless_revoked(
    state: AuthState, db: Session, presented: Presented
) -> tuple[tuple[Principal, str] | None, bool]:
    """The presented credential's account (from the two-second cache or the database) and
    whether the credential was signed out (asked of the database, where a sign-out is seen by
    every worker; a credential found not signed out is remembered for
    :data:`~chitieu.auth.state.UNREVOKED_TTL` seconds)."""
    checked_at = state.unrevoked.now()
    if is_revoked(db, presented.credential_id or ""):
        return None, True
    state.unrevoked.put(presented.credential_id or "", checked_at)
    account = state.accounts.get(presented.username)
    if account is None:
        account = load_account(db, presented.username)
        if account is not None:
            state.accounts.put(presented.username, account)
    return account, False


async def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    """The signed-in user; 401 when there is none."""
    if user is None:
        raise unauthenticated("sign in first (hãy đăng nhập): a session, a bearer token or Basic")
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]


def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the signed-in user if their role is one of ``roles``, else 403."""

    async def dependency(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise forbidden(f"this needs the role {' or '.join(roles)} (you are {user.role})")
        return user

    dependency.__name__ = f"require_role_{'_'.join(roles)}"
    return dependency


def require_scope(param: str = "unit") -> Callable[..., UnitInfo]:
    """A dependency: the unit named by the path or query parameter ``param`` (the user's own
    unit when absent), checked with :func:`ensure_within`."""

    def dependency(request: Request, user: CurrentUser, db: DB) -> UnitInfo:
        code = request.path_params.get(param) or request.query_params.get(param) or user.unit_code
        return ensure_within(user, code, db)

    dependency.__name__ = f"require_scope_{param}"
    return dependency


async def login_page_user(request: Request, username: str, password: str) -> Principal:
    """Check a sign-in form's username and password (rate-limited): the user, or 401 / 429."""
    return replace(await _sign_in(request, username.strip(), password), via="session")


def start_session(response: Response, request: Request, db: Session, user: Principal) -> str:
    """Set the signed session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) on
    ``response`` and return the new session's CSRF token."""
    account = load_account(db, user.username)
    if account is None:
        raise unauthenticated("no such active user")
    value, csrf = tokens.issue_session(auth_state(request).secret, user.username, account[1])
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=tokens.SESSION_TTL,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return csrf


def end_session(request: Request, response: Response, db: Session, user: Principal) -> None:
    """Sign out: revoke the credential the request came with (session cookie or bearer token;
    this worker refuses it from now on, every other one at most
    :data:`~chitieu.auth.state.UNREVOKED_TTL` seconds after the commit) and clear the session
    cookie."""
    if user.credential_id:
        revoke(db, user.credential_id, user.username)
        auth_state(request).unrevoked.drop(user.credential_id)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def issue_api_token(request: Request, db: Session, user: Principal) -> str:
    """A bearer token for ``user`` (valid :data:`chitieu.auth.tokens.TOKEN_TTL` seconds)."""
    account = load_account(db, user.username)
    if account is None:
        raise unauthenticated("no such active user")
    return tokens.issue_token(auth_state(request).secret, user.username, account[1])


__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CurrentUser",
    "OptionalUser",
    "csrf_token",
    "current_user",
    "end_session",
    "ensure_within",
    "issue_api_token",
    "login_page_user",
    "optional_user",
    "require_role",
    "require_scope",
    "start_session",
    "verify_csrf",
]
