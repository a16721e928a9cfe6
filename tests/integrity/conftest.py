"""A running ``chitieu serve`` (four workers) on a PostgreSQL database of its own, for tests
that race real parallel clients against the server, on loopback only.

The database is bootstrapped once per module (units, catalogue, plans) with one user per
role; clients sign in with bearer tokens made with the server's secret."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from chitieu.auth import tokens
from chitieu.auth.users import create_user
from chitieu.bootstrap import bootstrap
from chitieu.store.db import make_engine

PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
CHITIEU = str(Path(sys.executable).with_name("chitieu"))
SECRET = "integrity-test-secret-0123456789abcdef"
PASSWORD = "correct horse battery"
#: (username, role, unit) of the users the races use.
USERS = {
    "entry": ("entry.00070", "entry", "00070"),
    "analyst": ("analyst.hanoi", "analyst", "01"),
    "admin_hanoi": ("admin.hanoi", "admin", "01"),
    "admin": ("admin", "admin", "VN"),
}


@dataclass
class Server:
    base: str
    engine: Engine
    headers: dict[str, dict[str, str]]
    log: str  # the server's stderr

    def errors(self) -> str:
        """The tracebacks the server logged."""
        with open(self.log) as f:
            return "".join(line for line in f if "Error" in line or "Traceback" in line)

    def client(self, who: str) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=self.headers[who], timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_DSN!r}: server-mode tests skipped")
    name = f"chitieu_race_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # generated name, never user input
    url = f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}"
    engine = make_engine(url)
    proc = None
    try:
        bootstrap(engine)
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
        with engine.begin() as conn:
            for username, role, unit in USERS.values():
                create_user(conn, username, role=role, unit_code=unit, password_hash=cheap)
        log = open(tmp_path_factory.mktemp("serve") / "serve.log", "w")  # noqa: SIM115
        port = _free_port()
        env = {**os.environ, "CHITIEU_DATABASE_URL": url, "CHITIEU_SECRET_KEY": SECRET}
        proc = subprocess.Popen(
            [CHITIEU, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "4"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # four workers start slowly on a loaded machine
        while True:
            try:
                httpx.get(f"{base}/api/units", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("chitieu serve did not start")
                time.sleep(0.2)
        headers = {
            key: {"Authorization": f"Bearer {tokens.issue_token(SECRET, username, cheap)}"}
            for key, (username, _, _) in USERS.items()
        }
        yield Server(base, engine, headers, log.name)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
