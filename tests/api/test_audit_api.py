"""The audit log: administrators only, within their unit, with filters."""

from __future__ import annotations


def _put(world, who: str, unit: str, value: int):  # type: ignore[no-untyped-def]
    body = {"element": "POPULATION", "unit": unit, "period": "2025", "value": value}
    r = world.client.put("/api/datavalues", json=body, headers=world.as_(who))
    assert r.status_code in (200, 201), r.text


def _audit(world, who: str, query: str = "") -> dict:
    r = world.client.get(
        f"/api/audit?table=data_values&page_size=1000{query}", headers=world.as_(who)
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_admins_see_changes_within_their_unit(world) -> None:
    _put(world, "entry", "00070", 100)
    _put(world, "entry", "00070", 101)
    _put(world, "admin", "10510", 200)
    everything = _audit(world, "admin")["items"]
    assert [(e["actor"], e["action"], e["unit"]) for e in everything] == [  # newest first
        ("admin", "insert", "10510"),
        ("entry.00070", "update", "00070"),
        ("entry.00070", "insert", "00070"),
    ]
    update = everything[1]
    assert update["before"]["value"] == 100 and update["after"]["value"] == 101
    assert update["key"] == "POPULATION|00070|2025|default" and update["at"]
    hanoi = _audit(world, "admin_hanoi")["items"]
    assert {e["unit"] for e in hanoi} == {"00070"}  # not Hai Phong's change
    assert _audit(world, "admin", "&actor=admin")["total"] == 1
    assert _audit(world, "admin", "&action=update")["total"] == 1
    assert _audit(world, "admin", "&unit=10510&children=false")["total"] == 1
    assert _audit(world, "admin", "&until=2000-01-01")["total"] == 0
    assert _audit(world, "admin", "&since=2000-01-01")["total"] == 3
    for who in ("entry", "analyst", None):
        assert world.client.get("/api/audit", headers=world.as_(who)).status_code in (401, 403)
    r = world.client.get("/api/audit?unit=31", headers=world.as_("admin_hanoi"))
    assert r.status_code == 403


def test_user_creation_is_audited_without_the_password(world) -> None:
    r = world.client.get("/api/audit?table=users&page_size=100", headers=world.as_("admin"))
    entries = r.json()["items"]
    assert {e["key"] for e in entries} >= {"entry.00070", "analyst.hanoi", "admin"}
    assert all("password_hash" not in (e["after"] or {}) for e in entries)
