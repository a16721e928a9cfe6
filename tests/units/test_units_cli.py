"""``chitieu units list|search|show`` against a real SQLite database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chitieu.cli import app
from chitieu.store.db import make_engine
from chitieu.units.load import load_units

runner = CliRunner()


@pytest.fixture
def cli_db(sqlite_engine, monkeypatch):
    with sqlite_engine.begin() as conn:
        load_units(conn)
    url = sqlite_engine.url.render_as_string()
    monkeypatch.setattr("chitieu.cli.units.make_engine", lambda: make_engine(url))


def run(*args: str):
    return runner.invoke(app, ["units", *args])


def test_list_communes_of_hai_phong_as_json(cli_db):
    result = run("list", "--parent", "31", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 114
    assert all(r["parent_code"] == "31" and len(r["code"]) == 5 for r in rows)
    assert rows[0]["code"] == "10510"  # zero-padded strings, sorted


def test_list_provinces_as_a_table(cli_db):
    result = run("list")
    lines = result.output.splitlines()
    assert result.exit_code == 0
    assert lines[0].split() == ["code", "name", "level", "parent_code", "division_type"]
    assert len(lines) == 2 + 34
    assert lines[2].startswith("01    Thành phố Hà Nội")


def test_list_by_level_below_a_parent(cli_db):
    result = run("list", "--parent", "01", "--level", "commune", "--format", "json")
    assert len(json.loads(result.output)) == 126


def test_search_without_diacritics(cli_db):
    result = run("search", "Hoan Kiem", "--format", "json")
    assert result.exit_code == 0
    assert [r["name"] for r in json.loads(result.output)] == ["Phường Hoàn Kiếm"]


def test_show(cli_db):
    result = run("show", "00070", "--format", "json")
    detail = json.loads(result.output)
    assert detail["ancestors"] == [
        {"code": "VN", "name": "Việt Nam"},
        {"code": "01", "name": "Thành phố Hà Nội"},
    ]
    assert (detail["children"], detail["facilities"]) == (0, 0)
    table = run("show", "01").output
    assert "Thành phố Hà Nội" in table and "126" in table


@pytest.mark.parametrize(
    "args",
    [("show", "70"), ("list", "--parent", "99"), ("search", "ha", "--parent", "1")],
)
def test_unknown_codes_fail_clearly(cli_db, args):
    result = run(*args)
    assert result.exit_code == 1
    assert "unknown unit" in result.output


def test_bad_level_is_refused(cli_db):
    result = run("list", "--level", "district")
    assert result.exit_code == 2  # Typer's usage error, naming the allowed values
    assert "district" in result.output


def test_an_empty_database_says_what_to_do(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setattr("chitieu.cli.units.make_engine", lambda: make_engine(url))
    result = run("list")
    assert result.exit_code == 1
    assert "chitieu db upgrade" in result.output
