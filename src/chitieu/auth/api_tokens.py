"""Personal access tokens, as DHIS2 clients send them: ``Authorization: ApiToken d2pat_…``.

A token is ``d2pat_`` + 32 random letters and digits + a 10-digit CRC32 checksum of what
precedes it (so a mistyped token is refused without a database query). Only its SHA-256
digest is stored; the token itself is returned once, when it is created.

A token acts as its user within the token's unit (the user's unit when created, or a unit
below it) and stops working when it expires, when it is revoked, when the user is disabled,
or when the user's role or unit change so that they no longer match what the token was made
for. Creating, re-dating and revoking are audited; ``last_used`` is kept to the minute.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from chitieu.auth.users import Principal, load_account
from chitieu.store.audit import record_change
from chitieu.store.models import ApiToken, Unit
from chitieu.store.uids import random_uid

PREFIX = "d2pat_"
RANDOM_LENGTH = 32
TOKEN_LENGTH = len(PREFIX) + RANDOM_LENGTH + 10
DEFAULT_DAYS = 30
MAX_DAYS = 365
#: ``last_used`` is written at most once a minute per token (not one write per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be created or changed, with the reason."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A stored token as its owner sees it (never the token itself)."""

    uid: str
    username: str
    name: str | None
    role: str
    unit_code: str
    created: datetime
    expires: datetime
    last_used: datetime | None
    revoked: datetime | None

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked is not None:
            return "revoked"
        return "expired" if self.expires <= (now or utcnow()) else "active"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: times as ISO strings (UTC)."""
        plain = {
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()
        }
        return {**plain, "state": self.state()}


def utcnow() -> datetime:
    """Now in UTC, naive (as the database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _checksum(body: str) -> str:
    return f"{zlib.crc32(body.encode('ascii')):010d}"


def generate_token() -> str:
    """A new random token: ``d2pat_`` + 32 letters and digits + 10-digit checksum."""
    alphabet = string.ascii_letters + string.digits
    body = PREFIX + "".join(secrets.choice(alphabet) for _ in range(RANDOM_LENGTH))
    return body + _checksum(body)


def well_formed(token: str) -> bool:
    """True if ``token`` has the shape and checksum of a token made by :func:`generate_token`."""
    if len(token) != TOKEN_LENGTH or not token.startswith(PREFIX) or not token.isascii():
        return False
    body, check = token[:-10], token[-10:]
    return body[len(PREFIX) :].isalnum() and check == _checksum(body)


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 digest in hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


#: The columns that make a :class:`TokenInfo`, in its field order (plain columns, so the
#: same queries work on a Connection and on a Session).
_COLUMNS = (
    ApiToken.uid,
    ApiToken.username,
    ApiToken.name,
    ApiToken.role,
    ApiToken.unit_code,
    ApiToken.created,
    ApiToken.expires,
    ApiToken.last_used,
    ApiToken.revoked,
)


def _audit(
    db: Session, actor: str, action: str, info: TokenInfo, before: dict | None = None
) -> None:
    keep = ("username", "name", "unit_code", "expires", "state")
    after = {k: v for k, v in info.as_dict().items() if k in keep}
    record_change(
        db,
        actor=actor,
        action=action,
        table=ApiToken.__tablename__,
        key=info.uid,
        unit_code=info.unit_code,
        before=before,
        after=after,
    )


def _expiry(expires: datetime | None, days: int | None, now: datetime) -> datetime:
    if expires is not None and days is not None:
        raise TokenError("give an expiry date or a number of days, not both")
    if expires is None:
        days = DEFAULT_DAYS if days is None else days
        if days < 1:
            raise TokenError("a token must last at least one day")
        expires = now + timedelta(days=days)
    if expires.tzinfo is not None:
        expires = expires.astimezone(UTC).replace(tzinfo=None)
    if expires <= now:
        raise TokenError("the expiry must lie in the future")
    if expires > now + timedelta(days=MAX_DAYS):
        raise TokenError(f"a token may last at most {MAX_DAYS} days")
    return expires


def create_token(
    db: Session,
    username: str,
    *,
    name: str | None = None,
    unit_code: str | None = None,
    expires: datetime | None = None,
    days: int | None = None,
    actor: str | None = None,
) -> tuple[TokenInfo, str]:
    """A new token for the active user ``username`` (audited): its stored record and the
    token itself, which is never shown again. ``unit_code`` narrows the token to a unit
    within the user's unit; ``expires`` (UTC) or ``days`` (default 30, at most 365)."""
    account = load_account(db, username)
    if account is None:
        raise TokenError(f"no active user {username!r}")
    user = account[0]
    unit = unit_code or user.unit_code
    path = db.scalar(select(Unit.path).where(Unit.code == unit))
    if path is None:
        raise TokenError(f"unknown unit {unit!r}")
    if not user.covers(path):
        raise TokenError(f"unit {unit} is outside {username}'s unit {user.unit_code}")
    if name is not None and len(name) > 200:
        raise TokenError("a token's name has at most 200 characters")
    now = utcnow().replace(microsecond=0)
    token = generate_token()
    row = ApiToken(
        uid=random_uid(),
        username=username,
        name=name,
        token_hash=token_digest(token),
        role=user.role,
        unit_code=unit,
        created=now,
        expires=_expiry(expires, days, now),
        last_used=None,
        revoked=None,
    )
    db.execute(insert(ApiToken).values({c.key: getattr(row, c.key) for c in ApiToken.__table__.c}))
    info = TokenInfo(*(getattr(row, c.key) for c in _COLUMNS))
    _audit(db, actor or username, "insert", info)
    return info, token


def list_tokens(db: Session, username: str) -> list[TokenInfo]:
    """The user's tokens, newest first (revoked and expired ones too)."""
    rows = db.execute(
        select(*_COLUMNS).where(ApiToken.username == username).order_by(ApiToken.created.desc())
    )
    return [TokenInfo(*r) for r in rows]


def _own(db: Session, username: str, uid: str) -> TokenInfo:
    row = db.execute(
        select(*_COLUMNS).where(ApiToken.uid == uid, ApiToken.username == username)
    ).first()
    if row is None:
        raise LookupError(f"no token {uid!r} of {username!r}")
    return TokenInfo(*row)


def get_token(db: Session, username: str, uid: str) -> TokenInfo:
    """The user's token ``uid``; ``LookupError`` if it is not theirs or does not exist."""
    return _own(db, username, uid)


def revoke_token(db: Session, username: str, uid: str, *, actor: str | None = None) -> TokenInfo:
    """Revoke the user's token ``uid`` now (audited); revoking twice changes nothing."""
    info = _own(db, username, uid)
    if info.revoked is not None:
        return info
    now = utcnow().replace(microsecond=0)
    db.execute(update(ApiToken).where(ApiToken.uid == uid).values(revoked=now))
    done = replace(info, revoked=now)
    _audit(db, actor or username, "revoke", done, before={"state": info.state()})
    return done


def set_expiry(
    db: Session,
    username: str,
    uid: str,
    *,
    expires: datetime | None = None,
    days: int | None = None,
    actor: str | None = None,
) -> TokenInfo:
    """Give the user's token ``uid`` a new expiry (audited); a revoked token stays revoked."""
    info = _own(db, username, uid)
    if info.revoked is not None:
        raise TokenError(f"token {uid} is revoked")
    new = _expiry(expires, days, utcnow().replace(microsecond=0))
    db.execute(update(ApiToken).where(ApiToken.uid == uid).values(expires=new))
    done = replace(info, expires=new)
    _audit(db, actor or username, "update", done, before={"expires": info.expires.isoformat()})
    return done


def authenticate_token(db: Session, token: str, now: datetime | None = None) -> Principal | None:
    """The user a token acts for, with the token's unit as their unit; None when the token is
    malformed, unknown, revoked or expired, or its user is disabled or no longer has the
    token's role or a unit covering the token's unit."""
    if not well_formed(token):
        return None
    row = db.execute(
        select(*_COLUMNS, Unit.path)
        .join(Unit, Unit.code == ApiToken.unit_code)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    stored, path = TokenInfo(*row[:-1]), row[-1]
    now = now or utcnow()
    if stored.state(now) != "active":
        return None
    account = load_account(db, stored.username)
    if account is None:
        return None
    user = account[0]
    if user.role != stored.role or not user.covers(path):
        return None
    if stored.last_used is None or now - stored.last_used >= LAST_USED_RESOLUTION:
        stamp = now.replace(microsecond=0)
        db.execute(update(ApiToken).where(ApiToken.uid == stored.uid).values(last_used=stamp))
    return replace(user, unit_code=stored.unit_code, unit_path=path, via="apitoken")
