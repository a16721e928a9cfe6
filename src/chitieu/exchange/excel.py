"""The commune monthly report as an Excel template, and the import of a filled one.

Template (``chitieu template commune-monthly``): sheet ``BaoCaoThang`` has one row per commune
(code and name pre-filled, locked), one column per figure of the ``COMMUNE_MONTHLY`` data set
(live births by sex and birth order; the four activity counts), headings in Vietnamese with
English beneath, a hidden row of machine keys (``LIVE_BIRTHS:M_O1``), validation allowing only
whole numbers ≥ 0, and sheet protection so that only the figure cells can be typed in. A hidden
sheet ``_chitieu`` records the template kind, version and period.

Import (``chitieu import excel``): every cell is checked and each bad one named — sheet, cell
reference (``D7``) and reason; then the values go through the import core, which writes all
or nothing and ignores values already stored (so importing the same file twice changes nothing).
An empty cell means "not reported" and changes nothing.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chitieu.catalog import read_catalog
from chitieu.catalog.periods import PeriodType, parse_period
from chitieu.exchange.mapping import read_mapping
from chitieu.exchange.xlsx_limits import WorkbookTooLarge, check_workbook
from chitieu.reporting.imports import ImportSource, ValueIn, import_values
from chitieu.reporting.periods import Editor
from chitieu.reporting.summary import Conflict, ImportSummary
from chitieu.store.models import Unit
from chitieu.units.queries import in_subtree

TEMPLATE = "commune-monthly"
VERSION = "1"
SHEET = "BaoCaoThang"
META_SHEET = "_chitieu"
KEY_ROW = 6  # hidden row of machine keys; data start below it
FIRST_DATA_ROW = KEY_ROW + 1
UNIT_KEY, NAME_KEY = "unit_code", "unit_name"
MAX_COUNT = 10**15
TITLE = (
    "BÁO CÁO THÁNG CỦA XÃ, PHƯỜNG, ĐẶC KHU: SINH VÀ HOẠT ĐỘNG KIỂM SOÁT "
    "MẤT CÂN BẰNG GIỚI TÍNH KHI SINH"
)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # "ELEMENT:disaggregation"
    group_vi: str
    group_en: str
    head_vi: str
    head_en: str


def template_columns(data_set: str = "COMMUNE_MONTHLY") -> list[Column]:
    """The figure columns of a template: every disaggregation of every element of the data
    set, in the mapping file's order, named from the catalogue."""
    catalog = read_catalog()
    cols = []
    for code in read_mapping().data_sets[data_set].elements:
        el = catalog.element(code)
        for d in el.disaggregations:
            default = d.code == "default"
            cols.append(
                Column(
                    f"{code}:{d.code}",
                    el.name_vi,
                    el.name_en,
                    "Số lượng" if default else d.name_vi,
                    "Count" if default else d.name_en,
                )
            )
    return cols


def _communes(db: Session, unit: str) -> list[tuple[str, str]]:
    row = db.execute(select(Unit.level, Unit.name).where(Unit.code == unit)).first()
    if row is None:
        raise ValueError(f"unknown unit {unit!r}")
    if row.level == "commune":
        return [(unit, row.name)]
    if row.level != "province":
        raise ValueError(f"unit {unit} is a {row.level}: give a province or a commune")
    stmt = select(Unit.code, Unit.name).where(Unit.parent_code == unit).order_by(Unit.code)
    return [(c, n) for c, n in db.execute(stmt)]


def write_template(db: Session, unit: str, period: str, out: Path | str) -> int:
    """Write the commune monthly template for ``unit`` (a province: all its communes; or one
    commune) and the month ``period``; return the number of commune rows.

    ``ValueError`` for an unknown unit or a period that is not a month."""
    p = parse_period(period)
    if p.type is not PeriodType.MONTHLY:
        raise ValueError(f"the commune monthly report needs a month (e.g. 202501), not {period}")
    communes = _communes(db, unit)
    unit_name = db.scalar(select(Unit.name).where(Unit.code == unit))
    cols = template_columns()
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook starts with one worksheet
    ws.title = SHEET
    last = get_column_letter(2 + len(cols))
    ws["A1"] = TITLE
    ws["A2"] = (
        f"Kỳ báo cáo / period: tháng {p.start.month:02d}/{p.start.year} ({p.code}) — "
        f"Đơn vị / unit: {unit_name} ({unit}) — Commune monthly report on births and "
        "activities"
    )
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    heads = [("Mã đơn vị", "Unit code", UNIT_KEY), ("Tên đơn vị", "Unit name", NAME_KEY)]
    for i, (vi, en, key) in enumerate(heads, 1):
        ws.cell(3, i, vi)
        ws.merge_cells(start_row=3, start_column=i, end_row=4, end_column=i)
        ws.cell(5, i, en)
        ws.cell(KEY_ROW, i, key)
    start = 3
    for i, col in enumerate(cols, 3):
        if i > 3 and cols[i - 4].group_vi == col.group_vi:
            ws.merge_cells(start_row=3, start_column=start, end_row=3, end_column=i)
        else:
            start = i
            ws.cell(3, i, col.group_vi)
        ws.cell(4, i, col.head_vi)
        ws.cell(5, i, f"{col.group_en} — {col.head_en}")
        ws.cell(KEY_ROW, i, col.key)
    for row in ws.iter_rows(min_row=3, max_row=5, max_col=2 + len(cols)):
        for cell in row:
            cell.font = Font(bold=True, italic=cell.row == 5)
            cell.fill = _HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[KEY_ROW].hidden = True
    ws.row_dimensions[4].height = 45
    ws.row_dimensions[5].height = 45
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 32
    for i in range(3, 3 + len(cols)):
        ws.column_dimensions[get_column_letter(i)].width = 16
    end_row = FIRST_DATA_ROW + len(communes) - 1
    for r, (code, name) in enumerate(communes, FIRST_DATA_ROW):
        for c, v in ((1, code), (2, name)):
            cell = ws.cell(r, c, v)
            cell.number_format = "@"  # keep the leading zeros of "00070"
            cell.fill = _LOCKED_FILL
        for c in range(3, 3 + len(cols)):
            ws.cell(r, c).protection = Protection(locked=False)
    dv = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ / Invalid value",
        error="Nhập số nguyên không âm (0, 1, 2, …). / Enter a whole number ≥ 0.",
        promptTitle="Số liệu / Figure",
        prompt="Số nguyên ≥ 0 / whole number ≥ 0",
        showInputMessage=True,
    )
    dv.add(f"C{FIRST_DATA_ROW}:{last}{max(end_row, FIRST_DATA_ROW)}")
    ws.add_data_validation(dv)
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.protection.sheet = True  # no password: protection stops slips, not people
    ws.protection.formatColumns = False
    meta = wb.create_sheet(META_SHEET)
    for i, (k, v) in enumerate(
        (("template", TEMPLATE), ("version", VERSION), ("period", p.code), ("unit", unit)), 1
    ):
        meta.cell(i, 1, k)
        meta.cell(i, 2, v)
    meta.sheet_state = "hidden"
    wb.save(out)
    return len(communes)


def cell_count(raw: Any) -> int | None:
    """A figure cell as a count: None when empty; ``ValueError`` with the reason otherwise.

    Accepted: whole numbers ≥ 0 (Excel stores them as 12 or 12.0) or text of digits."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool | datetime | date | time):
        raise ValueError("không phải số / not a number")
    if isinstance(raw, int | float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueError("không phải số / not a number")
        if not float(raw).is_integer():
            raise ValueError("phải là số nguyên / must be a whole number")
        number = int(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise ValueError("không phải số nguyên không âm / not a whole number ≥ 0")
        number = int(text)
    else:
        raise ValueError(f"giá trị không đọc được / unreadable value ({type(raw).__name__})")
    if number < 0:
        raise ValueError("không được âm / must not be negative")
    if number >= MAX_COUNT:
        raise ValueError("quá lớn / too large")
    return number


def _problem(ref: str, why: str, value: Any, prop: str = "value") -> Conflict:
    return Conflict(str(value)[:80] if value is not None else "", why, None, prop, None, ref)


def read_template(
    path: Path | str, inside: Callable[[str, str], bool] | None = None
) -> tuple[list[ValueIn], list[Conflict]]:
    """Every figure of a filled template as values, and every problem (sheet!cell, reason).

    ``inside(template_unit, code)`` says whether a row's unit lies in the template's unit: a
    row naming a unit outside it (a Hai Phong commune typed into a Hanoi template) is refused
    at its unit cell. A formula whose result the file does not hold (saved by a program that
    does not compute formulas) is refused at its cell, not read as empty.

    A file that is no template at all, or that breaks the size limits of
    :mod:`chitieu.exchange.xlsx_limits` (checked before openpyxl opens it), gives a single
    problem located at the file."""
    try:
        check_workbook(path)
    except WorkbookTooLarge as exc:
        return [], [_problem(str(path), str(exc), None, "file")]
    try:
        wb = load_workbook(path, data_only=True)
        typed = load_workbook(path, data_only=False)  # the formulas, where results are missing
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError) as exc:
        return [], [
            _problem(
                str(path),
                f"không đọc được tệp Excel / not an XLSX workbook: {type(exc).__name__}",
                None,
                "file",
            )
        ]
    except Exception as exc:  # openpyxl raises many kinds on corrupt parts
        return [], [_problem(str(path), f"tệp Excel hỏng / corrupt workbook: {exc}", None, "file")]
    if SHEET not in wb.sheetnames or META_SHEET not in wb.sheetnames:
        return [], [
            _problem(
                str(path),
                f"không phải mẫu báo cáo chitieu / not a chitieu "
                f"template (sheets {SHEET} and {META_SHEET} expected)",
                None,
                "file",
            )
        ]
    meta = {
        str(r[0]): r[1]
        for r in wb[META_SHEET].iter_rows(max_col=2, values_only=True)
        if r and r[0] is not None
    }
    problems: list[Conflict] = []
    if meta.get("template") != TEMPLATE or str(meta.get("version")) != VERSION:
        problems.append(
            _problem(
                f"{META_SHEET}!B1",
                "mẫu không đúng loại hoặc phiên bản / wrong template kind or version",
                meta.get("template"),
                "file",
            )
        )
    try:
        period = parse_period(str(meta.get("period"))).code
    except ValueError as exc:
        # one conflict for the sheet's period, not one per figure that carries it
        why = f"kỳ báo cáo không hợp lệ / period not valid: {exc}"
        problems.append(_problem(f"{META_SHEET}!B3", why, meta.get("period"), "period"))
        period = ""
    ws = wb[SHEET]
    keys = [c.value for c in ws[KEY_ROW]]
    if len(keys) < 2 or keys[0] != UNIT_KEY:
        problems.append(
            _problem(
                f"{SHEET}!A{KEY_ROW}",
                "hàng khoá đã bị sửa / the hidden key row was changed",
                keys[:1],
                "file",
            )
        )
        return [], problems
    formulas = typed[SHEET]
    template_unit = str(meta.get("unit") or "")
    values: list[ValueIn] = []
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        unit_cell = row[0]
        unit = str(unit_cell.value).strip() if unit_cell.value is not None else ""
        figures = row[2 : len(keys)]
        for cell in figures:
            written = formulas[cell.coordinate].value
            if cell.value is None and isinstance(written, str) and written.startswith("="):
                why = (
                    "công thức chưa có kết quả, hãy nhập số / a formula without a computed "
                    "value: type the number, or open and save the file in Excel"
                )
                problems.append(_problem(f"{SHEET}!{cell.coordinate}", why, written))
        if unit and inside is not None and not inside(template_unit, unit):
            why = (
                f"đơn vị {unit} không thuộc mẫu của {template_unit} / unit {unit} is not within "
                f"the template's unit {template_unit}"
            )
            problems.append(_problem(f"{SHEET}!{unit_cell.coordinate}", why, unit, "orgUnit"))
            continue
        if not unit and all(c.value in (None, "") for c in figures):
            continue
        if not unit:
            problems.append(
                _problem(
                    f"{SHEET}!{unit_cell.coordinate}",
                    "thiếu mã đơn vị / unit code missing",
                    None,
                    "orgUnit",
                )
            )
            continue
        for cell, key in zip(figures, keys[2:], strict=False):
            ref = f"{SHEET}!{cell.coordinate}"
            try:
                number = cell_count(cell.value)
            except ValueError as exc:
                problems.append(_problem(ref, str(exc), cell.value))
                continue
            if number is None or not period:
                continue
            element, _, disaggregation = str(key).partition(":")
            values.append(
                ValueIn(
                    element, unit, period, disaggregation or "default", str(number), location=ref
                )
            )
    return values, problems


def import_excel(
    engine: Engine,
    path: Path | str,
    *,
    actor: str,
    dry_run: bool = False,
    allowed_unit: str | None = None,
    editor: Editor = Editor(),
) -> ImportSummary:
    """Validate every cell of a filled template and import all figures, or none."""
    codes: dict[str, set[str]] = {}

    def inside(template_unit: str, code: str) -> bool:
        """True unless ``code`` is a known unit outside the template's (unknown units are
        left to the import core, which names them)."""
        if not codes:
            with Session(engine) as db:
                path_of = db.scalar(select(Unit.path).where(Unit.code == template_unit))
                codes["all"] = set(db.scalars(select(Unit.code)))
                codes["in"] = set()
                if path_of is not None:
                    codes["in"] = set(db.scalars(select(Unit.code).where(in_subtree(path_of))))
        return code in codes["in"] or code not in codes["all"]

    values, problems = read_template(path, inside)
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        digest = ""
    return import_values(
        engine,
        values,
        actor=actor,
        dry_run=dry_run,
        allowed_unit=allowed_unit,
        editor=editor,
        prior_conflicts=problems,
        total=len(values) + len(problems),
        source=ImportSource("excel", str(path), digest),
    )


def fill_cells(path: Path | str, figures: Sequence[tuple[str, Any]], out: Path | str) -> None:
    """Write ``figures`` ((cell reference, value) on the report sheet) into a copy of a
    template, as a person typing would. For tests and demos."""
    wb = load_workbook(path)
    ws = wb[SHEET]
    for ref, value in figures:
        ws[ref] = value
    wb.save(out)
