"""The signed-in user in DHIS2's ``/api/me`` shape (beside chitieu's own fields)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.auth.users import Principal
from chitieu.exchange.org_units import LEVEL_NUMBER
from chitieu.store.models import Unit
from chitieu.store.uids import derived_uid

#: DHIS2 authorities that describe what each role may do here.
AUTHORITIES = {
    "entry": ("F_DATAVALUE_ADD", "F_DATAVALUE_DELETE", "M_dhis-web-aggregate-data-entry"),
    "analyst": ("F_VIEW_UNAPPROVED_DATA", "M_dhis-web-dashboard", "F_DATAVALUE_ADD"),
    "admin": ("ALL",),
}
ROLE_NAMES = {"entry": "Data entry", "analyst": "Analyst", "admin": "Administrator"}


def user_uid(username: str) -> str:
    """A user's DHIS2 id: derived from the username, so it never changes."""
    return derived_uid("user", username)


def dhis2_me(db: Session, user: Principal) -> dict[str, Any]:
    """DHIS2's fields of ``/api/me`` for ``user`` (their unit is their only org unit)."""
    row = db.execute(
        select(Unit.uid, Unit.name, Unit.level, Unit.path).where(Unit.code == user.unit_code)
    ).one()
    codes = row.path.split("/")
    rows = db.execute(select(Unit.code, Unit.uid).where(Unit.code.in_(codes))).tuples()
    uids = {code: uid for code, uid in rows if uid is not None}
    unit = {
        "id": row.uid,
        "code": user.unit_code,
        "name": row.name,
        "displayName": row.name,
        "level": LEVEL_NUMBER[row.level],
        "path": "/" + "/".join(uids[c] for c in codes),
    }
    name = user.full_name or user.username
    role = {"id": derived_uid("userRole", user.role), "name": ROLE_NAMES[user.role]}
    role |= {"displayName": role["name"], "code": user.role}
    return {
        "id": user_uid(user.username),
        "username": user.username,
        "name": name,
        "displayName": name,
        "firstName": name,
        "surname": "",
        "organisationUnits": [unit],
        "dataViewOrganisationUnits": [unit],
        "teiSearchOrganisationUnits": [],
        "userRoles": [role],
        "userCredentials": {"username": user.username, "userRoles": [role]},
        "authorities": list(AUTHORITIES[user.role]),
        "settings": {"keyUiLocale": "vi", "keyDbLocale": "vi"},
        "programs": [],
        "dataSets": [],
    }
