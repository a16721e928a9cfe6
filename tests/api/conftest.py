"""A small real world for API tests, on SQLite and on PostgreSQL: the official units, the
catalogue and the shipped plans, a few facilities and values, and one user per role, served
in-process through ``TestClient``.

SQLite: each test gets a copy of the session's bootstrapped file (``ready_sqlite`` of
tests/conftest.py). PostgreSQL: bootstrapping a database per test costs 1–2 s on these
machines, so each test process keeps one bootstrapped database of its own and every test
starts by emptying the tables that tests write (the units, catalogue and plans stay)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select, text

from chitieu.app import create_app
from chitieu.auth import tokens
from chitieu.auth.users import create_user
from chitieu.bootstrap import bootstrap
from chitieu.config import Settings
from chitieu.store.db import make_engine
from chitieu.store.models import Base, DataValue, Facility

PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
#: Loaded by bootstrap and never written by these tests; every other table is emptied.
REFERENCE_TABLES = {
    "units",
    "data_elements",
    "plans",
    "targets",
    "bodies",
    "plan_bodies",
    "tasks",
    "scorecard_targets",
    "scorecard_results",
}

SECRET = "test-secret-for-api-tests"
PASSWORD = "correct horse battery"

#: Units the tests use: a Hanoi ward, another Hanoi ward, a Hai Phong ward.
HK, BD, HP_WARD = "00070", "00004", "10510"
HANOI, HAIPHONG = "01", "31"

#: (username, role, unit): one user per role and scope the matrix needs.
USERS = {
    "entry": ("entry.00070", "entry", HK),
    "analyst": ("analyst.hanoi", "analyst", HANOI),
    "admin_hanoi": ("admin.hanoi", "admin", HANOI),
    "admin": ("admin", "admin", "VN"),
    "analyst_hp": ("analyst.haiphong", "analyst", HAIPHONG),
}
FACILITIES = {
    "F_HK": (HK, "Phòng khám Hoàn Kiếm", "clinic", "private"),
    "F_BD": (BD, "Bệnh viện Ba Đình", "hospital", "public"),
    "F_HP": (HP_WARD, "Phòng khám Thành Đông", "clinic", "private"),
}


@pytest.fixture(scope="session")
def shared_hash() -> str:
    """One argon2id hash of :data:`PASSWORD` for every test user, with cheap parameters: a
    hash carries its parameters, so verifying it is cheap too (the real ones cost ~0.1 s a
    check, and these tests sign in many times). ``tests/auth`` checks the real parameters."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@dataclass
class World:
    engine: Engine
    client: TestClient
    password_hash: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_(self, who: str | None) -> dict[str, str]:
        """Request headers signing in as the user ``who`` (a key of USERS), none for None."""
        return {} if who is None else self.headers[who]

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def snapshot(self) -> dict[str, Any]:
        """Row counts of every table and the data values' content: equal snapshots mean the
        database did not change."""
        with self.engine.connect() as conn:
            counts = {
                t.name: conn.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
            }
            values = conn.execute(
                select(
                    DataValue.element_code,
                    DataValue.unit_code,
                    DataValue.period,
                    DataValue.disaggregation,
                    DataValue.value,
                    DataValue.status,
                    DataValue.comment,
                ).order_by(DataValue.id)
            ).all()
        return {"counts": counts, "values": [tuple(v) for v in values]}


def seed(engine: Engine, password_hash: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Facility),
            [
                {
                    "code": code,
                    "unit_code": unit,
                    "name": name,
                    "kind": kind,
                    "ownership": own,
                    "offers_ultrasound": True,
                    "offers_obstetrics": True,
                    "beds": 10,
                }
                for code, (unit, name, kind, own) in FACILITIES.items()
            ],
        )
        conn.execute(
            insert(DataValue),
            [
                {
                    "element_code": "POPULATION",
                    "unit_code": unit,
                    "period": "2024",
                    "disaggregation": "default",
                    "value": value,
                    "status": "submitted",
                }
                for unit, value in ((HK, 40_000), (BD, 60_000), (HP_WARD, 30_000))
            ],
        )
        for username, role, unit in USERS.values():
            create_user(conn, username, role=role, unit_code=unit, password_hash=password_hash)


@pytest.fixture(scope="session")
def _pg_bootstrapped() -> Iterator[Engine]:
    """A bootstrapped PostgreSQL database for this test process, dropped at the end."""
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_DSN!r}: server-mode tests skipped")
    name = f"chitieu_api_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # generated name, never user input
    engine = make_engine(f"postgresql+psycopg://{admin.info.user}@127.0.0.1:5432/{name}")
    try:
        bootstrap(engine)
        yield engine
    finally:
        engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _emptied(engine: Engine) -> Engine:
    written = [t.name for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(written)} RESTART IDENTITY CASCADE")
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api_engine(request: pytest.FixtureRequest) -> Engine:
    if request.param == "sqlite":
        return request.getfixturevalue("ready_sqlite")
    return _emptied(request.getfixturevalue("_pg_bootstrapped"))


@pytest.fixture
def world(api_engine: Engine, shared_hash: str) -> Iterator[World]:
    engine = api_engine
    seed(engine, shared_hash)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False), secret_key=SECRET
    )
    app = create_app(settings=settings, engine=engine)
    with TestClient(app) as client:
        w = World(engine, client, shared_hash)
        for key, (username, _, _) in USERS.items():
            token = tokens.issue_token(SECRET, username, shared_hash)
            w.headers[key] = {"Authorization": f"Bearer {token}"}
        yield w
