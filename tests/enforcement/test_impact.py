"""Did it work? An inspection in Phường Hồng Hà (00097): its SRB before and after with intervals
(the pooled counts, checked against an independent interval), the difference-in-differences
against comparable communes with its interval, and the statement that it is observational."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from chitieu.enforcement.impact import WINDOW, inspection_effect
from chitieu.ingest.errors import ImportRefused
from chitieu.stats.intervals import srb_interval
from chitieu.store.db import transaction
from chitieu.store.models import Inspection

HONG_HA = "00097"


def test_before_and_after_with_intervals_and_the_did(plan_world, plan_world_counts):
    # an inspection in 2022 in Hồng Hà: three years before (2019-2021), three after (2023-2025)
    with plan_world.begin() as conn:
        conn.execute(
            insert(Inspection).values(facility_code="PW-PK", inspected_on=date(2022, 6, 1))
        )
    with transaction(plan_world) as db:
        got = inspection_effect(db, HONG_HA, year=2022, last_data_year=2025)
    m_b = sum(plan_world_counts[(HONG_HA, y)][0] for y in range(2019, 2022))
    f_b = sum(plan_world_counts[(HONG_HA, y)][1] for y in range(2019, 2022))
    ci = srb_interval(m_b, f_b)
    assert (got.before.first_year, got.before.last_year) == (2022 - WINDOW, 2021)
    assert (got.before.male, got.before.female) == (m_b, f_b)
    assert got.before.srb == pytest.approx(float(ci.estimate), abs=0.01)
    assert got.before.lower < got.before.srb < got.before.upper
    assert (got.after.first_year, got.after.last_year) == (2023, 2025)
    assert got.n_controls >= 3
    assert got.did_lower < got.did_points < got.did_upper
    assert "observational" in got.note_en and "quan sát" in got.note_vi


@pytest.mark.parametrize(
    ("unit", "year", "column"),
    [("01", 2022, "unit"), ("00103", None, "year"), (HONG_HA, 2025, "year")],
)
def test_what_cannot_be_judged_is_refused(plan_world, unit, year, column):
    with pytest.raises(ImportRefused) as refused, transaction(plan_world) as db:
        inspection_effect(db, unit, year=year, last_data_year=2025)
    assert refused.value.errors[0].column == column


def test_the_api_and_the_page_show_it_with_the_observational_note(plan_api, plan_world):
    client, headers = plan_api
    with plan_world.begin() as conn:
        conn.execute(
            insert(Inspection).values(facility_code="PW-PK", inspected_on=date(2022, 6, 1))
        )
    r = client.get(
        "/api/enforcement/effect",
        params={"unit": HONG_HA, "year": 2022},
        headers=headers("analyst.hanoi"),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["before"]["lower"] < body["before"]["srb"] < body["before"]["upper"]
    assert body["did_lower"] < body["did_points"] < body["did_upper"]
    other = client.get(
        "/api/enforcement/effect", params={"unit": HONG_HA}, headers=headers("analyst.haiphong")
    )
    assert other.status_code == 403
    page = client.get(
        "/enforcement/effect",
        params={"unit": HONG_HA, "year": 2022},
        headers=headers("analyst.hanoi"),
    )
    assert page.status_code == 200 and 'id="did"' in page.text
    assert "so sánh quan sát" in page.text
    enforcement = client.get(
        "/enforcement", params={"unit": "01"}, headers=headers("analyst.hanoi")
    )
    assert f"/enforcement/effect?unit={HONG_HA}&amp;year=2026" in enforcement.text
