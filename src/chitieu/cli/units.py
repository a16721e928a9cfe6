"""``chitieu units``: Units of the administrative hierarchy and facilities."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Units of the administrative hierarchy and facilities.", no_args_is_help=True
)
