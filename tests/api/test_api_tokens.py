"""Personal access tokens: made by their user, hashed at rest, scoped, expiring, revocable,
audited."""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime, timedelta

from sqlalchemy import text
from tests.api.conftest import BD, HK

from chitieu.auth.api_tokens import generate_token, well_formed


def _pat(key: str) -> dict[str, str]:
    return {"Authorization": f"ApiToken {key}"}


def _create(world, who: str, **body) -> dict:  # type: ignore[no-untyped-def]
    r = world.client.post("/api/apiToken", json=body, headers=world.as_(who))
    assert r.status_code == 201, r.text
    return r.json()["response"]


def test_token_format() -> None:
    token = generate_token()
    assert token.startswith("d2pat_") and len(token) == 48 and well_formed(token)
    assert token[-10:] == f"{zlib.crc32(token[:-10].encode()):010d}"
    assert not well_formed(token[:-1] + ("0" if token[-1] != "0" else "1"))


def test_a_token_acts_for_its_user_within_its_unit(world) -> None:
    made = _create(world, "analyst", name="sync script", days=7)
    key = made["key"]
    assert well_formed(key) and made["unit"] == "01" and made["state"] == "active"
    # hashed at rest: neither the table nor the audit log holds the token
    stored = world.scalar("SELECT token_hash FROM api_tokens WHERE uid = :u", u=made["uid"])
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    with world.engine.connect() as conn:
        dump = str(conn.execute(text("SELECT * FROM api_tokens")).all())
        dump += str(conn.execute(text("SELECT * FROM audit_log")).all())
    assert key not in dump
    assert (
        world.scalar(
            "SELECT count(*) FROM audit_log WHERE table_name = 'api_tokens' AND row_key = :u",
            u=made["uid"],
        )
        == 1
    )

    me = world.client.get("/api/me", headers=_pat(key)).json()
    assert me["username"] == "analyst.hanoi" and me["via"] == "apitoken"
    listed = world.client.get("/api/apiToken", headers=_pat(key)).json()["apiToken"]
    assert [t["id"] for t in listed] == [made["uid"]] and "key" not in listed[0]
    assert world.scalar("SELECT last_used FROM api_tokens WHERE uid = :u", u=made["uid"])
    # a token cannot mint tokens; another user cannot see or revoke it
    assert world.client.post("/api/apiToken", json={}, headers=_pat(key)).status_code == 403
    extend = world.client.patch(
        f"/api/apiToken/{made['uid']}", json={"days": 365}, headers=_pat(key)
    )
    assert extend.status_code == 403  # a leaked token cannot keep itself alive
    other = world.client.delete(f"/api/apiToken/{made['uid']}", headers=world.as_("entry"))
    assert other.status_code == 404

    # narrowed to one commune: the rest of Hanoi is out of reach
    narrow = _create(world, "analyst", unit=HK)["key"]
    assert world.client.get(f"/api/organisationUnits/{BD}", headers=_pat(narrow)).status_code == 404
    assert world.client.get(f"/api/organisationUnits/{HK}", headers=_pat(narrow)).status_code == 200
    outside = world.client.post("/api/apiToken", json={"unit": "31"}, headers=world.as_("analyst"))
    assert outside.status_code == 422 and "outside" in outside.json()["message"]

    # revoked: refused at once, still listed
    gone = world.client.delete(f"/api/apiToken/{made['uid']}", headers=world.as_("analyst"))
    assert gone.status_code == 200 and gone.json()["response"]["state"] == "revoked"
    refused = world.client.get("/api/me", headers=_pat(key))
    assert refused.status_code == 401 and "revoked" in refused.json()["message"]


def test_expiry_and_role_change_end_a_token(world) -> None:
    made = _create(world, "entry")
    key = made["key"]
    assert world.client.get("/api/me", headers=_pat(key)).status_code == 200
    past = datetime.utcnow() - timedelta(minutes=1)
    with world.engine.begin() as conn:
        conn.execute(
            text("UPDATE api_tokens SET expires = :t WHERE uid = :u"), {"t": past, "u": made["uid"]}
        )
    assert world.client.get("/api/me", headers=_pat(key)).status_code == 401
    later = world.client.patch(
        f"/api/apiToken/{made['uid']}", json={"days": 2}, headers=world.as_("entry")
    )
    assert later.status_code == 200
    assert world.client.get("/api/me", headers=_pat(key)).status_code == 200
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'analyst' WHERE username = 'entry.00070'"))
    assert world.client.get("/api/me", headers=_pat(key)).status_code == 401
    malformed = world.client.get("/api/me", headers=_pat("d2pat_nope"))
    assert malformed.status_code == 401 and "malformed" in malformed.json()["message"]
    too_long = world.client.post("/api/apiToken", json={"days": 400}, headers=world.as_("admin"))
    assert too_long.status_code == 422
