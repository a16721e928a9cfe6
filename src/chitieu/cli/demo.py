"""``chitieu demo``: build the demo database if absent, then serve the web app."""

from __future__ import annotations

import importlib.util
from enum import StrEnum

import typer

from chitieu.cli.output import database_label
from chitieu.config import get_settings
from chitieu.store.db import make_engine, wipe_database

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

#: chitieu.demo.DEMO_SEED, which cannot be imported without pandas (tests check they agree).
DEMO_SEED = 21


class Records(StrEnum):
    """Whose births the demo holds as records (chitieu.demo.build.RECORDS)."""

    HANOI = "hanoi"
    NATIONAL = "national"


def _synthetic_note() -> str:
    from chitieu.demo import SYNTHETIC_LABEL

    return (
        f"Lưu ý: toàn bộ số liệu demo là {SYNTHETIC_LABEL.split(' / ')[0]}, sinh ngẫu nhiên từ một "
        "seed cố định, chỉ để minh họa.\n"
        "Note: all demo figures are synthetic, generated from a fixed seed, for illustration only."
    )


def _print_logins() -> None:
    try:
        from chitieu.auth.users import DEMO_PASSWORD
    except ImportError:
        return
    typer.echo(
        f"Đăng nhập (sign in), mật khẩu (password) '{DEMO_PASSWORD}': admin, analyst.hanoi, "
        "syt.hanoi (Sở Y tế), sdttg.hanoi (Sở Dân tộc và Tôn giáo), "
        "entry.<mã xã/commune code> (e.g. entry.00070)."
    )


def demo(
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Mở ứng dụng web sau đó (serve the web app afterwards)."
    ),
    scale: float = typer.Option(
        1.0,
        "--scale",
        min=0.001,
        max=1.0,
        help="Tỷ lệ số sinh của Hà Nội được tạo (share of Hanoi's births generated; 1.0 ≈ 2.4M).",
    ),
    seed: int = typer.Option(
        DEMO_SEED, "--seed", help="Hạt giống ngẫu nhiên (random seed of the synthetic data)."
    ),
    reset: bool = typer.Option(
        False,
        "--reset",
        help="Xoá toàn bộ cơ sở dữ liệu rồi tạo lại demo (delete the whole database and rebuild).",
    ),
    records: Records = typer.Option(
        "hanoi",
        "--records",
        help="Bản ghi sinh của Hà Nội, hoặc của cả nước 2019–2025 (khoảng 9 triệu bản ghi "
        "thêm, để đo hiệu năng) (birth records for Hanoi, or for the whole country 2019–2025: "
        "about 9 million more records, for benchmarks).",
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Không hỏi lại khi --reset (do not ask before --reset)."
    ),
) -> None:
    """Tạo cơ sở dữ liệu demo mô phỏng (hạt giống cố định) rồi mở ứng dụng web (build the
    synthetic demo database from a fixed seed, then serve the web app)."""
    from chitieu.demo import build_demo

    engine = make_engine(get_settings().database_url)
    label = database_label(get_settings().database_url)
    typer.echo(f"Cơ sở dữ liệu (database): {label}")
    if reset:
        question = (
            f"Xoá toàn bộ dữ liệu trong {label} và tạo lại demo? "
            "(Delete everything in this database and rebuild the demo?)"
        )
        if not yes and not typer.confirm(question, default=False):
            raise typer.Exit(code=1)
        wipe_database(engine)
        typer.echo("Đã xoá cơ sở dữ liệu cũ (the old database was deleted).")
    try:
        result = build_demo(
            engine, seed=seed, scale=scale, records=records.value, progress=typer.echo
        )
    finally:
        engine.dispose()
    if result.built:
        typer.echo(
            f"Đã tạo dữ liệu demo (demo built) in {result.seconds:.0f} s: "
            f"{result.births:,} birth records, {result.facilities} facilities, "
            f"{result.data_values:,} data values, {result.inspections} inspections."
        )
    else:
        typer.echo("Cơ sở dữ liệu đã có dữ liệu demo: bỏ qua (the demo is already there; skipped).")
    typer.echo(_synthetic_note())
    _print_logins()
    if not serve:
        return
    if importlib.util.find_spec("chitieu.app") is None:
        typer.echo(
            "Ứng dụng web chưa có trong bản này (the web app, chitieu.app, is not installed yet): "
            "the database is ready; nothing to serve."
        )
        raise typer.Exit(code=0)
    from chitieu.cli.serve import run_server

    settings = get_settings()
    typer.echo(f"Mở (open) http://{settings.host}:{settings.port}")
    run_server()
