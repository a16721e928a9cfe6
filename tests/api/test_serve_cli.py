"""``chitieu serve`` runs the app under uvicorn on the configured database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import Engine

from chitieu.cli.serve import check_database, default_workers
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade

sys.path.append(str(Path(__file__).resolve().parent))  # liveserver.py; never ahead of others
from liveserver import live_server

CHITIEU = str(Path(sys.executable).with_name("chitieu"))


def test_default_workers() -> None:
    cores = os.cpu_count() or 1
    assert default_workers("sqlite:///x.db") == min(2, cores)
    assert 2 <= default_workers("postgresql+psycopg://u@h/db") <= 4


def test_refuses_a_database_without_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert "chitieu db upgrade" in (check_database(url) or "")
    env = {**os.environ, "CHITIEU_DATABASE_URL": url}
    done = subprocess.run([CHITIEU, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "chitieu db upgrade" in done.stderr


def test_refuses_a_database_with_an_older_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(make_engine(url), "0001_initial")  # as a database made before sign-in limits
    reason = check_database(url) or ""
    assert "0001_initial" in reason and "chitieu db upgrade" in reason
    upgrade(make_engine(url))
    assert check_database(url) is None


def test_serves_the_api(ready_sqlite: Engine) -> None:
    url = ready_sqlite.url.render_as_string(hide_password=False)
    assert check_database(url) is None
    with live_server(url, workers=1) as base:
        r = httpx.get(f"{base}/api/units", timeout=5)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
        assert httpx.get(f"{base}/openapi.json", timeout=5).json()["info"]["title"] == "chitieu"
