"""The ``chitieu`` command: a thin Typer layer; each command group lives in its own module."""

from __future__ import annotations

import typer

from chitieu.cli import births, db, demo, imports, srb, units

app = typer.Typer(
    name="chitieu",
    help="chitieu — theo dõi chỉ tiêu y tế và dân số (health and population targets).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(units.app, name="units")
app.add_typer(births.app, name="births")
app.add_typer(imports.app, name="import")
app.add_typer(srb.app, name="srb")
app.command(name="demo")(demo.demo)


def main() -> None:
    app()
