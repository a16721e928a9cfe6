"""``chitieu backup`` and ``chitieu restore``: the whole database to one file and back."""

from __future__ import annotations

from pathlib import Path

import typer

from chitieu.cli.output import database_label, fail
from chitieu.config import get_settings


def backup(
    out: Path = typer.Argument(
        ..., help="Tệp sẽ ghi, không được có sẵn (file to write; must not exist yet)."
    ),
) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu ra một tệp (back up the whole database to one file).

    SQLite: bản sao trực tuyến, máy chủ đang chạy không bị ảnh hưởng; PostgreSQL: định dạng
    riêng của pg_dump, cần pg_dump trong PATH (SQLite: an online copy that the running server
    does not notice; PostgreSQL: pg_dump's custom format, needs pg_dump on PATH)."""
    from chitieu.store.backup import BackupError
    from chitieu.store.backup import backup as run_backup

    try:
        info = run_backup(get_settings().database_url, out)
    except BackupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"backup written: {info.path.resolve()} ({info.kind}, {info.bytes:,} bytes)")


def restore(
    source: Path = typer.Argument(
        ..., help="Tệp do `chitieu backup` ghi (a file written by `chitieu backup`)."
    ),
    yes: bool = typer.Option(
        False,
        "--yes",
        help="Thay cơ sở dữ liệu mà không hỏi, dùng cho script (replace the database without "
        "asking, for scripts).",
    ),
) -> None:
    """Khôi phục cơ sở dữ liệu từ tệp sao lưu (restore the database from a backup file).

    Mọi bảng của cơ sở dữ liệu đang cấu hình được thay bằng bảng của bản sao lưu. Với
    PostgreSQL, dừng máy chủ trước; sau đó chạy `chitieu db upgrade` nếu bản sao lưu cũ hơn
    phiên bản chitieu này (every table of the configured database is replaced by the backup's;
    stop the server first on PostgreSQL, then run `chitieu db upgrade` if the backup is older
    than this chitieu)."""
    from chitieu.store.backup import BackupError, backup_kind
    from chitieu.store.backup import restore as run_restore

    target = database_label()
    try:
        kind = backup_kind(source)
    except BackupError as exc:
        raise fail(str(exc)) from None
    if not yes and not typer.confirm(
        f"Replace every table of {target} with the {kind} backup {source}?", default=False
    ):
        raise typer.Exit(code=1)
    try:
        run_restore(get_settings().database_url, source)
    except BackupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"restored {target} from {Path(source).resolve()}")
    typer.echo("next: chitieu db upgrade   (brings an older backup to this chitieu's schema)")
