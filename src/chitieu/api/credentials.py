"""The credentials a request carries, read and checked for signature and CSRF (not yet
against the database): ``Authorization: Bearer``, ``Basic``, ``ApiToken``, then the session
cookie. :mod:`chitieu.api.deps` turns them into the signed-in user."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from fastapi import Request

from chitieu.api.errors import ApiError, forbidden
from chitieu.auth import api_tokens, tokens
from chitieu.auth.state import AuthState

SESSION_COOKIE = "chitieu_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def auth_state(request: Request) -> AuthState:
    return request.app.state.auth


def unauthenticated(message: str) -> ApiError:
    return ApiError(
        401,
        message,
        code="unauthenticated",
        headers={"WWW-Authenticate": 'Bearer realm="chitieu"'},
    )


@dataclass(frozen=True, slots=True)
class Presented:
    """Credentials a request carries, checked for signature and CSRF but not yet against the
    database."""

    via: str  # session | bearer | basic | apitoken
    username: str
    fingerprint: str | None = None  # bearer and session
    password: str | None = None  # basic; apitoken: the token
    session_id: str | None = None
    credential_id: str | None = None  # bearer and session: what signing out revokes


async def _request_csrf(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    if request.headers.get("content-type", "").startswith(_FORMS):
        form = await request.form()  # Starlette keeps the parsed form for the handler
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def credentials(request: Request) -> Presented | None:
    """The credentials on the request (None if none); 401 for a bad token or malformed Basic
    header, 403 for a cookie-authenticated state change without the right CSRF token."""
    presented = read_credentials(request)
    if (
        presented is not None
        and presented.via == "session"
        and request.method not in SAFE_METHODS
        and not tokens.csrf_matches(
            auth_state(request).secret, presented.session_id or "", await _request_csrf(request)
        )
    ):
        raise forbidden(
            f"missing or wrong CSRF token: send it in the {CSRF_HEADER} header or the "
            f"{CSRF_FIELD} form field",
            code="csrf",
        )
    return presented


def read_credentials(request: Request) -> Presented | None:
    """:func:`credentials` but the CSRF check of a state change (nothing is awaited): the
    credentials on the request, None if none; 401 for a bad token or malformed Basic header."""
    state = auth_state(request)
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            cred = tokens.read_credential(state.secret, "bearer", value.strip())
            if cred is None:
                raise unauthenticated("the token is invalid or has expired")
            return Presented(
                "bearer", cred.username, fingerprint=cred.fingerprint, credential_id=cred.id
            )
        if scheme == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise unauthenticated("malformed Basic credentials") from None
            username, sep, password = decoded.partition(":")
            if not sep:
                raise unauthenticated("malformed Basic credentials")
            return Presented("basic", username, password=password)
        if scheme == "apitoken":
            token = value.strip()
            if not api_tokens.well_formed(token):
                raise unauthenticated("malformed personal access token (expected d2pat_…)")
            return Presented("apitoken", "", password=token)
        raise unauthenticated(
            f"unsupported authorization scheme {scheme!r} (use Basic, Bearer or ApiToken)"
        )
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    cred = tokens.read_credential(state.secret, "session", cookie)
    if cred is None or cred.session_id is None:
        return None  # expired or forged: as if signed out
    return Presented(
        "session",
        cred.username,
        cred.fingerprint,
        session_id=cred.session_id,
        credential_id=cred.id,
    )


def csrf_token(request: Request) -> str | None:
    """The CSRF token of the request's session cookie (for a page's forms and scripts), or
    None when the request has no valid session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    secret = auth_state(request).secret
    cred = tokens.read_credential(secret, "session", cookie)
    if cred is None or cred.session_id is None:
        return None
    return tokens.csrf_for(secret, cred.session_id)


async def verify_csrf(request: Request) -> None:
    """A dependency for handlers that do not use :func:`current_user` but change state: 403
    unless a cookie-authenticated unsafe request carries the session's CSRF token."""
    await credentials(request)
