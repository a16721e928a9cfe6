"""``GET /api/births/reconciliation``: per commune-month, births by sex from birth records and
from the submitted monthly report, the difference and the source the figures use, scoped like
every read. Expected figures worked out by hand:

    00070 2025-10  records 2 boys, 1 girl      report 65 boys, 61 girls  → report, differs
    00070 2025-11  records 12 boys, 11 girls   report 12 boys, 11 girls  → records, agrees
    00004 2025-10  no records                  report 5 boys, 4 girls    → report
    10510 2025-10  (Hai Phong) records 3 boys, report 1 boy              → records, differs
"""

from __future__ import annotations

from sqlalchemy import insert

from chitieu.ingest.birth_store import add_aggregates
from chitieu.store.models import DataValue


def _report(unit: str, period: str, cells: dict[str, int]) -> list[dict]:
    return [
        dict(
            element_code="LIVE_BIRTHS",
            unit_code=unit,
            period=period,
            disaggregation=c,
            value=v,
            status="submitted",
        )
        for c, v in cells.items()
    ]


def _births(unit: str, month: int, sex: str, n: int) -> dict:
    return dict(
        unit_code=unit,
        year=2025,
        month=month,
        sex=sex,
        birth_order=1,
        prev_boys=0,
        prev_girls=0,
        births=n,
    )


def _seed(world) -> None:  # type: ignore[no-untyped-def]
    rows = _report("00070", "202510", {"M_O1": 40, "M_O2": 25, "F_O1": 40, "F_O2": 21})
    rows += _report("00070", "202511", {"M_O1": 12, "F_O1": 11})
    rows += _report("00004", "202510", {"M_O1": 5, "F_O1": 4})
    rows += _report("10510", "202510", {"M_O1": 1})
    with world.engine.begin() as conn:
        conn.execute(insert(DataValue), rows)
        add_aggregates(
            conn,
            [
                _births("00070", 10, "M", 2),
                _births("00070", 10, "F", 1),
                _births("00070", 11, "M", 12),
                _births("00070", 11, "F", 11),
                _births("10510", 10, "M", 3),
            ],
        )


def test_province_sees_both_sources_the_difference_and_the_source_used(world) -> None:
    _seed(world)
    r = world.client.get(
        "/api/births/reconciliation", params={"year": 2025}, headers=world.as_("analyst")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["unit"], body["year"], body["differing"]) == ("01", 2025, 1)
    items = {(i["unit"], i["period"]): i for i in body["items"]}
    assert set(items) == {("00070", "202510"), ("00070", "202511"), ("00004", "202510")}
    oct_hk = items[("00070", "202510")]
    assert oct_hk["records"] == {"boys": 2, "girls": 1, "total": 3}
    assert oct_hk["report"] == {"boys": 65, "girls": 61, "total": 126, "status": "submitted"}
    assert oct_hk["difference"] == {"boys": -63, "girls": -60, "total": -123}
    assert (oct_hk["differs"], oct_hk["used"]) == (True, "report")
    assert (items[("00070", "202511")]["differs"], items[("00070", "202511")]["used"]) == (
        False,
        "records",
    )
    assert items[("00004", "202510")]["used"] == "report"
    only = world.client.get(
        "/api/births/reconciliation",
        params={"year": 2025, "differences": "true"},
        headers=world.as_("analyst"),
    ).json()
    assert [(i["unit"], i["period"]) for i in only["items"]] == [("00070", "202510")]
    # and the SRB the dashboard reads uses the report in October, the records in November
    srb = world.client.get(
        "/api/indicators/SRB",
        params={"unit": "00070", "start": 2025, "end": 2025},
        headers=world.as_("analyst"),
    ).json()
    item = srb["items"][0] if "items" in srb else srb
    assert (item["numerator"], item["denominator"]) == (65 + 12, 61 + 11)


def test_reconciliation_is_scoped_like_every_read(world) -> None:
    _seed(world)
    hp = world.as_("analyst_hp")
    r = world.client.get("/api/births/reconciliation", params={"year": 2025}, headers=hp)
    assert r.status_code == 200
    assert [(i["unit"], i["used"], i["differs"]) for i in r.json()["items"]] == [
        ("10510", "records", True)
    ]
    r = world.client.get(
        "/api/births/reconciliation", params={"year": 2025, "unit": "01"}, headers=hp
    )
    assert r.status_code == 403
    r = world.client.get(
        "/api/births/reconciliation",
        params={"year": 2025, "unit": "00004"},
        headers=world.as_("entry"),
    )
    assert r.status_code == 403
