"""The tile map: one tile per commune of the province, in code order (not ranked), coloured by
the class of its SRB estimate with the interval in the tooltip; hatched where the interval is
wide; the page says why it is a tile map."""

from __future__ import annotations

import re

from chitieu.reports.i18n import fmt_interval


def _expected_class(srb, lower, upper) -> str:  # type: ignore[no-untyped-def]
    if srb is None:
        return "srb-none"
    name = (
        "srb-natural"
        if srb < 107
        else "srb-mild"
        if srb < 110
        else "srb-high"
        if srb < 113
        else "srb-very-high"
    )
    return name + (" uncertain" if upper - lower > 10 else "")


def test_the_province_map_colours_each_commune_by_its_estimate(plan_api):
    client, headers = plan_api
    auth = headers("analyst.hanoi")
    rows = client.get(
        "/api/enforcement/ranking", params={"unit": "01", "page_size": 1000}, headers=auth
    ).json()["items"]
    page = client.get("/map", params={"unit": "01"}, headers=auth)
    assert page.status_code == 200
    tiles = re.findall(r'<a class="tile ([^"]+)" data-unit="(\d+)"[^>]*title="([^"]*)"', page.text)
    assert [u for _, u, _ in tiles] == sorted(r["unit_code"] for r in rows)  # code order
    by = {r["unit_code"]: r for r in rows}
    for klass, unit, title in tiles:
        r = by[unit]
        assert klass == _expected_class(r["srb"], r["srb_lower"], r["srb_upper"]), unit
        if r["srb"] is not None:
            assert fmt_interval(r["srb_lower"], r["srb_upper"], 1, "vi") in title
    assert any("srb-very-high" in k for k, _, _ in tiles)  # Tây Hồ's excess shows
    assert 'id="map-legend"' in page.text and "Vì sao là bản đồ ô" in page.text
    english = client.get("/map", params={"unit": "01", "lang": "en"}, headers=auth)
    assert "Why a tile map" in english.text and "not a ranking" in english.text
