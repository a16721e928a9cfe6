"""Whole-database backups and restores, in the database's own format.

* SQLite: SQLite's online backup API copies a consistent snapshot while the server keeps
  serving (readers and writers wait only for the pages being copied). The backup is itself a
  SQLite database file.
* PostgreSQL: ``pg_dump --format=custom`` (compressed, restorable table by table) and
  ``pg_restore --clean --if-exists``; both must be on ``PATH`` and of the server's major version
  or newer.

A restore replaces every table of the target database with the backup's. The backup's schema
revision is read before anything is replaced, so a file that is not a chitieu backup is refused
and nothing is touched.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

#: The first bytes of every SQLite database file and of every pg_dump custom-format archive.
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    kind: str  # "sqlite" | "postgresql"
    bytes: int


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _libpq_args(url: URL) -> list[str]:
    """Connection options for pg_dump/pg_restore; the password travels in the environment."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args


def _libpq_env(url: URL) -> dict[str, str]:
    import os

    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[:2000]}")


def backup(database_url: str, out: Path) -> BackupInfo:
    """Write a backup of ``database_url`` to ``out`` (refused if ``out`` exists)."""
    url = make_url(database_url)
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists: choose a new file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    if _is_sqlite(url):
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"no database at {source_path.resolve()}")
        partial = out.with_name(out.name + ".partial")
        with sqlite3.connect(source_path) as source, sqlite3.connect(partial) as target:
            source.backup(target)
        partial.rename(out)
        kind = "sqlite"
    else:
        cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out)]
        _run(cmd + _libpq_args(url), _libpq_env(url))
        kind = "postgresql"
    return BackupInfo(out, kind, out.stat().st_size)


def backup_kind(path: Path) -> str:
    """``"sqlite"`` or ``"postgresql"`` from the file's first bytes; refuses anything else."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format archive")


def _sqlite_backup_revision(path: Path) -> str:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a chitieu database ({exc})") from None
    if row is None:
        raise BackupError(f"{path} has no schema revision: not a chitieu backup")
    return str(row[0])


def restore(database_url: str, source: Path) -> BackupInfo:
    """Replace the contents of ``database_url`` with the backup at ``source``.

    The backup must be of the same kind as the database (a SQLite file into SQLite, a pg_dump
    archive into PostgreSQL). Run ``chitieu db upgrade`` afterwards when the backup is older
    than this chitieu."""
    url = make_url(database_url)
    source = Path(source)
    kind = backup_kind(source)
    wanted = "sqlite" if _is_sqlite(url) else "postgresql"
    if kind != wanted:
        raise BackupError(f"{source} is a {kind} backup; the database is {wanted}")
    if kind == "sqlite":
        _sqlite_backup_revision(source)
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        # The backup API writes the whole file under SQLite's own locks, so a running server
        # sees either the old database or the restored one, never a mixture.
        with (
            sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src,
            sqlite3.connect(target_path) as target,
        ):
            src.backup(target)
    else:
        listing = subprocess.run(
            [_tool("pg_restore"), "--list", str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if listing.returncode != 0 or "alembic_version" not in listing.stdout:
            raise BackupError(f"{source} is not a chitieu backup (no schema revision inside)")
        cmd = [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
        ]
        _run([*cmd, *_libpq_args(url), str(source)], _libpq_env(url))
    return BackupInfo(source, kind, source.stat().st_size)
