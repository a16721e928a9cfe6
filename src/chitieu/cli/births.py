"""``chitieu births``: birth counts from the aggregates kept by the birth-record import."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from chitieu.cli.output import FORMAT_OPTION, Format, fail, not_ready, print_json, render_table
from chitieu.store.db import make_engine

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Số sinh theo năm, giới tính và thứ tự sinh (birth counts by year, sex and birth order).",
    no_args_is_help=True,
)

ORDERS = (1, 2, 3, 4)  # 4 = fourth or later, as the aggregates keep it
SEXES = (("M", "Nam"), ("F", "Nữ"))


def _wide(counts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per year: births by sex × order, and the year's total."""
    columns = ["Năm"] + [
        f"{label} {o}{'+' if o == ORDERS[-1] else ''}" for _, label in SEXES for o in ORDERS
    ]
    columns.append("Tổng")
    by_year: dict[int, dict[tuple[str, int], int]] = defaultdict(dict)
    for c in counts:
        by_year[c["year"]][(c["sex"], c["birth_order"])] = c["births"]
    rows = []
    for year in sorted(by_year):
        cells = [by_year[year].get((sex, o), 0) for sex, _ in SEXES for o in ORDERS]
        rows.append(dict(zip(columns, [year, *cells, sum(cells)], strict=True)))
    return rows, columns


@app.command("summary")
def summary(
    unit: str = typer.Option(
        None,
        "--unit",
        help="Mã đơn vị (01, 00070): đơn vị đó và mọi đơn vị bên dưới (unit code: the unit and "
        "everything below it).",
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Số sinh theo năm, giới tính và thứ tự sinh (births by year, sex and birth order)."""
    from sqlalchemy.orm import Session

    from chitieu.births.counts import birth_counts
    from chitieu.units.queries import UnknownUnitError

    engine = make_engine()
    try:
        with Session(engine) as db:
            counts = birth_counts(db, unit, by=("year", "sex", "birth_order"))
    except UnknownUnitError as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise fail(not_ready(exc)) from None
    finally:
        engine.dispose()
    if fmt is Format.json:
        print_json(counts)
        return
    if not counts:
        typer.echo("(chưa có số sinh — no births recorded)")
        return
    rows, columns = _wide(counts)
    typer.echo(render_table(rows, columns))
    typer.echo("Nam = boys, Nữ = girls; 1, 2, 3, 4+ = thứ tự sinh (birth order); Tổng = total")
