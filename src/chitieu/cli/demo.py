"""``chitieu demo``: build the demo database if absent, then serve the web app."""

from __future__ import annotations

import typer


def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app afterwards."),
) -> None:
    """Build the synthetic demo database (fixed seed) and serve the web app."""
    raise typer.Exit(code=1)
