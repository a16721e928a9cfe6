"""``chitieu report``: the plan's periodic report as PDF, XLSX or DOCX."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from chitieu.cli.output import database

# Domain modules are imported inside the commands, not here: every start-up would pay for them.


class Format(StrEnum):
    pdf = "pdf"
    xlsx = "xlsx"
    docx = "docx"
    html = "html"


class Lang(StrEnum):
    vi = "vi"
    en = "en"


def report(
    plan: str = typer.Option(
        ..., "--plan", help="Mã kế hoạch, ví dụ HN-SRB-2026-2030 (plan code)."
    ),
    period: int = typer.Option(
        ..., "--period", help="Năm báo cáo, ví dụ 2026 (the year reported on)."
    ),
    unit: str = typer.Option(
        None,
        "--unit",
        help="Báo cáo cho đơn vị này, mặc định đơn vị của kế hoạch (report for this unit; default "
        "the plan's).",
    ),
    fmt: Format = typer.Option(
        Format.pdf, "--format", help="Định dạng: pdf, xlsx, docx hoặc html (output format)."
    ),
    lang: Lang = typer.Option(
        Lang.vi, "--lang", help="Ngôn ngữ: vi (mặc định) hoặc en (language)."
    ),
    out: Path = typer.Option(
        None,
        "--out",
        help="Tệp kết quả, mặc định một tên trong thư mục hiện tại (output file; default a name "
        "in the working directory).",
    ),
) -> None:
    """Viết báo cáo định kỳ của một kế hoạch cho một năm: kết quả từng chỉ tiêu với khoảng tin cậy
    và biểu đồ, nhiệm vụ theo cơ quan, báo cáo, thanh tra, khó khăn, kiến nghị (write a plan's
    periodic report for a year: results against each target with intervals and charts, tasks by
    body, reporting, enforcement, difficulties, proposals)."""
    from chitieu.reports import build_plan_report, render_report, report_filename
    from chitieu.units.queries import UnknownUnitError

    started = time.perf_counter()
    try:
        with database() as db:
            content = build_plan_report(db, plan, period, unit_code=unit)
        data = render_report(content, fmt.value, lang.value)
    except (KeyError, ValueError, UnknownUnitError) as exc:
        typer.echo(f"Lỗi (error): {str(exc).strip(chr(39))}", err=True)
        raise typer.Exit(code=1) from None
    path = out or Path(report_filename(plan, period, content.unit_code, fmt.value, lang.value))
    path.write_bytes(data)
    seconds = time.perf_counter() - started
    note = " — số liệu mô phỏng (synthetic data)" if content.synthetic else ""
    typer.echo(f"{path} ({len(data):,} bytes, {seconds:.1f} s){note}")
