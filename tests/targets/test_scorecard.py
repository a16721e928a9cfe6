"""The national ten-target scorecard: the seeds' figures as data, honest placeholders, an
administrator filling slots (audited), bad input refused with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chitieu.ingest.errors import ImportRefused
from chitieu.store.db import transaction
from chitieu.store.models import AuditEntry, ScorecardResult, ScorecardTarget
from chitieu.targets.scorecard import (
    load_scorecards,
    national_scorecard,
    read_scorecard_file,
    scorecard_meta,
    set_scorecard_result,
    set_scorecard_target,
)


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_the_file_holds_ten_targets_with_the_seed_figures():
    card = scorecard_meta("VN-2025")
    assert card.year == 2025 and len(card.targets) == 10
    by_code = {t.code: t for t in card.targets}
    # seed 004: in 2024 only the sex ratio target was missed
    assert [r.met for r in by_code["SRB"].results if r.year == 2024] == [False]
    # seed 000: 34 beds per 10,000 at the end of 2024; DTP1 99 % in 2024, 80 % in 2023
    assert [(r.year, r.value) for r in by_code["BEDS_PER_10K"].results] == [(2024, 34)]
    assert [(r.year, r.value) for r in by_code["DTP1_COVERAGE"].results] == [(2023, 80), (2024, 99)]
    placeholders = [t.code for t in card.targets if t.placeholder]
    assert placeholders == ["SLOT_06", "SLOT_07", "SLOT_08", "SLOT_09", "SLOT_10"]
    # every figure says where it comes from
    assert all(r.source for t in card.targets for r in t.results)


def test_view_per_year(ready_engine):
    with transaction(ready_engine) as db:
        card = national_scorecard(db)
    assert card.years == [2023, 2024]
    assert card.summary(2024) == {"met": 4, "not_met": 1, "unknown": 5, "targets": 10}
    srb = next(r for r in card.rows if r.code == "SRB")
    assert srb.cells[2024].met is False and not srb.cells[2024].met_derived


def test_shown_from_the_file_before_it_is_loaded(sqlite_engine):
    with transaction(sqlite_engine) as db:
        card = national_scorecard(db)
    assert len(card.rows) == 10 and card.summary(2024)["met"] == 4
    assert _count(sqlite_engine, ScorecardTarget) == 0  # reading wrote nothing


def test_loading_twice_adds_nothing_and_keeps_edits(ready_engine):
    with transaction(ready_engine) as db:
        set_scorecard_result(db, "VN-2025", "BEDS_PER_10K", 2024, {"value": 34.5}, actor="admin")
    with ready_engine.begin() as conn:
        assert load_scorecards(conn) == 0
    with transaction(ready_engine) as db:
        assert db.get(ScorecardResult, ("VN-2025", "BEDS_PER_10K", 2024)).value == 34.5


def test_an_administrator_fills_a_slot_and_a_year(ready_engine):
    with transaction(ready_engine) as db:
        set_scorecard_target(
            db,
            "VN-2025",
            "SLOT_06",
            {
                "name_vi": "Tuổi thọ trung bình",
                "name_en": "Life expectancy",
                "direction": "at_least",
                "unit_label": "năm",
            },
            actor="admin",
        )
        set_scorecard_result(
            db, "VN-2025", "SLOT_06", 2025, {"target_value": 74.5, "value": 74.7}, actor="admin"
        )
        # a year stated by value and target only: met is derived (74.7 >= 74.5)
        card = national_scorecard(db)
        audit = db.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name.like("scorecard_%"), AuditEntry.actor == "admin"
            )
        ).all()
    slot = next(r for r in card.rows if r.code == "SLOT_06")
    assert slot.name_vi == "Tuổi thọ trung bình" and not slot.placeholder
    assert slot.cells[2025].met is True and slot.cells[2025].met_derived
    assert card.summary(2025)["met"] == 1
    assert len(audit) == 2 and audit[0].before["placeholder"] is True


@pytest.mark.parametrize(
    ("call", "column", "reason"),
    [
        (
            lambda db: set_scorecard_target(
                db, "VN-2025", "SRB", {"indicator_code": "SRBX"}, actor="a"
            ),
            "indicator_code",
            "unknown indicator",
        ),
        (
            lambda db: set_scorecard_target(
                db, "VN-2025", "SRB", {"direction": "below"}, actor="a"
            ),
            "direction",
            "at_most or at_least",
        ),
        (
            lambda db: set_scorecard_target(db, "VN-2025", "NEW", {"name_vi": "Mới"}, actor="a"),
            "name_vi",
            "needs name_vi and name_en",
        ),
        (
            lambda db: set_scorecard_result(db, "VN-2025", "NOPE", 2025, {"value": 1}, actor="a"),
            "code",
            "no target 'NOPE'",
        ),
        (
            lambda db: set_scorecard_result(db, "VN-2025", "SRB", 1800, {"value": 1}, actor="a"),
            "year",
            "between 1990 and 2100",
        ),
        (
            lambda db: set_scorecard_result(
                db, "VN-2025", "SRB", 2025, {"met": "maybe"}, actor="a"
            ),
            "met",
            "true, false or empty",
        ),
        (
            lambda db: set_scorecard_result(
                db, "VN-2025", "SRB", 2025, {"value": float("nan")}, actor="a"
            ),
            "value",
            "finite",
        ),
    ],
)
def test_bad_scorecard_input_is_refused(ready_sqlite, call, column, reason):
    before = [_count(ready_sqlite, m) for m in (ScorecardTarget, ScorecardResult, AuditEntry)]
    with pytest.raises(ImportRefused) as refused, transaction(ready_sqlite) as db:
        call(db)
    assert any(e.column == column and reason in e.reason for e in refused.value.errors)
    after = [_count(ready_sqlite, m) for m in (ScorecardTarget, ScorecardResult, AuditEntry)]
    assert after == before


def test_a_bad_scorecard_file_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "code: X\ntitle_vi: x\ntitle_en: x\nunit: VN\nyear: 2025\nsource: s\ntargets:\n"
        "  - {code: A, indicator: NOPE, name_vi: a, name_en: a, direction: below}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as info:
        read_scorecard_file(bad)
    assert "unknown indicator" in str(info.value) and "at_most or at_least" in str(info.value)
