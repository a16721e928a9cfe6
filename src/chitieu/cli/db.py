"""``chitieu db``: create or upgrade the schema on the configured database."""

from __future__ import annotations

import typer

from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade as upgrade_schema

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION on CHITIEU_DATABASE_URL."""
    engine = make_engine()
    upgrade_schema(engine, revision)
    typer.echo(f"schema at {revision}: {engine.url.render_as_string(hide_password=True)}")
