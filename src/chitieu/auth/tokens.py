"""Signed credentials: API bearer tokens, session cookies and their CSRF tokens.

Each credential carries the username, its expiry, a fingerprint of the user's password hash
and a random id, signed with HMAC-SHA256 under the server's signing key. Changing a user's
password (or the key) therefore revokes every token and session the user holds; signing out
revokes one credential by its id (:mod:`chitieu.auth.revocation`). A session's CSRF token is an
HMAC of its id, so each session has its own CSRF token and a page can be given it without a
database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

#: Bearer tokens last 12 hours; session cookies 8 hours (a working day).
TOKEN_TTL = 12 * 3600
SESSION_TTL = 8 * 3600
_VERSION = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, *fields: str) -> str:
    message = "\x1f".join((purpose, *fields)).encode("utf-8")
    return _b64(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest())


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a password hash: it changes whenever the password changes."""
    return _b64(hashlib.sha256(password_hash.encode("utf-8")).digest()[:12])


@dataclass(frozen=True, slots=True)
class Credential:
    """What a verified token or cookie says: who, until when, for which password, and its
    random id (``session_id`` too for a session). The caller still checks the user exists, is
    active, that ``fingerprint`` matches the stored password hash and that the id was not
    revoked."""

    kind: str  # "bearer" | "session"
    username: str
    expires: int
    fingerprint: str
    session_id: str | None = None
    id: str = ""


def _issue(secret: str, kind: str, username: str, pw_hash: str, ttl: int, sid: str) -> str:
    expires = str(int(time.time()) + ttl)
    user = _b64(username.encode("utf-8"))
    fp = password_fingerprint(pw_hash)
    sig = _mac(secret, kind, user, expires, fp, sid)
    return ".".join((_VERSION, user, expires, fp, sid, sig))


def issue_token(secret: str, username: str, password_hash: str, ttl: int = TOKEN_TTL) -> str:
    """A bearer token for the API (send it as ``Authorization: Bearer <token>``)."""
    return _issue(secret, "bearer", username, password_hash, ttl, secrets.token_urlsafe(16))


def issue_session(
    secret: str, username: str, password_hash: str, ttl: int = SESSION_TTL
) -> tuple[str, str]:
    """A session cookie value and the session's CSRF token."""
    sid = secrets.token_urlsafe(16)
    return _issue(secret, "session", username, password_hash, ttl, sid), csrf_for(secret, sid)


def read_credential(
    secret: str, kind: str, value: str, now: float | None = None
) -> Credential | None:
    """The credential in ``value`` if its signature is ours and it has not expired, else None."""
    parts = value.split(".")
    if len(parts) != 6 or parts[0] != _VERSION:
        return None
    _, user, expires, fp, sid, sig = parts
    if not hmac.compare_digest(sig, _mac(secret, kind, user, expires, fp, sid)):
        return None
    try:
        username = _unb64(user).decode("utf-8")
        expiry = int(expires)
    except ValueError:
        return None
    if expiry < (time.time() if now is None else now) or len(sid) < 16:
        return None  # expired, or a token from before ids (which could not be revoked)
    return Credential(kind, username, expiry, fp, None if kind == "bearer" else sid, sid)


def csrf_for(secret: str, session_id: str) -> str:
    """The CSRF token of the session ``session_id``."""
    return _mac(secret, "csrf", session_id)


def csrf_matches(secret: str, session_id: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_for(secret, session_id), token or "")
