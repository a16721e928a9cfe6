"""What an answer from the cache costs in round trips to PostgreSQL, counted by libpq's own
trace of the messages on the wire,
and that the cheaper path keeps what the dearer one gave: a write in a reading request is
still one transaction, a signed-out token is refused at once by the worker that signed it
out and within a second by the others, and a connection the server closed is replaced before
a request uses it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.exc import IntegrityError

from chitieu.app import create_app
from chitieu.store.db import reads_engine, session_factory
from chitieu.store.models import RevokedCredential

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("api_engine", ["postgres"], indirect=True),
]

PG_ADMIN_DSN = os.environ.get("CHITIEU_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")


_RUN = ("Execute", "Query")


class Wire:
    """libpq's trace of every pooled connection of ``engine`` while :attr:`on`: the messages
    the client sent (``F``) and the round trips (the server's ``ReadyForQuery``)."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self.path = path
        self.file = path.open("w")
        self.on = False
        flags = psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE

        def checkout(dbapi_conn, _record, _proxy) -> None:  # before the pool's own check
            if self.on:
                dbapi_conn.pgconn.trace(self.file.fileno())
                dbapi_conn.pgconn.set_trace_flags(flags)

        def checkin(dbapi_conn, _record) -> None:
            if dbapi_conn is not None and not dbapi_conn.closed:
                dbapi_conn.pgconn.untrace()

        event.listen(engine, "checkout", checkout, insert=True)
        event.listen(engine, "checkin", checkin)
        self._listeners = [("checkout", checkout), ("checkin", checkin)]
        self.engine = engine

    def lines(self) -> list[str]:
        self.file.flush()
        return self.path.read_text().splitlines()

    def round_trips(self) -> int:
        """Statements sent (an ``Execute`` or a simple ``Query``): a round trip each. The
        driver's preparation of a statement it has run five times on a connection (one more
        round trip, once per connection and statement) is left out."""
        return sum(
            1 for line in self.lines() if line.startswith("F\t") and line.split("\t")[2] in _RUN
        )

    def sent_queries(self) -> list[str]:
        return [line.split("\t")[-1].strip() for line in self.lines() if "\tQuery\t" in line]

    def close(self) -> None:
        for name, fn in self._listeners:
            event.remove(self.engine, name, fn)
        self.file.close()


@pytest.fixture
def wire(world, tmp_path: Path) -> Iterator[Wire]:
    w = Wire(world.engine, tmp_path / "wire.txt")
    yield w
    w.close()


def _measured(world, wire: Wire, path: str, who: str = "admin") -> int:
    for _ in range(2):  # built, then answered from the cache
        assert world.client.get(path, headers=world.as_(who)).status_code == 200
    wire.on = True
    r = world.client.get(path, headers=world.as_(who))
    wire.on = False
    assert r.status_code == 200, r.text
    return wire.round_trips()


@pytest.mark.parametrize(
    "path",
    [
        "/api/targets/status",
        "/api/dashboard/reporting?unit=VN&year=2024&lang=vi",
        "/api/dashboard/reporting?unit=01&year=2024&lang=en",
    ],
)
def test_an_answer_from_the_cache_costs_one_round_trip(world, wire: Wire, path: str) -> None:
    """The answer's change counters, and nothing else: no pool ping, no BEGIN, no COMMIT, no
    revocation check of a token checked less than a second ago (there were five)."""
    assert _measured(world, wire, path) == 1
    assert wire.sent_queries() == []


def test_a_token_checked_over_a_second_ago_is_checked_again(world, wire: Wire) -> None:
    world.client.app.state.auth.unrevoked.ttl = 0.2
    path = "/api/targets/status"
    assert _measured(world, wire, path) == 1
    time.sleep(0.3)
    wire.on = True
    assert world.client.get(path, headers=world.as_("admin")).status_code == 200
    wire.on = False
    assert wire.round_trips() == 1 + 2  # the revocation check, then the counters


def test_a_write_in_a_reading_session_is_one_transaction(world) -> None:
    """A session of :func:`reads_engine` reads without a transaction but writes in one: a
    failure after its first write leaves nothing, and a commit keeps both writes."""
    engine = world.engine
    sessions = session_factory(engine)
    reads = reads_engine(engine)
    row = {"username": "admin", "expires_at": time.time() + 60}
    with sessions(bind=reads) as db:
        assert db.scalar(select(RevokedCredential.id).limit(1)) is None
        db.execute(insert(RevokedCredential).values(id="first", **row))
        with pytest.raises(IntegrityError):
            db.execute(insert(RevokedCredential).values(id="first", **row))
        db.rollback()
    with sessions(bind=reads) as db:
        db.scalar(select(RevokedCredential.id).limit(1))
        db.execute(insert(RevokedCredential).values(id="a", **row))
        db.execute(insert(RevokedCredential).values(id="b", **row))
        db.commit()
    with engine.connect() as conn:
        kept = sorted(conn.scalars(select(RevokedCredential.id)))
        # the connection went back to the pool out of autocommit: this write is rolled back
        conn.execute(insert(RevokedCredential).values(id="c", **row))
        conn.rollback()
        assert sorted(conn.scalars(select(RevokedCredential.id))) == ["a", "b"]
    assert kept == ["a", "b"]


def test_a_signed_out_token_gets_no_answer_from_the_cache(world) -> None:
    """The answer is cached; the token is signed out: the next request is refused (401)."""
    client, headers = world.client, world.as_("admin")
    for _ in range(2):
        assert client.get("/api/targets/status", headers=headers).status_code == 200
    assert client.delete("/api/session", headers=headers).status_code == 200
    r = client.get("/api/targets/status", headers=headers)
    assert r.status_code == 401, r.text


def test_a_sign_out_reaches_another_worker_within_its_memory(world) -> None:
    """Two workers (two apps on one database): the one that signs a token out refuses it at
    once; the other, which accepted it a moment before, refuses it once its memory of the
    check (here 0.3 s) is over."""
    other_app = create_app(settings=world.client.app.state.settings, engine=world.engine)
    headers = world.as_("admin")
    with TestClient(other_app) as other:
        other_app.state.auth.unrevoked.ttl = 0.3
        assert other.get("/api/targets/status", headers=headers).status_code == 200
        assert world.client.delete("/api/session", headers=headers).status_code == 200
        assert world.client.get("/api/targets/status", headers=headers).status_code == 401
        time.sleep(0.35)
        r = other.get("/api/targets/status", headers=headers)
        assert r.status_code == 401, r.text


def _terminate_backends(engine: Engine) -> int:
    """Terminate every server connection of ``engine``'s database but the caller's; wait until
    they are gone. The number terminated."""
    name = engine.url.database
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        pids = [
            pid
            for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        ]
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            left = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
            ).fetchone()
            if left is not None and left[0] == 0:
                break
            time.sleep(0.05)
    return len(pids)


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_connections_the_server_closed_are_replaced_before_use(world, method: str) -> None:
    """Every pooled connection terminated by the server (as a restart does): the next
    requests, reading and writing, are answered as usual, not with a 500."""
    client, headers = world.client, world.as_("admin")
    for _ in range(3):
        assert client.get("/api/targets/status", headers=headers).status_code == 200
    assert _terminate_backends(world.engine) >= 1
    for _ in range(3):
        if method == "GET":
            r = client.get("/api/units/01", headers=headers)
        else:
            r = client.put(
                "/api/datavalues",
                headers=headers,
                json={
                    "element": "POPULATION",
                    "unit": "00070",
                    "period": "2024",
                    "value": 41_000,
                },
            )
        assert r.status_code == 200, r.text
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
