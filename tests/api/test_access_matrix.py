"""Every endpoint as every role, from inside and outside the role's unit.

Who covers what is written out by hand below (not computed from unit paths, as the code
does), and every refused write is checked to leave the database exactly as it was: the row
count of every table (the audit log included) and every stored data value.
"""

from __future__ import annotations

import json
from itertools import count

from sqlalchemy import insert

from chitieu.store.models import DataValue

# The units of the world in conftest.py: two Hanoi wards and a Hai Phong ward.
HANOI, HK, BD, HP_WARD = "01", "00070", "00004", "10510"

ROLES = [None, "entry", "analyst", "admin_hanoi", "admin"]
#: The units each role may read and write (its unit and everything below, by hand).
COVERS = {
    "entry": {HK},
    "analyst": {HANOI, HK, BD},
    "admin_hanoi": {HANOI, HK, BD},
    "admin": {"VN", HANOI, HK, BD, "31", HP_WARD},
}
UNITS = [HK, BD, HP_WARD]
FACILITY_AT = {HK: "F_HK", BD: "F_BD", HP_WARD: "F_HP"}
ADMINS = {"admin_hanoi", "admin"}
INSPECTORS = {"analyst", "admin_hanoi", "admin"}

READS = {
    "datavalues": ("/api/datavalues?unit={u}", None),
    "facilities": ("/api/facilities?unit={u}&children=true", None),
    "facility": ("/api/facilities/{f}", None),
    "births": ("/api/births/aggregates?unit={u}&children=true", None),
    "reconciliation": ("/api/births/reconciliation?unit={u}&year=2025", None),
    "indicator": ("/api/indicators/SRB?unit={u}&start=2023&end=2024", None),
    "inspections": ("/api/inspections?unit={u}", None),
    "dataValueSets": ("/api/dataValueSets?orgUnit={u}&period=2024&idScheme=code", None),
    "audit": ("/api/audit?unit={u}", ADMINS),
}


def _expected(role: str | None, unit: str, allowed_roles: set[str] | None, ok: int) -> int:
    if role is None:
        return 401
    if allowed_roles is not None and role not in allowed_roles:
        return 403
    return ok if unit in COVERS[role] else 403


def test_every_read_as_every_role(world) -> None:
    wrong = []
    for template, allowed in READS.values():
        for unit in UNITS:
            path = template.format(u=unit, f=FACILITY_AT[unit])
            for role in ROLES:
                got = world.client.get(path, headers=world.as_(role))
                want = _expected(role, unit, allowed, 200)
                if got.status_code != want:
                    wrong.append(f"{role} GET {path}: {got.status_code}, expected {want}")
                elif want != 200:
                    assert "error" in got.json(), path
    assert not wrong, "\n".join(wrong)


def _value(element: str, unit: str, period: str, value: float) -> dict:
    return {
        "element_code": element,
        "unit_code": unit,
        "period": period,
        "disaggregation": "default",
        "value": value,
        "status": "submitted",
    }


def _seed_writable(world) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    """Per (role, unit), in a period of its own: a POPULATION value to delete and a DOCTORS
    value whose status to change."""
    periods = {(str(role), unit): str(2000 + i) for i, role in enumerate(ROLES) for unit in UNITS}
    rows = [_value("POPULATION", unit, p, 1000) for (_, unit), p in periods.items()]
    rows += [_value("DOCTORS", unit, p, 7) for (_, unit), p in periods.items()]
    with world.engine.begin() as conn:
        conn.execute(insert(DataValue), rows)
    return periods


def test_every_write_as_every_role(world) -> None:
    """Cross-unit writes are refused with 403 and change nothing; writes inside the unit by a
    role allowed to make them succeed and are audited."""
    deletable = _seed_writable(world)
    fresh = count(1)
    wrong = []

    def writes(role: str | None, unit: str):  # type: ignore[no-untyped-def]
        n = next(fresh)
        value_set = {
            "dataValues": [
                {
                    "dataElement": "POPULATION",
                    "period": f"{1900 + n}",
                    "orgUnit": unit,
                    "value": "500",
                }
            ]
        }
        yield (
            "POST datavalues",
            None,
            201,
            lambda h: world.client.post(
                "/api/datavalues",
                json={"element": "POPULATION", "unit": unit, "period": f"{1800 + n}", "value": 5},
                headers=h,
            ),
        )
        yield (
            "PUT datavalues",
            None,
            201,
            lambda h: world.client.put(
                "/api/datavalues",
                json={"element": "POPULATION", "unit": unit, "period": f"{1700 + n}", "value": 6},
                headers=h,
            ),
        )
        yield (
            "DELETE datavalues",
            None,
            200,
            lambda h: world.client.delete(
                "/api/datavalues",
                params={
                    "element": "POPULATION",
                    "unit": unit,
                    "period": deletable[(str(role), unit)],
                },
                headers=h,
            ),
        )
        yield (
            "POST datavalues/status",
            None,
            200,
            lambda h: world.client.post(
                "/api/datavalues/status",
                json={
                    "unit": unit,
                    "period": deletable[(str(role), unit)],
                    "status": "draft",
                    "elements": ["DOCTORS"],
                },
                headers=h,
            ),
        )
        yield (
            "POST inspections",
            INSPECTORS,
            201,
            lambda h: world.client.post(
                "/api/inspections",
                json={
                    "facility_code": FACILITY_AT[unit],
                    "inspected_on": "2025-03-01",
                    "team": f"team {role} {n}",
                    "findings": "ok",
                },
                headers=h,
            ),
        )
        yield (
            "POST dataValueSets",
            None,
            200,
            lambda h: world.client.post(
                "/api/dataValueSets?idScheme=code&oldUnits=none",
                content=json.dumps(value_set),
                headers={**h, "Content-Type": "application/json"},
            ),
        )

    for unit in UNITS:
        for role in ROLES:
            for name, allowed, ok, send in writes(role, unit):
                want = _expected(role, unit, allowed, ok)
                if name == "POST dataValueSets" and want == 403:
                    want = 409  # as DHIS2: a unit outside yours is a conflict (E7617)
                before = world.snapshot()
                audit_before = before["counts"]["audit_log"]
                got = send(world.as_(role))
                after = world.snapshot()
                label = f"{role} {name} at {unit}"
                if got.status_code != want:
                    wrong.append(f"{label}: {got.status_code} {got.text[:200]}, expected {want}")
                elif want >= 400:
                    if after != before:
                        wrong.append(f"{label}: refused with {want} but the database changed")
                elif after["counts"]["audit_log"] <= audit_before:
                    wrong.append(f"{label}: accepted but not audited")
    assert not wrong, "\n".join(wrong)


def test_plans_and_targets_follow_the_unit(world) -> None:
    """A plan is visible where its unit is the user's, above it or below it: Hanoi's plan and
    the national target to Hanoi users, Hai Phong's plan only to the national admin."""
    expected = {
        "HN-SRB-2026-2030": {"entry": 200, "analyst": 200, "admin_hanoi": 200, "admin": 200},
        "HP-HEALTH-2026-2030": {"entry": 403, "analyst": 403, "admin_hanoi": 403, "admin": 200},
        "VN-SRB-2025": {"entry": 200, "analyst": 200, "admin_hanoi": 200, "admin": 200},
    }
    for plan, by_role in expected.items():
        for path in (f"/api/plans/{plan}", f"/api/plans/{plan}/tasks"):
            assert world.client.get(path).status_code == 401
            for role, want in by_role.items():
                assert world.client.get(path, headers=world.as_(role)).status_code == want, (
                    role,
                    path,
                )
    listed = world.client.get("/api/targets?page_size=1000", headers=world.as_("entry")).json()
    assert {t["plan_code"] for t in listed["items"]} == {"HN-SRB-2026-2030", "VN-SRB-2025"}
    everything = world.client.get("/api/targets?page_size=1000", headers=world.as_("admin"))
    assert "HP-HEALTH-2026-2030" in {t["plan_code"] for t in everything.json()["items"]}


def test_reference_endpoints_need_only_sign_in(world) -> None:
    """The official unit list and the catalogue are readable by every signed-in user."""
    for path in (
        "/api/me",
        "/api/units",
        f"/api/units/{HP_WARD}",
        "/api/indicators",
        "/api/plans",
        "/api/targets",
    ):
        assert world.client.get(path).status_code == 401, path
        for role in ROLES[1:]:
            assert world.client.get(path, headers=world.as_(role)).status_code == 200, path
