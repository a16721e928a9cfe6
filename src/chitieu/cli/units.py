"""``chitieu units``: list, search and show units of the administrative hierarchy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chitieu.cli.output import FORMAT_OPTION, Format, fail, not_ready, print_json, print_rows
from chitieu.store.db import make_engine, session_factory

if TYPE_CHECKING:
    from chitieu.units.queries import UnitInfo

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Đơn vị hành chính (units of the administrative hierarchy).",
    no_args_is_help=True,
)


class Level(StrEnum):
    country = "country"
    province = "province"
    commune = "commune"


LEVEL_OPTION = typer.Option(None, "--level", help="Cấp: country, province hoặc commune (level).")
PARENT_OPTION = typer.Option(
    None,
    "--parent",
    help="Chỉ các đơn vị bên dưới mã đơn vị này (only units below this unit code).",
)
TABLE_COLUMNS = ("code", "name", "level", "parent_code", "division_type")


@contextmanager
def _session() -> Iterator[Session]:
    """A read session on the configured database, refusing one without units."""
    from chitieu.store.models import Unit
    from chitieu.units.queries import UnknownUnitError

    engine = make_engine()
    try:
        with session_factory(engine)() as db:
            try:
                has_units = db.scalar(select(Unit.code).limit(1)) is not None
            except SQLAlchemyError as exc:  # no schema yet: say what to do, not a stack trace
                raise fail(not_ready(exc)) from None
            if not has_units:
                raise fail("no units in the database; run: chitieu db upgrade")
            try:
                yield db
            except (UnknownUnitError, ValueError) as exc:
                raise fail(str(exc)) from None
    finally:
        engine.dispose()


def _print_units(units: list[UnitInfo], fmt: Format) -> None:
    rows = [u.as_dict() for u in units]
    print_rows(rows, fmt, TABLE_COLUMNS, empty="(không có đơn vị nào — no units)")


@app.command("list")
def list_command(
    parent: str = PARENT_OPTION,
    level: Level = LEVEL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Liệt kê đơn vị: mặc định là các tỉnh; các đơn vị con với --parent; mọi đơn vị của một cấp với
    --level (list units: the provinces by default, a unit's children with --parent, every unit
    at a level with --level)."""
    from chitieu.units.queries import list_units

    with _session() as db:
        _print_units(list_units(db, parent, level.value if level else None), fmt)


@app.command("search")
def search_command(
    text: str = typer.Argument(
        ...,
        help='Một phần của tên, có hoặc không dấu, ví dụ "Hoan Kiem" (part of a name, with or '
        "without diacritics).",
    ),
    level: Level = LEVEL_OPTION,
    parent: str = PARENT_OPTION,
    limit: int = typer.Option(
        20, "--limit", min=1, max=500, help="Số kết quả tối đa (at most this many results)."
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Tìm đơn vị theo tên, có hoặc không dấu; khớp nhất trước (find units by name, best matches
    first)."""
    from chitieu.units.search import search_units

    with _session() as db:
        found = search_units(db, text, level.value if level else None, parent, limit)
        _print_units(found, fmt)


@app.command("show")
def show_command(
    code: str = typer.Argument(..., help="Mã đơn vị, ví dụ 01 hoặc 00070 (unit code)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Xem một đơn vị: tên, cấp, thuộc đâu và các đơn vị bên dưới (show one unit: names, level,
    where it sits and what lies below it)."""
    from chitieu.store.models import Facility, Unit
    from chitieu.units.queries import ancestors, get_unit

    with _session() as db:
        unit = get_unit(db, code)
        detail = unit.as_dict()
        detail["ancestors"] = [{"code": a.code, "name": a.name} for a in ancestors(db, code)]
        detail["children"] = db.scalar(
            select(func.count()).select_from(Unit).where(Unit.parent_code == code)
        )
        detail["facilities"] = db.scalar(
            select(func.count()).select_from(Facility).where(Facility.unit_code == code)
        )
    if fmt is Format.json:
        print_json(detail)
        return
    chain = " › ".join(a["name"] for a in detail["ancestors"])
    for label, value in (
        ("Mã (code)", unit.code),
        ("Tên (name)", unit.name),
        ("Không dấu (ASCII)", unit.name_ascii),
        ("Cấp (level)", unit.level),
        ("Loại (division type)", unit.division_type),
        ("Thuộc (within)", chain or "—"),
        ("Đơn vị trực thuộc (children)", detail["children"]),
        ("Cơ sở y tế (facilities)", detail["facilities"]),
    ):
        typer.echo(f"{label:<30} {value}")
