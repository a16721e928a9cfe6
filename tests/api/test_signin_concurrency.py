"""Sign-ins under real parallel load against a running server: SQLite with one worker and
PostgreSQL with three. Failed sign-ins must not starve the connection pool (no 5xx, and a
signed-in user's unrelated request still answers), and the per-user limit must hold when the
guesses arrive all at once: at most five are checked, the rest are refused with 429."""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from chitieu.store.db import make_engine

sys.path.append(str(Path(__file__).resolve().parent))  # liveserver.py; never ahead of others

from liveserver import (
    PASSWORD,
    add_users,
    bootstrapped_pg,
    live_server,
    pg_database,
    url_of,
)

pytestmark = pytest.mark.slow

USERS = {"entry.00070": ("entry", "00070"), "analyst.hanoi": ("analyst", "01")}
#: Failed sign-ins sent at once: the pool holds 15 connections, the thread pool 40 threads.
FLOOD = 100
GUESSES = 40
LIMIT = 5


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(request, _bootstrapped_template, tmp_path_factory) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(base URL, database URL) of a running server: SQLite with one worker, PostgreSQL with
    three."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("live") / "live.db"
        shutil.copyfile(_bootstrapped_template, path)
        engine = make_engine(f"sqlite:///{path}")
        add_users(engine, USERS)
        engine.dispose()
        with live_server(f"sqlite:///{path}", workers=1) as base:
            yield base, f"sqlite:///{path}"
        return
    with pg_database() as url:
        engine = bootstrapped_pg(url)
        add_users(engine, USERS)
        db_url = url_of(engine)
        engine.dispose()
        with live_server(db_url, workers=3) as base:
            yield base, db_url


def _login(client: httpx.Client, base: str, username: str, password: str, **kw) -> int:  # type: ignore[no-untyped-def]
    r = client.post(f"{base}/api/login", json={"username": username, "password": password}, **kw)
    return r.status_code


def test_a_flood_of_failed_sign_ins_gets_no_5xx_and_others_are_served(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    limits = httpx.Limits(max_connections=FLOOD + 10, max_keepalive_connections=FLOOD + 10)
    with httpx.Client(timeout=180, limits=limits) as client:
        r = client.post(
            f"{base}/api/login", json={"username": "analyst.hanoi", "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
        with ThreadPoolExecutor(FLOOD) as pool:
            futures = [
                pool.submit(_login, client, base, f"nobody.{i}", "wrong password")
                for i in range(FLOOD)
            ]
            time.sleep(1.0)  # the flood is in the server now
            started = time.monotonic()
            other = client.get(f"{base}/api/units/01", headers=bearer)
            waited = time.monotonic() - started
            statuses = Counter(f.result() for f in futures)
    assert statuses == {401: FLOOD}, statuses
    assert other.status_code == 200, other.text
    assert waited < 20, f"the signed-in user waited {waited:.1f} s"


def test_concurrent_guesses_for_one_user_stop_at_the_limit(server) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    limits = httpx.Limits(max_connections=GUESSES + 5)
    with httpx.Client(timeout=180, limits=limits) as client:
        with ThreadPoolExecutor(GUESSES) as pool:
            statuses = Counter(
                pool.map(
                    lambda i: _login(client, base, "entry.00070", f"guess {i}"), range(GUESSES)
                )
            )
        assert set(statuses) <= {401, 429}, statuses
        assert statuses[401] == LIMIT, statuses  # evaluated: exactly the limit, never more
        # the right password is refused too until the window has passed
        assert _login(client, base, "entry.00070", PASSWORD) == 429
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = conn.scalar(
            text("SELECT count(*) FROM login_failures WHERE username = 'entry.00070'")
        )
    engine.dispose()
    assert stored == LIMIT


def test_forwarded_for_from_loopback_is_not_trusted(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    with httpx.Client(timeout=60) as client:
        statuses = [
            _login(
                client,
                base,
                "analyst.hanoi",
                "wrong",
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            )
            for i in range(LIMIT + 2)
        ]
    assert statuses == [401] * LIMIT + [429, 429]


def test_forwarded_for_is_believed_from_a_configured_proxy(
    _bootstrapped_template, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "proxy.db"
    shutil.copyfile(_bootstrapped_template, path)
    engine = make_engine(f"sqlite:///{path}")
    add_users(engine, USERS)
    engine.dispose()
    env = {"CHITIEU_TRUSTED_PROXIES": "127.0.0.1"}
    with live_server(f"sqlite:///{path}", env=env) as base, httpx.Client(timeout=60) as client:
        behind = [
            _login(client, base, "analyst.hanoi", "w", headers={"X-Forwarded-For": "198.51.100.1"})
            for _ in range(LIMIT + 1)
        ]
        other = _login(
            client, base, "analyst.hanoi", "w", headers={"X-Forwarded-For": "198.51.100.2"}
        )
    assert behind == [401] * LIMIT + [429]
    assert other == 401  # another client behind the proxy has its own count
