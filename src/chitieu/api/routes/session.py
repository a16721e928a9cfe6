"""Sign-in for API clients (a bearer token) and browsers (a session cookie), and ``/api/me``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import select

from chitieu.api.db import DB
from chitieu.api.deps import (
    CSRF_HEADER,
    CurrentUser,
    end_session,
    issue_api_token,
    login_page_user,
    start_session,
)
from chitieu.api.errors import ApiError
from chitieu.api.me import dhis2_me
from chitieu.api.responses import json_response
from chitieu.auth import tokens
from chitieu.auth.users import Principal
from chitieu.exchange.metadata_query import QueryError, parse_fields, project
from chitieu.store.models import Unit

router = APIRouter(tags=["sign-in"])


class LoginIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


def _user_json(db: DB, user: Principal) -> dict[str, Any]:
    unit_name = db.scalar(select(Unit.name).where(Unit.code == user.unit_code))
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "unit": user.unit_code,
        "unit_name": unit_name,
        "unit_path": user.unit_path,
    }


def _token_body(request: Request, db: DB, user: Principal) -> dict[str, Any]:
    return {
        "access_token": issue_api_token(request, db, user),
        "token_type": "bearer",
        "expires_in": tokens.TOKEN_TTL,
        "user": _user_json(db, user),
    }


def _session_body(request: Request, response: Response, db: DB, user: Principal) -> dict:
    csrf = start_session(response, request, db, user)
    return {"user": _user_json(db, user), "csrf_token": csrf, "csrf_header": CSRF_HEADER}


# The sign-in handlers are coroutines: the password check holds no database connection and no
# request thread while it waits (see chitieu.auth.signin); the session's connection is taken
# only once the password is right.


@router.post("/login", summary="Get a bearer token")
async def login(body: LoginIn, request: Request, db: DB) -> dict[str, Any]:
    """Exchange a username and password for a bearer token (``Authorization: Bearer …``).
    Five failed attempts for a username from one address within 5 minutes give 429."""
    user = await login_page_user(request, body.username, body.password)
    return await run_in_threadpool(_token_body, request, db, user)


@router.post("/session", summary="Sign in with a session cookie")
async def open_session(
    body: LoginIn, request: Request, response: Response, db: DB
) -> dict[str, Any]:
    """Sign a browser in: sets the session cookie and returns the session's CSRF token, which
    every later state-changing request must send in the ``X-CSRF-Token`` header."""
    user = await login_page_user(request, body.username, body.password)
    return await run_in_threadpool(_session_body, request, response, db, user)


@router.delete("/session", summary="Sign out")
def close_session(
    request: Request, user: CurrentUser, response: Response, db: DB
) -> dict[str, Any]:
    """Sign out: the session (or the bearer token sent) is refused from now on, and the cookie
    is cleared (needs the CSRF token when signed in by cookie)."""
    end_session(request, response, db, user)
    return {"signed_out": user.username}


@router.get("/me", summary="Who am I (chitieu's fields and DHIS2's)")
def me(
    user: CurrentUser,
    db: DB,
    fields: Annotated[list[str] | None, Query(description="DHIS2 fields, e.g. id,name")] = None,
) -> Response:
    """The signed-in user, how they signed in, and (for a cookie session) its CSRF token,
    with DHIS2's ``id``, ``username``, ``name``, ``displayName``, ``organisationUnits``,
    ``userRoles``, ``authorities`` and ``settings``; ``fields`` picks among them."""
    own = {**_user_json(db, user), "via": user.via, "csrf_token": user.csrf}
    body = {**own, **dhis2_me(db, user)}
    if fields:
        try:
            body = project(body, parse_fields(fields, "*"))
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None
    return json_response(body)
