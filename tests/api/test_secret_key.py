"""The signing secret: no server signs with the published default. On loopback a random
secret is made per database and kept beside it; on any other address ``chitieu serve``
refuses to start without a real one. Tokens signed with the default, or altered to name
another user, are refused."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from chitieu.app import create_app
from chitieu.auth import tokens
from chitieu.config import DEMO_SECRET, Settings, secret_file, signing_secret

sys.path.append(str(Path(__file__).resolve().parent))  # liveserver.py; never ahead of others

from liveserver import CHITIEU, PASSWORD, add_users, url_of

#: A documentation address (RFC 5737) that no interface here has: the server could never bind
#: it, so even a server that failed to refuse would not listen on a network.
NOT_LOOPBACK = "192.0.2.10"


def test_serve_refuses_a_network_address_without_a_real_secret(ready_sqlite: Engine) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CHITIEU_SECRET_KEY"}
    env["CHITIEU_DATABASE_URL"] = url_of(ready_sqlite)
    for secret in (None, DEMO_SECRET, "short"):
        if secret is not None:
            env["CHITIEU_SECRET_KEY"] = secret
        done = subprocess.run(
            [CHITIEU, "serve", "--host", NOT_LOOPBACK, "--port", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(url_of(ready_sqlite).removeprefix("sqlite:///")).parent,
        )
        assert done.returncode == 1, done.stderr
        assert "CHITIEU_SECRET_KEY" in done.stderr and NOT_LOOPBACK in done.stderr


def test_the_default_secret_is_replaced_by_one_per_database(tmp_path: Path) -> None:
    first = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    second = Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}")
    assert first.secret_key == DEMO_SECRET
    key = signing_secret(first)
    assert key != DEMO_SECRET and len(key) >= 40
    assert signing_secret(first) == key  # kept: sessions survive a restart
    assert signing_secret(second) != key  # another database, another key
    path = secret_file(first.database_url)
    assert path == tmp_path / "a.db.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (
        signing_secret(Settings(database_url=first.database_url, secret_key="x" * 20)) == "x" * 20
    )


def test_tokens_signed_with_the_default_or_altered_are_refused(ready_sqlite: Engine) -> None:
    add_users(ready_sqlite, {"entry.00070": ("entry", "00070"), "admin": ("admin", "VN")})
    url = url_of(ready_sqlite)
    for settings in (
        Settings(database_url=url),  # left at the default: a per-database key signs
        Settings(database_url=url, secret_key="a real secret of the province 2026"),
    ):
        app = create_app(settings, engine=ready_sqlite)
        assert app.state.auth.secret != DEMO_SECRET
        with TestClient(app) as client:
            r = client.post("/api/login", json={"username": "entry.00070", "password": PASSWORD})
            entry_token = r.json()["access_token"]
            ok = client.get("/api/me", headers={"Authorization": f"Bearer {entry_token}"})
            assert ok.json()["role"] == "entry"
            # the same token re-made for admin under the published default key
            _, _user, expires, fp, sid, _ = entry_token.split(".")
            admin_user = base64.urlsafe_b64encode(b"admin").decode().rstrip("=")
            forged = [
                ".".join(("v1", admin_user, expires, fp, sid, entry_token.rsplit(".", 1)[1])),
                ".".join(
                    (
                        "v1",
                        admin_user,
                        expires,
                        fp,
                        sid,
                        tokens._mac(DEMO_SECRET, "bearer", admin_user, expires, fp, sid),
                    )
                ),
            ]
            with ready_sqlite.connect() as conn:
                admin_hash = conn.exec_driver_sql(
                    "SELECT password_hash FROM users WHERE username = 'admin'"
                ).scalar_one()
            forged.append(tokens.issue_token(DEMO_SECRET, "admin", admin_hash))
            for token in forged:
                r = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 401, token
                r = client.get("/api/audit", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 401
