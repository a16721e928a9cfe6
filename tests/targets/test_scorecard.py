"""The national ten-target scorecard: the published figures as data, each with its source, an
administrator completing a target (audited), bad input refused with nothing written."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from chitieu.ingest.errors import ImportRefused
from chitieu.store.audit import SYSTEM_ACTOR
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
from chitieu.targets.scorecard_load import SCORECARD_DIR


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_the_file_holds_ten_sourced_targets_with_the_published_figures():
    card = scorecard_meta("VN-2025")
    assert card.year == 2025 and len(card.targets) == 10
    assert not [t.code for t in card.targets if t.placeholder]
    by_code = {t.code: t for t in card.targets}
    # the three National Assembly targets, 2025 as the Ministry reported them (29/12/2025)
    assert [(r.year, r.value, r.met) for r in by_code["DOCTORS_PER_10K"].results] == [
        (2023, 12.5, True),
        (2024, 14, True),
        (2025, 15, True),
    ]
    assert [r.value for r in by_code["INSURANCE_COVERAGE"].results if r.year == 2025] == [95.15]
    assert [r.value for r in by_code["BEDS_PER_10K"].results if r.year == 2025] == [34.5]
    qh = [t.code for t in card.targets if t.assigned_by == "national_assembly"]
    assert qh == ["INSURANCE_COVERAGE", "DOCTORS_PER_10K", "BEDS_PER_10K"]
    assert all("158/2024/QH15" in (by_code[c].legal_basis or "") for c in qh)
    # the sex ratio missed its 111.2 in 2023 and 2024, as published
    srb = {r.year: r for r in by_code["SRB"].results}
    assert (srb[2024].target_value, srb[2024].value, srb[2024].met) == (111.2, 112.3, False)
    # every figure names where it was published: a document date and an address
    for t in card.targets:
        for r in t.results:
            assert r.source and ("http" in r.source or "TTXVN" in r.source), (t.code, r.year)
    # nothing written for developers
    text = " ".join(str(t.model_dump(exclude={"placeholder"})) for t in card.targets)
    for note in ("seed 0", "placeholder", "to be filled", "chưa điền"):
        assert note not in text


def test_each_target_names_the_act_that_assigns_it_or_says_none_was_found():
    card = scorecard_meta("VN-2025")
    by_code = {t.code: t for t in card.targets}
    # the National Assembly's 2025 plan: items 10-12 of its 15 main targets
    targets_2025 = {
        c: next(r.target_value for r in by_code[c].results if r.year == 2025)
        for c in ("DOCTORS_PER_10K", "BEDS_PER_10K", "INSURANCE_COVERAGE")
    }
    assert targets_2025 == {
        "DOCTORS_PER_10K": 15,
        "BEDS_PER_10K": 34.5,
        "INSURANCE_COVERAGE": 95.15,
    }
    for code in targets_2025:
        (r,) = [r for r in by_code[code].results if r.year == 2025]
        assert "158/2024/QH15" in r.source and "12/11/2024" in r.source
    # the pharmacists' 2025 target comes from the healthcare network master plan
    pharmacists = by_code["PHARMACISTS_PER_10K"]
    assert pharmacists.assigned_by == "government" and "Quy hoạch" in pharmacists.legal_basis
    assert "201/QĐ-TTg" in pharmacists.legal_basis
    assert [r.target_value for r in pharmacists.results if r.year == 2025] == [3.4]
    # the 2024 targets as the Ministry's Plan 1015/KH-BYT lists them
    targets_2024 = {
        t.code: r.target_value for t in card.targets for r in t.results if r.year == 2024
    }
    assert {c: targets_2024[c] for c in ("INSURANCE_COVERAGE", "DOCTORS_PER_10K")} == {
        "INSURANCE_COVERAGE": 94.1,
        "DOCTORS_PER_10K": 13.5,
    }
    assert (targets_2024["BEDS_PER_10K"], targets_2024["STUNTING_U5"]) == (32.5, 18.5)
    # stunting's 2025 target is the National Nutrition Strategy's (Decision 02/QĐ-TTg of
    # 05/01/2022: "dưới 17%" by 2025); the Government's 2025 appendix was not found, and says so
    stunting = by_code["STUNTING_U5"]
    assert "02/QĐ-TTg" in stunting.legal_basis and "chưa tìm được" in stunting.legal_basis
    assert [(r.target_value, r.value) for r in stunting.results if r.year == 2025] == [(17, None)]
    # full immunisation's 2025 target is the Ministry's immunisation plan (Decision
    # 1987/QĐ-BYT: at least 90 %); the Government's own 2025 figure was not found, and says so
    immunisation = by_code["FULL_IMMUNISATION_U1"]
    assert "1987/QĐ-BYT" in immunisation.legal_basis
    assert "chưa tìm được" in immunisation.legal_basis
    (im_2025,) = [r for r in immunisation.results if r.year == 2025]
    assert (im_2025.target_value, im_2025.value, im_2025.met) == (90, 95, None)
    # life expectancy's 2025 target as the Ministry's year-end review states it (74.7), the
    # Population Department's earlier 74.6 named beside it
    (life,) = [r for r in by_code["LIFE_EXPECTANCY"].results if r.year == 2025]
    assert (life.target_value, life.value, life.met) == (74.7, 74.8, True)
    assert "74,6" in life.source and "plo.vn" in life.source
    # public satisfaction: target and verdict from the same review; the act is inferred, and
    # the legal basis says so
    satisfaction = by_code["HEALTH_SERVICE_SATISFACTION"]
    assert satisfaction.assigned_by == "government" and "suy ra" in satisfaction.legal_basis
    assert [(r.year, r.target_value, r.value, r.met) for r in satisfaction.results] == [
        (2025, 80, 90, True)
    ]
    # every target has an assigning act, or says how it was inferred
    assert all(t.assigned_by and t.legal_basis for t in card.targets)
    # the sources shown to people link to the publishers, not to an unrelated site's copy
    sources = " ".join(r.source or "" for t in card.targets for r in t.results)
    assert "sportsemploymentnews" not in sources


def test_view_per_year(ready_engine):
    with transaction(ready_engine) as db:
        card = national_scorecard(db)
    assert card.years == [2023, 2024, 2025]
    assert card.summary(2024) == {"met": 6, "not_met": 2, "unknown": 2, "targets": 10}
    assert card.summary(2025) == {"met": 7, "not_met": 1, "unknown": 2, "targets": 10}
    srb = next(r for r in card.rows if r.code == "SRB")
    assert srb.cells[2024].met is False and not srb.cells[2024].met_derived
    # 2025 has no published verdict per target: 110 against at most 111 is derived
    assert srb.cells[2025].met is True and srb.cells[2025].met_derived
    # the fertility target's miss in 2025 is published (Population Department, 17/12/2025)
    tfr = next(r for r in card.rows if r.code == "TFR")
    assert tfr.cells[2025].met is False and not tfr.cells[2025].met_derived
    # life expectancy's 2025 verdict is published (the Ministry's review, 29/12/2025);
    # full immunisation's is derived (95 against at least 90)
    life = next(r for r in card.rows if r.code == "LIFE_EXPECTANCY")
    assert life.cells[2025].met is True and not life.cells[2025].met_derived
    immunisation = next(r for r in card.rows if r.code == "FULL_IMMUNISATION_U1")
    assert immunisation.cells[2025].met is True and immunisation.cells[2025].met_derived
    assert card.title_vi.startswith("Các chỉ tiêu Quốc hội")


def test_shown_from_the_file_before_it_is_loaded(sqlite_engine):
    with transaction(sqlite_engine) as db:
        card = national_scorecard(db)
    assert len(card.rows) == 10 and card.summary(2024)["met"] == 6
    assert _count(sqlite_engine, ScorecardTarget) == 0  # reading wrote nothing


def test_loading_twice_adds_nothing_and_keeps_edits(ready_engine):
    with transaction(ready_engine) as db:
        set_scorecard_result(db, "VN-2025", "BEDS_PER_10K", 2024, {"value": 34.5}, actor="admin")
    with ready_engine.begin() as conn:
        assert load_scorecards(conn) == 0
    with transaction(ready_engine) as db:
        assert db.get(ScorecardResult, ("VN-2025", "BEDS_PER_10K", 2024)).value == 34.5


def _earlier_then_shipped(engine, tmp_path, earlier: dict, edit: tuple) -> tuple[int, int]:
    """Load an earlier release of the file (``earlier``), let an administrator change one year
    (``edit``: code, year, fields), then load the shipped file twice: the rows the first two
    loads changed (the second reload must change nothing)."""
    old = tmp_path / "vn-2025.yaml"
    old.write_text(yaml.safe_dump(earlier, allow_unicode=True), encoding="utf-8")
    shipped = next(SCORECARD_DIR.glob("*.yaml"))
    with transaction(engine) as db:
        first = load_scorecards(db, [old])
        set_scorecard_result(db, "VN-2025", *edit, actor="admin")
    with transaction(engine) as db:
        second = load_scorecards(db, [shipped])
        assert load_scorecards(db, [shipped]) == 0
    return first, second


def test_a_release_correcting_the_file_reaches_a_loaded_database_but_not_edited_rows(
    ready_engine, tmp_path
):
    shipped = next(SCORECARD_DIR.glob("*.yaml"))
    # an earlier release of the file: another source for one figure, another legal basis,
    # another value for a figure an administrator will then correct by hand
    text = shipped.read_text(encoding="utf-8")
    earlier = yaml.safe_load(text)
    by_code = {t["code"]: t for t in earlier["targets"]}
    by_code["SRB"]["legal_basis"] = "Nghị quyết (bản cũ)"
    doctors_2025 = next(r for r in by_code["DOCTORS_PER_10K"]["results"] if r["year"] == 2025)
    doctors_2025["source"] = "nguồn cũ"
    beds_2024 = next(r for r in by_code["BEDS_PER_10K"]["results"] if r["year"] == 2024)
    beds_2024["value"] = 33
    edit = ("BEDS_PER_10K", 2024, {"value": 33.5})
    # the shipped file again: the loader's own rows follow it, the edited one stays
    assert _earlier_then_shipped(ready_engine, tmp_path, earlier, edit) == (3, 2)
    with transaction(ready_engine) as db:
        srb = db.get(ScorecardTarget, ("VN-2025", "SRB"))
        assert "bản cũ" not in srb.legal_basis
        assert db.get(ScorecardResult, ("VN-2025", "DOCTORS_PER_10K", 2025)).source != "nguồn cũ"
        assert db.get(ScorecardResult, ("VN-2025", "BEDS_PER_10K", 2024)).value == 33.5
        updates = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name.like("scorecard_%"), AuditEntry.action == "update")
            .order_by(AuditEntry.id)
        ).all()
    by_loader = {a.row_key: a for a in updates[-2:]}
    assert {a.actor for a in by_loader.values()} == {SYSTEM_ACTOR}
    assert set(by_loader) == {"VN-2025/SRB", "VN-2025/DOCTORS_PER_10K/2025"}
    assert by_loader["VN-2025/DOCTORS_PER_10K/2025"].before["source"] == "nguồn cũ"


def test_an_administrator_completes_a_target_and_a_year(ready_engine):
    with transaction(ready_engine) as db:
        set_scorecard_target(
            db,
            "VN-2025",
            "STUNTING_U5",
            {"legal_basis": "Nghị quyết 01/NQ-CP"},
            actor="admin",
        )
        set_scorecard_result(
            db, "VN-2025", "STUNTING_U5", 2025, {"target_value": 17, "value": 16.5}, actor="admin"
        )
        # a year stated by value and target only: met is derived (16.5 <= 17)
        card = national_scorecard(db)
        audit = db.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name.like("scorecard_%"), AuditEntry.actor == "admin"
            )
        ).all()
    row = next(r for r in card.rows if r.code == "STUNTING_U5")
    assert row.legal_basis == "Nghị quyết 01/NQ-CP" and not row.placeholder
    assert row.cells[2025].met is True and row.cells[2025].met_derived
    assert card.summary(2025)["met"] == 8
    assert len(audit) == 2 and "02/QĐ-TTg" in audit[0].before["legal_basis"]


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
            lambda db: set_scorecard_target(
                db, "VN-2025", "SRB", {"assigned_by": "Quốc hội"}, actor="a"
            ),
            "assigned_by",
            "national_assembly or government",
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


def test_a_target_withdrawn_from_the_file_leaves_a_loaded_database_unless_a_person_changed_it(
    ready_engine, tmp_path
):
    """An earlier release shipped two more targets (one a person then completed) and a year
    since withdrawn: the shipped file deletes the loader's own rows (audited), keeps the
    target the person changed, with its years."""
    shipped = next(SCORECARD_DIR.glob("*.yaml"))
    earlier = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    extra = {
        "name_vi": "Chỉ tiêu cũ",
        "name_en": "An old target",
        "direction": "at_least",
        "unit_label": "%",
        "source": "bản cũ",
        "results": [{"year": 2024, "value": 99, "source": "bản cũ, https://example.org"}],
    }
    earlier["targets"] += [{"code": "OLD_A", **extra}, {"code": "OLD_B", **extra}]
    by_code = {t["code"]: t for t in earlier["targets"]}
    by_code["SRB"]["results"].append({"year": 2022, "value": 112, "source": "https://example.org"})
    edit = ("OLD_B", 2024, {"target_value": 95})
    # deleted: OLD_A, its 2024 and SRB's 2022
    assert _earlier_then_shipped(ready_engine, tmp_path, earlier, edit) == (5, 3)
    with transaction(ready_engine) as db:
        assert db.get(ScorecardTarget, ("VN-2025", "OLD_A")) is None
        assert db.get(ScorecardResult, ("VN-2025", "OLD_A", 2024)) is None
        assert db.get(ScorecardResult, ("VN-2025", "SRB", 2022)) is None
        assert db.get(ScorecardResult, ("VN-2025", "OLD_B", 2024)).target_value == 95
        deleted = db.scalars(
            select(AuditEntry.row_key).where(
                AuditEntry.table_name.like("scorecard_%"), AuditEntry.action == "delete"
            )
        ).all()
    assert sorted(deleted) == ["VN-2025/OLD_A", "VN-2025/OLD_A/2024", "VN-2025/SRB/2022"]
