"""What every ``chitieu`` command shares: the table/json switch, error exits, the database
session, and printing."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chitieu.config import get_settings
from chitieu.ingest.errors import ImportRefused
from chitieu.store.db import make_engine, transaction


class Format(StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(
    Format.table, "--format", help="Định dạng: table hoặc json (output format)."
)


def fail(message: str) -> typer.Exit:
    """Print ``Lỗi (error): message`` on stderr; return the exit (code 1) for the caller."""
    typer.echo(f"Lỗi (error): {message}", err=True)
    return typer.Exit(code=1)


def refusal_text(exc: ImportRefused, what: str = "import") -> str:
    """A refusal's summary (every row, column and reason) in the configured language
    (``CHITIEU_LANGUAGE``, Vietnamese by default)."""
    return exc.summary(lang=get_settings().language, what=what)


def refused(exc: ImportRefused) -> typer.Exit:
    """:func:`fail` with a refusal's summary."""
    return fail(refusal_text(exc, what="change"))


def database_label(url: str | None = None) -> str:
    """The configured database as a user can find it: a SQLite file's absolute path (the
    default is relative to the working directory), a server URL without its password."""
    parsed = make_url(url or get_settings().database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(Path(parsed.database).resolve())
    return parsed.render_as_string(hide_password=True)


def not_ready(exc: SQLAlchemyError) -> str:
    """The message for a database that cannot be used (no schema yet, server down): where it
    is, what went wrong in one line, and what to run — not a stack trace."""
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return (
        f"cannot use the database {database_label()} ({cause}). A new database needs its "
        "schema: run `chitieu db upgrade`, or `chitieu demo --no-serve` for the demo data; "
        "another one is chosen with CHITIEU_DATABASE_URL"
    )


@contextmanager
def database() -> Iterator[Session]:
    """One transaction on the configured database; the engine is disposed of afterwards (a
    command runs once, so its connection pool would only linger)."""
    engine = make_engine()
    try:
        with transaction(engine) as db:
            yield db
    finally:
        engine.dispose()


def print_json(payload: Any) -> None:
    """Indented JSON, Vietnamese kept as is."""
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Plain aligned columns, a header and a rule; None printed as empty."""
    cells = [[("" if r[c] is None else str(r[c])) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def print_rows(
    rows: list[dict[str, Any]], fmt: Format, columns: Sequence[str], *, empty: str
) -> None:
    """Rows as JSON (dates and other values as text) or as a table; ``empty`` if none."""
    if fmt is Format.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    elif rows:
        typer.echo(render_table(rows, columns))
    else:
        typer.echo(empty)
