"""``chitieu import``: import data files (birth records; other formats in their own modules)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chitieu.cli.output import fail, not_ready, refusal_text
from chitieu.ingest.errors import ImportRefused
from chitieu.store.db import make_engine

# Domain modules are imported inside the commands, not here: every start-up would pay for them.
if TYPE_CHECKING:
    from chitieu.births.reconcile import CommuneMonth

#: chitieu.store.audit.SYSTEM_ACTOR, which loads every model (tests check they agree).
SYSTEM_ACTOR = "system"

app = typer.Typer(
    rich_markup_mode="markdown", help="Nhập tệp dữ liệu (import data files).", no_args_is_help=True
)


@app.command("births")
def births(
    file: Path = typer.Argument(
        ...,
        help="Tệp CSV hoặc Parquet với các cột birth_id, birth_date, unit_code, sex, "
        "birth_order, prev_boys, prev_girls, mother_birth_year[, facility_code] (CSV or "
        "Parquet with these columns).",
    ),
    actor: str = typer.Option(
        SYSTEM_ACTOR,
        "--actor",
        help="Người nhập, ghi vào nhật ký (who imports, for the audit log).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Chỉ kiểm tra tệp, không ghi gì (check the file; write nothing)."
    ),
) -> None:
    """Nhập bản ghi sinh: kiểm tra toàn bộ trước, có lỗi thì không ghi gì và liệt kê từng dòng sai;
    nhập lại cùng tệp không thêm gì (import birth records: everything is checked first, nothing
    is written on any problem, and importing the same file again adds nothing)."""
    from chitieu.ingest.births import import_births
    from chitieu.store.models import Unit

    engine = make_engine()
    disagree: list[CommuneMonth] = []
    try:
        try:
            with engine.connect() as conn:
                has_units = conn.scalar(select(Unit.code).limit(1)) is not None
        except SQLAlchemyError as exc:
            raise fail(not_ready(exc)) from None
        if not has_units:
            raise fail("no units in the database; run: chitieu db upgrade")
        try:
            result = import_births(engine, file, actor=actor, dry_run=dry_run)
            if not result.dry_run and result.months:
                from chitieu.births.reconcile import disagreements

                with Session(engine) as db:
                    disagree = disagreements(db, result.months)
        except ImportRefused as refused:
            typer.echo(refusal_text(refused), err=True)
            raise typer.Exit(code=1) from None
        except SQLAlchemyError as exc:  # e.g. another import stored the same ids meanwhile
            detail = getattr(exc, "orig", None) or exc
            raise fail(f"database error, nothing was written: {detail}") from None
    finally:
        engine.dispose()
    if result.same_file_as is not None:
        typer.echo(
            f"Tệp này đã được nhập (lô {result.same_file_as}), mọi bản ghi đều còn: không có gì "
            f"để thêm. This very file (sha256 {result.sha256[:12]}…) was imported as batch "
            f"{result.same_file_as} and all its records are stored: nothing to add."
        )
    verb = "Kiểm tra xong (dry run)" if result.dry_run else "Đã nhập (imported)"
    typer.echo(
        f"{verb}: {result.rows_read:,} dòng đọc (rows read), {result.rows_added:,} bản ghi mới "
        f"(added), {result.rows_skipped:,} đã có, bỏ qua (already stored, skipped)."
    )
    if result.batch_id is not None:
        typer.echo(f"Lô nhập (import batch): {result.batch_id}; sha256 {result.sha256}")
    if disagree:
        _print_disagreements(disagree)


def _print_disagreements(months: list[CommuneMonth]) -> None:
    """Each language's line on the commune-months whose records and report now disagree,
    then the first of them."""
    from chitieu.catalog.messages import message

    n = len(months)
    for lang in ("vi", "en"):
        typer.echo(message("births_import_disagree", lang, n=n))
    for m in months[:10]:
        lines = []
        for lang in ("vi", "en"):
            used = "births_used_report" if m.uses_report else "births_used_records"
            lines.append(
                message(
                    "births_disagree_line",
                    lang,
                    unit=m.unit_code,
                    period=m.period,
                    rb=m.records_boys,
                    rg=m.records_girls,
                    pb=_whole(m.report_boys),
                    pg=_whole(m.report_girls),
                    used=message(used, lang),
                )
            )
        typer.echo("  " + " | ".join(lines))
    if n > 10:
        typer.echo(f"  … (+{n - 10})")


def _whole(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"
