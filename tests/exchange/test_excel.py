"""The commune monthly Excel template: its shape, and importing a filled one cell by cell."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from chitieu.exchange.excel import (
    FIRST_DATA_ROW,
    KEY_ROW,
    META_SHEET,
    SHEET,
    cell_count,
    fill_cells,
    import_excel,
    write_template,
)
from chitieu.store.db import session_on


@pytest.fixture
def hanoi_template(sdb, tmp_path):
    path = tmp_path / "hanoi-202501.xlsx"
    with sdb.connect() as conn:
        assert write_template(session_on(conn), "01", "202501", path) == 126  # Hanoi's 126 communes
    return path


def test_template_shape(hanoi_template):
    wb = load_workbook(hanoi_template)
    assert wb.sheetnames == [SHEET, META_SHEET]
    assert wb[META_SHEET].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta == {"template": "commune-monthly", "version": "1", "period": "202501", "unit": "01"}
    ws = wb[SHEET]
    keys = [c.value for c in ws[KEY_ROW]]
    assert keys == [
        "unit_code",
        "unit_name",
        "LIVE_BIRTHS:M_O1",
        "LIVE_BIRTHS:M_O2",
        "LIVE_BIRTHS:M_O3P",
        "LIVE_BIRTHS:F_O1",
        "LIVE_BIRTHS:F_O2",
        "LIVE_BIRTHS:F_O3P",
        "ACT_COMM_SESSIONS:default",
        "ACT_PEOPLE_REACHED:default",
        "ACT_FACILITY_COMMITMENTS:default",
        "ACT_INSPECTIONS:default",
    ]
    assert ws.row_dimensions[KEY_ROW].hidden
    # Vietnamese headings, English beneath
    assert ws["A3"].value == "Mã đơn vị" and ws["A5"].value == "Unit code"
    assert ws["C3"].value == "Số trẻ đẻ ra sống" and ws["C4"].value == "Trẻ trai, con thứ nhất"
    assert ws["C5"].value == "Live births — Boys, first births"
    # communes pre-filled, codes as text with their leading zeros, in code order
    codes = [ws.cell(r, 1).value for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 126)]
    assert codes == sorted(codes) and "00070" in codes and len(set(codes)) == 126
    row = FIRST_DATA_ROW + codes.index("00070")
    assert ws.cell(row, 2).value == "Phường Hoàn Kiếm"
    # protection: codes locked, figures open; whole numbers ≥ 0 only
    assert ws.protection.sheet
    assert ws.cell(row, 1).protection.locked and not ws.cell(row, 3).protection.locked
    (dv,) = ws.data_validations.dataValidation
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert str(dv.sqref) == f"C{FIRST_DATA_ROW}:L{FIRST_DATA_ROW + 125}"


def test_template_for_one_commune_and_bad_requests(sdb, tmp_path):
    with sdb.connect() as conn:
        assert write_template(session_on(conn), "00070", "2025-02", tmp_path / "hk.xlsx") == 1
        with pytest.raises(ValueError, match="month"):
            write_template(session_on(conn), "01", "2025Q1", tmp_path / "x.xlsx")
        with pytest.raises(ValueError, match="unknown unit"):
            write_template(session_on(conn), "99", "202501", tmp_path / "x.xlsx")
        with pytest.raises(ValueError, match="province or a commune"):
            write_template(session_on(conn), "VN", "202501", tmp_path / "x.xlsx")


def _row_of(path, code: str) -> int:
    ws = load_workbook(path)[SHEET]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(r, 1).value == code:
            return r
    raise AssertionError(code)


def test_filled_template_imports_and_is_idempotent(sdb, hanoi_template, tmp_path, values_of):
    r = _row_of(hanoi_template, "00070")
    filled = tmp_path / "filled.xlsx"
    # as Excel stores typed numbers (12, 3.0) and text typed into a cell ("2")
    fill_cells(
        hanoi_template,
        [(f"C{r}", 12), (f"F{r}", 11.0), (f"H{r}", "2"), (f"L{r}", 1), (f"C{r + 1}", 0)],
        filled,
    )
    summary = import_excel(sdb, filled, actor="hk-officer")
    assert summary.status == "SUCCESS", [str(c) for c in summary.conflicts]
    assert summary.count.imported == 5
    next_code = load_workbook(filled)[SHEET].cell(r + 1, 1).value
    assert values_of(sdb) == {
        ("LIVE_BIRTHS", "00070", "202501", "M_O1", 12.0, None),
        ("LIVE_BIRTHS", "00070", "202501", "F_O1", 11.0, None),
        ("LIVE_BIRTHS", "00070", "202501", "F_O3P", 2.0, None),
        ("ACT_INSPECTIONS", "00070", "202501", "default", 1.0, None),
        ("LIVE_BIRTHS", next_code, "202501", "M_O1", 0.0, None),
    }
    again = import_excel(sdb, filled, actor="hk-officer")
    assert again.count.to_dict() == {"imported": 0, "updated": 0, "ignored": 5, "deleted": 0}


def test_bad_cells_are_named_and_nothing_is_written(sdb, hanoi_template, tmp_path, counts):
    r = _row_of(hanoi_template, "00070")
    filled = tmp_path / "bad.xlsx"
    fill_cells(
        hanoi_template,
        [
            (f"C{r}", 12),
            (f"D{r}", 2.5),
            (f"E{r}", -1),
            (f"F{r}", "mười"),
            (f"G{r}", True),
            (f"K{r + 2}", "1e3"),
        ],
        filled,
    )
    summary = import_excel(sdb, filled, actor="t")
    assert summary.status == "ERROR"
    assert sorted(c.location for c in summary.conflicts) == sorted(
        f"{SHEET}!{ref}" for ref in (f"D{r}", f"E{r}", f"F{r}", f"G{r}", f"K{r + 2}")
    )
    reasons = {c.location: c.value for c in summary.conflicts}
    assert "whole number" in reasons[f"{SHEET}!D{r}"]
    assert "negative" in reasons[f"{SHEET}!E{r}"]
    assert counts(sdb) == (0, 0, 0)


def test_unit_outside_scope_and_unknown_unit_named_by_cell(sdb, hanoi_template, tmp_path):
    hk = _row_of(hanoi_template, "00070")
    other = hk + 1  # another Hanoi commune, outside Phường Hoàn Kiếm's scope
    filled = tmp_path / "scope.xlsx"
    fill_cells(
        hanoi_template,
        [(f"C{hk}", 3), (f"C{other}", 2), (f"A{other + 1}", "99999"), (f"C{other + 1}", 1)],
        filled,
    )
    summary = import_excel(sdb, filled, actor="t", allowed_unit="00070")
    got = sorted((c.location, c.error_code) for c in summary.conflicts)
    assert got == [(f"{SHEET}!C{other}", "E7617"), (f"{SHEET}!C{other + 1}", "E7612")]


def test_not_a_template(sdb, tmp_path, counts):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    s = import_excel(sdb, junk, actor="t")
    assert s.status == "ERROR" and s.conflicts[0].property == "file"
    from openpyxl import Workbook

    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    s = import_excel(sdb, other, actor="t")
    assert s.status == "ERROR" and "template" in s.conflicts[0].value
    assert counts(sdb) == (0, 0, 0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("  ", None), (0, 0), (12, 12), (12.0, 12), (" 7 ", 7)],
)
def test_cell_count_accepts(raw, expected):
    assert cell_count(raw) == expected


@pytest.mark.parametrize(
    "raw", [-1, 2.5, "2,5", "abc", True, float("nan"), float("inf"), "١٢", 10**15, "-3"]
)
def test_cell_count_refuses(raw):
    with pytest.raises(ValueError):
        cell_count(raw)


def test_conflicts_in_vietnamese_too_and_one_for_a_bad_period(sdb, hanoi_template, tmp_path):
    hk = _row_of(hanoi_template, "00070")
    filled = tmp_path / "vi.xlsx"
    fill_cells(hanoi_template, [(f"A{hk + 1}", "99999"), (f"C{hk + 1}", 1)], filled)
    (unknown,) = import_excel(sdb, filled, actor="t").conflicts
    assert "Không có đơn vị mã `99999`" in unknown.value and "not found" in unknown.value
    # a bad period in the hidden sheet: one conflict, not one per figure
    wb = load_workbook(filled)
    for row in wb[META_SHEET].iter_rows():
        if row[0].value == "period":
            row[1].value = "2025-13"
    wb.save(filled)
    many = tmp_path / "many.xlsx"
    fill_cells(filled, [(f"{c}{hk}", 1) for c in "CDEFGH"], many)
    s = import_excel(sdb, many, actor="t")
    periods = [c for c in s.conflicts if c.property == "period"]
    assert len(periods) == 1 and periods[0].location == f"{META_SHEET}!B3"
    assert "kỳ báo cáo không hợp lệ" in periods[0].value


def test_duplicate_and_combination_conflicts_in_vietnamese(sdb):
    from chitieu.reporting.imports import ValueIn, import_values

    s = import_values(
        sdb,
        [
            ValueIn("LIVE_BIRTHS", "00070", "202501", "M_O1", "1", location="a"),
            ValueIn("LIVE_BIRTHS", "00070", "202501", "M_O1", "2", location="b"),
            ValueIn("LIVE_BIRTHS", "00070", "202501", "QUAL_COLLEGE", "2", location="c"),
        ],
        actor="t",
    )
    texts = {c.location: c.value for c in s.conflicts}
    assert texts["b"].startswith("Giá trị trùng") and "already given at a" in texts["b"]
    assert texts["c"].startswith("Phân tổ `QUAL_COLLEGE` không thuộc chỉ tiêu `LIVE_BIRTHS`")
