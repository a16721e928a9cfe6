"""``chitieu backup`` then ``chitieu restore`` gives back exactly what was there, on SQLite and
PostgreSQL; a file that is not a chitieu backup is refused and nothing is touched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, insert, select, text
from typer.testing import CliRunner

from chitieu.cli import app
from chitieu.config import get_settings
from chitieu.store.backup import BackupError, backup, restore
from chitieu.store.models import AuditEntry, DataValue

pytestmark = pytest.mark.xdist_group("ops_backup")


def content_digest(engine: Engine) -> dict[str, str]:
    """Per table: a digest of every row, in key order (independent of physical order)."""
    meta = MetaData()
    meta.reflect(engine)
    digests = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).all()
            blob = json.dumps([list(r) for r in rows], default=str, sort_keys=True)
            digests[name] = hashlib.sha256(blob.encode()).hexdigest()
    return digests


def _add_values(engine: Engine, period: str, value: float) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(DataValue),
            [
                {
                    "element_code": "LIVE_BIRTHS",
                    "unit_code": "00070",
                    "period": period,
                    "disaggregation": "SEX_M",
                    "value": value,
                    "status": "submitted",
                },
            ],
        )
        conn.execute(
            insert(AuditEntry).values(
                actor="test", action="insert", table_name="data_values", row_key=period
            )
        )


def test_backup_then_restore_gives_back_every_row(ready_engine: Engine, tmp_path: Path) -> None:
    url = ready_engine.url.render_as_string(hide_password=False)
    _add_values(ready_engine, "202501", 41)
    before = content_digest(ready_engine)

    info = backup(url, tmp_path / "chitieu.backup")
    assert info.bytes > 0

    # Changes after the backup: one more value, one changed, one table emptied.
    _add_values(ready_engine, "202502", 17)
    with ready_engine.begin() as conn:
        conn.execute(text("UPDATE data_values SET value = 99 WHERE period = '202501'"))
        conn.execute(text("DELETE FROM audit_log"))
    assert content_digest(ready_engine) != before

    ready_engine.dispose()
    restore(url, info.path)
    after = content_digest(ready_engine)
    assert after == before


def test_backup_refuses_to_overwrite(ready_sqlite: Engine, tmp_path: Path) -> None:
    out = tmp_path / "exists.backup"
    out.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup(ready_sqlite.url.render_as_string(), out)
    assert out.read_bytes() == b"keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(ready_sqlite: Engine, tmp_path: Path) -> None:
    url = ready_sqlite.url.render_as_string()
    before = content_digest(ready_sqlite)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"PK\x03\x04 not a database")
    with pytest.raises(BackupError, match="neither a SQLite database"):
        restore(url, junk)
    # A SQLite file without chitieu's schema is refused too.
    other = tmp_path / "other.db"
    import sqlite3

    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="not a chitieu"):
        restore(url, other)
    assert content_digest(ready_sqlite) == before


def test_restore_refuses_the_other_kind(ready_sqlite: Engine, tmp_path: Path) -> None:
    fake_pg = tmp_path / "pg.backup"
    fake_pg.write_bytes(b"PGDMP\x01\x0e\x00")
    with pytest.raises(BackupError, match="postgresql backup; the database is sqlite"):
        restore(ready_sqlite.url.render_as_string(), fake_pg)


def test_cli_backup_and_restore(ready_sqlite: Engine, tmp_path: Path, monkeypatch) -> None:
    url = ready_sqlite.url.render_as_string()
    monkeypatch.setenv("CHITIEU_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        out = tmp_path / "cli.backup"
        result = runner.invoke(app, ["backup", str(out)])
        assert result.exit_code == 0, result.output
        assert "backup written" in result.output and out.exists()

        again = runner.invoke(app, ["backup", str(out)])
        assert again.exit_code == 1 and "already exists" in again.output

        # Without --yes the restore asks, and "no" leaves everything as it was.
        _add_values(ready_sqlite, "202503", 5)
        changed = content_digest(ready_sqlite)
        declined = runner.invoke(app, ["restore", str(out)], input="n\n")
        assert declined.exit_code == 1
        assert content_digest(ready_sqlite) == changed

        done = runner.invoke(app, ["restore", str(out), "--yes"])
        assert done.exit_code == 0, done.output
        with ready_sqlite.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM data_values")).scalar() == 0
    finally:
        get_settings.cache_clear()
