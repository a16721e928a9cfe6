"""``chitieu serve``: run the web app and API under uvicorn on the configured database."""

from __future__ import annotations

import logging
import os

import typer
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from chitieu.config import (
    DEMO_SECRET,
    MIN_SECRET_LENGTH,
    get_settings,
    has_real_secret,
    is_loopback,
    secret_file,
    signing_secret,
)
from chitieu.logs import configure_logging
from chitieu.store.db import is_sqlite, make_engine

log = logging.getLogger(__name__)

# uvicorn and Alembic are imported inside the functions, not here: every start-up would pay.


def default_workers(database_url: str) -> int:
    """Worker processes: on PostgreSQL one per core, 2–4; on SQLite one per core up to 2 —
    readers run side by side (WAL) and writers take turns, so more buys little. One worker
    uses one core (Python's lock), and the dashboard's reads are CPU-bound: on these 2-core
    machines a second worker took 50 clients' p95 from 274 to 149 ms (bench/RESULTS.md)."""
    cores = os.cpu_count() or 1
    if is_sqlite(database_url):
        return min(2, cores)
    return min(4, max(2, cores))


def check_database(database_url: str) -> str | None:
    """Why the database cannot be served (no schema yet, an older schema than this chitieu's,
    unreachable), or None if it can."""
    from chitieu.store.migrate import revisions

    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table("users"):
            return "the database has no schema yet: run `chitieu db upgrade` (or `chitieu demo`)"
        current, head = revisions(engine)
        if current != head:
            return (
                f"the database schema is at {current}, this chitieu needs {head}: "
                "run `chitieu db upgrade`"
            )
    except SQLAlchemyError as exc:
        return f"cannot open the database ({type(exc).__name__}: {exc.args[0] if exc.args else ''})"
    finally:
        engine.dispose()
    return None


def share_metrics_between_workers() -> None:
    """Give the worker processes one directory to write their Prometheus figures to, so that
    ``/metrics`` on any worker adds up all of them (an operator's own directory is kept; a
    fresh one is made otherwise: figures from an earlier run must not be added in)."""
    import tempfile

    from chitieu.metrics import MULTIPROC_ENV

    if not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="chitieu-metrics-")


def run_server(
    host: str | None = None, port: int | None = None, workers: int | None = None
) -> None:
    """Serve ``chitieu.app:serve_app`` (host, port and workers default to the settings and to
    :func:`default_workers`). Blocks until stopped."""
    import uvicorn

    settings = get_settings()
    workers = workers or (settings.workers if settings.workers > 1 else None)
    workers = workers or default_workers(settings.database_url)
    host = host or settings.host
    if not has_real_secret(settings):
        if not is_loopback(host):
            typer.echo(
                f"Lỗi (error): refusing to serve on {host} without a secret of your own: set "
                f"CHITIEU_SECRET_KEY to a random value of at least {MIN_SECRET_LENGTH} characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`); with the "
                "default anyone could sign tokens for any user (đặt CHITIEU_SECRET_KEY trước khi "
                "phục vụ trên mạng).",
                err=True,
            )
            raise typer.Exit(code=1)
        if settings.secret_key == DEMO_SECRET:
            where = secret_file(settings.database_url)
            signing_secret(settings)  # made once here, before the workers start
            typer.echo(f"Khoá ký (signing key): generated for this database, kept in {where}")
    if workers > 1:
        share_metrics_between_workers()
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    configure_logging(settings.log_format, settings.log_level or "INFO")
    port = port or settings.port
    log.info("starting server", extra={"host": host, "port": port, "workers": workers})
    uvicorn.run(
        "chitieu.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # chitieu.logs formats every line (uvicorn's included) and writes the access lines.
        log_config=None,
        access_log=False,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or [],
    )


def serve(
    host: str = typer.Option(
        None,
        "--host",
        help="Địa chỉ lắng nghe, mặc định 127.0.0.1 (address to listen on, default 127.0.0.1).",
    ),
    port: int = typer.Option(None, "--port", help="Cổng, mặc định 8000 (port, default 8000)."),
    workers: int = typer.Option(
        None,
        "--workers",
        min=1,
        help="Số tiến trình phục vụ; mặc định mỗi lõi một tiến trình, tối đa 2 với SQLite, 2–4 "
        "với PostgreSQL (worker processes; default one per core, up to 2 on SQLite, 2–4 on "
        "PostgreSQL).",
    ),
) -> None:
    """Chạy ứng dụng web và API (serve the web app and the HTTP API; OpenAPI at /docs)."""
    problem = check_database(get_settings().database_url)
    if problem:
        typer.echo(f"Lỗi (error): {problem}", err=True)
        raise typer.Exit(code=1)
    run_server(host, port, workers)
