"""Data values through the API: create, update, list with filters, the lock rules, audit,
and invalid values refused with nothing written."""

from __future__ import annotations

from sqlalchemy import insert, select

from chitieu.store.models import AuditEntry, DataValue


def _put(world, who: str, **body):  # type: ignore[no-untyped-def]
    payload = {"element": "POPULATION", "unit": "00070", "period": "2025", "value": 41_000}
    return world.client.put("/api/datavalues", json={**payload, **body}, headers=world.as_(who))


def _audit(world, key: str) -> list[tuple]:
    query = (
        select(AuditEntry.actor, AuditEntry.action, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.row_key == key)
        .order_by(AuditEntry.id)
    )
    with world.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def test_create_update_and_audit(world) -> None:
    c = world.client
    r = c.post(
        "/api/datavalues",
        json={"element": "POPULATION", "unit": "00070", "period": "2025-01", "value": "41000"},
        headers=world.as_("entry"),
    )
    assert r.status_code == 201
    created = r.json()
    assert (created["period"], created["value"], created["status"], created["stored_by"]) == (
        "202501",  # stored in DHIS2's canonical spelling
        41_000,
        "submitted",
        "entry.00070",
    )
    before = world.snapshot()
    again = c.post(
        "/api/datavalues",
        json={"element": "POPULATION", "unit": "00070", "period": "202501", "value": 1},
        headers=world.as_("entry"),
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "exists"
    assert world.snapshot() == before

    r = _put(world, "entry", period="202501", value=42_000, comment="điều chỉnh")
    assert r.status_code == 200 and r.json()["result"] == "updated"
    assert r.json()["value"] == 42_000
    unchanged = _put(world, "entry", period="202501", value=42_000)
    assert unchanged.json()["result"] == "unchanged"

    history = _audit(world, "POPULATION|00070|202501|default")
    assert [(a, act) for a, act, _, _ in history] == [
        ("entry.00070", "insert"),
        ("entry.00070", "update"),
    ]
    _, _, old, new = history[1]
    assert old["value"] == 41_000 and new["value"] == 42_000 and new["comment"] == "điều chỉnh"
    # the same fields as an import's audit of a value, follow-up included
    fields = {"value", "comment", "stored_by", "status", "followup"}
    assert set(old) == set(new) == fields and new["followup"] is False


def test_invalid_values_are_refused_and_nothing_written(world) -> None:
    before = world.snapshot()
    cases = [
        ({"element": "NO_SUCH"}, 422),
        ({"element": "LIVE_BIRTHS", "disaggregation": "X_O9"}, 422),
        ({"disaggregation": "M_O1"}, 422),  # POPULATION has no sex/order cells
        ({"period": "2025Q5"}, 422),
        ({"value": "abc"}, 422),
        ({"value": -5}, 422),  # a count cannot be negative
        ({"value": 2.5}, 422),  # nor a fraction
        ({"status": "approved"}, 422),
        ({"unit": "99999"}, 422),
    ]
    for change, status in cases:
        r = _put(world, "admin", **change)
        assert r.status_code == status, (change, r.text)
        error = r.json()["error"]
        assert error["code"] == "validation" and error["message"], change
    r = world.client.put(
        "/api/datavalues",
        content=b'{"element": "POPULATION", ',
        headers={**world.as_("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    r = world.client.put(
        "/api/datavalues", json={"element": "POPULATION"}, headers=world.as_("admin")
    )
    assert r.status_code == 422
    assert {tuple(d["loc"]) for d in r.json()["error"]["details"]} >= {
        ("body", "unit"),
        ("body", "period"),
        ("body", "value"),
    }
    assert world.snapshot() == before


def test_lock_rules(world) -> None:
    """Data entry saves drafts and submits; only an admin locks, changes a locked value or
    reopens it."""
    assert _put(world, "entry", status="draft").status_code == 201
    assert _put(world, "entry", status="submitted").json()["result"] == "updated"
    before = world.snapshot()
    r = _put(world, "entry", status="locked")
    assert r.status_code == 403 and r.json()["error"]["code"] == "locked"
    assert _put(world, "analyst", status="locked").status_code == 403
    assert world.snapshot() == before

    assert _put(world, "admin_hanoi", status="locked").json()["status"] == "locked"
    before = world.snapshot()
    for who in ("entry", "analyst"):
        r = _put(world, who, value=1, status="locked")
        assert r.status_code == 403, who
        r = _put(world, who, value=1)
        assert r.status_code == 403 and r.json()["error"]["code"] == "locked", who
        r = world.client.delete(
            "/api/datavalues",
            params={"element": "POPULATION", "unit": "00070", "period": "2025"},
            headers=world.as_(who),
        )
        assert r.status_code == 403, who
        r = world.client.post(
            "/api/datavalues/status",
            json={"unit": "00070", "period": "2025", "status": "submitted"},
            headers=world.as_(who),
        )
        assert r.status_code == 403, who
    assert world.snapshot() == before

    r = world.client.post(  # the province reopens the report
        "/api/datavalues/status",
        json={"unit": "00070", "period": "2025", "status": "submitted"},
        headers=world.as_("admin_hanoi"),
    )
    assert r.status_code == 200 and r.json()["changed"] == 1
    assert _put(world, "entry", value=40_500).json()["value"] == 40_500
    actions = [act for _, act, _, _ in _audit(world, "POPULATION|00070|2025|default")]
    assert actions == ["insert", "update", "update", "status", "update"]


def test_delete(world) -> None:
    params = {"element": "POPULATION", "unit": "00070", "period": "2024"}
    r = world.client.delete("/api/datavalues", params=params, headers=world.as_("entry"))
    assert r.status_code == 200 and r.json()["deleted"]["value"] == 40_000
    assert world.scalar("SELECT count(*) FROM data_values WHERE unit_code = '00070'") == 0
    (_, action, before, after) = _audit(world, "POPULATION|00070|2024|default")[-1]
    assert action == "delete" and before["value"] == 40_000 and after is None
    r = world.client.delete("/api/datavalues", params=params, headers=world.as_("entry"))
    assert r.status_code == 404


def test_list_filters(world) -> None:
    rows = [
        ("POPULATION", "00070", "2023", 1),
        ("DOCTORS", "00070", "2024Q1", 2),
        ("DOCTORS", "00070", "202403", 3),
        ("DOCTORS", "00070", "202407", 4),
        ("NURSES", "00004", "2024", 5),
        ("DOCTORS", "01", "2024", 6),
    ]
    with world.engine.begin() as conn:
        conn.execute(
            insert(DataValue),
            [
                {
                    "element_code": e,
                    "unit_code": u,
                    "period": p,
                    "value": v,
                    "disaggregation": "default",
                }
                for e, u, p, v in rows
            ],
        )

    def listed(who: str = "analyst", **params) -> list[tuple]:  # type: ignore[no-untyped-def]
        r = world.client.get("/api/datavalues", params=params, headers=world.as_(who))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["items"]) or body["page_size"] < body["total"]
        return sorted((i["element"], i["unit"], i["period"]) for i in body["items"])

    # seeded: POPULATION 2024 for 00070, 00004 and 10510
    # the analyst's whole unit: the six above and the two seeded Hanoi values
    assert len(listed()) == 8
    assert len(listed("entry")) == 5  # 00070 only
    assert listed(unit="01") == [("DOCTORS", "01", "2024")]
    assert len(listed(unit="01", children="true")) == 8
    assert listed(unit="00070", start="2024", end="2024", element="DOCTORS") == [
        ("DOCTORS", "00070", "202403"),
        ("DOCTORS", "00070", "202407"),
        ("DOCTORS", "00070", "2024Q1"),
    ]
    # 2024Q1 starts before February: not wholly inside February–June
    assert listed(unit="00070", start="202402", end="2024Q2") == [("DOCTORS", "00070", "202403")]
    assert listed(start="2023", end="2023") == [("POPULATION", "00070", "2023")]
    assert {e for e, _, _ in listed(indicator="DOCTORS_PER_10K")} == {"DOCTORS", "POPULATION"}
    assert listed(element=["NURSES", "POPULATION"], start="2024") == [
        ("NURSES", "00004", "2024"),
        ("POPULATION", "00004", "2024"),
        ("POPULATION", "00070", "2024"),
    ]
    page = world.client.get(
        "/api/datavalues?page=2&page_size=4", headers=world.as_("analyst")
    ).json()
    assert (page["total"], page["page"], len(page["items"])) == (8, 2, 4)
    bad = world.client.get("/api/datavalues?start=2024W60", headers=world.as_("analyst"))
    assert bad.status_code == 422
    backwards = world.client.get(
        "/api/datavalues?start=2025&end=2024", headers=world.as_("analyst")
    )
    assert backwards.status_code == 422
    assert (
        world.client.get("/api/datavalues?indicator=NOPE", headers=world.as_("analyst")).status_code
        == 404
    )
