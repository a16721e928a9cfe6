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


#: Commands that make their database or need none; every other command reads or writes one
#: that must already exist.
MAKE_OR_NEED_NO_DATABASE = (("demo",), ("srb",), ("restore",), ("db", "upgrade"))


def _command_words(argv: list[str]) -> list[str] | None:
    """The command's words (``["targets", "status"]``), None for help or an unknown command."""
    if any(a in ("--help", "-h") for a in argv):
        return None
    words = [a for a in argv if not a.startswith("-")][:2]
    known = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    return words if words and words[0] in known else None


def missing_database(argv: list[str]) -> str | None:
    """Why the command in ``argv`` cannot run: the SQLite database it needs is not there (one
    line, with where it looked and what to run), else None. Checked before the command runs, so
    a command on a missing database creates no empty file and no directory."""
    from sqlalchemy.engine import make_url

    from chitieu.cli.output import database_label
    from chitieu.config import get_settings

    words = _command_words(argv)
    if words is None or any(tuple(words[: len(n)]) == n for n in MAKE_OR_NEED_NO_DATABASE):
        return None
    url = make_url(get_settings().database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    from pathlib import Path

    if Path(url.database).exists():
        return None
    return (
        f"there is no database at {database_label()}. Create it with `chitieu db upgrade` "
        "(empty) or `chitieu demo --no-serve` (the demo data); another one is chosen with "
        "CHITIEU_DATABASE_URL"
    )


def main() -> None:
    import sys

    from chitieu.config import get_settings
    from chitieu.logs import configure_logging

    # Commands print their own results: their log lines show from WARNING up unless asked.
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level or "WARNING")
    missing = missing_database(sys.argv[1:])
    if missing:
        raise SystemExit(fail(missing).exit_code)
    try:
        app()
    except (OperationalError, ProgrammingError) as exc:
        # Any command on a database without chitieu's schema, or a server that does not
        # answer: one clear line instead of a stack trace.
        raise SystemExit(fail(not_ready(exc)).exit_code) from None
