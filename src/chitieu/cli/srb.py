"""``chitieu srb``: Sex ratio at birth: estimates and projections from a CSV, no database needed."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Sex ratio at birth: estimates and projections from a CSV, no database needed.",
    no_args_is_help=True,
)
