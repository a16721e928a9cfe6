"""The ``chitieu`` command: a thin Typer layer; each command group lives in its own module.

The command modules import chitieu's domain modules (pandas, SciPy, FastAPI, Alembic,
WeasyPrint, openpyxl…) inside the command functions: at module level every start-up, even
``chitieu --help``, would pay for all of them (tests/test_cli_startup.py keeps it so)."""

from __future__ import annotations

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from chitieu.cli import (
    backup,
    births,
    db,
    demo,
    exchange,
    imports,
    remind,
    serve,
    srb,
    tokens,
    units,
    users,
)

app = typer.Typer(
    rich_markup_mode="markdown",
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
# Web app, users, tokens, backup.
app.command(name="serve")(serve.serve)
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.command(name="backup")(backup.backup)
app.command(name="restore")(backup.restore)
app.command(name="remind")(remind.remind)
# Data exchange: DHIS2/ADX and Excel imports, DHIS2/ADX export, Excel templates.
imports.app.command(name="dhis2")(exchange.import_dhis2)
imports.app.command(name="excel")(exchange.import_excel)
app.add_typer(exchange.export_app, name="export")
app.add_typer(exchange.template_app, name="template")

# Targets, scorecard, periodic report, inspections.
from chitieu.cli import inspections, report, targets  # noqa: E402
from chitieu.cli.output import fail, not_ready  # noqa: E402

app.add_typer(targets.app, name="targets")
app.command(name="report")(report.report)
app.add_typer(inspections.app, name="inspections")


def main() -> None:
    from chitieu.config import get_settings
    from chitieu.logs import configure_logging

    # Commands print their own results: their log lines show from WARNING up unless asked.
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level or "WARNING")
    try:
        app()
    except (OperationalError, ProgrammingError) as exc:
        # Any command on a database without chitieu's schema, or a server that does not
        # answer: one clear line instead of a stack trace.
        raise SystemExit(fail(not_ready(exc)).exit_code) from None
