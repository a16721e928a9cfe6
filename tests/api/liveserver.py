"""A real ``chitieu serve`` on loopback, for tests that need parallel clients against real
worker processes (SQLite with one worker, PostgreSQL with several), and the databases for it.

    with live_server(url, workers=1) as base:       # base = "http://127.0.0.1:<port>"
        httpx.get(f"{base}/api/me", ...)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from chitieu.auth.users import create_user
from chitieu.store.db import make_engine

CHITIEU = str(Path(sys.executable).with_name("chitieu"))
PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
SECRET = "live-server-test-secret-0123456789abcdef"
PASSWORD = "live server password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def add_users(engine: Engine, users: dict[str, tuple[str, str]]) -> None:
    """Add ``{username: (role, unit)}`` with :data:`PASSWORD` (cheap argon2 parameters: the
    hash carries them, so sign-ins of known users stay fast)."""
    hashed = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        for name, (role, unit) in users.items():
            create_user(conn, name, role=role, unit_code=unit, password_hash=hashed)


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database at 127.0.0.1 (dropped afterwards); skips without a server."""
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_DSN!r}")
    name = f"chitieu_live_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # generated name, never user input
    try:
        yield f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def bootstrapped_pg(url: str) -> Engine:
    from chitieu.bootstrap import bootstrap

    engine = make_engine(url)
    bootstrap(engine)
    return engine


@contextmanager
def live_server(
    database_url: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Run ``chitieu serve`` on 127.0.0.1 and a free port until the block ends."""
    port = free_port()
    environ = {
        **os.environ,
        "CHITIEU_DATABASE_URL": database_url,
        "CHITIEU_SECRET_KEY": SECRET,
        **(env or {}),
    }
    cmd = [CHITIEU, "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers), *args]
    # The server's log goes to a file: a pipe nobody reads fills up (64 KB of access lines)
    # and then blocks the server mid-request.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, env=environ, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/openapi.json", timeout=5)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None:
                        log.seek(0)
                        tail = log.read().decode(errors="replace")[-2000:]
                        pytest.fail(f"server exited: {tail}")
                    if time.monotonic() > deadline:
                        pytest.fail("server did not answer in 60 s")
                    time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
