"""``chitieu db``: create or upgrade the schema and load the reference data."""

from __future__ import annotations

import typer

from chitieu.store.db import make_engine

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

app = typer.Typer(help="Database schema and reference data.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Migrate CHITIEU_DATABASE_URL to the latest schema and load units, catalogue and plans.

    Safe to run again: it adds only what is missing.
    """
    from chitieu.bootstrap import bootstrap

    engine = make_engine()
    added = bootstrap(engine)
    typer.echo(f"database ready: {engine.url.render_as_string(hide_password=True)}")
    for what, count in added.items():
        typer.echo(f"  {what}: {count} added or updated")
