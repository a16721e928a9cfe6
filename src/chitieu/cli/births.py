"""``chitieu births``: Birth records: summaries."""

from __future__ import annotations

import typer

app = typer.Typer(help="Birth records: summaries.", no_args_is_help=True)
