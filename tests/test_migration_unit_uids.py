"""The migration that gives units their DHIS2 UIDs runs on a database in use (units that
users and data values reference) on SQLite and PostgreSQL, fills every UID, and goes back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, text

from chitieu.store.db import make_engine
from chitieu.store.migrate import alembic_config, upgrade
from chitieu.store.uids import derived_uid, is_uid

BEFORE = "0002_login_failures"
UNITS = [
    ("VN", None, "country", "VN"),
    ("01", "VN", "province", "VN/01"),
    ("00070", "01", "commune", "VN/01/00070"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    upgrade(engine, BEFORE)
    with engine.begin() as conn:
        for code, parent, level, path in UNITS:
            conn.execute(
                text(
                    "INSERT INTO units (code, parent_code, level, name, name_ascii, "
                    "division_type, codename, path) VALUES (:c, :p, :l, :c, :c, 'x', 'x', :path)"
                ),
                {"c": code, "p": parent, "l": level, "path": path},
            )
        conn.execute(
            text(
                "INSERT INTO users (username, password_hash, role, unit_code, active) "
                "VALUES ('entry.00070', 'x', 'entry', '00070', :t)"
            ),
            {"t": True},
        )
    yield engine
    engine.dispose()


def test_upgrade_in_use_fills_uids_and_downgrades(old_engine: Engine) -> None:
    upgrade(old_engine)
    with old_engine.connect() as conn:
        uids = dict(conn.execute(text("SELECT code, uid FROM units")).all())
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
    assert uids == {code: derived_uid("unit", code) for code, *_ in UNITS}
    assert all(is_uid(u) for u in uids.values())
    cfg = alembic_config(old_engine.url.render_as_string(hide_password=False))
    with old_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, BEFORE)
    with old_engine.connect() as conn:
        columns = set(conn.execute(text("SELECT * FROM units")).keys())
        assert "uid" not in columns
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
    upgrade(old_engine)  # and forward again
