"""The monthly report's plausibility check, the same for every way data come in: six birth
cells holding more than 50 births with a sex ratio outside 80–140 (or no girl) are refused
— nothing written, the unit, month and ratio named — unless the sender confirms them, as the
web form asks its officer to."""

from __future__ import annotations

from openpyxl import load_workbook

from chitieu.exchange.excel import FIRST_DATA_ROW, SHEET, fill_cells, import_excel, write_template
from chitieu.reporting.periods import Editor
from chitieu.store.db import session_on


def _template(sdb, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "hk-202501.xlsx"
    with sdb.connect() as conn:
        write_template(session_on(conn), "00070", "202501", path)
    ws = load_workbook(path)[SHEET]
    row = next(r for r in range(FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == "00070")
    return path, row


def test_600_boys_and_no_girl_from_excel_are_refused_unless_confirmed(
    sdb, tmp_path, values_of
) -> None:  # type: ignore[no-untyped-def]
    template, r = _template(sdb, tmp_path)
    filled = tmp_path / "filled.xlsx"
    fill_cells(template, [(f"{c}{r}", 600 if c == "C" else 0) for c in "CDEFGH"], filled)
    refused = import_excel(sdb, filled, actor="t")
    assert refused.status == "ERROR" and values_of(sdb) == set()
    (why,) = [c.value for c in refused.conflicts]
    assert "00070" in why and "202501" in why and "600" in why
    confirmed = import_excel(sdb, filled, actor="t", editor=Editor(confirm_implausible=True))
    assert confirmed.status == "SUCCESS" and len(values_of(sdb)) == 6


def test_a_plausible_month_and_a_small_one_pass(sdb, tmp_path, values_of) -> None:  # type: ignore[no-untyped-def]
    template, r = _template(sdb, tmp_path)
    filled = tmp_path / "filled.xlsx"
    births = (30, 20, 10, 25, 15, 10)  # 60 boys, 50 girls: ratio 120
    fill_cells(template, [(f"{c}{r}", n) for c, n in zip("CDEFGH", births, strict=True)], filled)
    assert import_excel(sdb, filled, actor="t").status == "SUCCESS"


def _hanoi(sdb, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "hanoi-202501.xlsx"
    with sdb.connect() as conn:
        write_template(session_on(conn), "01", "202501", path)
    return path, FIRST_DATA_ROW


def test_a_commune_outside_the_template_is_refused_by_its_cell(sdb, tmp_path, values_of) -> None:  # type: ignore[no-untyped-def]
    """A Hai Phong commune typed into a Hanoi template row is refused (even for an operator
    whose scope is the whole country), named by its cell; nothing is written."""
    template, r = _hanoi(sdb, tmp_path)
    filled = tmp_path / "filled.xlsx"
    fill_cells(template, [(f"A{r}", "11560"), (f"C{r}", 3), (f"C{r + 1}", 2)], filled)
    summary = import_excel(sdb, filled, actor="t")
    assert summary.status == "ERROR" and values_of(sdb) == set()
    (conflict,) = summary.conflicts
    assert conflict.location.endswith(f"A{r}") and "11560" in conflict.value


def test_a_formula_without_a_computed_value_is_refused_not_skipped(
    sdb, tmp_path, values_of
) -> None:  # type: ignore[no-untyped-def]
    template, r = _hanoi(sdb, tmp_path)
    filled = tmp_path / "filled.xlsx"
    fill_cells(template, [(f"C{r}", "=2+3"), (f"D{r}", 4)], filled)  # openpyxl keeps no result
    summary = import_excel(sdb, filled, actor="t")
    assert summary.status == "ERROR" and values_of(sdb) == set()
    (conflict,) = summary.conflicts
    assert conflict.location.endswith(f"C{r}") and "formula" in conflict.value


def test_many_implausible_months_in_one_payload_are_each_refused_once(sdb, values_of) -> None:  # type: ignore[no-untyped-def]
    """Six months of one commune in one partial import, every other one implausible (300
    boys, no girl): one conflict for each implausible month, on its first value, none of its
    cells written; the plausible months (60 boys, 50 girls) all written."""
    from chitieu.reporting.imports import ValueIn, import_values

    cells = ("M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P")
    plausible = (30, 20, 10, 25, 15, 10)
    implausible = (100, 100, 100, 0, 0, 0)
    months = [f"2024{m:02d}" for m in range(1, 7)]
    values = []
    for cell_no, cell in enumerate(cells):  # cell by cell: a month's values lie far apart
        for month_no, month in enumerate(months):
            births = implausible if month_no % 2 == 0 else plausible
            values.append(
                ValueIn(
                    "LIVE_BIRTHS", "00070", month, cell, str(births[cell_no]), index=len(values)
                )
            )
    summary = import_values(sdb, values, actor="t", atomic=False)
    refused = sorted((c.object, c.index) for c in summary.conflicts)
    assert refused == [("202401", 0), ("202403", 2), ("202405", 4)]
    stored = {(row[2], row[3]) for row in values_of(sdb)}
    assert stored == {(m, c) for m in ("202402", "202404", "202406") for c in cells}
    assert summary.count.imported == 18 and summary.status == "WARNING"
