"""``chitieu demo``: build the demo database if absent, then serve the web app."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import typer
from sqlalchemy import Engine

from chitieu.config import get_settings
from chitieu.store.db import is_sqlite, make_engine

# Domain modules are imported inside the commands, not here: every start-up would pay for them.

#: chitieu.demo.DEMO_SEED, which cannot be imported without pandas (tests check they agree).
DEMO_SEED = 21


def _synthetic_note() -> str:
    from chitieu.demo import SYNTHETIC_LABEL

    return (
        f"Lưu ý: toàn bộ số liệu demo là {SYNTHETIC_LABEL.split(' / ')[0]}, sinh ngẫu nhiên từ một "
        "seed cố định, chỉ để minh họa.\n"
        "Note: all demo figures are synthetic, generated from a fixed seed, for illustration only."
    )


def database_label(engine: Engine) -> str:
    """The database a person should look for: the SQLite file's absolute path, or the server
    URL without its password."""
    if is_sqlite(engine) and engine.url.database:
        return str(Path(engine.url.database).resolve())
    return engine.url.render_as_string(hide_password=True)


def _print_logins() -> None:
    try:
        from chitieu.auth.users import DEMO_PASSWORD
    except ImportError:
        return
    typer.echo(
        f"Đăng nhập (sign in), mật khẩu (password) '{DEMO_PASSWORD}': admin, analyst.hanoi, "
        "entry.<mã xã/commune code> (e.g. entry.00070)."
    )


def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app afterwards."),
    scale: float = typer.Option(
        1.0, "--scale", min=0.001, max=1.0, help="Share of Hanoi's births to generate (1.0 ≈ 2.4M)."
    ),
    seed: int = typer.Option(DEMO_SEED, "--seed", help="Random seed of the synthetic data."),
) -> None:
    """Build the synthetic demo database (fixed seed) and serve the web app."""
    from chitieu.demo import build_demo

    engine = make_engine(get_settings().database_url)
    typer.echo(f"Cơ sở dữ liệu (database): {database_label(engine)}")
    try:
        result = build_demo(engine, seed=seed, scale=scale, progress=typer.echo)
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
