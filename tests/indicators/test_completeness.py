"""Births completeness by hand: three Hanoi wards, 2023–2025, on both databases.

    2023, 2024  each ward 1,000 births (records), spread over 12 months
    2025        Hoàn Kiếm only: 50 records in March, and Ba Đình's 2025Q1 report (40 births)

2025 against 2024: 2 of 3 wards (< 0.9 × 3), 90 births (< 0.9 × 3,000 − 3·√3,000 ≈ 2,536),
months January–March (the quarter covers three): provisional. A ward of 100 births that falls
to 75 is within chance (0.9·100 − 3·√100 = 60); to 50 it is not.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert

from chitieu.catalog import load_catalog
from chitieu.indicators.completeness import births_completeness, last_complete_year, year_is_due
from chitieu.ingest.birth_store import add_aggregates
from chitieu.store.models import DataValue
from chitieu.units.load import load_units

WARDS = ("00070", "00004", "00008")
LATE_2026 = datetime(2026, 12, 6)


def _records(unit: str, year: int, month: int, boys: int, girls: int) -> list[dict]:
    base = {"unit_code": unit, "year": year, "month": month, "birth_order": 1}
    return [
        {**base, "sex": sex, "prev_boys": 0, "prev_girls": 0, "births": n}
        for sex, n in (("M", boys), ("F", girls))
        if n
    ]


@pytest.fixture
def db(engine):  # type: ignore[no-untyped-def]
    rows = []
    for unit in WARDS:
        for year in (2023, 2024):
            for month in range(1, 13):
                rows += _records(unit, year, month, 43 if month <= 4 else 42, 41)
    rows += _records("00070", 2025, 3, 26, 24)
    quarter = [
        {
            "element_code": "LIVE_BIRTHS",
            "unit_code": "00004",
            "period": "2025Q1",
            "disaggregation": cell,
            "value": n,
            "status": "submitted",
        }
        for cell, n in (("M_O1", 21), ("F_O1", 19))
    ]
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        add_aggregates(conn, rows)
        conn.execute(insert(DataValue), quarter)
    with engine.connect() as conn:
        yield conn


def test_a_partial_year_is_provisional_with_its_counts(db):
    done = births_completeness(db, "01", 2025, as_of=LATE_2026)
    assert sorted(done) == [2023, 2024, 2025]
    assert done[2023].complete and done[2023].reference_year is None
    assert done[2024].complete and done[2024].births_expected == 3000
    last = done[2025]
    assert (last.communes_reporting, last.communes_expected, last.months) == (2, 3, 3)
    assert (last.births, last.births_expected, last.reference_year) == (90, 3000, 2024)
    assert not last.complete
    assert last.text("vi") == "tạm tính: 2/3 xã, 3 tháng"
    assert last.text("en") == "provisional: 2/3 communes, 3 months"
    assert last_complete_year(done) == 2024


def test_a_year_not_yet_due_is_provisional_however_full(db):
    # 10 January 2025, 16:59 UTC is 23:59 in Hanoi: December 2024's report is not due yet
    assert not year_is_due(2024, datetime(2025, 1, 10, 16, 59))
    assert year_is_due(2024, datetime(2025, 1, 10, 17, 0))
    done = births_completeness(db, "01", 2025, as_of=datetime(2025, 1, 10, 12, 0))
    assert done[2023].complete and not done[2024].complete
    assert last_complete_year(done) == 2023


def test_a_commune_is_judged_against_its_own_count_with_chance_allowed(engine):
    rows = _records("00070", 2023, 6, 52, 48)
    rows += _records("00070", 2024, 6, 39, 36)  # 75: within chance of 100
    rows += _records("00070", 2025, 6, 26, 24)  # 50 ≥ 0.9·75 − 3·√75 ≈ 41.5: chance
    rows += _records("00070", 2026, 6, 10, 10)  # 20 < 0.9·50 − 3·√50 ≈ 23.8: partial
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        add_aggregates(conn, rows)
    with engine.connect() as conn:
        done = births_completeness(conn, "00070", 2026, as_of=datetime(2027, 2, 1))
    assert [done[y].complete for y in (2023, 2024, 2025, 2026)] == [True, True, True, False]
    assert done[2025].births_expected == 75 and done[2026].births_expected == 50
    assert (done[2026].communes_reporting, done[2026].communes_expected) == (1, 1)
