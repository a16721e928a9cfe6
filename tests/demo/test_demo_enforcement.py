"""Hanoi's demo providers, inspections and fines (seed 000), and the activity reports."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from chitieu.demo import DEMO_SEED, SYNTHETIC_LABEL
from chitieu.demo.activities import AS_OF, PLAN, hanoi_activities, hanoi_body_reports
from chitieu.demo.enforcement import hanoi_inspections, hanoi_providers
from chitieu.demo.hanoi import hanoi_profile
from chitieu.demo.store import insert_values
from chitieu.plans.activities import record_activities
from chitieu.plans.tracking import reporting_status
from chitieu.store.db import transaction


@pytest.fixture(scope="module")
def profile():
    return hanoi_profile(DEMO_SEED)


@pytest.fixture(scope="module")
def providers(profile):
    return hanoi_providers(profile, DEMO_SEED)


def test_public_and_private_obstetric_providers(providers, profile):
    names = dict(zip(profile.communes.codes, profile.communes.names, strict=True))
    owners = Counter(f["ownership"] for f in providers.facilities)
    assert owners["public"] >= 10 and owners["private"] >= 30
    assert all(f["offers_ultrasound"] or f["offers_obstetrics"] for f in providers.facilities)
    assert all(f["unit_code"] in names for f in providers.facilities)
    assert all(f["synthetic"] and SYNTHETIC_LABEL in f["name"] for f in providers.facilities)
    assert set(providers.maternity.public) <= {f["code"] for f in providers.facilities}


def test_the_ha_dong_clinic_fined_forty_million_and_suspended(providers, profile):
    names = dict(zip(profile.communes.codes, profile.communes.names, strict=True))
    where = {f["code"]: names[f["unit_code"]] for f in providers.facilities}
    kinds = {f["code"]: f["kind"] for f in providers.facilities}
    rows = hanoi_inspections(providers, DEMO_SEED)
    fined = [r for r in rows if r["fine_vnd"] == 40_000_000]
    assert len(fined) == 1
    case = fined[0]
    assert case["violation"] and case["suspended"] and case["inspected_on"].year == 2015
    assert "Hà Đông" in where[case["facility_code"]] and kinds[case["facility_code"]] == "clinic"


def test_inspections_are_consistent(providers):
    rows = hanoi_inspections(providers, DEMO_SEED)
    assert len(rows) > 50
    assert all(r["synthetic"] and SYNTHETIC_LABEL in r["findings"] for r in rows)
    assert all(r["violation"] == (r["fine_vnd"] > 0) for r in rows)
    assert all(not r["suspended"] or r["violation"] for r in rows)
    assert all(r["inspected_on"].month in (8, 9) for r in rows)  # the yearly campaign
    # Seed 000: "The city only prosecuted two cases in 2015".
    assert sum(r["violation"] for r in rows if r["inspected_on"].year == 2015) == 2
    assert sum(r["commitment_signed"] for r in rows) > len(rows) / 2
    keys = [(r["facility_code"], r["inspected_on"]) for r in rows]
    assert len(set(keys)) == len(keys)


def test_activity_reports_have_gaps_and_late_arrivals(profile):
    reports = hanoi_activities(profile, DEMO_SEED)
    months = {r["period"] for r in reports.values}
    expected = {f"{y}{m:02d}" for y in (2024, 2025) for m in range(1, 13)}
    assert months == expected | {f"2026{m:02d}" for m in range(1, 11)}  # up to the demo's day
    assert max(r["created"] for r in reports.values).date() <= AS_OF
    sent = {(r["unit_code"], r["period"]) for r in reports.values}
    assert 0.9 * 126 * 34 < len(sent) < 126 * 34  # most, not all
    per_commune = Counter(u for u, _ in sent)
    for code in reports.struggling:
        assert per_commune[code] < 34 * 0.75
    assert len(reports.struggling) == 3

    def due(period: str) -> datetime:
        y, m = int(period[:4]), int(period[4:])
        return datetime(y + (m == 12), m % 12 + 1, 15, 23, 59)

    late = {
        (r["unit_code"], r["period"]) for r in reports.values if r["created"] > due(r["period"])
    }
    assert 0.03 * len(sent) < len(late) < 0.2 * len(sent)
    statuses = Counter(r["status"] for r in reports.values)
    assert statuses["draft"] > 0 and statuses["submitted"] > 0.99 * len(reports.values)
    assert {r["element_code"] for r in reports.values} == {
        "ACT_COMM_SESSIONS",
        "ACT_PEOPLE_REACHED",
        "ACT_FACILITY_COMMITMENTS",
        "ACT_INSPECTIONS",
    }


def test_plan_tracking_on_the_demo_day_shows_reports_and_overdue_ones(ready_sqlite, profile):
    """Through the real tracking: in 2026 the bodies reported Q1 and most of Q2–Q3, two are
    overdue for Q3 (one for Q2 too), Q4 is not yet due; the communes' monthly figures count."""
    with transaction(ready_sqlite) as db:
        insert_values(db, hanoi_activities(profile, DEMO_SEED).values, step="test")
        added = record_activities(db, hanoi_body_reports(DEMO_SEED), actor="test", today=AS_OF)
        assert added and all(o.action == "added" for o in added)
        status = reporting_status(db, PLAN, as_of=AS_OF, year=2026)
    assert status.periods == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    bodies = Counter((c.period, c.status) for c in status.cells if c.kind == "body")
    assert bodies[("2026Q1", "reported")] == 10
    assert (bodies[("2026Q2", "overdue")], bodies[("2026Q3", "overdue")]) == (1, 2)
    assert bodies[("2026Q4", "not_due")] == 10
    communes = Counter((c.period, c.status) for c in status.cells if c.kind == "commune")
    for q in ("2026Q1", "2026Q2", "2026Q3"):
        assert 90 < communes[(q, "reported")] < 126 and communes[(q, "overdue")] > 0
