"""The exchange commands end to end: import dhis2/excel, export dhis2, template."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chitieu.cli import app
from chitieu.config import get_settings

runner = CliRunner()

ADX = b"""<adx xmlns="urn:ihe:qrph:adx:2015">
  <group orgUnit="00070" period="2025-01-01/P1M" dataSet="COMMUNE_MONTHLY">
    <dataValue dataElement="LIVE_BIRTHS" SEX="M" BIRTH_ORDER="1" value="12"/>
    <dataValue dataElement="LIVE_BIRTHS" SEX="F" BIRTH_ORDER="1" value="11"/>
  </group></adx>"""


@pytest.fixture
def cli_db(sdb, monkeypatch):
    monkeypatch.setenv("CHITIEU_DATABASE_URL", str(sdb.url))
    get_settings.cache_clear()
    yield sdb
    get_settings.cache_clear()


def test_import_export_round_trip(cli_db, tmp_path, values_of):
    src = tmp_path / "jan.adx.xml"
    src.write_bytes(ADX)
    dry = runner.invoke(app, ["import", "dhis2", str(src), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["importCount"]["imported"] == 2
    assert values_of(cli_db) == set()
    res = runner.invoke(app, ["import", "dhis2", str(src)])
    assert res.exit_code == 0 and "2 imported" in res.stdout
    out = tmp_path / "out.json"
    res = runner.invoke(
        app,
        [
            "export",
            "dhis2",
            "--format",
            "json",
            "--unit",
            "01",
            "--children",
            "--period",
            "202501",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(out.read_text())["dataValues"]
    assert sorted(r["value"] for r in rows) == ["11", "12"]
    res = runner.invoke(app, ["export", "dhis2", "--format", "adx", "--id-scheme", "code"])
    assert 'SEX="M" BIRTH_ORDER="1" value="12"' in res.stdout


def test_refusal_exits_1_and_names_the_problem(cli_db, tmp_path, values_of):
    src = tmp_path / "bad.csv"
    src.write_text(
        "dataelement,period,orgunit,catoptcombo,attroptcombo,value\n"
        "vL2QCgKmWOu,202501,00070,,,hai\n"
    )
    res = runner.invoke(app, ["import", "dhis2", str(src)])
    assert res.exit_code == 1
    assert "line 2" in res.output and "E7619" in res.output
    assert values_of(cli_db) == set()


def test_old_units_option(cli_db, tmp_path, values_of):
    src = tmp_path / "old.json"
    src.write_text(
        json.dumps(
            {
                "dataValues": [
                    {
                        "dataElement": "ACT_INSPECTIONS",
                        "period": "2020",
                        "orgUnit": code,
                        "value": "1",
                    }
                    for code in ("00043", "00046", "00070")
                ]
            }
        )
    )
    res = runner.invoke(app, ["import", "dhis2", str(src), "--id-scheme", "code", "--old-units"])
    assert res.exit_code == 0, res.output
    assert "split 00070 Phường Hàng Trống" in res.stdout and "INCOMPLETE 00070" in res.stdout
    assert values_of(cli_db) == {("ACT_INSPECTIONS", "00070", "2020", "default", 3.0, None)}


def test_template_and_excel_import(cli_db, tmp_path, values_of):
    from chitieu.exchange.excel import fill_cells

    xlsx = tmp_path / "t.xlsx"
    res = runner.invoke(
        app,
        [
            "template",
            "commune-monthly",
            "--unit",
            "00070",
            "--period",
            "202501",
            "--out",
            str(xlsx),
        ],
    )
    assert res.exit_code == 0 and "1 commune row" in res.stdout
    fill_cells(xlsx, [("C7", 5), ("D7", "x")], tmp_path / "f.xlsx")
    res = runner.invoke(app, ["import", "excel", str(tmp_path / "f.xlsx")])
    assert res.exit_code == 1 and "BaoCaoThang!D7" in res.output
    fill_cells(xlsx, [("C7", 5)], tmp_path / "g.xlsx")
    res = runner.invoke(app, ["import", "excel", str(tmp_path / "g.xlsx")])
    assert res.exit_code == 0
    assert values_of(cli_db) == {("LIVE_BIRTHS", "00070", "202501", "M_O1", 5.0, None)}
    res = runner.invoke(
        app, ["template", "commune-monthly", "--unit", "01", "--period", "2025", "--out", str(xlsx)]
    )
    assert res.exit_code == 2 and "month" in res.output
