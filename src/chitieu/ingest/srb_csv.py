"""Read and validate the ``unit,year,male,female[,parent]`` CSV of ``chitieu srb``.

Validation comes first and is complete: every problem is reported with its row (data rows count
from 1, the header is row 0), column and reason, and nothing is returned when any is found.
Unit codes stay strings (leading zeros kept). Rows of one unit must come in increasing years.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chitieu.ingest.errors import REQUIRED_MISSING, ImportRefused, RowError, row_error

REQUIRED = ("unit", "year", "male", "female")
OPTIONAL = ("parent",)
YEAR_RANGE = (1900, 2100)
#: Stop collecting problems after this many (the rest are only counted).
MAX_ERRORS = 200
NOT_A_COUNT = ("births must be a whole number, zero or more", "số sinh phải là số nguyên ≥ 0")


@dataclass(frozen=True, slots=True)
class SrbTable:
    """Validated columns, one entry per data row, in file order."""

    unit: np.ndarray  # str
    year: np.ndarray  # int
    male: np.ndarray  # int
    female: np.ndarray  # int
    parent: np.ndarray | None  # str, or None without a parent column


def _count(text: str) -> int | None:
    """A non-negative whole number (``"12"``, ``"12.0"``), else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not np.isfinite(value) or value < 0 or value != int(value):
        return None
    return int(value)


def parse_srb_csv(text: str) -> SrbTable:
    """Validate CSV text; raise :class:`ImportRefused` listing every problem found."""
    errors: list[RowError] = []
    total = 0

    def bad(
        row: int | None, column: str | None, reason: tuple[str, str], value: str | None = None
    ) -> None:
        nonlocal total
        total += 1
        if len(errors) < MAX_ERRORS:
            errors.append(row_error(row, column, reason, value))

    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        empty = ("the file is empty (no header)", "tệp trống (không có dòng tiêu đề)")
        raise ImportRefused([row_error(None, None, empty)])
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    for c in missing:
        bad(0, c, REQUIRED_MISSING)
    dup = sorted({c for c in names if c and names.count(c) > 1})
    for c in dup:
        bad(0, c, ("column appears twice", "cột có hai lần"))
    if missing or dup:
        raise ImportRefused(errors, total)
    col = {c: names.index(c) for c in REQUIRED + OPTIONAL if c in names}
    has_parent = "parent" in col

    units: list[str] = []
    years: list[int] = []
    males: list[int] = []
    females: list[int] = []
    parents: list[str] = []
    last_year: dict[str, tuple[int, int]] = {}
    parent_of: dict[str, tuple[str, int]] = {}
    row_no = 0
    for row_no, raw in enumerate(reader, start=1):
        if not any(cell.strip() for cell in raw):
            bad(row_no, None, ("empty row", "dòng trống"))
            continue
        if len(raw) < len(names):
            raw = raw + [""] * (len(names) - len(raw))
        cells = {c: raw[i].strip() for c, i in col.items()}
        ok = True
        unit = cells["unit"]
        if not unit:
            bad(row_no, "unit", ("unit code is empty", "thiếu mã đơn vị"))
            ok = False
        year_text = cells["year"]
        year = _count(year_text)
        if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            lo, hi = YEAR_RANGE
            reason = (
                f"year must be a whole number from {lo} to {hi}",
                f"năm phải là số nguyên từ {lo} đến {hi}",
            )
            bad(row_no, "year", reason, year_text)
            ok = False
        counts = {}
        for c in ("male", "female"):
            counts[c] = _count(cells[c])
            if counts[c] is None:
                bad(row_no, c, NOT_A_COUNT, cells[c])
                ok = False
        parent = cells.get("parent", "")
        if has_parent and unit:
            seen = parent_of.setdefault(unit, (parent, row_no))
            if seen[0] != parent:
                reason = (
                    f"unit {unit} had parent {seen[0]!r} in row {seen[1]}",
                    f"đơn vị {unit} có đơn vị cấp trên {seen[0]!r} ở dòng {seen[1]}",
                )
                bad(row_no, "parent", reason, parent)
                ok = False
        if unit and year is not None:  # order is checked even when a count is bad
            prev = last_year.get(unit)
            if prev is not None and year == prev[0]:
                reason = (
                    f"unit {unit} already has {year} (row {prev[1]})",
                    f"đơn vị {unit} đã có năm {year} (dòng {prev[1]})",
                )
                bad(row_no, "year", reason, year_text)
                ok = False
            elif prev is not None and year < prev[0]:
                reason = (
                    f"year out of order: unit {unit} had {prev[0]} in row {prev[1]}",
                    f"năm không theo thứ tự: đơn vị {unit} đã có năm {prev[0]} ở dòng {prev[1]}",
                )
                bad(row_no, "year", reason, year_text)
                ok = False
            else:
                last_year[unit] = (year, row_no)
        if ok:
            units.append(unit)
            years.append(int(year))  # type: ignore[arg-type]
            males.append(int(counts["male"]))  # type: ignore[arg-type]
            females.append(int(counts["female"]))  # type: ignore[arg-type]
            parents.append(parent)
    if row_no == 0:
        bad(None, None, ("the file has a header but no data rows", "tệp chỉ có dòng tiêu đề"))
    if errors:
        raise ImportRefused(errors, total)
    return SrbTable(
        unit=np.array(units, dtype=object),
        year=np.array(years, dtype=int),
        male=np.array(males, dtype=int),
        female=np.array(females, dtype=int),
        parent=np.array(parents, dtype=object) if has_parent else None,
    )


def read_srb_csv(path: str | Path) -> SrbTable:
    """Read and validate a CSV file (UTF-8, with or without BOM)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problem = row_error(
            None,
            None,
            (
                f"the file is not UTF-8 text ({exc.reason})",
                f"tệp không phải văn bản UTF-8 ({exc.reason})",
            ),
        )
        raise ImportRefused([problem]) from None
    return parse_srb_csv(text)
