"""``chitieu imports``: Import data files (births, DHIS2, Excel)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import data files (births, DHIS2, Excel).", no_args_is_help=True)
