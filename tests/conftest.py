"""Shared fixtures: real databases on SQLite and PostgreSQL, each with the migrated schema.

PostgreSQL tests use the server at 127.0.0.1:5432 (trust auth). Each test session creates a
database of its own (so parallel runs never collide) and drops it at the end. Where no server
answers, those tests are skipped with a message saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine

from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade

PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")


def _pg_admin() -> psycopg.Connection | None:
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for this test session."""
    admin = _pg_admin()
    if admin is None:
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_DSN!r}: server-mode tests skipped")
    name = f"chitieu_test_{uuid.uuid4().hex[:12]}"
    user = admin.info.user
    admin.execute(f'CREATE DATABASE "{name}"')  # name is generated above, never user input
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _fresh_pg_engine(pg_url: str) -> Engine:
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    upgrade(engine)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'chitieu.db'}")
        upgrade(eng)
    else:
        eng = _fresh_pg_engine(request.getfixturevalue("pg_url"))
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated, empty SQLite database, for tests that need only the embedded default."""
    eng = make_engine(f"sqlite:///{tmp_path / 'chitieu.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()
