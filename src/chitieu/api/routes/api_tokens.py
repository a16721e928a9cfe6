"""Personal access tokens in DHIS2's ``/api/apiToken`` shape: each user creates, lists,
re-dates and revokes their own (:mod:`chitieu.auth.api_tokens`). The token is in the answer
to the POST only (``response.key``); afterwards only its id, name, unit and dates are shown.
A request authenticated by a token cannot create a token or push an expiry back (a leaked
token must not be able to keep itself alive); it can revoke one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser
from chitieu.api.errors import ApiError, forbidden
from chitieu.api.responses import json_response
from chitieu.auth.api_tokens import (
    TokenError,
    TokenInfo,
    create_token,
    get_token,
    list_tokens,
    revoke_token,
    set_expiry,
)

router = APIRouter(tags=["personal access tokens"])

TOKEN_TYPE = "PERSONAL_ACCESS_TOKEN_V2"


class TokenIn(BaseModel):
    """DHIS2's body (``expire`` in milliseconds since the epoch) plus chitieu's ``name``,
    ``unit`` (a unit within yours) and ``days``."""

    model_config = ConfigDict(extra="forbid")

    expire: Annotated[int | None, Field(gt=0)] = None
    days: Annotated[int | None, Field(ge=1, le=365)] = None
    name: Annotated[str | None, Field(max_length=200)] = None
    unit: Annotated[str | None, Field(max_length=16)] = None
    type: str | None = None
    attributes: list[dict[str, Any]] = Field(default_factory=list)


class ExpiryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    expire: Annotated[int | None, Field(gt=0)] = None
    days: Annotated[int | None, Field(ge=1, le=365)] = None


def _ms(t: datetime | None) -> int | None:
    return int(t.replace(tzinfo=UTC).timestamp() * 1000) if t else None


def _stamp(t: datetime | None) -> str | None:
    return t.isoformat(timespec="milliseconds") if t else None


def _from_ms(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms is not None else None


def token_json(info: TokenInfo) -> dict[str, Any]:
    return {
        "id": info.uid,
        "name": info.name,
        "type": TOKEN_TYPE,
        "version": 2,
        "expire": _ms(info.expires),
        "expires": _stamp(info.expires),
        "created": _stamp(info.created),
        "lastUsed": _stamp(info.last_used),
        "revoked": _stamp(info.revoked),
        "state": info.state(),
        "unit": info.unit_code,
        "role": info.role,
        "createdBy": {"username": info.username},
    }


def _message(status: int, text: str, response: dict[str, Any] | None = None) -> JSONResponse:
    names = {200: "OK", 201: "Created"}
    body: dict[str, Any] = {
        "httpStatus": names[status],
        "httpStatusCode": status,
        "status": "OK",
        "message": text,
    }
    if response is not None:
        body["response"] = response
    return JSONResponse(body, status_code=status)


def _not_by_token(via: str, what: str) -> None:
    if via == "apitoken":
        raise forbidden(f"a personal access token cannot {what}: sign in with a password")


def _not_yours(uid: str) -> ApiError:
    return ApiError(404, f"ApiToken with id {uid} could not be found.", code="not_found")


@router.get("/apiToken", summary="Your personal access tokens")
def list_own(user: CurrentUser, db: DB) -> Any:
    """Your tokens, newest first, with their state (``active``, ``expired``, ``revoked``)."""
    tokens = [token_json(t) for t in list_tokens(db, user.username)]
    pager = {"page": 1, "pageCount": 1, "total": len(tokens), "pageSize": max(len(tokens), 1)}
    return json_response({"pager": pager, "apiToken": tokens})


@router.post("/apiToken", status_code=201, summary="Create a personal access token")
def create(body: TokenIn, user: CurrentUser, db: DB) -> JSONResponse:
    """A new token for you (``Authorization: ApiToken <key>``), valid until ``expire``
    (milliseconds since the epoch) or for ``days`` (default 30, at most 365), within your
    unit or the ``unit`` given below it. The key is in this answer only."""
    _not_by_token(user.via, "create tokens")
    if body.attributes:
        raise ApiError(400, "token attributes (IP, method, referrer limits) are not supported")
    if body.type not in (None, TOKEN_TYPE):
        raise ApiError(400, f"token type must be {TOKEN_TYPE}")
    try:
        info, key = create_token(
            db,
            user.username,
            name=body.name,
            unit_code=body.unit,
            expires=_from_ms(body.expire),
            days=body.days,
        )
    except TokenError as exc:
        raise ApiError(422, str(exc), code="validation") from None
    response = {"responseType": "ApiTokenCreationResponse", "uid": info.uid, "key": key}
    return _message(201, "Token created; it is shown only this once.", response | token_json(info))


@router.get("/apiToken/{uid}", summary="One of your tokens")
def get_one(uid: str, user: CurrentUser, db: DB) -> Any:
    try:
        return json_response(token_json(get_token(db, user.username, uid)))
    except LookupError:
        raise _not_yours(uid) from None


@router.patch("/apiToken/{uid}", summary="Change when one of your tokens expires")
@router.put("/apiToken/{uid}", summary="Change when one of your tokens expires")
def change_expiry(uid: str, body: ExpiryIn, user: CurrentUser, db: DB) -> JSONResponse:
    """A new ``expire`` (milliseconds since the epoch) or ``days`` from now."""
    _not_by_token(user.via, "change when a token expires")
    try:
        info = set_expiry(db, user.username, uid, expires=_from_ms(body.expire), days=body.days)
    except LookupError:
        raise _not_yours(uid) from None
    except TokenError as exc:
        raise ApiError(422, str(exc), code="validation") from None
    return _message(200, f"Token {uid} now expires {_stamp(info.expires)} UTC.", token_json(info))


@router.delete("/apiToken/{uid}", summary="Revoke one of your tokens")
def revoke(uid: str, user: CurrentUser, db: DB) -> JSONResponse:
    """The token stops working at once; it stays listed (as ``revoked``) for the record."""
    try:
        info = revoke_token(db, user.username, uid)
    except LookupError:
        raise _not_yours(uid) from None
    return _message(200, f"Token {uid} revoked.", token_json(info))
