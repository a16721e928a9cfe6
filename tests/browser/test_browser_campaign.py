"""An analyst walks from a flagged commune to a planned inspection and the exported campaign
list: the enforcement page's ranking links the flagged commune, its facilities are listed with
their last inspection, ticking one and "Thêm vào đợt thanh tra" plans it, and the campaign
downloads as an XLSX in Vietnamese."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook
from webworld import PASSWORD

NEVER = "chưa kiểm tra"


def test_from_a_flagged_commune_to_the_exported_campaign(page, login, shot):  # type: ignore[no-untyped-def]
    admin = httpx.Client(base_url=page.base, auth=("admin", PASSWORD))
    flagged = admin.get("/api/enforcement/flagged", params={"unit": "01"}).json()["items"]
    assert flagged, "the web world has communes with an excess"
    commune = flagged[0]["unit_code"]
    added = admin.post(
        "/api/enforcement/register",
        json={
            "code": "BT-SA1",
            "name": "Phòng khám siêu âm Ánh Dương",
            "unit_code": commune,
            "kind": "clinic",
            "ownership": "private",
            "offers_ultrasound": True,
        },
    )
    assert added.status_code in (201, 422), added.text  # 422: already there from a rerun

    login(page, "analyst.hanoi")
    page.goto(f"{page.base}/enforcement?unit=01")
    page.click(f'#ranking tr[data-unit="{commune}"] a')
    page.wait_for_url("**/enforcement/flagged**")
    section = page.locator(f'section.flagged[data-unit="{commune}"]')
    row = section.locator('tr[data-facility="BT-SA1"]')
    assert "trong xã" in row.inner_text()  # the commune's own facility, listed first
    assert section.locator("tr[data-facility]").first.get_attribute("data-facility") == "BT-SA1"
    assert row.locator("td").nth(3).inner_text().strip() == NEVER  # never inspected
    shot(page, "campaign-flagged")
    row.locator("input[type=checkbox]").check()
    section.locator("button[type=submit]").click()
    page.wait_for_url("**/enforcement/campaign**")
    assert "Đã thêm 1 cơ sở" in page.inner_text("main")
    assert page.locator('#campaign tr[data-facility="BT-SA1"]').count() == 1
    shot(page, "campaign-list")
    with page.expect_download() as got:
        page.click("#campaign-xlsx")
    data = got.value.path().read_bytes()
    cells = [[c.value for c in r] for r in load_workbook(io.BytesIO(data)).active.iter_rows()]
    assert cells[0][0].startswith("Danh sách cơ sở trong đợt thanh tra")
    assert any(r[1] == "BT-SA1" and r[2] == "Phòng khám siêu âm Ánh Dương" for r in cells)
    assert not page.console_errors


def test_from_a_past_inspection_to_its_before_and_after(page, login, shot):  # type: ignore[no-untyped-def]
    admin = httpx.Client(base_url=page.base, auth=("admin", PASSWORD))
    commune = admin.get("/api/enforcement/flagged", params={"unit": "01"}).json()["items"][1]
    code = "BT-SA2"
    admin.post(
        "/api/enforcement/register",
        json={
            "code": code,
            "name": "Phòng khám sản phụ khoa Bình An",
            "unit_code": commune["unit_code"],
        },
    )
    got = admin.post(
        "/api/inspections",
        json={
            "facility_code": code,
            "inspected_on": "2021-05-10",
            "violation": True,
            "fine_vnd": 40_000_000,
            "suspended": True,
        },
    )
    assert got.status_code in (200, 201), got.text

    login(page, "analyst.hanoi")
    page.goto(f"{page.base}/enforcement?unit=01")
    page.click(f'a[href="/enforcement/effect?unit={commune["unit_code"]}&year=2021"]')
    page.wait_for_url("**/enforcement/effect**")
    text = page.inner_text("#effect")
    assert "Năm kiểm tra: 2021" in text and "2018–2020" in text and "2022–2024" in text
    assert page.locator("#did").count() == 1  # the difference against comparable communes
    assert "so sánh quan sát" in text  # and the statement that it is observational
    shot(page, "campaign-effect")
    assert not page.console_errors


def test_the_map_renders_on_the_national_and_hanoi_views(page, login, shot):  # type: ignore[no-untyped-def]
    login(page, "admin")
    page.goto(f"{page.base}/map?unit=VN")
    provinces = page.locator("#choropleth path.province")
    assert provinces.count() == 34
    box = page.locator("#choropleth").bounding_box()
    assert box and box["height"] > 300  # drawn at a readable size
    for sel in ("#map-legend", "#map-source", "#map-layers", "#map-table"):
        assert page.locator(sel).is_visible(), sel
    assert "Natural Earth" in page.locator("#map-source").inner_text()
    shot(page, "map-national")
    # hovering a province shows its figures with the interval
    hanoi = page.locator('#choropleth path.province[data-unit="01"]')
    assert "(" in hanoi.locator("title").text_content()
    page.goto(f"{page.base}/map?unit=VN&layer=completeness")
    assert page.locator("#map-layers a.on").inner_text() == "Báo cáo tháng đã gửi"
    shot(page, "map-national-completeness")
    # clicking Hanoi opens its own map: the province on the country, its communes as tiles
    page.goto(f"{page.base}/map?unit=VN")
    hanoi.click()
    page.wait_for_url("**/map?unit=01**")
    assert page.locator('#choropleth path.here[data-unit="01"]').count() == 1
    assert page.locator("#tile-map .tile").count() > 0
    for sel in ("#map-legend", "#map-source", "#map-why"):
        assert page.locator(sel).is_visible(), sel
    assert "(" in page.locator("#tile-map .tile").first.get_attribute("title")
    shot(page, "map-hanoi")
    assert not page.console_errors
