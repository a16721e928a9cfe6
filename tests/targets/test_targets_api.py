"""The targets, scorecard, activities and enforcement API: figures, scope and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chitieu.store.models import ActivityReport, Facility, ScorecardResult

PLAN = "HN-SRB-2026-2030"


@pytest.fixture
def api(plan_api):
    client, headers = plan_api

    def call(method: str, url: str, user: str = "admin", **kw):  # type: ignore[no-untyped-def]
        return client.request(method, url, headers=headers(user), **kw)

    return call


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_status_lists_each_target_with_its_figures(api):
    r = api("GET", "/api/targets/status", params={"plan": PLAN, "year": 2026, "series": True})
    assert r.status_code == 200
    body = r.json()
    items = {i["target_code"]: i for i in body["items"]}
    assert set(items) == {"SRB_ANNUAL_FALL", "SRB_AT_MOST_109_BY_2030"}
    cap = items["SRB_AT_MOST_109_BY_2030"]
    assert cap["unit_code"] == "01" and cap["status"] == "off_track"
    assert cap["latest"]["year"] == 2025 and cap["latest"]["lower"] < cap["latest"]["value"]
    assert len(cap["series"]) == 14 and cap["projection"][-1]["year"] == 2030
    assert "0.8" in body["rules"]["en"] and "0,8" in body["rules"]["vi"]
    paged = api("GET", "/api/targets", params={"plan": PLAN, "page_size": 1}).json()
    assert paged["total"] == 2 and len(paged["items"]) == 1 and "series" not in paged["items"][0]


def test_a_commune_user_sees_the_city_target_applied_to_its_commune(api):
    r = api("GET", "/api/targets/status", user="entry.00070", params={"plan": PLAN})
    assert r.status_code == 200
    assert {i["unit_code"] for i in r.json()["items"]} == {"00070"}
    r = api("GET", "/api/targets/status", user="entry.00070", params={"unit": "01"})
    assert r.status_code == 403
    r = api("GET", "/api/targets/status", user="analyst.haiphong", params={"plan": PLAN})
    assert r.status_code == 403  # another province's plan
    assert api("GET", "/api/targets/status", params={"unit": "99999"}).status_code == 404


def test_scorecard_read_by_anyone_filled_by_admins_only(api, plan_world):
    r = api("GET", "/api/scorecard", user="entry.00070", params={"year": 2024})
    assert r.status_code == 200 and r.json()["summary"]["2024"]["not_met"] == 2
    url = "/api/scorecard/VN-2025/targets/STUNTING_U5/results/2025"
    assert api("PUT", url, user="analyst.hanoi", json={"value": 17}).status_code == 403
    r = api("PUT", url, json={"target_value": 17.5, "value": 17.0})
    assert r.status_code == 200 and r.json()["value"] == 17.0
    card = api("GET", "/api/scorecard", params={"year": 2025}).json()
    row = next(row for row in card["rows"] if row["code"] == "STUNTING_U5")
    assert row["cells"]["2025"]["met"] is True and row["cells"]["2025"]["met_derived"]
    results = _count(plan_world, ScorecardResult)
    bad = api("PUT", "/api/scorecard/VN-2025/targets/TFR", json={"indicator_code": "X"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["column"] == (
        "indicator_code"
    )
    assert _count(plan_world, ScorecardResult) == results


def test_activities_reported_within_scope_and_tracked(api, plan_world):
    before = _count(plan_world, ActivityReport)
    row = {
        "reporter": "commune",
        "unit_code": "00070",
        "period": "2026Q2",
        "activity": "comm_sessions",
        "value": 5,
    }
    r = api("POST", f"/api/plans/{PLAN}/activities", user="entry.00070", json={"reports": [row]})
    assert r.status_code == 200 and r.json()["counts"] == {"added": 1, "updated": 0, "unchanged": 0}
    # a ward user cannot report for another ward; nothing is written
    other = dict(row, unit_code="00004")
    r = api(
        "POST", f"/api/plans/{PLAN}/activities", user="entry.00070", json={"reports": [row, other]}
    )
    assert r.status_code == 403
    # a bad row refuses the whole batch with row, column and reason
    bad = dict(row, value=-1)
    r = api(
        "POST",
        f"/api/plans/{PLAN}/activities",
        user="analyst.hanoi",
        json={"reports": [dict(row, period="2026Q3"), bad]},
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"] == [
        {
            "row": 2,
            "column": "value",
            "reason": "must be a whole number ≥ 0 (a count)",
            "reason_vi": "phải là số nguyên ≥ 0",
            "value": "-1.0",
        }
    ]
    assert _count(plan_world, ActivityReport) == before + 1
    status = api(
        "GET", f"/api/plans/{PLAN}/reporting", params={"year": 2026, "as_of": "2026-11-23"}
    ).json()
    cells = {(c["reporter"], c["period"]): c["status"] for c in status["cells"]}
    assert cells[("00070", "2026Q2")] == "reported" and cells[("HN-STC", "2026Q3")] == "overdue"
    assert status["activities"]["by_body"]["HN-SYT"]["comm_sessions"] == 40
    mine = api(
        "GET", f"/api/plans/{PLAN}/reporting", user="entry.00070", params={"year": 2026}
    ).json()
    assert {c["reporter"] for c in mine["cells"]} == {"00070"} and "activities" not in mine


def test_register_and_ranking(api, plan_world):
    r = api("GET", "/api/enforcement/register", user="analyst.hanoi")
    assert r.status_code == 200
    assert [f["code"] for f in r.json()["items"]] == ["PW-BV", "PW-PK"]
    facility = {
        "code": "PW-NEW",
        "name": "Phòng khám mới",
        "unit_code": "00103",
        "kind": "clinic",
        "ownership": "private",
    }
    assert (
        api("POST", "/api/enforcement/register", user="entry.00070", json=facility).status_code
        == 403
    )
    assert (
        api("POST", "/api/enforcement/register", user="analyst.haiphong", json=facility).status_code
        == 403
    )
    assert (
        api("POST", "/api/enforcement/register", user="analyst.hanoi", json=facility).status_code
        == 201
    )
    r = api("POST", "/api/enforcement/register", user="analyst.hanoi", json=facility)
    assert r.status_code == 422 and "already registered" in r.text
    assert _count(plan_world, Facility) == 3
    page = api(
        "GET", "/api/enforcement/ranking", user="analyst.hanoi", params={"unit": "01", "year": 2025}
    ).json()
    ranking = page["items"]
    assert ranking[0]["unit_code"] == "00103" and ranking[0]["priority"] is True
    assert ranking[0]["p_excess"] >= 0.5 and ranking[0]["onset"] == 2018
    assert page["window"] == {"first_year": 2018, "last_year": 2025}
