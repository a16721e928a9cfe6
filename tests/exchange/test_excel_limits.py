"""Hostile XLSX files are refused before openpyxl opens them, with the reason, in bounded
memory: a zip bomb (a small file that unpacks to hundreds of megabytes), a workbook of too
many cells; nothing is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chitieu.exchange import xlsx_limits
from chitieu.exchange.excel import import_excel, write_template
from chitieu.exchange.xlsx_limits import WorkbookTooLarge, check_workbook
from chitieu.store.db import session_on

SHEET_PART = "xl/worksheets/sheet1.xml"


def _replace_part(template: Path, out: Path, name: str, write) -> None:  # type: ignore[no-untyped-def]
    """A copy of ``template`` whose part ``name`` is written by ``write(stream)``."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                with dst.open(name, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                dst.writestr(info, src.read(info.filename))


def _huge_sheet(megabytes: int):  # type: ignore[no-untyped-def]
    def write(stream) -> None:  # type: ignore[no-untyped-def]
        stream.write(b'<?xml version="1.0"?><worksheet><sheetData><row r="1">')
        block = b'<c r="A1" t="n"><v>0</v></c>' * 40_000  # ~1 MB of cells
        for _ in range(megabytes):
            stream.write(block)
        stream.write(b"</row></sheetData></worksheet>")

    return write


@pytest.fixture
def template(sdb, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "hanoi.xlsx"
    with sdb.connect() as conn:
        write_template(session_on(conn), "01", "202501", path)
    return path


def test_a_real_template_passes(template: Path) -> None:
    assert 126 <= check_workbook(template) < 20_000


def test_a_zip_bomb_is_refused_before_it_is_opened(sdb, template, tmp_path, counts) -> None:  # type: ignore[no-untyped-def]
    bomb = tmp_path / "bomb.xlsx"
    _replace_part(template, bomb, SHEET_PART, _huge_sheet(300))  # 300 MB unpacked
    assert bomb.stat().st_size < 3 * 1024 * 1024
    with pytest.raises(WorkbookTooLarge, match="zip bomb"):
        check_workbook(bomb)
    summary = import_excel(sdb, bomb, actor="t")
    assert summary.status == "ERROR"
    assert summary.conflicts[0].property == "file" and "zip bomb" in summary.conflicts[0].value
    assert counts(sdb) == (0, 0, 0)


def test_too_many_cells_are_refused(template, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(xlsx_limits, "MAX_RATIO", 10**9)  # a repetitive sheet packs tightly
    wide = tmp_path / "wide.xlsx"
    _replace_part(template, wide, SHEET_PART, _huge_sheet(8))  # 320,000 cells, 8 MB
    with pytest.raises(WorkbookTooLarge, match="more than 200,000 cells"):
        check_workbook(wide)


def test_the_cli_refuses_a_bomb_with_the_reason(sdb, template, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from chitieu.cli import app

    bomb = tmp_path / "bomb.xlsx"
    _replace_part(template, bomb, SHEET_PART, _huge_sheet(100))
    monkeypatch.setenv("CHITIEU_DATABASE_URL", sdb.url.render_as_string(hide_password=False))
    from chitieu.config import get_settings

    get_settings.cache_clear()
    res = CliRunner().invoke(app, ["import", "excel", str(bomb)])
    get_settings.cache_clear()
    assert res.exit_code != 0
    assert "zip bomb" in res.output


def test_limits_are_what_the_module_says() -> None:
    assert xlsx_limits.MAX_CELLS == 200_000 and xlsx_limits.MAX_TOTAL_BYTES == 40 * 2**20
