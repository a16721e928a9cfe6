"""The plans shipped as data: what they hold, idempotent loading, refusing bad plan files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from chitieu.catalog import load_catalog
from chitieu.plans import PlanError, load_plans, plan_files
from chitieu.plans.load import PLANS_DIR
from chitieu.store.models import AuditEntry, Body, Plan, PlanBody, Target, Task
from chitieu.units.load import load_units

HANOI_BODIES = [
    "Sở Y tế",
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Dân tộc và Tôn giáo",
    "Sở Giáo dục và Đào tạo",
    "Sở Văn hóa và Thể thao",
    "Trường Đào tạo Cán bộ Lê Hồng Phong",
    "Các Sở, Ban, Ngành thành phố",
    "Cơ quan báo chí, truyền hình của Thành phố",
    "Ủy ban Mặt trận Tổ quốc Việt Nam Thành phố và các tổ chức chính trị - xã hội Thành phố",
    "Ủy ban nhân dân các xã, phường",
]


@pytest.fixture
def ready(engine):
    """A database with units and the catalogue loaded, as bootstrap leaves it before plans."""
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
    return engine


def _count(conn, model) -> int:
    return conn.scalar(select(func.count()).select_from(model))


def _targets(conn, plan: str) -> dict[str, Target]:
    return {t.code: t for t in conn.execute(select(Target).where(Target.plan_code == plan))}


def test_hanoi_plan_as_the_seed_writes_it(ready):
    with ready.begin() as conn:
        load_plans(conn)
        plan = conn.execute(select(Plan).where(Plan.code == "HN-SRB-2026-2030")).one()
        bodies = conn.execute(
            select(PlanBody.body_code, Body.name_vi, PlanBody.role, PlanBody.duties_vi)
            .join(Body, Body.code == PlanBody.body_code)
            .where(PlanBody.plan_code == plan.code)
            .order_by(PlanBody.position)
        ).all()
        tasks = conn.execute(
            select(Task).where(Task.plan_code == plan.code).order_by(Task.code)
        ).all()
        targets = _targets(conn, plan.code)
    assert (plan.issuer, plan.unit_code, plan.start_year, plan.end_year) == (
        "Ủy ban nhân dân thành phố Hà Nội",
        "01",
        2026,
        2030,
    )
    # the five "Căn cứ" clauses, in the plan's order
    assert all(b["vi"].startswith("Căn cứ ") for b in plan.legal_bases)
    assert all(b["en"].startswith("Pursuant to ") for b in plan.legal_bases)
    cited = ["21-NQ/TW", "137/NQ-CP", "149-KL/TW", "1679/QĐ-TTg", "237/KH-UBND"]
    assert [re.search(r"số (\S+)", b["vi"]).group(1) for b in plan.legal_bases] == cited
    # the English names the same documents
    assert [re.search(r"No\. (\S+)", b["en"]).group(1) for b in plan.legal_bases] == cited

    fall, cap = targets["SRB_ANNUAL_FALL"], targets["SRB_AT_MOST_109_BY_2030"]
    assert (fall.indicator_code, fall.annual_change, fall.direction, fall.target_value) == (
        "SRB",
        -0.2,
        "at_most",
        None,
    )
    assert (cap.indicator_code, cap.target_value, cap.target_year, cap.direction) == (
        "SRB",
        109,
        2030,
        "at_most",
    )

    assert [b.name_vi for b in bodies] == HANOI_BODIES
    assert [b.role for b in bodies] == ["standing"] + ["member"] * 10
    assert len(bodies[0].duties_vi) == 7 and len(bodies[-1].duties_vi) == 4
    groups = {}
    for t in tasks:
        groups.setdefault(t.group_code, []).append(t.code)
    assert {g: len(ts) for g, ts in groups.items()} == {"G1": 3, "G2": 3, "G3": 5}
    t11 = next(t for t in tasks if t.code == "T1.1")
    assert len(t11.details_vi) == len(t11.details_en) == 5
    assert t11.lead_body == "HN-SYT" and "HN-BAOCHI" in t11.partner_bodies
    assert next(t for t in tasks if t.code == "T1.2").lead_body == "HN-SGDDT"

    duties = {(d["body"], tuple(d["to"])) for d in plan.reporting}
    assert duties == {("HN-UBND-XP", ("HN-SYT",)), ("HN-SYT", ("VN-BYT", "HN-UBND"))}


def test_hai_phong_and_national_targets(ready):
    with ready.begin() as conn:
        load_plans(conn)
        hp = _targets(conn, "HP-HEALTH-2026-2030")
        vn = _targets(conn, "VN-SRB-2025")
        issued = conn.scalar(select(Plan.issued).where(Plan.code == "HP-HEALTH-2026-2030"))
    assert str(issued) == "2026-01-12"
    got = {
        (t.indicator_code, t.kind, t.target_value, t.start_year, t.target_year, t.direction)
        for t in hp.values()
        if t.kind != "context"
    }
    assert got == {
        ("INSURANCE_COVERAGE", "every_year", 95, 2026, 2030, "at_least"),
        ("INSURANCE_COVERAGE", "by_year", 100, 2026, 2030, "at_least"),
        ("CHECKUP_COVERAGE", "every_year", 100, 2026, 2030, "at_least"),
        ("STATION_DOCTORS_AVG", "by_year", 4, 2026, 2030, "at_least"),
    }
    context = {
        t.indicator_code: (t.baseline_value, t.target_value)
        for t in hp.values()
        if t.kind == "context"
    }
    assert context == {"DOCTORS_PER_10K": (14.46, None), "PHARMACISTS_PER_10K": (4.1, None)}
    assert {(t.target_value, t.target_year) for t in vn.values()} == {(109, 2025), (107, 2030)}
    assert all("1679/QĐ-TTg" in t.source and t.baseline_value == 112.2 for t in vn.values())
    assert all(t.unit_code == "VN" for t in vn.values())


def test_loading_twice_changes_nothing(ready):
    with ready.begin() as conn:
        first = load_plans(conn)
        audits = _count(conn, AuditEntry)
        assert load_plans(conn) == 0
        assert _count(conn, AuditEntry) == audits
    # 3 plans, 15 bodies (11 + 4 named without duties), 11 duties, 10 targets, 11 tasks
    assert first == 3 + 15 + 11 + 10 + 11


def _hanoi_raw() -> dict:
    return yaml.safe_load((PLANS_DIR / "hn-srb-2026-2030.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_target_removed_from_the_file_is_deleted(ready, tmp_path):
    raw = _hanoi_raw()
    with ready.begin() as conn:
        load_plans(conn)
        raw["targets"] = raw["targets"][1:]
        assert load_plans(conn, [_write(tmp_path, raw)]) == 1
        assert set(_targets(conn, "HN-SRB-2026-2030")) == {"SRB_AT_MOST_109_BY_2030"}
        last = conn.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (last.action, last.table_name, last.row_key) == (
        "delete",
        "targets",
        "HN-SRB-2026-2030/SRB_ANNUAL_FALL",
    )


def _target(raw, code="SRB_AT_MOST_109_BY_2030"):
    return next(t for t in raw["targets"] if t["code"] == code)


def _unknown_indicator(raw):
    _target(raw)["indicator"] = "SRBX"


def _unknown_unit(raw):
    _target(raw)["unit"] = "99"


def _year_before_baseline(raw):
    _target(raw)["baseline"] = {"value": 114.4, "year": 2031}


def _bad_direction(raw):
    _target(raw)["direction"] = "below"


def _change_against_direction(raw):
    _target(raw, "SRB_ANNUAL_FALL")["annual_change"] = 0.2


def _lead_not_a_body(raw):
    raw["task_groups"][0]["tasks"][0]["lead"] = "HN-SKHCN"


def _untranslated_duty(raw):
    raw["bodies"][0]["duties_en"].pop()


BAD_PLANS = [
    (_unknown_indicator, "targets[SRB_AT_MOST_109_BY_2030].indicator: unknown indicator 'SRBX'"),
    (_unknown_unit, "targets[SRB_AT_MOST_109_BY_2030].unit: unknown unit '99'"),
    (_year_before_baseline, "target year 2030 is before the baseline year 2031"),
    (_bad_direction, "targets[1:SRB_AT_MOST_109_BY_2030].direction: Input should be 'at_most'"),
    (_change_against_direction, "annual change +0.2 runs against direction at_most"),
    (_lead_not_a_body, "tasks[T1.1]: HN-SKHCN is not one of the plan's bodies"),
    (_untranslated_duty, "bodies[0:HN-SYT]: Value error, 7 duties in Vietnamese but 6 in English"),
]


@pytest.mark.parametrize(("spoil", "message"), BAD_PLANS, ids=[b[0].__name__ for b in BAD_PLANS])
def test_a_bad_plan_is_refused_and_nothing_is_written(ready, tmp_path, spoil, message):
    raw = _hanoi_raw()
    spoil(raw)
    # the bad file comes after good ones: all files are checked before anything is written
    paths = [p for p in plan_files() if "hn-srb" not in p.name] + [_write(tmp_path, raw)]
    with ready.begin() as conn, pytest.raises(PlanError) as info:
        load_plans(conn, paths)
    assert message in str(info.value)
    with ready.connect() as conn:
        assert [_count(conn, m) for m in (Plan, Target, Task, Body, PlanBody)] == [0] * 5
