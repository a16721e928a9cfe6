"""Engine and session helpers; one place decides how to talk to SQLite or PostgreSQL."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from chitieu.config import get_settings

#: The handle the store's own writers (``store.audit``, ``store.generations``) accept: a
#: service's Session, or the Connection of ``ingest/``'s bulk loads (see CONTRIBUTING.md,
#: "Database handles"). Everything else above ``store/`` takes a Session.
Db = Connection | Session


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the web app read while an import writes; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Create an engine for ``url`` (default: the configured ``CHITIEU_DATABASE_URL``)."""
    url = url or get_settings().database_url
    if is_sqlite(url):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def wipe_database(engine: Engine) -> None:
    """Remove everything in the database ``engine`` points to: a SQLite file is deleted with its
    journal files; on a server every table (chitieu's and Alembic's) is dropped in one
    transaction. The engine is disposed of; the next connection starts from nothing."""
    engine.dispose()
    if is_sqlite(engine):
        db_path = engine.url.database
        if db_path and db_path != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(db_path + suffix).unlink(missing_ok=True)
        return
    meta = MetaData()
    with engine.begin() as conn:
        meta.reflect(conn)
        meta.drop_all(conn)
    engine.dispose()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back everything on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session


def session_on(conn: Connection) -> Session:
    """A Session working inside ``conn``'s transaction (it never commits it): how code that still
    holds a Connection calls a function taking a Session."""
    return Session(bind=conn)


T = TypeVar("T")
#: PostgreSQL's serialization failure and deadlock: the transaction was rolled back whole and
#: running it again is safe.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
ATTEMPTS = 4


def is_retryable(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRYABLE_SQLSTATES


def with_retries(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work`` (one whole transaction); run it again, a bounded number of times after a
    short random pause, when the database rolled it back for a serialization failure or a
    deadlock. Any other error, or the last attempt's, is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")
