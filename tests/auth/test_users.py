"""Users in the database: creation rules, audit, listing by unit, the demo users, the CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner
from vietnam_provinces import Ward

from chitieu.auth.passwords import verify_password
from chitieu.auth.users import (
    UserError,
    authenticate,
    create_demo_users,
    create_user,
    list_users,
    set_password,
)
from chitieu.cli import app as cli
from chitieu.config import get_settings
from chitieu.store.models import AuditEntry, Unit, User
from chitieu.units.load import load_units


@pytest.fixture
def units_engine(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
    return engine


def test_create_rules_and_audit(units_engine: Engine) -> None:
    with units_engine.begin() as db:
        create_user(db, "analyst.hanoi", role="analyst", unit_code="01", password="pw-1")
    bad = [
        ("analyst.hanoi", "analyst", "01"),  # taken
        ("Upper", "entry", "01"),
        ("", "entry", "01"),
        ("x" * 101, "entry", "01"),
        ("new", "boss", "01"),
        ("new", "entry", "1"),  # codes are zero-padded
    ]
    for username, role, unit in bad:
        with pytest.raises(UserError), units_engine.begin() as db:
            create_user(db, username, role=role, unit_code=unit, password="pw")
    with units_engine.connect() as db:
        users = db.execute(select(User.username, User.password_hash)).all()
        audit = db.execute(select(AuditEntry.actor, AuditEntry.row_key, AuditEntry.after)).all()
    assert [u for u, _ in users] == ["analyst.hanoi"]
    assert verify_password(users[0][1], "pw-1")
    assert [(a, k) for a, k, _ in audit] == [("system", "analyst.hanoi")]
    assert "password_hash" not in audit[0][2]


def test_authenticate_and_change_password(units_engine: Engine) -> None:
    with units_engine.begin() as db:
        create_user(db, "entry.00070", role="entry", unit_code="00070", password="old")
    with units_engine.connect() as db:
        principal, _ = authenticate(db, "entry.00070", "old")
        assert (principal.role, principal.unit_path) == ("entry", "VN/01/00070")
        assert principal.covers("VN/01/00070") and not principal.covers("VN/01/00004")
        assert authenticate(db, "entry.00070", "new") is None
        assert authenticate(db, "nobody", "old") is None
    with units_engine.begin() as db:
        set_password(db, "entry.00070", "new", actor="admin")
    with units_engine.connect() as db:
        assert authenticate(db, "entry.00070", "old") is None
        assert authenticate(db, "entry.00070", "new") is not None
    with pytest.raises(UserError), units_engine.begin() as db:
        set_password(db, "nobody", "x")


def test_demo_users(units_engine: Engine) -> None:
    hanoi_communes = sorted(
        f"{w.code.value:05d}" for w in Ward.iter_all() if w.province_code.value == 1
    )
    with units_engine.begin() as db:
        added = create_demo_users(db)
    assert added == 4 + len(hanoi_communes) == 130  # admin, analyst, two body officers
    with units_engine.begin() as db:
        assert create_demo_users(db) == 0  # running it again adds nothing
    with units_engine.connect() as db:
        users = {u.username: u for u in list_users(db)}
        assert (users["admin"].role, users["admin"].unit_code) == ("admin", "VN")
        assert (users["analyst.hanoi"].role, users["analyst.hanoi"].unit_code) == ("analyst", "01")
        assert (users["sdttg.hanoi"].role, users["sdttg.hanoi"].unit_code) == ("analyst", "01")
        entries = sorted(u for u in users if u.startswith("entry."))
        assert entries == [f"entry.{c}" for c in hanoi_communes]
        assert users["entry.00070"].unit_name == "Phường Hoàn Kiếm"
        for name in ("admin", "analyst.hanoi", "entry.00070"):
            assert authenticate(db, name, "demo") is not None
        in_hanoi = list_users(db, "01")
        assert len(in_hanoi) == 129 and "admin" not in {u.username for u in in_hanoi}
        assert [u.username for u in list_users(db, "00070")] == ["entry.00070"]
        assert db.scalar(select(Unit.code).where(Unit.code == "01")) == "01"


def test_users_cli(units_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHITIEU_DATABASE_URL", units_engine.url.render_as_string(False))
    get_settings.cache_clear()
    try:
        run = CliRunner().invoke
        r = run(
            cli,
            [
                "users",
                "add",
                "entry.00070",
                "--role",
                "entry",
                "--unit",
                "00070",
                "--password-stdin",
            ],
            input="pw one\n",
        )
        assert r.exit_code == 0, r.output
        r = run(
            cli,
            ["users", "add", "x", "--role", "entry", "--unit", "99999", "--password-stdin"],
            input="pw\n",
        )
        assert r.exit_code == 1 and "unknown unit" in r.output
        r = run(cli, ["users", "list", "--format", "json"])
        assert r.exit_code == 0
        assert (
            '"username": "entry.00070"' in r.output
            and '"unit_name": "Phường Hoàn Kiếm"' in r.output
        )
        r = run(cli, ["users", "passwd", "entry.00070", "--password-stdin"], input="pw two\n")
        assert r.exit_code == 0, r.output
        with units_engine.connect() as db:
            assert authenticate(db, "entry.00070", "pw two") is not None
            actors = db.scalars(select(AuditEntry.actor)).all()
        assert all(a.startswith("cli") for a in actors) and len(actors) == 2
        r = run(cli, ["users", "passwd", "nobody", "--password-stdin"], input="x\n")
        assert r.exit_code == 1
    finally:
        get_settings.cache_clear()
