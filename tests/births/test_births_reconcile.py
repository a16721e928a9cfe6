"""Birth records and a commune's monthly report for the same commune-month: both are kept, the
difference is shown, and the figures use one of them by the documented rule (the submitted
report unless the records count at least as many births).

Phường Hoàn Kiếm (00070), 2025, worked out by hand:

    October   report 126 (boys 30+25+10 = 65, girls 30+22+9 = 61)   records 3 (2 boys, 1 girl)
              → the report is used (3 < 126)
    November  report 20 (10 boys, 10 girls)                         records 23 (12 boys, 11 girls)
              → the records are used (23 ≥ 20)
    December  no report                                             records 2 (1 boy, 1 girl)
    SRB 2025 = 100 · (65 + 12 + 1) / (61 + 11 + 1) = 100 · 78 / 73
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from chitieu.births.reconcile import commune_months, disagreements
from chitieu.catalog import load_catalog
from chitieu.indicators import indicator_value
from chitieu.ingest.birth_reader import COLUMNS
from chitieu.ingest.births import import_births
from chitieu.store.models import DataValue
from chitieu.units.load import load_units

OCTOBER = {"M_O1": 30, "M_O2": 25, "M_O3P": 10, "F_O1": 30, "F_O2": 22, "F_O3P": 9}
NOVEMBER = {"M_O1": 10, "F_O1": 10}


def _report(unit: str, period: str, cells: dict[str, int], status: str = "submitted") -> list:
    return [
        dict(
            element_code="LIVE_BIRTHS",
            unit_code=unit,
            period=period,
            disaggregation=cell,
            value=value,
            status=status,
        )
        for cell, value in cells.items()
    ]


def _records(path: Path, births: list[tuple[str, str, str]]) -> Path:
    """A birth-record file: (id, date, sex) of first births in 00070."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for ident, day, sex in births:
            w.writerow([ident, day, "00070", sex, 1, 0, 0, 1995, ""])
    return path


@pytest.fixture
def world(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        conn.execute(
            insert(DataValue),
            _report("00070", "202510", OCTOBER) + _report("00070", "202511", NOVEMBER),
        )
    return engine


def _import(engine: Engine, tmp_path: Path):
    births = [("OCT1", "2025-10-03", "M"), ("OCT2", "2025-10-09", "M"), ("OCT3", "2025-10-20", "F")]
    births += [(f"NOVM{i}", "2025-11-05", "M") for i in range(12)]
    births += [(f"NOVF{i}", "2025-11-06", "F") for i in range(11)]
    births += [("DEC1", "2025-12-01", "M"), ("DEC2", "2025-12-02", "F")]
    return import_births(engine, _records(tmp_path / "b.csv", births), today=date(2025, 12, 31))


def test_records_and_report_of_a_commune_month_both_count_by_the_rule(world, tmp_path) -> None:
    _import(world, tmp_path)
    with world.connect() as conn:
        # the report is kept as it was submitted
        stored = conn.execute(
            select(DataValue.disaggregation, DataValue.value).where(
                DataValue.unit_code == "00070", DataValue.period == "202510"
            )
        ).all()
        assert dict(stored) == OCTOBER
        srb = indicator_value(conn, "SRB", "00070", 2025)
    assert (srb.numerator, srb.denominator) == (78, 73)
    assert srb.value == pytest.approx(100 * 78 / 73)


def test_reconciliation_shows_both_sources_the_difference_and_the_one_used(world, tmp_path):
    result = _import(world, tmp_path)
    assert result.months == (("00070", 2025, 10), ("00070", 2025, 11), ("00070", 2025, 12))
    with world.connect() as conn:
        months = {m.period: m.as_dict() for m in commune_months(conn, "VN", [2025])}
        differing = disagreements(conn, result.months)
    assert set(months) == {"202510", "202511", "202512"}
    october = months["202510"]
    assert october["records"] == {"boys": 2, "girls": 1, "total": 3}
    assert october["report"] == {"boys": 65, "girls": 61, "total": 126, "status": "submitted"}
    assert october["difference"] == {"boys": 2 - 65, "girls": 1 - 61, "total": 3 - 126}
    assert (october["differs"], october["used"]) == (True, "report")
    november = months["202511"]
    assert november["difference"] == {"boys": 2, "girls": 1, "total": 3}
    assert (november["differs"], november["used"]) == (True, "records")
    december = months["202512"]
    assert december["report"] is None and december["difference"] is None
    assert (december["differs"], december["used"]) == (False, "records")
    assert [m.period for m in differing] == ["202510", "202511"]


def test_a_draft_report_is_not_a_figure_and_agreeing_sources_do_not_differ(engine, tmp_path):
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        conn.execute(
            insert(DataValue),
            _report("00070", "202510", {"M_O1": 40, "F_O1": 40}, status="draft")
            + _report("00070", "202511", {"M_O1": 12, "F_O1": 11}),
        )
    _import(engine, tmp_path)
    with engine.connect() as conn:
        srb = indicator_value(conn, "SRB", "00070", 2025)
        months = {m.period: m for m in commune_months(conn, "VN/01", [2025])}
    # October's draft is no figure: its records count; November agrees with its records
    assert (srb.numerator, srb.denominator) == (2 + 12 + 1, 1 + 11 + 1)
    assert months["202510"].report is None and not months["202511"].differs


def test_cli_import_says_how_many_commune_months_disagree(world, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from chitieu.cli import app
    from chitieu.config import get_settings

    monkeypatch.setenv("CHITIEU_DATABASE_URL", world.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    births = [("OCT1", "2025-10-03", "M"), ("OCT2", "2025-10-09", "M"), ("OCT3", "2025-10-20", "F")]
    path = _records(tmp_path / "oct.csv", births)
    try:
        out = CliRunner().invoke(app, ["import", "births", str(path)])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    assert "1 xã-tháng có bản ghi sinh khác với báo cáo tháng đã gửi" in out.output
    assert "1 commune-months have birth records that differ" in out.output
    assert "00070 202510: records 2 boys, 1 girls; report 65 boys, 61 girls" in out.output
    assert "uses the monthly report" in out.output


@pytest.mark.parametrize("rollups", [False, True])
def test_the_rule_holds_with_and_without_the_data_value_rollups(world, tmp_path, rollups):
    """The city's figures read through the rollups (each ward's subtree summed) use the same
    source per commune-month as the ward's own figures."""
    from chitieu.indicators import indicator_by_children
    from chitieu.reporting.rollups import rebuild_rollups
    from chitieu.store.db import session_on

    _import(world, tmp_path)
    if rollups:
        with world.begin() as conn:
            rebuild_rollups(session_on(conn))
    with world.connect() as conn:
        by_ward = {v.unit_code: v for v in indicator_by_children(conn, "SRB", "01", 2025)}
        city = indicator_value(conn, "SRB", "01", 2025)
    assert (by_ward["00070"].numerator, by_ward["00070"].denominator) == (78, 73)
    assert (city.numerator, city.denominator) == (78, 73)


def test_listed_units_are_read_only_within_the_path(world, tmp_path) -> None:
    """Units listed beside a path are looked up by code: one outside the path (Hai Phong's
    11533, with a report of its own) is left out, as the path alone would."""
    _import(world, tmp_path)
    with world.begin() as conn:
        conn.execute(insert(DataValue), _report("11533", "202510", NOVEMBER))
    with world.connect() as conn:
        listed = commune_months(conn, "VN/01", [2025], units=["00070", "11533"], reported_only=True)
        everywhere = commune_months(conn, None, [2025], units=["00070", "11533"])
    assert {(m.unit_code, m.month) for m in listed} == {("00070", 10), ("00070", 11)}
    assert {m.unit_code for m in everywhere} == {"00070", "11533"}
    assert [m.report_total for m in listed] == [sum(OCTOBER.values()), sum(NOVEMBER.values())]
