"""``chitieu targets``, ``chitieu report`` and ``chitieu inspections`` on the plan world."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from chitieu.cli import app
from chitieu.store.db import make_engine
from chitieu.store.models import Inspection

runner = CliRunner()


@pytest.fixture
def cli_db(plan_world, monkeypatch):
    url = plan_world.url.render_as_string()
    # targets, report and inspections open the database through chitieu.cli.output.database
    monkeypatch.setattr("chitieu.cli.output.make_engine", lambda: make_engine(url))
    return plan_world


def run(*args: str):
    return runner.invoke(app, list(args))


def test_status_as_json_and_table(cli_db):
    result = run(
        "targets", "status", "--plan", "HN-SRB-2026-2030", "--year", "2026", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    rows = {r["target_code"]: r for r in json.loads(result.output)}
    assert rows["SRB_AT_MOST_109_BY_2030"]["status"] == "off_track"
    assert "series" not in rows["SRB_ANNUAL_FALL"]
    table = run("targets", "status", "--plan", "HN-SRB-2026-2030", "--year", "2026")
    assert table.exit_code == 0 and "SRB_ANNUAL_FALL" in table.output
    assert "On track: not yet due" in table.output  # the rules are printed with the table
    bad = run("targets", "status", "--unit", "99999")
    assert bad.exit_code == 1 and "unknown unit" in bad.output


def test_scorecard_and_filling_a_slot(cli_db):
    result = run("targets", "scorecard", "--year", "2024")
    assert result.exit_code == 0, result.output
    assert "2024: 6 đạt, 2 không đạt, 2 chưa rõ" in result.output
    ok = run(
        "targets",
        "scorecard-set",
        "SATISFACTION",
        "--name-vi",
        "Tỷ lệ hài lòng",
        "--name-en",
        "Satisfaction",
        "--direction",
        "at_least",
        "--year",
        "2025",
        "--target",
        "80",
        "--value",
        "82",
        "--source",
        "test",
    )
    assert ok.exit_code == 0, ok.output
    card = json.loads(run("targets", "scorecard", "--year", "2025", "--format", "json").output)
    slot = next(r for r in card["rows"] if r["code"] == "SATISFACTION")
    assert slot["name_vi"] == "Tỷ lệ hài lòng" and slot["cells"]["2025"]["met"] is True
    bad = run("targets", "scorecard-set", "TFR", "--indicator", "NOPE")
    assert bad.exit_code == 1 and "unknown indicator" in bad.output


def test_report_writes_the_file(cli_db, tmp_path):
    out = tmp_path / "bao-cao.xlsx"
    result = run(
        "report",
        "--plan",
        "HN-SRB-2026-2030",
        "--period",
        "2026",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames[0] == "Chỉ tiêu"
    bad = run("report", "--plan", "HN-SRB-2026-2030", "--period", "2040", "--format", "pdf")
    assert bad.exit_code == 1 and "outside the plan" in bad.output


def test_inspections_add_refuses_bad_input_and_lists(cli_db, tmp_path):
    def count() -> int:
        with cli_db.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Inspection))

    before = count()
    bad = run(
        "inspections",
        "add",
        "--facility",
        "PW-PK",
        "--date",
        "2026-02-01",
        "--violation",
        "--fine",
        "-5",
    )
    assert bad.exit_code == 1 and "cột fine_vnd: tiền phạt không được âm" in bad.output
    unknown = run("inspections", "add", "--facility", "NOPE", "--date", "2026-02-01")
    assert unknown.exit_code == 1 and "cơ sở chưa có trong sổ quản lý" in unknown.output
    assert count() == before
    csv = tmp_path / "inspections.csv"
    csv.write_text(
        "facility_code,inspected_on,team,violation,fine_vnd\nPW-PK,2026-02-01,Đoàn 3,có,15000000\n",
        encoding="utf-8",
    )
    ok = run("inspections", "add", "--file", str(csv))
    assert ok.exit_code == 0 and "1 inspection(s) recorded" in ok.output
    again = run("inspections", "add", "--file", str(csv))
    assert "0 inspection(s) recorded, 1 already recorded" in again.output
    listed = json.loads(
        run(
            "inspections", "list", "--unit", "01", "--since", "2026-01-01", "--format", "json"
        ).output
    )
    assert [i["inspected_on"] for i in listed] == ["2026-05-20", "2026-03-15", "2026-02-01"]
    ranking = run("inspections", "ranking", "--unit", "01", "--year", "2025")
    assert ranking.exit_code == 0 and ranking.output.splitlines()[2].startswith("00103")
