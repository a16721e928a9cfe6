"""From a flagged commune to the clinics around it and the inspection campaign: the commune's
own facilities first, then its province's, each with its last inspection; filters; planned
inspections audited, all or nothing, within the planner's unit; the campaign exported for the
inspection team (XLSX and PDF, Vietnamese)."""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from chitieu.catalog.clock import vietnam_today
from chitieu.enforcement.campaign import (
    FacilityFilter,
    campaign,
    flagged_with_facilities,
    plan_inspections,
)
from chitieu.ingest.errors import ImportRefused
from chitieu.store.db import transaction
from chitieu.store.models import AuditEntry, Facility, PlannedInspection

EXCESS = "00103"  # Phường Tây Hồ: the plan world's commune with an excess
AS_OF = date(2026, 11, 23)


@pytest.fixture
def world(plan_world):  # type: ignore[no-untyped-def]
    """The plan world with a private ultrasound clinic in the flagged commune, never inspected."""
    with plan_world.begin() as conn:
        conn.execute(
            insert(Facility).values(
                code="TH-PK",
                unit_code=EXCESS,
                name="Phòng khám siêu âm Tây Hồ",
                kind="clinic",
                ownership="private",
                offers_ultrasound=True,
                offers_obstetrics=False,
            )
        )
    return plan_world


def _flagged(engine, only: FacilityFilter | None = None):  # type: ignore[no-untyped-def]
    with transaction(engine) as db:
        return flagged_with_facilities(db, "01", until_year=2025, as_of=AS_OF, only=only)


def _count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_a_flagged_commune_lists_its_own_clinic_first_then_the_province(world):
    found = _flagged(world)
    top = found[0]
    assert top.unit_code == EXCESS and top.p_excess > 0.99 and top.onset is not None
    assert top.expected_excess_boys > 0 and top.srb_lower < top.srb < top.srb_upper
    assert all(f.p_excess >= 0.5 for f in found)  # only what the model flags
    codes = [(f.code, f.where) for f in top.facilities]
    assert codes[0] == ("TH-PK", "commune")
    assert {c for c, w in codes[1:]} == {"PW-BV", "PW-PK"} and {w for _, w in codes[1:]} == {
        "province"
    }
    by = {f.code: f for f in top.facilities}
    assert by["TH-PK"].last_inspected is None and by["TH-PK"].years_since_inspection is None
    pk = by["PW-PK"]  # inspected in March 2026: fined 40 million, suspended, commitment signed
    assert (pk.last_inspected, pk.fine_vnd, pk.suspended, pk.commitment_signed) == (
        date(2026, 3, 15),
        40_000_000,
        True,
        True,
    )
    assert pk.years_since_inspection == round((AS_OF - date(2026, 3, 15)).days / 365.25, 1)
    # the hospital's last inspection is the 2026 one, not the 2024 one
    assert by["PW-BV"].last_inspected == date(2026, 5, 20)


def test_filters_by_kind_ownership_and_time_since_the_last_inspection(world):
    def codes(only):  # type: ignore[no-untyped-def]
        return sorted(f.code for f in _flagged(world, only)[0].facilities)

    assert codes(FacilityFilter(ownership="public")) == ["PW-BV"]
    assert codes(FacilityFilter(kinds=("clinic",))) == ["PW-PK", "TH-PK"]
    # both inspected within the year: only the never-inspected clinic stays
    assert codes(FacilityFilter(min_years=1)) == ["TH-PK"]
    assert codes(FacilityFilter(min_years=0.6)) == ["PW-PK", "TH-PK"]  # 0.7 years since March
    with pytest.raises(ImportRefused) as refused:
        _flagged(world, FacilityFilter(kinds=("spa",), ownership="mine"))
    assert [e.column for e in refused.value.errors] == ["kind", "ownership"]


def test_planning_is_audited_idempotent_and_shown_beside_the_facility(world):
    on = AS_OF + timedelta(days=10)
    with transaction(world) as db:
        ids = plan_inspections(
            db, "01", ["TH-PK", "PW-PK"], planned_on=on, today=AS_OF, actor="analyst.hanoi",
            flagged_unit_code=EXCESS,
        )  # fmt: skip
        again = plan_inspections(
            db, "01", ["TH-PK"], planned_on=on, today=AS_OF, actor="analyst.hanoi"
        )
    assert len(ids) == 2 and again == []
    with world.connect() as conn:
        audit = conn.execute(
            select(AuditEntry.actor, AuditEntry.after).where(
                AuditEntry.table_name == "planned_inspections"
            )
        ).all()
    assert [a.actor for a in audit] == ["analyst.hanoi"] * 2
    assert {a.after["facility_code"] for a in audit} == {"TH-PK", "PW-PK"}
    by = {f.code: f for f in _flagged(world)[0].facilities}
    assert by["TH-PK"].planned_on == on and by["PW-BV"].planned_on is None
    with transaction(world) as db:
        listed = campaign(db, "01", as_of=AS_OF)
        # a commune's user sees only the campaign's facilities in that commune
        own = campaign(db, EXCESS, as_of=AS_OF)
    assert [(e.facility_code, e.planned_on) for e in listed] == [("PW-PK", on), ("TH-PK", on)]
    assert [e.facility_code for e in own] == ["TH-PK"]
    assert listed[0].last_inspected == date(2026, 3, 15) and listed[1].last_inspected is None
    # a plan is not an inspection: the ranking's history is unchanged
    assert (
        next(f for f in _flagged(world)[0].facilities if f.code == "TH-PK").last_inspected is None
    )


@pytest.mark.parametrize(
    ("scope", "codes", "on", "column"),
    [
        ("01", ["TH-PK", "NOPE"], AS_OF, "facility_code"),
        (EXCESS, ["TH-PK", "PW-PK"], AS_OF, "facility_code"),  # PW-PK is outside the commune
        ("01", ["TH-PK"], AS_OF - timedelta(days=1), "planned_on"),
        ("01", [], AS_OF, "facility_codes"),
    ],
)
def test_a_bad_plan_writes_nothing(world, scope, codes, on, column):
    before = _count(world, PlannedInspection)
    with pytest.raises(ImportRefused) as refused, transaction(world) as db:
        plan_inspections(db, scope, codes, planned_on=on, today=AS_OF, actor="a")
    assert column in [e.column for e in refused.value.errors]
    assert _count(world, PlannedInspection) == before


@pytest.fixture
def api(plan_api, world):  # type: ignore[no-untyped-def]
    client, headers = plan_api

    def call(method: str, url: str, user: str = "analyst.hanoi", **kw):  # type: ignore[no-untyped-def]
        return client.request(method, url, headers=headers(user), **kw)

    return call


def test_the_api_walks_from_flag_to_exported_campaign(api, world):
    r = api("GET", "/api/enforcement/flagged", params={"unit": "01", "year": 2025})
    assert r.status_code == 200
    top = r.json()["items"][0]
    assert top["unit_code"] == EXCESS and top["facilities"][0]["code"] == "TH-PK"
    r = api("GET", "/api/enforcement/flagged", params={"unit": "01", "ownership": "public"})
    assert [f["code"] for f in r.json()["items"][0]["facilities"]] == ["PW-BV"]
    assert api("GET", "/api/enforcement/flagged", params={"kind": "spa"}).status_code == 422
    on = (vietnam_today() + timedelta(days=7)).isoformat()
    body = {"facility_codes": ["TH-PK"], "planned_on": on, "flagged_unit_code": EXCESS}
    # a data-entry user may not plan; another province's analyst may not reach Hanoi
    assert (
        api("POST", "/api/enforcement/campaign", user="entry.00070", json=body).status_code == 403
    )
    other = api("POST", "/api/enforcement/campaign", user="analyst.haiphong", json=body)
    assert other.status_code == 422  # TH-PK is not in Hai Phong: refused, nothing written
    assert _count(world, PlannedInspection) == 0
    assert (
        api(
            "GET", "/api/enforcement/flagged", user="analyst.haiphong", params={"unit": "01"}
        ).status_code
        == 403
    )
    r = api("POST", "/api/enforcement/campaign", json=body)
    assert r.status_code == 201 and r.json()["added"] == 1
    listed = api("GET", "/api/enforcement/campaign").json()["items"]
    assert [(e["facility_code"], e["planned_on"]) for e in listed] == [("TH-PK", on)]
    xlsx = api("GET", "/api/enforcement/campaign", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0].startswith("Danh sách cơ sở trong đợt thanh tra")
    header = next(i for i, row in enumerate(cells) if row[0] == "Ngày dự kiến")
    assert cells[header + 1][1:4] == ["TH-PK", "Phòng khám siêu âm Tây Hồ", "Phường Tây Hồ"]
    assert cells[header + 1][6] == "chưa thanh tra"
    pdf = api("GET", "/api/enforcement/campaign", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Danh sách cơ sở trong đợt thanh tra" in text and "Phòng khám siêu âm Tây Hồ" in text


def test_the_pages_take_an_analyst_from_the_flag_to_the_campaign(plan_api, world):
    client, headers = plan_api

    def page(method: str, url: str, user: str = "analyst.hanoi", **kw):  # type: ignore[no-untyped-def]
        return client.request(method, url, headers=headers(user), follow_redirects=False, **kw)

    flagged = page("GET", "/enforcement/flagged", params={"unit": "01", "ownership": "private"})
    assert flagged.status_code == 200
    first = flagged.text.split('class="card flagged"')[1]
    assert 'data-unit="00103"' in first and "Phòng khám siêu âm Tây Hồ" in first
    assert "Bệnh viện Phụ sản" not in first  # filtered out: public
    assert "Thêm vào đợt thanh tra" in first
    on = (vietnam_today() + timedelta(days=3)).isoformat()
    form = {"unit": "01", "facility_code": ["TH-PK", "PW-PK"], "planned_on": on}
    done = page("POST", "/enforcement/campaign", data=form | {"flagged_unit_code": EXCESS})
    assert done.status_code == 303 and done.headers["location"].endswith("saved=2")
    listed = page("GET", done.headers["location"])
    assert listed.status_code == 200 and listed.text.count("data-facility=") == 2
    assert "format=xlsx" in listed.text and "format=pdf" in listed.text
    # a date in the past is refused in the page's language, nothing written
    past = page("POST", "/enforcement/campaign", data=form | {"planned_on": "2020-01-01"})
    assert past.status_code == 303 and "/enforcement/flagged" in past.headers["location"]
    assert _count(world, PlannedInspection) == 2
    # data-entry users see the page but cannot plan
    entry = page("POST", "/enforcement/campaign", user="entry.00070", data=form)
    assert entry.status_code == 403
