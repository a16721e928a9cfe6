"""``chitieu tokens create|list|expire|revoke`` against a real SQLite database."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from chitieu.auth.api_tokens import authenticate_token
from chitieu.auth.users import create_user
from chitieu.cli import app
from chitieu.store.db import make_engine

runner = CliRunner()


@pytest.fixture
def cli_db(ready_sqlite, monkeypatch):  # type: ignore[no-untyped-def]
    with ready_sqlite.begin() as conn:
        create_user(conn, "analyst.hanoi", role="analyst", unit_code="01", password="x" * 12)
    url = ready_sqlite.url.render_as_string()
    monkeypatch.setattr("chitieu.cli.tokens.make_engine", lambda: make_engine(url))
    return ready_sqlite


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["tokens", *args])


def test_create_list_expire_revoke(cli_db) -> None:
    made = run("create", "analyst.hanoi", "--name", "nightly sync", "--unit", "00070")
    assert made.exit_code == 0, made.output
    token = made.stdout.splitlines()[0]
    assert token.startswith("d2pat_")
    with cli_db.begin() as conn:
        stored = conn.execute(text("SELECT uid, token_hash, unit_code FROM api_tokens")).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored.unit_code == "00070"
        user = authenticate_token(conn, token)
        assert user is not None and user.unit_code == "00070" and user.unit_path == "VN/01/00070"
    listed = json.loads(run("list", "analyst.hanoi", "--format", "json").stdout)
    assert [(t["uid"], t["state"], t["name"]) for t in listed] == [
        (stored.uid, "active", "nightly sync")
    ]
    assert token not in run("list", "analyst.hanoi").stdout
    assert run("expire", "analyst.hanoi", stored.uid, "--days", "2").exit_code == 0
    assert run("revoke", "analyst.hanoi", stored.uid).exit_code == 0
    with cli_db.begin() as conn:
        assert authenticate_token(conn, token) is None
        actions = conn.execute(
            text("SELECT action FROM audit_log WHERE table_name = 'api_tokens' ORDER BY id")
        ).scalars()
        assert list(actions) == ["insert", "update", "revoke"]
    refused = run("create", "analyst.hanoi", "--unit", "31")
    assert refused.exit_code != 0 and "outside" in refused.output
    assert run("revoke", "analyst.hanoi", "NoSuchToken").exit_code != 0
