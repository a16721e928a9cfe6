"""``chitieu import births`` and ``chitieu births summary`` through the real CLI, configured by
``CHITIEU_DATABASE_URL`` as a user would, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from chitieu.cli import app
from chitieu.config import get_settings
from chitieu.ingest.birth_reader import COLUMNS
from chitieu.store.models import BirthAggregate, BirthRecord, ImportBatch
from chitieu.units.load import load_units

runner = CliRunner()

#: Two Hanoi communes and one of Hai Phong; (id, date, unit, sex, order, boys, girls, mother).
ROWS = [
    ("H1", "2023-01-05", "00070", "M", 1, 0, 0, 1990),
    ("H2", "2023-02-07", "00070", "F", 2, 1, 0, 1988),
    ("H3", "2024-03-09", "00073", "M", 3, 0, 2, 1985),
    ("H4", "2024-04-11", "00073", "M", 5, 2, 2, 1980),
    ("P1", "2024-05-13", "11560", "F", 1, 0, 0, 1999),
]


def write(path: Path, rows=ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows([*r, ""] for r in rows)
    return path


@pytest.fixture
def cli_db(engine: Engine, monkeypatch) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
    monkeypatch.setenv("CHITIEU_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def n_records(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.scalar(select(func.count()).select_from(m))
            for m in (BirthRecord, BirthAggregate, ImportBatch)
        )


def test_import_then_reimport(cli_db, tmp_path):
    path = write(tmp_path / "births.csv")
    first = runner.invoke(app, ["import", "births", str(path), "--actor", "so-y-te"])
    assert first.exit_code == 0, first.output
    assert "5 bản ghi mới (added), 0 đã có" in first.stdout
    assert n_records(cli_db)[0] == 5

    second = runner.invoke(app, ["import", "births", str(path)])
    assert second.exit_code == 0, second.output
    assert "0 bản ghi mới (added), 5 đã có" in second.stdout
    assert n_records(cli_db)[2] == 1  # no second batch


def test_refused_file_lists_rows_exits_1_without_traceback(cli_db, tmp_path):
    bad = [*ROWS[:1], ("H2", "2023-02-07", "00070", "X", 2, 0, 0, 1988)]
    result = runner.invoke(app, ["import", "births", str(write(tmp_path / "bad.csv", bad))])
    assert result.exit_code == 1
    # Vietnamese by default (CHITIEU_LANGUAGE=vi): a commune reads it as it is
    assert "từ chối nhập: 2 lỗi; không ghi gì vào cơ sở dữ liệu" in result.stderr
    assert "dòng 2, cột sex: phải là M (nam) hoặc F (nữ) (giá trị 'X')" in result.stderr
    assert "dòng 2, cột prev_girls: prev_boys + prev_girls phải bằng" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an uncaught error
    assert n_records(cli_db) == (0, 0, 0)


def test_refusal_in_english_when_configured(cli_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CHITIEU_LANGUAGE", "en")
    get_settings.cache_clear()
    bad = [*ROWS[:1], ("H2", "2023-02-07", "00070", "X", 2, 0, 0, 1988)]
    result = runner.invoke(app, ["import", "births", str(write(tmp_path / "bad.csv", bad))])
    get_settings.cache_clear()
    assert result.exit_code == 1
    assert "import refused: 2 problem(s); nothing was written" in result.stderr
    assert "row 2, column sex: must be M or F (value 'X')" in result.stderr


def test_dry_run_and_missing_file(cli_db, tmp_path):
    dry = runner.invoke(app, ["import", "births", str(write(tmp_path / "b.csv")), "--dry-run"])
    assert dry.exit_code == 0 and "dry run" in dry.stdout
    assert n_records(cli_db) == (0, 0, 0)
    missing = runner.invoke(app, ["import", "births", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "không có tệp" in missing.stderr


def test_summary_json_for_a_province_counts_its_communes_only(cli_db, tmp_path):
    runner.invoke(app, ["import", "births", str(write(tmp_path / "b.csv"))])
    result = runner.invoke(app, ["births", "summary", "--unit", "01", "--format", "json"])
    assert result.exit_code == 0, result.output
    # Hanoi's four births, by hand; the fifth birth order is kept as 4 (4+).
    assert json.loads(result.stdout) == [
        {"year": 2023, "sex": "F", "birth_order": 2, "births": 1},
        {"year": 2023, "sex": "M", "birth_order": 1, "births": 1},
        {"year": 2024, "sex": "M", "birth_order": 3, "births": 1},
        {"year": 2024, "sex": "M", "birth_order": 4, "births": 1},
    ]


def test_summary_table_for_everything(cli_db, tmp_path):
    runner.invoke(app, ["import", "births", str(write(tmp_path / "b.csv"))])
    result = runner.invoke(app, ["births", "summary"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "Năm", "Nam", "1", "Nam", "2", "Nam", "3", "Nam", "4+",
        "Nữ", "1", "Nữ", "2", "Nữ", "3", "Nữ", "4+", "Tổng",
    ]  # fmt: skip
    assert lines[2].split() == ["2023", "1", "0", "0", "0", "0", "1", "0", "0", "2"]
    assert lines[3].split() == ["2024", "0", "0", "1", "1", "1", "0", "0", "0", "3"]


def test_summary_unknown_unit_and_empty_database(cli_db):
    unknown = runner.invoke(app, ["births", "summary", "--unit", "70"])
    assert unknown.exit_code == 1 and "unknown unit '70'" in unknown.stderr
    empty = runner.invoke(app, ["births", "summary"])
    assert empty.exit_code == 0 and "no births" in empty.stdout


def test_import_into_database_without_units_says_what_to_run(sqlite_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CHITIEU_DATABASE_URL", sqlite_engine.url.render_as_string())
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["import", "births", str(write(tmp_path / "b.csv"))])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "no units in the database; run: chitieu db upgrade" in result.stderr
