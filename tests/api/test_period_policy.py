"""One policy for locked periods and submitted monthly reports, through every way in.

* A locked commune-month refuses new values too (the API and a DHIS2 import), except an
  admin's; locking and unlocking are audited.
* A submitted monthly report is read-only for the commune's entry user: no edit, no new value,
  no emptying, no reopening, whether by the API or an import; an identical re-import changes
  nothing and is accepted. The province (an analyst or admin above the commune) reopens it,
  audited.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from chitieu.store.models import AuditEntry

HK = "00070"
JSON = {"Content-Type": "application/json"}


def _value(period: str, disagg: str, value: int, status: str = "draft") -> dict:
    return {
        "element": "LIVE_BIRTHS",
        "unit": HK,
        "period": period,
        "disaggregation": disagg,
        "value": value,
        "status": status,
    }


def _import(world, who: str, period: str, disagg: str, value: str):  # type: ignore[no-untyped-def]
    payload = {
        "dataValues": [
            {
                "dataElement": "LIVE_BIRTHS",
                "period": period,
                "orgUnit": HK,
                "categoryOptionCombo": disagg,
                "value": value,
            }
        ]
    }
    return world.client.post(
        "/api/dataValueSets?idScheme=code&oldUnits=none",
        content=json.dumps(payload),
        headers={**world.as_(who), **JSON},
    )


def _status(world, who: str, period: str, status: str):  # type: ignore[no-untyped-def]
    return world.client.post(
        "/api/datavalues/status",
        json={"unit": HK, "period": period, "status": status},
        headers=world.as_(who),
    )


def test_a_locked_month_refuses_new_values(world) -> None:
    period = "202401"
    assert _status(world, "admin_hanoi", period, "locked").status_code == 200
    before = world.snapshot()
    for who in ("entry", "analyst"):
        r = world.client.post(
            "/api/datavalues", json=_value(period, "M_O1", 3), headers=world.as_(who)
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "locked", r.text
        imported = _import(world, who, period, "M_O1", "3")
        assert imported.status_code == 409, imported.text
        assert imported.json()["response"]["conflicts"][0]["errorCode"] == "E7643"
    assert world.snapshot() == before  # nothing written by the refused saves
    # An admin may still correct a locked month, and unlocking is audited.
    ok = world.client.post(
        "/api/datavalues", json=_value(period, "M_O1", 3), headers=world.as_("admin")
    )
    assert ok.status_code == 201, ok.text
    assert _status(world, "entry", period, "draft").status_code == 403
    assert _status(world, "admin_hanoi", period, "draft").status_code == 200
    with world.engine.connect() as conn:
        actions = conn.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.table_name == "report_periods")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["lock", "unlock"]
    r = world.client.post(
        "/api/datavalues", json=_value(period, "F_O1", 2), headers=world.as_("entry")
    )
    assert r.status_code == 201, r.text


def test_a_submitted_report_is_read_only_for_the_commune(world) -> None:
    period = "202402"
    entry = world.as_("entry")
    assert (
        world.client.post(
            "/api/datavalues", json=_value(period, "M_O1", 5), headers=entry
        ).status_code
        == 201
    )
    assert _status(world, "entry", period, "submitted").status_code == 200
    before = world.snapshot()
    refused = [
        world.client.put(
            "/api/datavalues", json=_value(period, "M_O1", 6, "submitted"), headers=entry
        ),
        world.client.post(
            "/api/datavalues", json=_value(period, "F_O1", 4, "submitted"), headers=entry
        ),
        world.client.delete(
            f"/api/datavalues?element=LIVE_BIRTHS&unit={HK}&period={period}&disaggregation=M_O1",
            headers=entry,
        ),
        world.client.put("/api/datavalues", json=_value(period, "M_O1", 5, "draft"), headers=entry),
        _status(world, "entry", period, "draft"),
    ]
    assert [r.status_code for r in refused] == [403] * 5, [r.text for r in refused]
    assert _import(world, "entry", period, "M_O1", "6").status_code == 409
    assert _import(world, "entry", period, "M_O1", "").status_code == 409  # emptying
    assert world.snapshot() == before
    same = _import(world, "entry", period, "M_O1", "5")  # the same figure again: nothing to do
    assert same.status_code == 200, same.text
    assert same.json()["response"]["importCount"]["ignored"] == 1

    # The province reopens it (audited); then the commune may correct it.
    assert _status(world, "analyst", period, "draft").status_code == 200
    with world.engine.connect() as conn:
        reopened = conn.execute(
            select(AuditEntry.actor, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.action == "status")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert reopened is not None and reopened.actor == "analyst.hanoi"
    assert (reopened.before["status"], reopened.after["status"]) == ("submitted", "draft")
    fixed = world.client.put("/api/datavalues", json=_value(period, "M_O1", 6), headers=entry)
    assert fixed.status_code == 200 and fixed.json()["value"] == 6


def test_implausible_births_need_a_confirmation_through_the_api_too(world) -> None:
    period, cells = "202403", ("M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P")
    payload = {
        "dataValues": [
            {
                "dataElement": "LIVE_BIRTHS",
                "period": period,
                "orgUnit": HK,
                "categoryOptionCombo": c,
                "value": "600" if c == "M_O1" else "0",
            }
            for c in cells
        ]
    }
    url = "/api/dataValueSets?idScheme=code&oldUnits=none"
    headers = {**world.as_("entry"), **JSON}
    before = world.snapshot()
    refused = world.client.post(url, content=json.dumps(payload), headers=headers)
    assert refused.status_code == 409, refused.text
    assert "600" in refused.json()["response"]["conflicts"][0]["value"]
    assert world.snapshot() == before
    ok = world.client.post(
        url + "&confirmImplausible=true", content=json.dumps(payload), headers=headers
    )
    assert ok.status_code == 200 and ok.json()["response"]["importCount"]["imported"] == 6

    # One value through the API: the month it completes is judged the same way.
    other = "202404"
    for c in cells[1:]:
        r = world.client.put(
            "/api/datavalues", json=_value(other, c, 0), headers=world.as_("entry")
        )
        assert r.status_code == 201, r.text
    last = _value(other, "M_O1", 600)
    assert (
        world.client.put("/api/datavalues", json=last, headers=world.as_("entry")).status_code
        == 422
    )
    confirmed = world.client.put(
        "/api/datavalues?confirm=true", json=last, headers=world.as_("entry")
    )
    assert confirmed.status_code == 201, confirmed.text
