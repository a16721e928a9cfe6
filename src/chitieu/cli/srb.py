"""``chitieu srb``: Sex ratio at birth: estimates and projections from a CSV, no database needed.

The output keys are a public contract (scripts read them; keep them stable): ``estimate`` prints one
row per unit and year with ``unit, year, male, female, srb, srb_lower, srb_upper, est, est_lower,
est_upper, z, flag``; ``project`` prints per unit ``unit, target, prob_target_met, path`` (a list of
``{year, est, lower, upper}``) and also ``annual_change_needed``, ``scenario`` (the long-run
assumption: ``transition`` or ``trend``) and ``method``. Numbers that do not exist (no births, no
girls) are ``null`` in JSON and empty in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from chitieu.cli.output import fail, refusal_text, render_table
from chitieu.ingest.errors import ImportRefused

if TYPE_CHECKING:
    from chitieu.ingest.srb_csv import SrbTable
    from chitieu.stats.projection import Projection
    from chitieu.stats.smoothing import SrbSmooth

# NumPy and the statistics are imported inside the functions, not here: every start-up would pay.

app = typer.Typer(
    rich_markup_mode="markdown",
    help=(
        "Tỷ số giới tính khi sinh: ước lượng và dự báo từ tệp CSV, không cần cơ sở dữ liệu (sex "
        "ratio at birth: estimates and projections from a CSV, no database needed)."
    ),
    no_args_is_help=True,
)

ESTIMATE_KEYS = (
    "unit", "year", "male", "female", "srb", "srb_lower", "srb_upper",
    "est", "est_lower", "est_upper", "z", "flag",
    "p_excess", "onset", "excess", "excess_lower", "excess_upper",
)  # fmt: skip
PROJECT_ROW_KEYS = (
    "unit", "target", "prob_target_met", "annual_change_needed", "scenario", "year", "est",
    "lower", "upper",
)  # fmt: skip


class Format(StrEnum):
    json = "json"
    csv = "csv"
    table = "table"


class Scenario(StrEnum):
    transition = "transition"
    trend = "trend"


class Direction(StrEnum):
    at_most = "at_most"
    at_least = "at_least"


FILE_ARG = typer.Argument(
    ..., help="Tệp CSV có các cột unit,year,male,female[,parent] (CSV with these columns)."
)
FORMAT_OPTION = typer.Option(
    Format.json, "--format", help="Định dạng: json, csv hoặc table (output format)."
)
LEVEL_OPTION = typer.Option(
    0.95, "--level", min=0.5, max=0.999, help="Mức tin cậy của khoảng (interval level)."
)


def _load(file: Path) -> SrbTable:
    from chitieu.ingest.srb_csv import read_srb_csv

    if not file.is_file():
        raise fail(f"{file}: no such file")
    try:
        return read_srb_csv(file)
    except ImportRefused as exc:
        typer.echo(f"{file}: {refusal_text(exc)}", err=True)
        raise typer.Exit(code=1) from None


def _num(value: Any, digits: int = 4) -> float | None:
    v = float(value)
    return round(v, digits) if math.isfinite(v) else None


def _column(values: Any, digits: int = 4) -> list[Any]:
    """Rounded floats as a list, non-finite values as None."""
    import numpy as np

    arr = np.asarray(values, dtype=float)
    out = np.round(arr, digits).astype(object)
    out[~np.isfinite(arr)] = None
    return out.tolist()


def estimate_rows(res: SrbSmooth) -> list[dict[str, Any]]:
    """The ``estimate`` records, in input row order."""
    columns = [
        res.unit.astype(str).tolist(),
        res.year.astype(int).tolist(),
        res.male.astype(int).tolist(),
        res.female.astype(int).tolist(),
        *(_column(getattr(res, k)) for k in ESTIMATE_KEYS[4:10]),
        _column(res.z, 3),
        res.flag.tolist(),
        _column(res.p_excess, 4),
        res.onset.tolist(),
        *(_column(getattr(res, k), 3) for k in ESTIMATE_KEYS[14:]),
    ]
    return [dict(zip(ESTIMATE_KEYS, row, strict=True)) for row in zip(*columns, strict=True)]


def projection_record(p: Projection) -> dict[str, Any]:
    path = [{k: (_num(v) if k != "year" else v) for k, v in pt.items()} for pt in p.path]
    return {
        "unit": p.unit,
        "target": p.target,
        "prob_target_met": _num(p.prob_target_met),
        "annual_change_needed": _num(p.annual_change_needed),
        "scenario": p.scenario,
        "method": p.method,
        "path": path,
    }


def _emit(records: list[dict[str, Any]], keys: tuple[str, ...], fmt: Format) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps(records, ensure_ascii=False))
        return
    if fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        typer.echo(buf.getvalue(), nl=False)
        return
    typer.echo(render_table(records, keys))


@app.command("estimate")
def estimate(file: Path = FILE_ARG, level: float = LEVEL_OPTION, fmt: Format = FORMAT_OPTION):
    """Tỷ số giới tính khi sinh thô và đã làm trơn, mỗi số với khoảng tin cậy, và chỉ số vượt z cho
    từng đơn vị và năm (raw and smoothed SRB with their intervals, and the excess z-score, for
    every unit and year)."""
    from chitieu.stats.smoothing import smooth_srb

    table = _load(file)
    try:
        res = smooth_srb(
            table.unit, table.year, table.male, table.female, table.parent, level=level
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    _emit(estimate_rows(res), ESTIMATE_KEYS, fmt)


@app.command("project")
def project(
    file: Path = FILE_ARG,
    to: int = typer.Option(..., "--to", help="Năm mục tiêu (target year)."),
    target: float = typer.Option(
        ...,
        "--target",
        help="Chỉ tiêu tỷ số giới tính khi sinh, số bé trai trên 100 bé gái (target SRB, boys per "
        "100 girls).",
    ),
    unit: str | None = typer.Option(
        None,
        "--unit",
        help="Chỉ đơn vị này, mặc định mọi đơn vị (only this unit; default every unit).",
    ),
    direction: Direction = typer.Option(
        Direction.at_most,
        "--direction",
        help="Hướng: at_most (không vượt chỉ tiêu) hoặc at_least (direction).",
    ),
    level: float = LEVEL_OPTION,
    scenario: Scenario = typer.Option(
        Scenario.transition,
        "--scenario",
        help="Kịch bản: transition, giảm dần về 106,3 sau đỉnh (mặc định), hoặc trend, xu "
        "hướng hiện nay yếu dần (scenario: transition, a decline towards 106.3 once past the "
        "rise, the default; or trend, today's drift fades).",
    ),
    fmt: Format = FORMAT_OPTION,
):
    """Dự báo tỷ số giới tính khi sinh đến năm --to với khoảng tin cậy và xác suất đạt chỉ tiêu
    (projected SRB to --to with intervals, and the probability the target is met)."""
    from chitieu.stats.projection import project_srb
    from chitieu.stats.smoothing import smooth_srb

    table = _load(file)
    if unit is not None and unit not in set(table.unit.tolist()):
        raise fail(f"unit {unit!r} is not in {file}")
    if to < int(table.year.min()):
        raise fail(f"--to {to} is before the first year in {file} ({int(table.year.min())})")
    try:
        res = smooth_srb(
            table.unit, table.year, table.male, table.female, table.parent, level=level
        )
        wanted = list(dict.fromkeys(table.unit.tolist())) if unit is None else [unit]
        projections = project_srb(
            res.fit, to, target, direction.value, level=level, units=wanted,
            scenario=scenario.value,
        )  # fmt: skip
    except ValueError as exc:
        raise fail(str(exc)) from None
    records = [projection_record(p) for p in projections]
    if fmt is Format.json:
        _emit(records, (), fmt)
        return
    rows = [{k: r[k] for k in PROJECT_ROW_KEYS[:5]} | point for r in records for point in r["path"]]
    _emit(rows, PROJECT_ROW_KEYS, fmt)
