"""The tables of users, sign-in and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from chitieu.store.models.base import Base


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('entry', 'analyst', 'admin')", name="ck_user_role"),
    )

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    full_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Where reminders for overdue reports go (none: the user cannot be reminded).
    email: Mapped[str | None] = mapped_column(String(254))


class LoginFailure(Base):
    """A failed sign-in, kept for the limiter's window (:mod:`chitieu.auth.ratelimit`): in the
    database, so that every worker of a server counts the same failures."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "username", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


class ApiToken(Base):
    """A personal access token (``Authorization: ApiToken d2pat_…``). Only the SHA-256 digest
    of the token is stored; the token itself is shown once, when it is created. It acts as its
    user within ``unit_code`` (the user's unit or a unit below it) and only while the user is
    active and still has the role ``role`` and a unit covering ``unit_code``."""

    __tablename__ = "api_tokens"

    uid: Mapped[str] = mapped_column(String(11), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    created: Mapped[datetime] = mapped_column(DateTime)  # UTC
    expires: Mapped[datetime] = mapped_column(DateTime)  # UTC
    last_used: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[datetime | None] = mapped_column(DateTime)


class RevokedCredential(Base):
    """A session or bearer token ended by signing out (:mod:`chitieu.auth.revocation`): refused
    from then on by every worker, until it would have expired anyway (then the row goes)."""

    __tablename__ = "revoked_credentials"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the credential's random id
    username: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


class AuditEntry(Base):
    """Who changed what, when, with the row before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Indexed: a B-tree on SQLite, a block-range (BRIN) index on PostgreSQL (migration 0016).
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # insert | update | delete | import | …
    table_name: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(300))
    unit_code: Mapped[str | None] = mapped_column(String(16), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
