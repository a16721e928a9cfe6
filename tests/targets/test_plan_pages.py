"""The plan, scorecard and enforcement pages: they show the API's figures and their forms
validate like the API (nothing written on refusal)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import func, insert, select

from chitieu.reports.i18n import fmt_number
from chitieu.store.models import ActivityReport, BodyMember, Inspection
from chitieu.web.pages import plans as pages_plans

PLAN = "HN-SRB-2026-2030"


@pytest.fixture
def web(plan_api):
    client, headers = plan_api
    if not any(getattr(r, "path", None) == "/plans/{code}" for r in client.app.routes):
        client.app.include_router(pages_plans.router)  # until the web app includes it

    def call(method: str, url: str, user: str = "analyst.hanoi", **kw):  # type: ignore[no-untyped-def]
        return client.request(method, url, headers=headers(user), follow_redirects=False, **kw)

    return call


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_plan_page_shows_the_api_figures_and_the_report_links(web):
    api = web("GET", "/api/targets/status", params={"plan": PLAN, "unit": "01", "year": 2026})
    page = web("GET", f"/plans/{PLAN}", params={"unit": "01", "year": 2026})
    assert page.status_code == 200
    html = page.text
    for item in api.json()["items"]:
        assert f'data-target="{item["target_code"]}" data-status="{item["status"]}"' in html
        assert f"<b>{fmt_number(item['latest']['value'], 1, 'vi')}</b>" in html
    assert "Chệch hướng / không đạt" in html and "Đúng tiến độ" in html
    assert f"/api/reports/{PLAN}?period=2026&amp;unit=01&amp;format=pdf&amp;lang=vi" in html
    assert "Sở Y tế" in html and "hạn ngày 15" in html
    english = web("GET", f"/plans/{PLAN}", params={"year": 2026, "lang": "en"})
    assert "Off track" in english.text and "Department of Health" in english.text


def test_a_ward_user_sees_its_ward(web):
    page = web("GET", f"/plans/{PLAN}", user="entry.00070", params={"year": 2026})
    assert page.status_code == 200 and "Phường Hoàn Kiếm" in page.text
    assert (
        web("GET", f"/plans/{PLAN}", user="entry.00070", params={"unit": "01"}).status_code == 403
    )


def test_activity_form(web, plan_world):
    before = _count(plan_world, ActivityReport)
    form = {
        "reporter": "HN-SGDDT",
        "unit_code": "01",
        "period": "2026Q2",
        "activity": "school_programmes",
        "value": "12",
        "task_code": "",
    }
    # Only a member or delegate of the Department of Education reports for it.
    refused = web("POST", f"/plans/{PLAN}/activities", data=form)
    assert refused.status_code == 403 and _count(plan_world, ActivityReport) == before
    with plan_world.begin() as conn:
        conn.execute(
            insert(BodyMember).values(
                username="analyst.hanoi", body_code="HN-SGDDT", role="delegate"
            )
        )
    ok = web("POST", f"/plans/{PLAN}/activities", data=form)
    assert ok.status_code == 303 and ok.headers["location"].endswith("saved=1")
    bad = web("POST", f"/plans/{PLAN}/activities", data=dict(form, value="-4"))
    # the page is in Vietnamese: so is the reason
    assert bad.status_code == 303 and "phải là số nguyên" in unquote(bad.headers["location"])
    assert _count(plan_world, ActivityReport) == before + 1


def test_scorecard_page(web):
    page = web("GET", "/scorecard", user="entry.00070")
    assert page.status_code == 200
    assert "2024</b>: 6 đạt, 2 không đạt, 2 chưa rõ" in page.text
    assert "chưa điền" not in page.text
    # each year's value, its target and its source: the 2023 sex ratio missed 111,2 with 112
    srb = page.text.split('data-code="SRB"')[1].split("</tr>")[0]
    assert "Đạt được: 112 · Chỉ tiêu: 111,2" in srb
    assert "<summary>Nguồn</summary>" in srb and 'href="http://pnvnnuocngoai.vn/' in srb
    assert "Cơ quan giao: Chính phủ — Nghị quyết 01/NQ-CP" in srb


def test_enforcement_page_and_inspection_form(web, plan_world):
    page = web("GET", "/enforcement", params={"unit": "01"})
    assert page.status_code == 200
    first = re.search(r'data-unit="(\d+)"', page.text).group(1)
    assert first == "00103"
    assert '● <a href="/enforcement/flagged?unit=01#c-00103">Phường Tây Hồ</a>' in page.text
    before = _count(plan_world, Inspection)
    form = {
        "facility_code": "PW-PK",
        "inspected_on": "2026-04-02",
        "team": "Đoàn 4",
        "fine_vnd": "-100",
        "violation": "on",
        "unit": "01",
    }
    bad = web("POST", "/enforcement/inspections", data=form)
    assert bad.status_code == 303 and "tiền phạt không được âm" in unquote(bad.headers["location"])
    assert _count(plan_world, Inspection) == before
    ok = web("POST", "/enforcement/inspections", data=dict(form, fine_vnd="5000000"))
    assert ok.status_code == 303 and ok.headers["location"].endswith("saved=1")
    assert _count(plan_world, Inspection) == before + 1
    denied = web("POST", "/enforcement/inspections", user="entry.00070", data=form)
    assert denied.status_code == 403
