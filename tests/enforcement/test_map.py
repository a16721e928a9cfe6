"""The map page: the country's provinces drawn from their outlines (one SVG path each), the
communes of a province as tiles in code order, each coloured by the class of the layer's
estimate (never a rank), the interval in the tooltip, a legend and the source line."""

from __future__ import annotations

import json
import re

from chitieu.reports.i18n import fmt_interval
from chitieu.units.outlines import GEOJSON

SRB_LIMITS = (107, 110, 113)


def _srb_class(est: float | None) -> str:
    if est is None:
        return "none"
    return f"c{sum(est >= lim for lim in SRB_LIMITS)}"


def _ranking(client, auth, unit):  # type: ignore[no-untyped-def]
    rows = client.get(
        "/api/enforcement/ranking", params={"unit": unit, "page_size": 1000}, headers=auth
    ).json()["items"]
    return {r["unit_code"]: r for r in rows}


def test_the_province_map_colours_each_commune_by_its_smoothed_estimate(plan_api):
    client, headers = plan_api
    auth = headers("analyst.hanoi")
    by = _ranking(client, auth, "01")
    page = client.get("/map", params={"unit": "01"}, headers=auth)
    assert page.status_code == 200
    tiles = re.findall(r'<a class="tile ([^"]+)" data-unit="(\d+)"[^>]*title="([^"]*)"', page.text)
    assert [u for _, u, _ in tiles] == sorted(by)  # code order, not a ranking
    for klass, unit, title in tiles:
        r = by[unit]
        assert klass.split()[0] == _srb_class(r["est"]), unit
        assert ("uncertain" in klass) == (
            r["est"] is not None and r["est_upper"] - r["est_lower"] > 10
        ), unit
        if r["est"] is not None:
            assert fmt_interval(r["est_lower"], r["est_upper"], 1, "vi") in title
    assert any(k.startswith("c3") for k, _, _ in tiles)  # Tây Hồ's excess shows
    # the province on the country's outline, the reason for tiles, legend and source
    assert re.search(r'<path class="province here" data-unit="01"', page.text)
    assert 'id="map-legend"' in page.text and 'id="map-source"' in page.text
    assert "Chưa có ranh giới xã" in page.text and "Natural Earth" in page.text
    english = client.get("/map", params={"unit": "01", "lang": "en"}, headers=auth)
    assert "No commune outlines" in english.text and "not a ranking" in english.text


def test_the_national_map_draws_the_34_provinces_coloured_by_the_layer(plan_api):
    client, headers = plan_api
    auth = headers("admin")
    by = _ranking(client, auth, "VN")
    page = client.get("/map", params={"unit": "VN"}, headers=auth)
    assert page.status_code == 200
    paths = re.findall(
        r'<path class="province ([^"]+)" data-unit="(\d+)" d="[^"]+"><title>([^<]*)</title>',
        page.text,
    )
    assert len(paths) == 34
    for klass, unit, title in paths:
        r = by.get(unit)
        assert klass == _srb_class(r["est"] if r else None), unit
        if r and r["est"] is not None:
            assert fmt_interval(r["est_lower"], r["est_upper"], 1, "vi") in title
    assert by["01"]["est"] is not None  # Hanoi has births, so it is coloured
    assert 'id="map-table"' in page.text and 'id="map-source"' in page.text
    # another layer: P(excess) classes
    page = client.get("/map", params={"unit": "VN", "layer": "p_excess"}, headers=auth)
    hanoi = re.search(r'<path class="province ([^"]+)" data-unit="01"', page.text)
    p = by["01"]["p_excess"]
    expected = "none" if p is None else f"c{sum(p >= lim for lim in (0.5, 0.8, 0.95))}"
    assert hanoi and hanoi.group(1) == expected
    for layer in ("completeness", "coverage"):
        assert client.get("/map", params={"unit": "VN", "layer": layer}, headers=auth).is_success
    assert client.get("/map", params={"layer": "raw_ratio"}, headers=auth).status_code == 422


def test_the_outlines_are_the_34_provinces_merged_by_the_crosswalk():
    import csv

    from chitieu.exchange.crosswalk import CROSSWALK

    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    merged: dict[str, list[str]] = {}
    with CROSSWALK.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["old_level"] == "province":
                merged.setdefault(row["new_code"], []).append(row["old_code"])
    got = {f["properties"]["code"]: f["properties"]["old_provinces"] for f in features}
    assert got == {code: sorted(olds) for code, olds in merged.items()}
    assert len(got) == 34 and sum(len(v) for v in got.values()) == 63
    assert GEOJSON.stat().st_size < 100_000  # small enough to ship and draw on the server


def test_the_coverage_layer_shows_the_reported_coverage_with_its_interval(plan_api):
    client, headers = plan_api
    auth = headers("admin")
    api = client.get(
        "/api/indicators/INSURANCE_COVERAGE",
        params={"unit": "VN", "children": "true", "start": "2025", "end": "2025", "page_size": 100},
        headers=auth,
    ).json()
    values = {v["unit_code"]: v for v in api["items"]}
    page = client.get(
        "/map", params={"unit": "VN", "year": 2025, "layer": "coverage"}, headers=auth
    )
    paths = {
        u: k for k, u in re.findall(r'<path class="province ([^"]+)" data-unit="(\d+)"', page.text)
    }
    shown = 0
    for code, klass in paths.items():
        v = values.get(code)
        if v is None or v["value"] is None or not v["numerator"]:
            assert klass == "none", code  # nothing reported is no figure, not 0 %
            continue
        shown += 1
        assert klass == f"c{sum(v['value'] >= lim for lim in (90, 95, 98))}", code
        row = re.search(rf'data-unit="{code}" d="[^"]+"><title>([^<]*)</title>', page.text)
        assert row and fmt_interval(v["lower"], v["upper"], 1, "vi") in row.group(1)
    assert shown >= 1


def test_the_completeness_layer_counts_only_the_months_whose_report_is_due(plan_api):
    from datetime import datetime, timedelta

    client, headers = plan_api
    auth = headers("analyst.hanoi")
    grid = client.get("/api/dashboard/reporting", params={"unit": "01"}, headers=auth).json()
    year = grid["year"]
    now = datetime.utcnow()

    def due(month: int) -> bool:  # past the end of the 10th of the next month, Vietnam time
        y, m = (year + 1, 1) if month == 12 else (year, month + 1)
        return now >= datetime(y, m, 11) - timedelta(hours=7)

    expected = {}
    for row in grid["rows"]:
        cells = [c for i, c in enumerate(row["cells"]) if due(i + 1)]
        expected[row["code"]] = (
            round(100 * sum(c in "TL" for c in cells) / len(cells)) if cells else None
        )
    page = client.get(
        "/map", params={"unit": "01", "year": year, "layer": "completeness"}, headers=auth
    ).text
    tiles = re.findall(
        r'data-unit="(\d+)"[^>]*>\s*<span class="tile-name">[^<]*</span>'
        r'<span class="tile-value">([^<]*)</span>',
        page,
    )
    assert len(tiles) == len(expected) > 0
    for code, value in tiles:
        want = expected[code]
        assert value.strip() == ("–" if want is None else f"{want} %"), code


def test_a_commune_user_sees_where_the_commune_lies_and_nothing_outside_it(plan_api):
    client, headers = plan_api
    auth = headers("entry.00070")
    page = client.get("/map", headers=auth)
    assert page.status_code == 200
    assert re.search(r'<path class="province here" data-unit="01"', page.text)
    assert 'class="tile ' not in page.text  # no other commune's figures
    assert client.get("/map", params={"unit": "01"}, headers=auth).status_code == 403


def test_the_archipelagos_are_drawn_with_the_provinces_they_belong_to(plan_api):
    client, headers = plan_api
    auth = headers("admin")
    page = client.get("/map", params={"unit": "VN"}, headers=auth).text
    classes = dict(
        (u, k) for k, u in re.findall(r'<path class="province ([^"]+)" data-unit="(\d+)"', page)
    )
    marks = re.findall(
        r'<g class="archipelago" data-unit="(\d+)"><title>([^<]+)</title>(.*?)</g>', page, re.S
    )
    assert [(u, name) for u, name, _ in marks] == [
        ("48", "Quần đảo Hoàng Sa (Đà Nẵng)"),
        ("56", "Quần đảo Trường Sa (Khánh Hòa)"),
    ]
    width, height = (float(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', page).groups())
    for unit, _, body in marks:
        dots = re.findall(r'<circle class="province ([^"]+)" cx="([\d.]+)" cy="([\d.]+)"', body)
        assert len(dots) >= 8
        for klass, x, y in dots:
            assert klass == classes[unit]  # coloured as the province it belongs to
            assert 0 <= float(x) <= width and 0 <= float(y) <= height
    # Trường Sa lies south-east of Hoàng Sa
    (hx, hy), (tx, ty) = (
        tuple(float(v) for v in re.search(r'<text x="([\d.]+)" y="([\d.]+)"', b).groups())
        for _, _, b in marks
    )
    assert ty > hy and tx > hx - 20
    assert "không phải bản đồ địa giới" in page and "vị trí các đảo chính" in page
    english = client.get("/map", params={"unit": "VN", "lang": "en"}, headers=auth).text
    assert "Trường Sa (Spratly) archipelago (Khánh Hòa)" in english
    # a province's view marks Khánh Hòa's archipelago as its own
    khanh_hoa = client.get("/map", params={"unit": "56"}, headers=auth).text
    assert re.search(
        r'data-unit="56"><title>[^<]+</title>\s*<circle class="province here"', khanh_hoa
    )
