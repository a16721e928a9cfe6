"""The signed-in user's personal access tokens (for DHIS2 clients and scripts): list them,
make one (shown once, on the page that answers the form, never in a URL), revoke one.

Forms carry the session's CSRF token (checked by the page user dependency). A token made here
acts for the user within their unit, or a unit below it, until it expires or is revoked
(:mod:`chitieu.auth.api_tokens`)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from chitieu.api.db import DB
from chitieu.auth.api_tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    TokenError,
    create_token,
    list_tokens,
    revoke_token,
)
from chitieu.web.deps import PageUser
from chitieu.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    db: DB,
    user: PageUser,
    *,
    new_token: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "tokens.html",
        {
            "tokens": list_tokens(db, user.username),
            "new_token": new_token,
            "error": error,
            "default_days": DEFAULT_DAYS,
            "max_days": MAX_DAYS,
        },
        user=user,
        status_code=status,
    )


@router.get("/tokens")
def tokens_page(request: Request, db: DB, user: PageUser) -> Response:
    """Your tokens and the form to make one."""
    return _page(request, db, user)


@router.post("/tokens")
def make_token(
    request: Request,
    db: DB,
    user: PageUser,
    name: Annotated[str, Form(max_length=200)] = "",
    days: Annotated[int, Form(ge=1, le=MAX_DAYS)] = DEFAULT_DAYS,
    unit: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Make a token and show it on this answer only (the page says to copy it now)."""
    try:
        _, token = create_token(
            db, user.username, name=name.strip() or None, unit_code=unit.strip() or None, days=days
        )
    except TokenError as exc:
        return _page(request, db, user, error=str(exc), status=422)
    response = _page(request, db, user, new_token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{uid}/revoke")
def revoke(uid: str, db: DB, user: PageUser) -> Response:
    """Revoke one of your tokens, then back to the list."""
    # not yours or no such token: nothing to do, the list shows what there is
    with suppress(LookupError):
        revoke_token(db, user.username, uid)
    return RedirectResponse("/tokens", status_code=303)
