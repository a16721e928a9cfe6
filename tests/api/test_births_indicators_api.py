"""Birth aggregates and indicators with intervals, checked against counts summed by hand."""

from __future__ import annotations

import math

from chitieu.ingest.birth_store import add_aggregates

# (unit, year, month, sex, order, prev_boys, prev_girls, births)
BIRTHS = [
    ("00070", 2023, 1, "M", 1, 0, 0, 100),
    ("00070", 2023, 1, "F", 1, 0, 0, 95),
    ("00070", 2023, 2, "M", 3, 0, 2, 12),
    ("00070", 2023, 3, "F", 3, 0, 2, 6),
    ("00070", 2024, 6, "M", 2, 1, 0, 210),
    ("00070", 2024, 6, "F", 2, 1, 0, 190),
    ("00004", 2024, 1, "M", 1, 0, 0, 320),
    ("00004", 2024, 1, "F", 1, 0, 0, 310),
    ("10510", 2024, 1, "M", 1, 0, 0, 999),  # Hai Phong: never in a Hanoi total
]


def _seed(world) -> None:
    keys = ("unit_code", "year", "month", "sex", "birth_order", "prev_boys", "prev_girls")
    with world.engine.begin() as conn:
        add_aggregates(
            conn,
            [{**dict(zip(keys, row[:-1], strict=True)), "births": row[-1]} for row in BIRTHS],
        )


def _get(world, path: str, who: str = "analyst") -> dict:
    r = world.client.get(path, headers=world.as_(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_birth_aggregates_grouped_and_filtered(world) -> None:
    _seed(world)
    rows = _get(world, "/api/births/aggregates?group_by=year,sex")["items"]
    assert rows == [
        {"year": 2023, "sex": "F", "births": 95 + 6},
        {"year": 2023, "sex": "M", "births": 100 + 12},
        {"year": 2024, "sex": "F", "births": 190 + 310},
        {"year": 2024, "sex": "M", "births": 210 + 320},
    ]
    feb_mar = _get(world, "/api/births/aggregates?group_by=month&start=202302&end=202303")
    assert feb_mar["items"] == [{"month": 2, "births": 12}, {"month": 3, "births": 6}]
    quarter = _get(world, "/api/births/aggregates?group_by=unit&start=2023Q1&end=2023Q1")
    assert quarter["items"] == [{"unit": "00070", "births": 100 + 95 + 12 + 6}]
    after_two_girls = _get(
        world, "/api/births/aggregates?group_by=sex,prev_girls&birth_order=3&unit=00070"
    )
    assert after_two_girls["items"] == [
        {"sex": "F", "prev_girls": 2, "births": 6},
        {"sex": "M", "prev_girls": 2, "births": 12},
    ]
    entry = _get(world, "/api/births/aggregates?group_by=unit", "entry")
    assert entry["items"] == [{"unit": "00070", "births": 613}]
    everything = _get(world, "/api/births/aggregates?group_by=unit", "admin")
    assert {r["unit"] for r in everything["items"]} == {"00070", "00004", "10510"}
    for bad in ("group_by=colour", "group_by=", "group_by=year,year", "sex=X", "birth_order=5"):
        r = world.client.get(f"/api/births/aggregates?{bad}", headers=world.as_("analyst"))
        assert r.status_code == 422, bad


def test_srb_series_pooled_and_by_commune(world) -> None:
    _seed(world)
    series = _get(world, "/api/indicators/SRB?unit=01&start=2023&end=2024")
    assert (series["code"], series["unit"], series["total"]) == ("SRB", "01", 2)
    y2023, y2024 = series["items"]
    assert y2023["value"] == 100 * (100 + 12) / (95 + 6)
    assert y2024["value"] == 100 * (210 + 320) / (190 + 310)
    for v in (y2023, y2024):
        assert v["lower"] < v["value"] < v["upper"]
    # A Wilson interval on p = m/(m+f) (as the stats engine documents), mapped to the SRB
    m, f = 530, 500
    n, p, z = m + f, m / (m + f), 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = centre - half, centre + half
    assert math.isclose(y2024["lower"], 100 * lo / (1 - lo), rel_tol=1e-3)
    assert math.isclose(y2024["upper"], 100 * hi / (1 - hi), rel_tol=1e-3)

    pooled = _get(world, "/api/indicators/SRB?unit=01&start=2023&end=2024&pooled=true")
    assert pooled["items"][0]["value"] == 100 * 642 / 601
    communes = _get(
        world, "/api/indicators/SRB?unit=01&start=2023&end=2024&children=true&page_size=1000"
    )
    by_code = {v["unit_code"]: v for v in communes["items"]}
    assert communes["total"] == len(by_code) > 100  # every Hanoi commune, most with no births
    assert by_code["00070"]["value"] == 100 * (100 + 12 + 210) / (95 + 6 + 190)
    assert by_code["00004"]["value"] == 100 * 320 / 310
    assert by_code["00008"]["value"] is None


def test_indicator_catalogue_and_errors(world) -> None:
    codes = [i["code"] for i in _get(world, "/api/indicators?page_size=100")["items"]]
    assert {"SRB", "SRB_O3_AFTER_2G", "DOCTORS_PER_10K", "DTP1_COVERAGE"} <= set(codes)
    assert (
        world.client.get("/api/indicators/NOPE?unit=01", headers=world.as_("analyst")).status_code
        == 404
    )
    assert (
        world.client.get("/api/indicators/SRB?unit=31", headers=world.as_("analyst")).status_code
        == 403
    )
    assert (
        world.client.get(
            "/api/indicators/SRB?unit=01&level=1.5", headers=world.as_("analyst")
        ).status_code
        == 422
    )
    assert (
        world.client.get(
            "/api/indicators/SRB?unit=01&start=1900&end=2024", headers=world.as_("analyst")
        ).status_code
        == 422
    )
