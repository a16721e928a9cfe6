"""Who may act for the plan's bodies and on national objects, and reports obey the scope of
the pages.

* Only a member or delegate of a body files its activity report: the commune officer of
  Hoàn Kiếm cannot file the Department of Ethnic and Religious Affairs' quarterly report
  (which would turn that body from overdue to reported); nothing is written.
* The national scorecard is the national admin's: an admin scoped to a province cannot change
  it; a field of megabytes is refused, even from the national admin.
* An analyst scoped to Hai Phong cannot download Hanoi's plan report, for Hanoi or for their
  own unit.
"""

from __future__ import annotations

from sqlalchemy import insert

from chitieu.store.models import BodyMember

PLAN = "HN-SRB-2026-2030"


def _row(reporter: str, unit: str) -> dict:
    return {
        "reporter": reporter,
        "unit_code": unit,
        "period": "2026Q1",
        "activity": "comm_sessions",
        "value": 3,
    }


def test_only_members_and_delegates_report_for_a_body(world) -> None:
    before = world.snapshot()
    for who, unit in (("entry", "00070"), ("entry", "01"), ("analyst", "01"), ("admin", "01")):
        r = world.client.post(
            f"/api/plans/{PLAN}/activities",
            json={"reports": [_row("HN-SDTTG", unit)]},
            headers=world.as_(who),
        )
        assert r.status_code == 403, (who, unit, r.text)
    assert world.snapshot() == before
    with world.engine.begin() as conn:
        conn.execute(
            insert(BodyMember).values(
                username="analyst.hanoi", body_code="HN-SDTTG", role="delegate"
            )
        )
    ok = world.client.post(
        f"/api/plans/{PLAN}/activities",
        json={"reports": [_row("HN-SDTTG", "01")]},
        headers=world.as_("analyst"),
    )
    assert ok.status_code == 200, ok.text
    # Belonging to one body gives no right to report for another.
    other = world.client.post(
        f"/api/plans/{PLAN}/activities",
        json={"reports": [_row("HN-SYT", "01")]},
        headers=world.as_("analyst"),
    )
    assert other.status_code == 403
    # A commune still reports for itself.
    own = world.client.post(
        f"/api/plans/{PLAN}/activities",
        json={"reports": [_row("commune", "00070")]},
        headers=world.as_("entry"),
    )
    assert own.status_code == 200, own.text


def test_the_national_scorecard_is_the_national_admins(world) -> None:
    url = "/api/scorecard/VN-2025/targets/SLOT_06"
    before = world.snapshot()
    for who in ("admin_hanoi", "analyst", "entry"):
        r = world.client.put(url, json={"legal_basis": "Nghị quyết (sửa)"}, headers=world.as_(who))
        assert r.status_code == 403, (who, r.text)
        result = world.client.put(
            f"{url}/results/2025", json={"value": 1.0}, headers=world.as_(who)
        )
        assert result.status_code == 403, (who, result.text)
    huge = "x" * (10 * 1024 * 1024)
    r = world.client.put(url, json={"legal_basis": huge}, headers=world.as_("admin"))
    assert r.status_code in (413, 422), r.status_code
    assert world.snapshot() == before
    named = {"name_vi": "Chỉ tiêu 6", "name_en": "Target 6", "legal_basis": "Nghị quyết số 1"}
    ok = world.client.put(url, json=named, headers=world.as_("admin"))
    assert ok.status_code == 200, ok.text


def test_plan_reports_obey_the_scope_of_the_pages(world) -> None:
    for unit in ("01", "31", "00070"):
        r = world.client.get(
            f"/api/reports/{PLAN}?period=2025&unit={unit}&format=html",
            headers=world.as_("analyst_hp"),
        )
        assert r.status_code == 403, (unit, r.status_code)
    r = world.client.get(
        f"/api/reports/{PLAN}?period=2025&format=html", headers=world.as_("analyst_hp")
    )
    assert r.status_code == 403
    mine = world.client.get(
        f"/api/reports/{PLAN}?period=2025&format=html", headers=world.as_("analyst")
    )
    # Hanoi's analyst is in scope (this small world has too few figures for a report: 422).
    assert mine.status_code in (200, 422), mine.text
    assert mine.status_code == 200 or mine.json()["error"]["code"] != "forbidden"
