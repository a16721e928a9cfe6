"""Users: a role and a unit; they read and write only that unit and what lies below it.

Roles: ``entry`` (a commune's data-entry officer), ``analyst`` (reads and scripts, records
inspections), ``admin`` (everything within their unit, including locked values and the audit
log). Every change to a user is audited; password hashes never enter the audit log.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from chitieu.auth.passwords import hash_password, verify_password
from chitieu.store.audit import SYSTEM_ACTOR, record_change
from chitieu.store.models import Body, BodyMember, Unit, User
from chitieu.units.queries import in_subtree

ROLES = ("entry", "analyst", "admin")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,99}")
#: The demo database's password for every demo user (printed by the run command).
DEMO_PASSWORD = "demo"
HANOI = "01"
#: Demo officers of two of the Hanoi plan's bodies: (username, body, full name). They report
#: their body's activities; nobody else may.
DEMO_BODY_USERS = (
    ("syt.hanoi", "HN-SYT", "Sở Y tế Hà Nội (demo)"),
    ("sdttg.hanoi", "HN-SDTTG", "Sở Dân tộc và Tôn giáo Hà Nội (demo)"),
)


class UserError(ValueError):
    """A user that cannot be created or changed, with the reason."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user as handlers see it. ``unit_path`` is the unit's materialised path
    (``VN/01/00070``); ``via`` says how they signed in (``session``, ``bearer``, ``basic``);
    ``csrf`` is the session's CSRF token (cookie sessions only); ``credential_id`` the id of
    the session or bearer token signed in with (what signing out revokes)."""

    username: str
    role: str
    unit_code: str
    unit_path: str
    full_name: str | None = None
    via: str = "bearer"
    csrf: str | None = None
    credential_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def covers(self, unit_path: str) -> bool:
        """True if the unit at ``unit_path`` is the user's unit or lies below it."""
        return unit_path == self.unit_path or unit_path.startswith(self.unit_path + "/")


@dataclass(frozen=True, slots=True)
class UserInfo:
    username: str
    role: str
    unit_code: str
    unit_name: str
    full_name: str | None
    active: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _public(username: str, role: str, unit_code: str, full_name: str | None, active: bool) -> dict:
    return {
        "username": username,
        "role": role,
        "unit_code": unit_code,
        "full_name": full_name,
        "active": active,
    }


def check_user_fields(db: Session, username: str, role: str, unit_code: str) -> None:
    """Raise :class:`UserError` for a malformed username, an unknown role or unit."""
    if not USERNAME.fullmatch(username):
        raise UserError(
            f"username {username!r}: use 1–100 lower-case letters, digits and . _ @ - "
            "(starting with a letter or digit)"
        )
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if db.scalar(select(Unit.code).where(Unit.code == unit_code)) is None:
        raise UserError(f"unknown unit {unit_code!r} (codes are zero-padded: 01, 00070)")


#: An address a mail server will take: one @, no spaces, a dot in the domain.
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


def check_email(email: str | None) -> None:
    """Raise :class:`UserError` for an address that is not one."""
    if email is not None and (len(email) > 254 or not EMAIL.fullmatch(email)):
        raise UserError(f"e-mail {email!r} is not an address (name@domain.vn)")


def create_user(
    db: Session,
    username: str,
    *,
    role: str,
    unit_code: str,
    password: str | None = None,
    password_hash: str | None = None,
    full_name: str | None = None,
    email: str | None = None,
    actor: str = SYSTEM_ACTOR,
) -> None:
    """Add a user with ``password`` (hashed here) or an already made ``password_hash``, in the
    caller's transaction, audited. :class:`UserError` if the username is taken or a field is
    invalid."""
    check_user_fields(db, username, role, unit_code)
    check_email(email)
    if db.scalar(select(User.username).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    if password_hash is None:
        if password is None:
            raise UserError("give a password")
        password_hash = hash_password(password)
    db.execute(
        insert(User).values(
            username=username,
            password_hash=password_hash,
            role=role,
            unit_code=unit_code,
            full_name=full_name,
            email=email,
            active=True,
        )
    )
    record_change(
        db,
        actor=actor,
        action="insert",
        table=User.__tablename__,
        key=username,
        unit_code=unit_code,
        after=_public(username, role, unit_code, full_name, True),
    )


def set_password(db: Session, username: str, password: str, *, actor: str = SYSTEM_ACTOR) -> None:
    """Replace the user's password (which revokes their tokens and sessions), audited."""
    unit_code = db.scalar(select(User.unit_code).where(User.username == username))
    if unit_code is None:
        raise UserError(f"no user {username!r}")
    db.execute(
        update(User).where(User.username == username).values(password_hash=hash_password(password))
    )
    record_change(
        db,
        actor=actor,
        action="password",
        table=User.__tablename__,
        key=username,
        unit_code=unit_code,
        before={"password": "(previous)"},
        after={"password": "(changed)"},
    )


def list_users(db: Session, unit_code: str | None = None) -> list[UserInfo]:
    """Users whose unit is ``unit_code`` or below it (all users when None), by username."""
    query = (
        select(User.username, User.role, User.unit_code, Unit.name, User.full_name, User.active)
        .join(Unit, Unit.code == User.unit_code)
        .order_by(User.username)
    )
    if unit_code is not None:
        path = db.scalar(select(Unit.path).where(Unit.code == unit_code))
        if path is None:
            raise UserError(f"unknown unit {unit_code!r}")
        query = query.where(in_subtree(path))
    return [UserInfo(*row) for row in db.execute(query)]


def load_account(db: Session, username: str) -> tuple[Principal, str] | None:
    """The active user ``username`` as a :class:`Principal` with their password hash, or None."""
    row = db.execute(
        select(
            User.username,
            User.role,
            User.unit_code,
            Unit.path,
            User.full_name,
            User.password_hash,
        )
        .join(Unit, Unit.code == User.unit_code)
        .where(User.username == username, User.active.is_(True))
    ).first()
    if row is None:
        return None
    return Principal(row[0], row[1], row[2], row[3], row[4]), row[5]


def authenticate(db: Session, username: str, password: str) -> tuple[Principal, str] | None:
    """The user and their password hash if ``password`` is theirs (and they are active)."""
    account = load_account(db, username)
    if account is None:
        # Spend the same time as a real check, so timing does not say which usernames exist.
        verify_password(dummy_hash(), password)
        return None
    return account if verify_password(account[1], password) else None


@cache
def dummy_hash() -> str:
    """A hash to verify against when there is no such user (made once per process)."""
    return hash_password("chitieu-no-such-user")


def create_demo_users(db: Session, password: str = DEMO_PASSWORD) -> int:
    """Add the demo users — ``admin`` (admin, VN), ``analyst.hanoi`` (analyst, Hanoi 01),
    ``syt.hanoi`` and ``sdttg.hanoi`` (analysts of Hanoi, members of the Department of Health
    and of Ethnic and Religious Affairs: :data:`DEMO_BODY_USERS`) and ``entry.<code>`` (entry)
    for each Hanoi commune — all with password ``demo``; return how
    many were added (existing ones are kept, so it can run again).

    For the demo only, all of them share one argon2 hash of the shared password: one hash
    (~0.1 s) instead of 128. The hash is still salted and verifies like any other; a real
    database gets users one at a time from ``chitieu users add``, each with its own salt."""
    communes = db.scalars(
        select(Unit.code)
        .where(Unit.parent_code == HANOI, Unit.level == "commune")
        .order_by(Unit.code)
    ).all()
    wanted: list[tuple[str, str, str, str | None]] = [
        ("admin", "admin", "VN", "Quản trị (demo)"),
        ("analyst.hanoi", "analyst", HANOI, "Phân tích Hà Nội (demo)"),
    ]
    wanted += [
        (username, "analyst", HANOI, full_name) for username, _, full_name in DEMO_BODY_USERS
    ]
    wanted += [(f"entry.{c}", "entry", c, None) for c in communes]
    existing = set(db.scalars(select(User.username)))
    todo = [w for w in wanted if w[0] not in existing]
    if not todo:
        return 0
    shared = hash_password(password)
    for username, role, unit, full_name in todo:
        create_user(
            db, username, role=role, unit_code=unit, password_hash=shared, full_name=full_name
        )
    bodies = set(db.scalars(select(Body.code)))
    members = [
        {"username": username, "body_code": body, "role": "member"}
        for username, body, _ in DEMO_BODY_USERS
        if body in bodies and username not in existing
    ]
    if members:
        db.execute(insert(BodyMember), members)
    return len(todo)
