"""Fixtures for the page tests: the demo-like world (``webworld.py``) served in-process through
``TestClient``, and helpers to sign in through the real form."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webworld import PASSWORD, build_world, form_token

from chitieu.app import create_app
from chitieu.auth.passwords import hash_password
from chitieu.config import Settings
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import AuditEntry, DataValue

SECRET = "web-test-secret"


@pytest.fixture(scope="session")
def demo_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Site:
    engine: Engine
    app: Any

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def signed_in(self, username: str) -> TestClient:
        """A client signed in as ``username`` through the sign-in form."""
        client = self.client()
        token = form_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client

    def counts(self) -> tuple[int, int, list[tuple]]:
        """Data values, audit entries, and every value's content: equal means nothing changed."""
        with self.engine.connect() as conn:
            values = conn.scalar(select(func.count()).select_from(DataValue))
            audit = conn.scalar(select(func.count()).select_from(AuditEntry))
            rows = conn.execute(
                select(
                    DataValue.unit_code,
                    DataValue.period,
                    DataValue.disaggregation,
                    DataValue.value,
                    DataValue.status,
                ).order_by(DataValue.id)
            ).all()
        return values, audit, [tuple(r) for r in rows]


def make_site(engine: Engine, password_hash: str) -> Site:
    build_world(engine, password_hash)
    url = engine.url.render_as_string(hide_password=False)
    return Site(engine, create_app(Settings(database_url=url, secret_key=SECRET), engine=engine))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_hash: str) -> Iterator[Site]:
    """One world on SQLite shared by a module's read-mostly tests."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('web') / 'chitieu.db'}")
    upgrade(engine)
    yield make_site(engine, demo_hash)
    engine.dispose()


@pytest.fixture
def fresh_site(engine: Engine, demo_hash: str) -> Site:
    """A world of its own on SQLite and on PostgreSQL (the ``engine`` fixture), for tests that
    write."""
    return make_site(engine, demo_hash)
