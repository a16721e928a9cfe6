"""Plans, tasks and targets as loaded from the plan files; inspections recorded and listed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.store.models import AuditEntry


def _get(world, path: str, who: str = "analyst") -> dict:
    r = world.client.get(path, headers=world.as_(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_plans_and_tasks(world) -> None:
    listed = _get(world, "/api/plans")
    assert [p["code"] for p in listed["items"]] == ["HN-SRB-2026-2030", "VN-SRB-2025"]
    plan = _get(world, "/api/plans/HN-SRB-2026-2030")
    assert (plan["unit_code"], plan["start_year"], plan["end_year"]) == ("01", 2026, 2030)
    assert len(plan["bodies"]) == 11  # seed 002: eleven bodies with assigned duties
    assert plan["bodies"][0]["role"] == "standing"  # the Department of Health
    targets = {t["code"]: t for t in plan["targets"]}
    at_most = targets["SRB_AT_MOST_109_BY_2030"]
    assert (at_most["target_value"], at_most["target_year"], at_most["direction"]) == (
        109,
        2030,
        "at_most",
    )
    assert targets["SRB_ANNUAL_FALL"]["annual_change"] == -0.2
    n_tasks = world.scalar("SELECT count(*) FROM tasks WHERE plan_code = 'HN-SRB-2026-2030'")
    assert plan["tasks"] == n_tasks > 0
    tasks = _get(world, "/api/plans/HN-SRB-2026-2030/tasks?page_size=1000")
    assert tasks["total"] == n_tasks
    groups = {t["group_code"] for t in tasks["items"]}
    assert len(groups) == 3  # communication; enforcement; capacity, research, cooperation
    assert all(t["lead_body_vi"] for t in tasks["items"])
    one_group = sorted(groups)[0]
    some = _get(world, f"/api/plans/HN-SRB-2026-2030/tasks?group={one_group}")
    assert 0 < some["total"] < n_tasks
    assert world.client.get("/api/plans/NOPE", headers=world.as_("admin")).status_code == 404


def test_targets_filters(world) -> None:
    """Works for the raw list and for ``chitieu.targets``' evaluated list alike."""
    hp = _get(world, "/api/targets?plan=HP-HEALTH-2026-2030", "admin")
    assert {t["indicator_code"] for t in hp["items"]} >= {"INSURANCE_COVERAGE", "CHECKUP_COVERAGE"}
    srb = _get(world, "/api/targets?indicator=SRB&plan=VN-SRB-2025", "entry")
    assert {t["plan_code"] for t in srb["items"]} == {"VN-SRB-2025"}
    assert {t["indicator_code"] for t in srb["items"]} == {"SRB"}


INSPECTION = {
    "facility_code": "F_HK",
    "inspected_on": "2025-03-14",
    "team": "Thanh tra Sở Y tế",
    "findings": "Tiết lộ giới tính thai nhi",
    "violation": True,
    "fine_vnd": 40_000_000,
    "suspended": True,
    "commitment_signed": True,
}


def test_record_and_list_inspections(world) -> None:
    r = world.client.post("/api/inspections", json=INSPECTION, headers=world.as_("analyst"))
    assert r.status_code == 201 and r.json()["created"] is True
    new_id = r.json()["id"]
    again = world.client.post("/api/inspections", json=INSPECTION, headers=world.as_("analyst"))
    assert again.status_code == 200 and again.json() == {"id": new_id, "created": False}
    listed = _get(world, "/api/inspections", "entry")["items"]
    assert [(i["id"], i["facility_code"], i["fine_vnd"], i["suspended"]) for i in listed] == [
        (new_id, "F_HK", 40_000_000, True)
    ]
    assert _get(world, "/api/inspections?since=2025-03-15", "entry")["total"] == 0
    assert _get(world, "/api/inspections?facility=F_BD")["total"] == 0
    with Session(world.engine) as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.table_name == "inspections")).one()
    assert (entry.actor, entry.action, entry.unit_code) == ("analyst.hanoi", "insert", "00070")
    assert entry.after["fine_vnd"] == 40_000_000


def test_bad_inspections_refused_with_reasons_and_nothing_written(world) -> None:
    before = world.snapshot()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    cases = {
        "fine_vnd": {"fine_vnd": -1},
        "inspected_on": {"inspected_on": tomorrow},
        "facility_code": {"facility_code": "NO_SUCH"},
        "suspended": {"violation": False, "fine_vnd": 0},  # a suspension needs a violation
    }
    for column, change in cases.items():
        r = world.client.post(
            "/api/inspections", json={**INSPECTION, **change}, headers=world.as_("admin")
        )
        assert r.status_code == 422, (change, r.text)
        rows = r.json()["error"]["details"]
        assert column in {d["column"] for d in rows}, (change, rows)
        assert all(d["reason"] for d in rows)
    r = world.client.post(
        "/api/inspections", json={**INSPECTION, "fine_vnd": "lots"}, headers=world.as_("admin")
    )
    assert r.status_code == 422
    assert (
        world.client.post(
            "/api/inspections", json=INSPECTION, headers=world.as_("entry")
        ).status_code
        == 403
    )  # data entry does not record inspections
    assert (
        world.client.post(
            "/api/inspections", json=INSPECTION, headers=world.as_("analyst_hp")
        ).status_code
        == 403
    )  # a Hanoi facility, a Hai Phong analyst
    assert world.snapshot() == before
