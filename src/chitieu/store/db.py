"""Engine and session helpers; one place decides how to talk to SQLite or PostgreSQL."""

from __future__ import annotations

import random
import re
import select as _select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from chitieu.config import get_settings

#: The handle the store's own writers (``store.audit``, ``store.generations``) accept: a
#: service's Session, or the Connection of ``ingest/``'s bulk loads (see CONTRIBUTING.md,
#: "Database handles"). Everything else above ``store/`` takes a Session.
Db = Connection | Session


def dialect_name(db: Db) -> str:
    """``postgresql`` or ``sqlite``: the database behind a Session or a Connection."""
    bind = db.get_bind() if isinstance(db, Session) else db
    return bind.dialect.name


def core(db: Db) -> Connection:
    """The Connection behind ``db``, for reads of many rows: a Session's ``execute`` wraps
    even a plain select of columns in the ORM's result handling, row by row (most of the
    time of reading back a million values). A Session's pending changes are flushed first,
    as its ``execute`` would."""
    if isinstance(db, Session):
        db.flush()
        return db.connection()
    return db


def upsert(db: Db, table: Any) -> Any:
    """An ``INSERT`` into ``table`` in the dialect of ``db``, which offers
    ``on_conflict_do_update`` on both PostgreSQL and SQLite."""
    if dialect_name(db) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table)


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
    kwargs.setdefault("pool_recycle", POOL_RECYCLE)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _check_on_checkout)
    event.listen(engine, "before_cursor_execute", _begin_before_write)
    return engine


#: A server connection is closed and opened again after this many seconds, so that one lost
#: without a word (a firewall dropping idle flows) is not kept for ever.
POOL_RECYCLE = 1800
#: A connection idle in the pool for longer than this is asked a ``SELECT 1`` on checkout.
PING_IDLE_AFTER = 10.0


def _checked_in(_dbapi_conn, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _has_pending_input(dbapi_conn) -> bool:
    """True if the server sent something to a connection resting in the pool: an idle
    connection is never spoken to unasked, so it is the error of a terminated backend (a
    server restart, ``pg_terminate_backend``) or the end of the stream. One system call, no
    round trip."""
    try:
        fd = dbapi_conn.fileno()
    except Exception:  # closed already
        return True
    readable, _, _ = _select.select([fd], [], [], 0)
    return bool(readable)


def _check_on_checkout(dbapi_conn, record, _proxy) -> None:
    """How a pooled server connection is known to be alive, without a round trip on every
    checkout (``pool_pre_ping`` pays one per request): a connection with input waiting (see
    :func:`_has_pending_input`), or idle longer than :data:`PING_IDLE_AFTER` seconds, is
    pinged; one that fails the ping is replaced (the pool retries the checkout with a new
    connection), so a request never meets a connection the server has closed. A fresh
    connection needs no check. A connection lost without a word within the idle window (no
    FIN: a network cut) fails its first statement; SQLAlchemy then discards it and every
    connection as old, and the next request gets a new one."""
    idle_since = record.info.get("idle_since")
    if idle_since is None:
        return
    if getattr(dbapi_conn, "closed", False) or getattr(dbapi_conn, "broken", False):
        raise DisconnectionError("the connection is closed")
    if time.monotonic() - idle_since <= PING_IDLE_AFTER and not _has_pending_input(dbapi_conn):
        return
    try:
        _ping(dbapi_conn)
    except Exception as exc:
        raise DisconnectionError("the server closed the connection") from exc


def _ping(dbapi_conn) -> None:
    before = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SELECT 1")
        finally:
            cur.close()
    finally:
        if not dbapi_conn.closed:
            dbapi_conn.autocommit = before


#: The execution option of the connections of requests that read (:func:`reads_engine`).
READS = "chitieu_reads"
#: Statements that run without a transaction on such a connection: plain SELECTs.
_PLAIN_SELECT = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_NEEDS_TRANSACTION = re.compile(
    r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY\s+SHARE)\b|\b(INSERT|UPDATE|DELETE|MERGE)\b|"
    r"pg_advisory|set_config",
    re.IGNORECASE,
)


def reads_engine(engine: Engine) -> Engine:
    """``engine`` (the same pool) for the work of a request that reads: on PostgreSQL its
    statements run without ``BEGIN`` and ``COMMIT`` (two round trips fewer per request) as
    long as they are plain SELECTs, each seeing the data committed when it starts, as it would
    in a transaction of PostgreSQL's default isolation (read committed). The first statement
    that is anything else (a write, a lock, ``SET``, a server-side cursor) opens a transaction
    there, which the session commits or rolls back as usual. On SQLite: ``engine`` itself."""
    if is_sqlite(engine):
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT", **{READS: True})


def only_read(session: Session) -> bool:
    """True if ``session`` (on :func:`reads_engine`, PostgreSQL) has only run plain SELECTs
    and holds no pending change: nothing is open on the server, so closing it is all that
    committing it would do. False otherwise (a write, a lock or a change to flush; SQLite),
    where the caller commits."""
    if session.new or session.dirty or session.deleted:
        return False
    if not session.in_transaction():
        return True  # no statement ran
    conn = session.connection()
    if not conn.get_execution_options().get(READS):
        return False
    return bool(getattr(conn.connection.dbapi_connection, "autocommit", False))


def _begin_before_write(conn, cursor, statement, _params, context, _many) -> None:
    """On a connection of :func:`reads_engine`, open a transaction before the first statement
    that is not a plain SELECT (the driver sends ``BEGIN`` first once autocommit is off)."""
    if not conn.get_execution_options().get(READS):
        return
    dbapi_conn = conn.connection.dbapi_connection
    if not dbapi_conn.autocommit:
        return
    server_side = getattr(cursor, "name", None) is not None
    if server_side or not _PLAIN_SELECT.match(statement) or _NEEDS_TRANSACTION.search(statement):
        dbapi_conn.autocommit = False


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
