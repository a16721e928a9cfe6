"""Credentials ended by signing out, kept in the database so that every worker refuses them.

A session cookie or bearer token is signed and carries its own expiry (:mod:`chitieu.auth.tokens`);
signing out stores its id here until it would have expired anyway, and requests check the id
(one primary-key lookup); a worker that found an id not signed out remembers so for
:data:`chitieu.auth.state.UNREVOKED_TTL` seconds (the worker that signs it out forgets it at
once)."""

from __future__ import annotations

import time

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from chitieu.auth.tokens import SESSION_TTL, TOKEN_TTL
from chitieu.store.models import RevokedCredential

#: A revoked id is kept as long as any credential can live.
KEEP = max(SESSION_TTL, TOKEN_TTL)


def revoke(db: Session, credential_id: str, username: str, now: float | None = None) -> None:
    """Refuse the credential ``credential_id`` from now on (in the caller's transaction)."""
    now = time.time() if now is None else now
    db.execute(delete(RevokedCredential).where(RevokedCredential.expires_at < now))
    if not is_revoked(db, credential_id):
        db.execute(
            insert(RevokedCredential).values(
                id=credential_id, username=username, expires_at=now + KEEP
            )
        )


def is_revoked(db: Session, credential_id: str) -> bool:
    found = db.scalar(select(RevokedCredential.id).where(RevokedCredential.id == credential_id))
    return found is not None
