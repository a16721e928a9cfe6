"""``chitieu import dhis2|excel``, ``chitieu export dhis2`` and ``chitieu template``: DHIS2
payloads, ADX and the Excel commune report, in and out. A thin layer over chitieu.exchange."""

from __future__ import annotations

import getpass
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from sqlalchemy.orm import Session

from chitieu.store.db import make_engine

if TYPE_CHECKING:
    from chitieu.reporting.summary import ImportSummary

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

export_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Xuất dữ liệu DHIS2, ADX (export data for DHIS2 or ADX).",
    no_args_is_help=True,
)
template_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Mẫu báo cáo Excel (Excel report templates).",
    no_args_is_help=True,
)

_ACTOR = typer.Option(
    None,
    "--actor",
    help="Người nhập, mặc định tên đăng nhập (who imports; default the login name).",
)
_JSON = typer.Option(
    False,
    "--json",
    help="In tóm tắt nhập của DHIS2 dạng JSON (print DHIS2's import summary as JSON).",
)
_DRY = typer.Option(
    False,
    "--dry-run",
    help="Chỉ kiểm tra và đếm, không ghi gì (check and count only; write nothing).",
)
_MAPPING = typer.Option(
    None, "--mapping", help="Tệp YAML ánh xạ mã DHIS2 (a DHIS2 mapping YAML file)."
)


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _report(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        crosswalk = summary.extra.get("crosswalk")
        if crosswalk:
            typer.echo(
                f"old-unit mapping (rule {crosswalk['rule']}): {crosswalk['rowsIn']} -> "
                f"{crosswalk['rowsOut']} figures; {crosswalk['methods']}"
            )
            for s in crosswalk["splits"]:
                typer.echo(f"  split {s['old_code']} {s['old_name']}: {s['applied']}")
            for inc in crosswalk["incomplete"]:
                typer.echo(
                    f"  INCOMPLETE {inc['unit']} {inc['period']} {inc['element']}/"
                    f"{inc['disaggregation']}: missing {', '.join(inc['missing'])}"
                )
        typer.echo(f"{summary.status}: {summary.description}")
        old = summary.extra.get("oldUnitCodes")
        if old:
            typer.echo(
                f"old unit codes? {len(old['ambiguous'])} code(s) {old['assumption']}; "
                f"{old['hint']}"
            )
        if summary.rejected_indexes:
            typer.echo(f"refused values (indexes): {summary.rejected_indexes[:50]}")
        for c in summary.conflicts[:200]:
            typer.echo(f"  {c}", err=True)
        if len(summary.conflicts) > 200:
            typer.echo(f"  … and {len(summary.conflicts) - 200} more", err=True)
    if not summary.ok:
        raise typer.Exit(1)


def import_dhis2(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help=(
            "Tệp dataValueSet hoặc ADX, có thể nén gzip hoặc zip như DHIS2 xuất "
            "(a dataValueSet or ADX file, plain or compressed as DHIS2 exports it: gzip or zip)."
        ),
    ),
    fmt: str = typer.Option(
        "auto", "--format", help="Định dạng: auto | json | csv | xml | adx (format)."
    ),
    dry_run: bool = _DRY,
    mapping: Path | None = _MAPPING,
    id_scheme: str | None = typer.Option(
        None, "--id-scheme", help="Kiểu định danh: uid | code | name (id scheme)."
    ),
    data_element_id_scheme: str | None = typer.Option(
        None,
        "--data-element-id-scheme",
        help="Kiểu định danh phần tử dữ liệu, thay cho --id-scheme: uid | code | name (data "
        "element id scheme).",
    ),
    org_unit_id_scheme: str | None = typer.Option(
        None,
        "--org-unit-id-scheme",
        help="Kiểu định danh đơn vị, thay cho --id-scheme: uid | code | name (org unit id scheme).",
    ),
    strategy: str | None = typer.Option(
        None,
        "--strategy",
        help="Cách nhập của DHIS2: CREATE_AND_UPDATE, CREATE, UPDATE hoặc DELETE (DHIS2 "
        "importStrategy).",
    ),
    old_units: bool = typer.Option(
        False,
        "--old-units",
        help="Mã đơn vị là mã trước năm 2025: chuyển sang đơn vị năm 2025 (org units are pre-2025 "
        "codes: map them onto 2025 units).",
    ),
    new_units: bool = typer.Option(
        False,
        "--new-units",
        help="Mã đơn vị là mã năm 2025: không cảnh báo cho kỳ trước tháng 7/2025 dùng mã "
        "trùng mã xã cũ (org units are 2025 codes: no warning for pre-July-2025 periods keyed "
        "by codes that named other communes before the reform).",
    ),
    split_rule: str = typer.Option(
        "seat",
        "--split-rule",
        help="Với --old-units: seat | equal (for --old-units: how a split unit's values are "
        "shared).",
    ),
    partial: bool = typer.Option(
        False,
        "--partial",
        help="Nhập từng phần như DHIS2 (atomicMode=NONE): ghi các giá trị hợp lệ, liệt kê "
        "các giá trị bị từ chối (WARNING); mặc định một giá trị bị từ chối làm cả tệp bị từ "
        "chối (DHIS2's partial import: write the good values, list the refused ones; by "
        "default a refused value refuses the whole file).",
    ),
    no_header: bool = typer.Option(
        False,
        "--no-header",
        help="CSV: dòng đầu là số liệu, không phải tiêu đề (CSV: the first row is a data value, "
        "not a header).",
    ),
    today: str | None = typer.Option(
        None,
        "--today",
        help="Xét kỳ tương lai tính đến ngày này, YYYY-MM-DD (judge future periods as of this "
        "day).",
    ),
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
) -> None:
    """Nhập tệp DHIS2 (JSON, CSV, XML) hoặc ADX (import a DHIS2 data value set or an ADX file).

    Mọi giá trị được kiểm tra trước. Mặc định, có giá trị bị từ chối thì không ghi gì (mã
    thoát 1); với --partial, các giá trị hợp lệ được ghi và các giá trị bị từ chối được liệt
    kê (WARNING, mã thoát 0, như API HTTP của DHIS2 mặc định). Tệp được đọc dần, không nạp cả
    vào bộ nhớ (every value is checked first; by default, if any is refused, nothing is
    written, exit 1; with --partial the good values are written and the refused ones listed,
    WARNING, exit 0, as DHIS2's HTTP API does by default; the file is read as a stream)."""
    from chitieu.exchange.crosswalk import SPLIT_RULES
    from chitieu.exchange.dhis2 import FORMATS, import_datavalueset
    from chitieu.exchange.mapping import MappingError, read_mapping

    if fmt != "auto" and fmt not in FORMATS:
        raise typer.BadParameter(f"use auto or one of {', '.join(FORMATS)}", param_hint="--format")
    if split_rule not in SPLIT_RULES:
        raise typer.BadParameter(f"use {' or '.join(SPLIT_RULES)}", param_hint="--split-rule")
    if old_units and new_units:
        raise typer.BadParameter("give --old-units or --new-units, not both")
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--today") from None
    try:
        m = read_mapping(mapping) if mapping else None
    except MappingError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    units = split_rule if old_units else ("none" if new_units else None)
    with file.open("rb") as stream:
        summary = import_datavalueset(
            make_engine(),
            stream,
            None,
            actor=_actor(actor),
            dry_run=dry_run,
            fmt=None if fmt == "auto" else fmt,
            id_scheme=id_scheme,
            data_element_id_scheme=data_element_id_scheme,
            org_unit_id_scheme=org_unit_id_scheme,
            import_strategy=strategy,
            mapping=m,
            filename=file.name,
            old_units=units,
            atomic=not partial,
            today=day,
            first_row_is_header=not no_header,
        )
    _report(summary, as_json)


def import_excel(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Mẫu báo cáo đã điền (a filled template)."
    ),
    dry_run: bool = _DRY,
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
    confirm_implausible: bool = typer.Option(
        False,
        "--confirm-implausible",
        help="Vẫn lưu các tháng của xã có số sinh không hợp lý, ví dụ không có bé gái (store "
        "commune-months whose births fail the plausibility check).",
    ),
) -> None:
    """Nhập mẫu báo cáo Excel đã điền (import a filled Excel report template).

    Mỗi ô sai được chỉ rõ (trang, ô, lý do); có ô sai thì không ghi gì. Số sinh khó có thật
    của một xã trong tháng (trên 50 ca sinh mà tỷ số giới tính ngoài 80–140 hoặc không có bé
    gái) bị từ chối nếu không xác nhận, như trên biểu mẫu web (each bad cell is named: sheet,
    cell, reason; if any is bad, nothing is written; implausible births of a commune-month are
    refused unless confirmed, as on the web form)."""
    from chitieu.exchange.excel import import_excel as import_excel_file
    from chitieu.reporting.periods import Editor

    editor = Editor(confirm_implausible=confirm_implausible)
    summary = import_excel_file(
        make_engine(), file, actor=_actor(actor), dry_run=dry_run, editor=editor
    )
    _report(summary, as_json)


@export_app.command("dhis2")
def export_dhis2(
    fmt: str = typer.Option("json", "--format", help="Định dạng: json | csv | xml | adx (format)."),
    unit: list[str] = typer.Option(
        [],
        "--unit",
        help="Mã đơn vị, có thể lặp lại; mặc định tất cả (unit code, repeatable; default all).",
    ),
    children: bool = typer.Option(
        False, "--children", help="Gồm mọi đơn vị bên dưới (include every unit below)."
    ),
    period: list[str] = typer.Option(
        [], "--period", help="Kỳ theo cách viết DHIS2, có thể lặp lại (DHIS2 period, repeatable)."
    ),
    start: str | None = typer.Option(
        None, "--start", help="Ngày bắt đầu, YYYY-MM-DD (start date)."
    ),
    end: str | None = typer.Option(None, "--end", help="Ngày kết thúc, YYYY-MM-DD (end date)."),
    element: list[str] = typer.Option(
        [], "--element", help="Mã phần tử dữ liệu, có thể lặp lại (data element code, repeatable)."
    ),
    data_set: str | None = typer.Option(
        None, "--data-set", help="Bộ dữ liệu, ví dụ COMMUNE_MONTHLY (data set)."
    ),
    id_scheme: str | None = typer.Option(
        None, "--id-scheme", help="Kiểu định danh: uid | code; ADX dùng code (id scheme)."
    ),
    mapping: Path | None = _MAPPING,
    include_deleted: bool = typer.Option(
        False,
        "--include-deleted",
        help="Gồm cả số liệu đã xoá, deleted: true (add deleted values).",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Ghi ra tệp này thay vì đầu ra chuẩn (write here instead of stdout)."
    ),
) -> None:
    """Xuất số liệu theo định dạng DHIS2 hoặc ADX (export data values for DHIS2 or ADX)."""
    from chitieu.exchange.dhis2 import FORMATS
    from chitieu.exchange.export import iter_export
    from chitieu.exchange.mapping import read_mapping

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if period and (start or end):
        raise typer.BadParameter("give --period or --start/--end, not both")
    try:
        start_d = date.fromisoformat(start) if start else None
        end_d = date.fromisoformat(end) if end else None
        m = read_mapping(mapping) if mapping else None
        with Session(make_engine()) as db:
            chunks = iter_export(
                db,
                unit or None,
                period or None,
                element or None,
                fmt,
                id_scheme,
                children=children,
                start_date=start_d,
                end_date=end_d,
                data_set=data_set,
                include_deleted=include_deleted,
                mapping=m,
            )
            size = 0
            with out.open("wb") if out else _stdout() as sink:
                for chunk in chunks:
                    sink.write(chunk)
                    size += len(chunk)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if out:
        typer.echo(f"wrote {out} ({size} bytes)", err=True)


def _stdout() -> Any:
    """Standard output as a binary sink that is not closed after use."""
    import contextlib
    import sys

    return contextlib.nullcontext(sys.stdout.buffer)


@template_app.command("commune-monthly")
def template_commune_monthly(
    unit: str = typer.Option(
        ...,
        "--unit",
        help="Một tỉnh (mọi xã của tỉnh) hoặc một xã (a province, all its communes, or a commune).",
    ),
    period: str = typer.Option(..., "--period", help="Tháng, ví dụ 202501 (the month)."),
    out: Path = typer.Option(..., "--out", help="Tệp .xlsx sẽ ghi (the .xlsx file to write)."),
) -> None:
    """Tạo mẫu báo cáo tháng của xã (write the commune monthly report template, XLSX)."""
    from chitieu.exchange.excel import write_template

    try:
        with Session(make_engine()) as db:
            n = write_template(db, unit, period, out)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {out}: {n} commune row(s), period {period}")
