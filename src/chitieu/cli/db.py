"""``chitieu db``: create or upgrade the schema and load the reference data."""

from __future__ import annotations

import typer

from chitieu.cli.output import database_label
from chitieu.store.db import make_engine

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Lược đồ cơ sở dữ liệu và dữ liệu tham chiếu (database schema and reference data).",
    no_args_is_help=True,
)


@app.command()
def upgrade() -> None:
    """Nâng cấp cơ sở dữ liệu CHITIEU_DATABASE_URL lên lược đồ mới nhất và nạp đơn vị, danh mục, kế
    hoạch (migrate the database to the latest schema and load units, catalogue and plans).

    Chạy lại an toàn: chỉ thêm những gì còn thiếu (safe to run again: it adds only what is
    missing).
    """
    from chitieu.bootstrap import bootstrap
    from chitieu.reporting.rollups import ensure_rollups
    from chitieu.store.db import transaction

    engine = make_engine()
    added = bootstrap(engine)
    with transaction(engine) as db:
        ensure_rollups(db)
    typer.echo(f"Cơ sở dữ liệu sẵn sàng (database ready): {database_label()}")
    for what, count in added.items():
        typer.echo(f"  {what}: {count} thêm hoặc cập nhật (added or updated)")
