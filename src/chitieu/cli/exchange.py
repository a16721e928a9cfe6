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

_ACTOR = typer.Option(None, "--actor", help="Who imports (default: the login name).")
_JSON = typer.Option(False, "--json", help="Print DHIS2's import summary as JSON.")
_DRY = typer.Option(False, "--dry-run", help="Check and count only; write nothing.")


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
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="dataValueSet or ADX"),
    fmt: str = typer.Option("auto", "--format", help="auto | json | csv | xml | adx"),
    dry_run: bool = _DRY,
    mapping: Path | None = typer.Option(None, "--mapping", help="A DHIS2 mapping YAML file."),
    id_scheme: str | None = typer.Option(None, "--id-scheme", help="uid | code | name"),
    data_element_id_scheme: str | None = typer.Option(None, "--data-element-id-scheme"),
    org_unit_id_scheme: str | None = typer.Option(None, "--org-unit-id-scheme"),
    strategy: str | None = typer.Option(None, "--strategy", help="DHIS2 importStrategy"),
    old_units: bool = typer.Option(
        False, "--old-units", help="Org units are pre-2025 codes: map them onto 2025 units."
    ),
    new_units: bool = typer.Option(
        False,
        "--new-units",
        help="Org units are 2025 codes (no warning for pre-July-2025 periods keyed by codes "
        "that named other communes before the reform).",
    ),
    split_rule: str = typer.Option("seat", "--split-rule", help="For --old-units: seat | equal"),
    partial: bool = typer.Option(
        False,
        "--partial",
        help="DHIS2's partial import (atomicMode=NONE): write the good values, list the "
        "refused ones (WARNING). Default: a refused value refuses the whole file.",
    ),
    no_header: bool = typer.Option(
        False, "--no-header", help="CSV: the first row is a data value, not a header."
    ),
    today: str | None = typer.Option(
        None, "--today", help="Judge future periods as of this day (YYYY-MM-DD)."
    ),
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
) -> None:
    """Nhập tệp DHIS2 (JSON, CSV, XML) hoặc ADX (import a DHIS2 data value set or an ADX file).

    Every value is checked first. By default, if any is refused, nothing is written (exit 1);
    with --partial the good values are written and the refused ones listed (WARNING, exit 0,
    as DHIS2's HTTP API does by default). The file is read as a stream."""
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
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A filled template."),
    dry_run: bool = _DRY,
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
    confirm_implausible: bool = typer.Option(
        False,
        "--confirm-implausible",
        help="Store commune-months whose births fail the plausibility check (e.g. no girl).",
    ),
) -> None:
    """Nhập mẫu báo cáo Excel đã điền (import a filled Excel report template).

    Each bad cell is named (sheet, cell, reason); if any is bad, nothing is written. Births a
    commune-month could hardly have (sex ratio outside 80–140, or no girl, above 50 births) are
    refused unless confirmed, as on the web form."""
    from chitieu.exchange.excel import import_excel as import_excel_file
    from chitieu.reporting.periods import Editor

    editor = Editor(confirm_implausible=confirm_implausible)
    summary = import_excel_file(
        make_engine(), file, actor=_actor(actor), dry_run=dry_run, editor=editor
    )
    _report(summary, as_json)


@export_app.command("dhis2")
def export_dhis2(
    fmt: str = typer.Option("json", "--format", help="json | csv | xml | adx"),
    unit: list[str] = typer.Option([], "--unit", help="Unit code (repeatable); default all."),
    children: bool = typer.Option(False, "--children", help="Include every unit below."),
    period: list[str] = typer.Option([], "--period", help="DHIS2 period (repeatable)."),
    start: str | None = typer.Option(None, "--start", help="Start date YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="End date YYYY-MM-DD."),
    element: list[str] = typer.Option([], "--element", help="Data element code (repeatable)."),
    data_set: str | None = typer.Option(None, "--data-set", help="e.g. COMMUNE_MONTHLY"),
    id_scheme: str | None = typer.Option(None, "--id-scheme", help="uid | code (ADX: code)"),
    mapping: Path | None = typer.Option(None, "--mapping", help="A DHIS2 mapping YAML file."),
    include_deleted: bool = typer.Option(
        False, "--include-deleted", help="Add deleted values (deleted: true)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
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
    unit: str = typer.Option(..., "--unit", help="A province (all its communes) or a commune."),
    period: str = typer.Option(..., "--period", help="The month, e.g. 202501."),
    out: Path = typer.Option(..., "--out", help="The .xlsx file to write."),
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
