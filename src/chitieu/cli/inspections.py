"""``chitieu inspections``: record and list inspections; the register; where to look next."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import typer

from chitieu.cli.output import FORMAT_OPTION, Format, database, fail, print_rows, refused
from chitieu.ingest.errors import ImportRefused

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

#: chitieu.enforcement.ranking.YEARS_NOT_INSPECTED, which loads SciPy (tests check they agree).
YEARS_NOT_INSPECTED = 2

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Thanh tra, kiểm tra cơ sở siêu âm, sản khoa (inspections and the facility register).",
    no_args_is_help=True,
)


NONE = "(không có — none)"


#: Who records an inspection or a facility, as the audit log keeps it.
_ACTOR = typer.Option(
    "cli", "--actor", help="Ghi vào nhật ký thay đổi (recorded in the audit log)."
)
#: The unit a listing covers, with every unit below it.
_UNIT_AND_BELOW = typer.Option(
    "VN", "--unit", help="Đơn vị này và mọi đơn vị bên dưới (this unit and everything below it)."
)


@app.command("add")
def add_command(
    facility: str = typer.Option(None, "--facility", help="Mã cơ sở (facility code)."),
    on: str = typer.Option(None, "--date", help="Ngày thanh tra, YYYY-MM-DD (inspection date)."),
    team: str = typer.Option(None, "--team", help="Đoàn thanh tra (inspection team)."),
    findings: str = typer.Option(
        None, "--findings", help="Kết quả thanh tra (what the inspection found)."
    ),
    violation: bool = typer.Option(
        False,
        "--violation/--no-violation",
        help="Có vi phạm hay không (whether a violation was found).",
    ),
    fine: str = typer.Option(
        "0", "--fine", help="Số tiền phạt (đồng), số nguyên ≥ 0 (fine in VND, whole number ≥ 0)."
    ),
    suspended: bool = typer.Option(
        False,
        "--suspended/--not-suspended",
        help="Cơ sở bị đình chỉ hoạt động (the facility was suspended).",
    ),
    commitment: bool = typer.Option(
        False,
        "--commitment/--no-commitment",
        help="Cơ sở đã ký cam kết (the facility signed a commitment).",
    ),
    file: Path = typer.Option(
        None,
        "--file",
        help="Tệp CSV với các cột facility_code, inspected_on, team, findings, violation, "
        "fine_vnd, suspended, commitment_signed, thay cho các tùy chọn (a CSV with these "
        "columns, instead of the options).",
    ),
    actor: str = _ACTOR,
) -> None:
    """Ghi các cuộc thanh tra, kiểm tra: kiểm tra toàn bộ trước, có dòng sai thì không ghi gì; gửi
    lại cùng cuộc thanh tra không thay đổi gì (record inspections: validated first, nothing is
    written if any row is wrong, an identical inspection sent again changes nothing)."""
    from chitieu.enforcement.inspections import record_inspections

    if file is not None:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            rows: list[dict[str, Any]] = list(csv.DictReader(fh))
    else:
        rows = [
            {
                "facility_code": facility,
                "inspected_on": on,
                "team": team,
                "findings": findings,
                "violation": violation,
                "fine_vnd": fine,
                "suspended": suspended,
                "commitment_signed": commitment,
            }
        ]
    try:
        with database() as db:
            outcomes = record_inspections(db, rows, actor=actor)
    except ImportRefused as exc:
        raise refused(exc) from None
    added = sum(o.created for o in outcomes)
    typer.echo(f"{added} inspection(s) recorded, {len(outcomes) - added} already recorded")


@app.command("list")
def list_command(
    unit: str = _UNIT_AND_BELOW,
    since: str = typer.Option(None, "--since", help="Từ ngày này, YYYY-MM-DD (from this date)."),
    until: str = typer.Option(None, "--until", help="Đến ngày này, YYYY-MM-DD (up to this date)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Các cuộc thanh tra cơ sở thuộc một đơn vị, mới nhất trước (inspections of facilities at or
    below a unit, newest first)."""
    from chitieu.enforcement.inspections import list_inspections
    from chitieu.units.queries import UnknownUnitError

    try:
        with database() as db:
            found = list_inspections(
                db,
                unit,
                since=date.fromisoformat(since) if since else None,
                until=date.fromisoformat(until) if until else None,
            )
    except (UnknownUnitError, ValueError) as exc:
        raise fail(str(exc)) from None
    rows = [i.to_dict() for i in found]
    columns = ["id", "inspected_on", "facility_code", "facility_name", "unit_name", "violation"]
    print_rows(rows, fmt, [*columns, "fine_vnd", "suspended", "commitment_signed"], empty=NONE)


@app.command("facilities")
def facilities_command(
    unit: str = _UNIT_AND_BELOW,
    ownership: str = typer.Option(
        None, "--ownership", help="Sở hữu: public hoặc private (ownership)."
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Danh bạ cơ sở có dịch vụ siêu âm hoặc sản khoa (the register of facilities offering
    ultrasound or obstetric services)."""
    from chitieu.enforcement.register import facility_register
    from chitieu.units.queries import UnknownUnitError

    try:
        with database() as db:
            found = facility_register(db, unit, ownership=ownership)
    except UnknownUnitError as exc:
        raise fail(str(exc)) from None
    columns = ["code", "name", "unit_code", "unit_name", "kind", "ownership", "offers_ultrasound"]
    print_rows([f.to_dict() for f in found], fmt, [*columns, "offers_obstetrics"], empty=NONE)


@app.command("add-facility")
def add_facility_command(
    code: str = typer.Option(..., "--code", help="Mã cơ sở (facility code)."),
    name: str = typer.Option(..., "--name", help="Tên cơ sở (facility name)."),
    unit: str = typer.Option(
        ..., "--unit", help="Xã nơi cơ sở đặt trụ sở (the commune the facility is in)."
    ),
    kind: str = typer.Option(
        "clinic",
        "--kind",
        help="Loại: hospital, regional_hospital, private_hospital, clinic hoặc health_station "
        "(kind).",
    ),
    ownership: str = typer.Option(
        "private", "--ownership", help="Sở hữu: public hoặc private (ownership)."
    ),
    ultrasound: bool = typer.Option(
        True, "--ultrasound/--no-ultrasound", help="Có dịch vụ siêu âm (offers ultrasound)."
    ),
    obstetrics: bool = typer.Option(
        False,
        "--obstetrics/--no-obstetrics",
        help="Có dịch vụ sản khoa (offers obstetric services).",
    ),
    actor: str = _ACTOR,
) -> None:
    """Thêm một cơ sở có dịch vụ siêu âm hoặc sản khoa vào danh bạ (add a facility offering
    ultrasound or obstetric services to the register)."""
    from chitieu.enforcement.register import register_facility

    data = {
        "code": code,
        "name": name,
        "unit_code": unit,
        "kind": kind,
        "ownership": ownership,
        "offers_ultrasound": ultrasound,
        "offers_obstetrics": obstetrics,
    }
    try:
        with database() as db:
            register_facility(db, data, actor=actor)
    except ImportRefused as exc:
        raise refused(exc) from None
    typer.echo(f"{code}: registered")


@app.command("ranking")
def ranking_command(
    unit: str = typer.Option(
        "01",
        "--unit",
        help="Một tỉnh: các xã của tỉnh được xếp hạng (a province: its communes are ranked).",
    ),
    year: int = typer.Option(
        None,
        "--year",
        help="Năm cuối của số sinh được xét, mặc định năm trước (last year of births; default "
        "last year).",
    ),
    years: int = typer.Option(
        YEARS_NOT_INSPECTED,
        "--not-inspected-years",
        help="Xã chưa được thanh tra trong chừng ấy năm được xếp lên trước (communes not "
        "inspected in this many years come first).",
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Xã, phường theo bằng chứng tỷ số giới tính khi sinh vượt mức, bên cạnh lịch sử thanh tra;
    vượt cao và chưa thanh tra trong N năm lên trước (communes by evidence of an excess sex
    ratio at birth beside their inspection history, high excess and not inspected in N years
    first)."""
    from chitieu.enforcement.ranking import excess_beside_inspections
    from chitieu.units.queries import UnknownUnitError

    today = date.today()
    try:
        with database() as db:
            rows = excess_beside_inspections(
                db, unit, until_year=year or today.year - 1, as_of=today, years_not_inspected=years
            )
    except UnknownUnitError as exc:
        raise fail(str(exc)) from None
    columns = ["unit_code", "unit_name", "births", "srb", "p_excess", "onset"]
    columns += ["expected_excess_boys", "z", "flag", "inspections"]
    found = [r.to_dict() for r in rows]
    if fmt is Format.table:  # JSON keeps full precision
        for r in found:
            r["srb"] = None if r["srb"] is None else round(r["srb"], 1)
            r["z"] = None if r["z"] is None else round(r["z"], 2)
    print_rows(found, fmt, [*columns, "last_inspected", "priority"], empty=NONE)
