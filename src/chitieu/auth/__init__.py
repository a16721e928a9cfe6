"""Sign-in, roles and unit scope, used by the web pages and the HTTP API.

A user has a role — ``entry`` (data entry), ``analyst`` or ``admin`` — and a unit; they read
and write only that unit and what lies below it (``admin`` at ``VN`` sees everything).
Passwords are argon2id hashes; API clients use bearer tokens (``POST /api/login``) or HTTP
Basic; pages use a signed session cookie (HttpOnly, SameSite=Lax) with a per-session CSRF
token; failed sign-ins are limited to 5 per username and address in 5 minutes (then 429).
A worker re-reads an account at most every 2 seconds, so a password change, a disabled user
or a new role or unit applies to every token and session within 2 seconds.

The FastAPI dependencies built on these (the signed-in user, roles, unit scope, CSRF, the
session cookie) are in :mod:`chitieu.api.deps`; this package is plain Python.

:class:`Principal` fields: ``username, role, unit_code, unit_path, full_name, via``
(``session|bearer|basic``), ``csrf`` (session only); ``covers(unit_path) -> bool``,
``is_admin``.

Users (no request needed; ``db`` is a Connection or Session inside a transaction)::

    def create_user(db, username, *, role, unit_code, password=None, password_hash=None,
                    full_name=None, actor="system") -> None       # audited; UserError
    def set_password(db, username, password, *, actor="system") -> None
    def list_users(db, unit_code=None) -> list[UserInfo]
    def authenticate(db, username, password) -> tuple[Principal, str] | None
    def create_demo_users(conn, password="demo") -> int
"""

from chitieu.auth.passwords import hash_password, verify_password
from chitieu.auth.users import (
    DEMO_PASSWORD,
    ROLES,
    Principal,
    UserError,
    UserInfo,
    authenticate,
    create_demo_users,
    create_user,
    list_users,
    set_password,
)

__all__ = [
    "DEMO_PASSWORD",
    "ROLES",
    "Principal",
    "UserError",
    "UserInfo",
    "authenticate",
    "create_demo_users",
    "create_user",
    "hash_password",
    "list_users",
    "set_password",
    "verify_password",
]
