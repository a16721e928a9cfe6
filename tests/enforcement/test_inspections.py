"""Inspections and the facility register: validated, audited, idempotent; bad input refused
with the field and reason, nothing written (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from chitieu.enforcement.history import inspection_history
from chitieu.enforcement.inspections import list_inspections, record_inspections
from chitieu.enforcement.register import facility_register, register_facility
from chitieu.ingest.errors import ImportRefused
from chitieu.store.db import transaction
from chitieu.store.models import AuditEntry, Facility, Inspection

TODAY = date(2026, 11, 1)
HOAN_KIEM, HA_DONG = "00070", "09556"  # Hanoi wards (Hà Đông: the 2015 fine in seed 000)

CLINIC = {
    "code": "HN-PK-001",
    "unit_code": HA_DONG,
    "name": "Phòng khám sản phụ khoa tư nhân Hà Đông",
    "kind": "clinic",
    "ownership": "private",
    "offers_ultrasound": True,
    "offers_obstetrics": True,
}
HOSPITAL = {
    "code": "HN-BV-001",
    "unit_code": HOAN_KIEM,
    "name": "Bệnh viện Phụ sản Hà Nội",
    "kind": "hospital",
    "ownership": "public",
    "offers_ultrasound": True,
    "offers_obstetrics": True,
}
FINED = {
    "facility_code": "HN-PK-001",
    "inspected_on": "2015-08-20",
    "team": "Đoàn kiểm tra liên ngành",
    "findings": "Thông báo giới tính thai nhi cho cha mẹ",
    "violation": "yes",
    "fine_vnd": "40000000",
    "suspended": True,
    "commitment_signed": False,
}


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


@pytest.fixture
def db(ready_engine):
    with transaction(ready_engine) as s:
        register_facility(s, CLINIC, actor="inspector")
        register_facility(s, HOSPITAL, actor="inspector")
    return ready_engine


def test_register_lists_public_and_private_facilities(db):
    with transaction(db) as s:
        everything = facility_register(s, "01")
        private = facility_register(s, "01", ownership="private")
        only_hoan_kiem = facility_register(s, HOAN_KIEM)
    assert [f.code for f in everything] == ["HN-BV-001", "HN-PK-001"]  # by commune code
    assert [f.code for f in private] == ["HN-PK-001"]
    assert [f.code for f in only_hoan_kiem] == ["HN-BV-001"]
    assert everything[1].unit_name == "Phường Hà Đông"


def test_register_refuses_bad_facilities(db):
    bad = dict(CLINIC, code="HN-PK-001", unit_code="99999", ownership="mixed")
    before = _count(db, AuditEntry)
    with pytest.raises(ImportRefused) as refused, transaction(db) as s:
        register_facility(s, bad, actor="inspector")
    reasons = {e.column: e.reason for e in refused.value.errors}
    assert set(reasons) == {"code", "unit_code", "ownership"}
    assert "already registered" in reasons["code"] and reasons["unit_code"] == "unknown unit"
    assert all(e.reason_vi for e in refused.value.errors)
    assert _count(db, Facility) == 2 and _count(db, AuditEntry) == before


def test_record_an_inspection_with_fine_and_suspension(db):
    with transaction(db) as s:
        [outcome] = record_inspections(s, [FINED], actor="inspector", today=TODAY)
    assert outcome.created
    with transaction(db) as s:
        [row] = list_inspections(s, "01")
        audit = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "inspections")).all()
    assert (row.fine_vnd, row.violation, row.suspended) == (40_000_000, True, True)
    assert row.unit_code == HA_DONG and row.inspected_on == date(2015, 8, 20)
    assert len(audit) == 1 and audit[0].actor == "inspector"
    assert audit[0].after["fine_vnd"] == 40_000_000 and audit[0].unit_code == HA_DONG


def test_same_inspection_twice_changes_nothing(db):
    with transaction(db) as s:
        record_inspections(s, [FINED], actor="inspector", today=TODAY)
    audits = _count(db, AuditEntry)
    with transaction(db) as s:
        [again] = record_inspections(s, [FINED], actor="inspector", today=TODAY)
    assert not again.created
    assert _count(db, Inspection) == 1 and _count(db, AuditEntry) == audits


def test_same_facility_date_and_team_with_other_figures_is_a_conflict(db):
    with transaction(db) as s:
        record_inspections(s, [FINED], actor="inspector", today=TODAY)
    with pytest.raises(ImportRefused) as refused, transaction(db) as s:
        record_inspections(s, [dict(FINED, fine_vnd=30_000_000)], actor="x", today=TODAY)
    assert "already exists" in refused.value.errors[0].reason
    assert _count(db, Inspection) == 1


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"facility_code": "NO-SUCH"}, "facility_code", "unknown facility"),
        ({"fine_vnd": -1}, "fine_vnd", "cannot be negative"),
        ({"fine_vnd": "40.5"}, "fine_vnd", "whole number"),
        ({"fine_vnd": "bốn mươi triệu"}, "fine_vnd", "whole number"),
        ({"inspected_on": "2026-11-02"}, "inspected_on", "in the future"),
        ({"inspected_on": "20/08/2015"}, "inspected_on", "YYYY-MM-DD"),
        ({"violation": "maybe"}, "violation", "yes or no"),
        ({"violation": False, "suspended": False}, "fine_vnd", "a fine needs a violation"),
        ({"violation": False, "fine_vnd": 0}, "suspended", "a suspension needs a violation"),
    ],
)
def test_bad_inspections_are_refused_and_nothing_is_written(db, change, column, reason):
    good = dict(FINED, facility_code="HN-BV-001", inspected_on="2026-03-01")
    audits = _count(db, AuditEntry)
    with pytest.raises(ImportRefused) as refused, transaction(db) as s:
        # a good row first: it must not be written either
        record_inspections(s, [good, dict(FINED, **change)], actor="x", today=TODAY)
    [error] = refused.value.errors
    assert (error.row, error.column) == (2, column) and reason in error.reason
    assert error.reason_vi and error.reason_vi != error.reason  # inspectors read Vietnamese
    assert _count(db, Inspection) == 0 and _count(db, AuditEntry) == audits


def test_history_by_commune(db):
    rows = [
        FINED,
        dict(
            FINED,
            inspected_on="2025-06-01",
            fine_vnd=0,
            violation=False,
            suspended=False,
            commitment_signed=True,
        ),
        dict(
            FINED,
            facility_code="HN-BV-001",
            inspected_on="2024-01-10",
            fine_vnd=0,
            violation=False,
            suspended=False,
            commitment_signed=True,
        ),
    ]
    with transaction(db) as s:
        record_inspections(s, rows, actor="inspector", today=TODAY)
    with transaction(db) as s:
        history = inspection_history(s, "01")
        until_2020 = inspection_history(s, "01", until=date(2020, 1, 1))
    ha_dong = history[HA_DONG]
    assert (ha_dong.count, ha_dong.last_inspected, ha_dong.fines_vnd) == (
        2,
        date(2025, 6, 1),
        40_000_000,
    )
    assert (ha_dong.violations, ha_dong.suspensions, ha_dong.commitments) == (1, 1, 1)
    assert history[HOAN_KIEM].count == 1
    assert set(until_2020) == {HA_DONG} and until_2020[HA_DONG].count == 1
