"""When no pooled connection comes free in time the API answers 503 with Retry-After (a load
to wait out), never 500."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from chitieu.app import create_app
from chitieu.config import Settings
from chitieu.store.db import make_engine

sys.path.append(str(Path(__file__).resolve().parent))  # liveserver.py; never ahead of others

from liveserver import PASSWORD, add_users, url_of


def test_pool_exhaustion_is_503_with_retry_after(ready_sqlite: Engine) -> None:
    add_users(ready_sqlite, {"analyst.hanoi": ("analyst", "01")})
    url = url_of(ready_sqlite)
    small = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.3)
    app = create_app(Settings(database_url=url, secret_key="busy-test-secret"), engine=small)
    basic = base64.b64encode(f"analyst.hanoi:{PASSWORD}".encode()).decode()
    with TestClient(app) as client:
        assert client.get("/api/units/01", headers={"Authorization": f"Basic {basic}"}).is_success
        with small.connect():  # the only connection is taken
            r = client.get("/api/units/01", headers={"Authorization": f"Basic {basic}"})
            failed = client.post("/api/login", json={"username": "x", "password": "y"})
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "5" and r.json()["error"]["code"] == "busy"
    assert failed.status_code == 503
    small.dispose()
