"""Races against a running server on PostgreSQL: real parallel clients (threads, one HTTP
client each), bounded in number and time, on loopback.

* A lock racing a save never lets a value land after the lock: in a locked month every value
  is locked (a value stored before the lock is locked with it; one arriving after is refused).
* Concurrent DHIS2 imports of the same cells in different orders: no deadlock, no 5xx.
* Concurrent updates of one value: every audit entry's "before" is the value the previous
  entry left.
* Concurrent imports of different months of the same unit-years, each settling the rollups
  from its own changes: together they leave the figures of a recount.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, select

from chitieu.reporting.rollups import ensure_rollups
from chitieu.store.db import transaction
from chitieu.store.models import AuditEntry, DataValue, DataValueRollup, DataValueYear, Unit

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

COMMUNE = "00070"
RACES = 30


def _race(*calls):  # type: ignore[no-untyped-def]
    """Run the calls at once (released together by a barrier); their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):  # type: ignore[no-untyped-def]
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, c) for c in calls]]


def test_a_lock_racing_a_save_lets_no_value_in_after_it(pg_server) -> None:  # type: ignore[no-untyped-def]
    periods = [f"{2020 + i // 12}{i % 12 + 1:02d}" for i in range(RACES)]
    with pg_server.engine.begin() as conn:  # each month starts as a draft with one value
        conn.execute(
            insert(DataValue),
            [
                {
                    "element_code": "LIVE_BIRTHS",
                    "unit_code": COMMUNE,
                    "period": p,
                    "disaggregation": "M_O1",
                    "value": 5,
                    "status": "draft",
                }
                for p in periods
            ],
        )
    landed_after, outcomes = [], []
    with pg_server.client("admin_hanoi") as admin, pg_server.client("entry") as entry:
        for period in periods:
            lock, save = _race(
                lambda p=period: admin.post(
                    "/api/datavalues/status",
                    json={"unit": COMMUNE, "period": p, "status": "locked"},
                ),
                lambda p=period: entry.post(
                    "/api/datavalues",
                    json={
                        "element": "LIVE_BIRTHS",
                        "unit": COMMUNE,
                        "period": p,
                        "disaggregation": "F_O1",
                        "value": 4,
                        "status": "draft",
                    },
                ),
            )
            assert lock.status_code == 200, lock.text
            assert save.status_code in (201, 403), save.text
            outcomes.append(save.status_code)
            with pg_server.engine.connect() as conn:
                statuses = conn.scalars(
                    select(DataValue.status).where(
                        DataValue.unit_code == COMMUNE, DataValue.period == period
                    )
                ).all()
            if any(s != "locked" for s in statuses):
                landed_after.append(period)
    print(f"lock vs save: {len(landed_after)} of {RACES} landed after the lock; {outcomes}")
    assert landed_after == []


def _cells(n_periods: int = 6) -> list[tuple[str, str, str]]:
    """(element, period, disaggregation) cells of the commune's monthly report in 2019."""
    disaggs = ("M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P")
    return [("LIVE_BIRTHS", f"2019{m:02d}", d) for m in range(1, n_periods + 1) for d in disaggs]


def _deadlocks(engine) -> int:  # type: ignore[no-untyped-def]
    """Deadlocks PostgreSQL detected in this database so far (its statistics lag by up to
    half a second, hence the pause)."""
    time.sleep(1)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        return conn.exec_driver_sql(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).scalar_one()


def test_concurrent_imports_of_the_same_cells_never_deadlock(pg_server) -> None:  # type: ignore[no-untyped-def]
    cells = _cells()
    rng = random.Random(11)
    payloads = []
    for i in range(RACES):
        order = cells[:]
        rng.shuffle(order)
        payloads.append(
            {
                "dataValues": [
                    {
                        "dataElement": e,
                        "period": p,
                        "orgUnit": COMMUNE,
                        "categoryOptionCombo": d,
                        "value": str(10 + i),
                    }
                    for e, p, d in order
                ]
            }
        )
    clients = [pg_server.client("admin") for _ in payloads]
    busy = []
    deadlocks_before = _deadlocks(pg_server.engine)

    def send(client, body):  # type: ignore[no-untyped-def]
        """Post like a well-behaved client: a 503 (no database connection free in time) is
        retried after its Retry-After, a bounded number of times."""
        for _ in range(5):
            answer = client.post(
                "/api/dataValueSets?idScheme=code&oldUnits=none",
                content=json.dumps(body),
                headers={"Content-Type": "application/json"},
            )
            if answer.status_code != 503:
                return answer
            busy.append(1)
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        return answer

    try:
        answers = _race(
            *[
                lambda c=c, body=body: send(c, body)
                for c, body in zip(clients, payloads, strict=True)
            ]
        )
    finally:
        for c in clients:
            c.close()
    codes = [a.status_code for a in answers]
    deadlocks = _deadlocks(pg_server.engine) - deadlocks_before
    print(
        f"30 concurrent imports: {codes.count(200)} × 200, {sum(c >= 500 for c in codes)} × 5xx,"
        f" {deadlocks} deadlocks, {len(busy)} busy answers retried"
    )
    refused = [a.text[:300] for a in answers if a.status_code != 200][:3]
    assert codes == [200] * RACES and deadlocks == 0, (refused, pg_server.errors()[-3000:])
    with pg_server.engine.connect() as conn:
        stored = conn.execute(
            select(DataValue.period, DataValue.disaggregation, DataValue.value).where(
                DataValue.unit_code == COMMUNE, DataValue.period.like("2019%")
            )
        ).all()
    # Every cell holds the value of one whole import: imports were applied one after another.
    assert len(stored) == len(cells) and len({v for _, _, v in stored}) == 1


UPDATES = 200


def test_concurrent_updates_audit_the_value_they_replaced(pg_server) -> None:  # type: ignore[no-untyped-def]
    key = {
        "element": "DOCTORS",
        "unit": COMMUNE,
        "period": "2018",
        "disaggregation": "default",
    }
    with pg_server.client("admin_hanoi") as c:
        assert c.put("/api/datavalues", json={**key, "value": 0}).status_code == 201
    clients = [pg_server.client("admin_hanoi") for _ in range(20)]
    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            futures = [
                pool.submit(
                    clients[i % len(clients)].put, "/api/datavalues", json={**key, "value": i}
                )
                for i in range(1, UPDATES + 1)
            ]
            codes = [f.result(timeout=120).status_code for f in futures]
    finally:
        for c in clients:
            c.close()
    assert codes == [200] * UPDATES
    row_key = "DOCTORS|00070|2018|default"
    with pg_server.engine.connect() as conn:
        entries = conn.execute(
            select(AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.row_key == row_key)
            .order_by(AuditEntry.id)
        ).all()
    assert len(entries) == UPDATES + 1  # the insert and every update
    wrong = sum(
        1
        for (_, prev_after), (before, _) in itertools.pairwise(entries)
        if before is None or before["value"] != prev_after["value"]
    )
    print(f"{UPDATES} concurrent updates: {wrong} audit entries with a wrong 'before'")
    assert wrong == 0


ROLLED = ("00070", "00004", "00008")
ACTIVITIES = ("ACT_COMM_SESSIONS", "ACT_PEOPLE_REACHED")


def _activity_import(client, month: int, wave: int, deleted: bool = False):  # type: ignore[no-untyped-def]
    values = [
        {
            "dataElement": e,
            "period": f"2017{month:02d}",
            "orgUnit": u,
            "categoryOptionCombo": "default",
            "value": str(month * 7 + i * 3 + wave),
            **({"deleted": True} if deleted else {}),
        }
        for i, (u, e) in enumerate(itertools.product(ROLLED, ACTIVITIES))
    ]
    return client.post(
        "/api/dataValueSets?idScheme=code&oldUnits=none",
        content=json.dumps({"dataValues": values}),
        headers={"Content-Type": "application/json"},
    )


def _activity_figures(engine) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """The 2017 activity figures as stored, and as recounted here from the monthly values:
    each commune's sum and last month, and the sums over every unit on its path."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(DataValue.unit_code, DataValue.element_code, DataValue.period, DataValue.value)
            .where(DataValue.element_code.in_(ACTIVITIES), DataValue.period.like("2017%"))
            .where(DataValue.status.in_(("submitted", "locked")))
        ).all()
        paths = {code: path for code, path in conn.execute(select(Unit.code, Unit.path))}
        t, r = DataValueYear, DataValueRollup
        own = {
            (u, e): (total, latest, counted)
            for u, e, total, latest, counted in conn.execute(
                select(t.unit_code, t.element_code, t.total, t.latest, t.counted).where(
                    t.element_code.in_(ACTIVITIES), t.year == 2017
                )
            )
        }
        sums = {
            (u, e): (total, latest, n)
            for u, e, total, latest, n in conn.execute(
                select(r.unit_code, r.element_code, r.total, r.latest, r.units).where(
                    r.element_code.in_(ACTIVITIES), r.year == 2017
                )
            )
        }
    months: dict = {}
    for u, e, period, value in rows:
        months.setdefault((u, e), []).append((period, value))
    want_own = {k: (sum(v for _, v in ms), max(ms)[1], len(ms)) for k, ms in months.items()}
    want_sums: dict = {}
    for (u, e), (total, latest, _) in want_own.items():
        for above in paths[u].split("/"):
            acc = want_sums.setdefault((above, e), [0.0, 0.0, 0])
            acc[0], acc[1], acc[2] = acc[0] + total, acc[1] + latest, acc[2] + 1
    return (own, sums), (want_own, {k: tuple(v) for k, v in want_sums.items()})


def test_concurrent_imports_of_other_months_keep_the_rollups_equal_to_a_recount(pg_server) -> None:  # type: ignore[no-untyped-def]
    """Imports of different months of the same unit-years run at once (their periods never
    make them wait for each other): each settles its figures from its own changes, and
    together they leave the figures of a recount. Then corrections, and withdrawals of the
    last month, which send the figures to a recount, race the same way."""
    with transaction(pg_server.engine) as db:
        ensure_rollups(db)
    clients = [pg_server.client("admin") for _ in range(12)]
    try:
        first = _race(
            *[lambda c=c, m=m: _activity_import(c, m, 0) for m, c in enumerate(clients, 1)]
        )
        second = _race(
            *[lambda c=c, m=m: _activity_import(c, m, 1) for m, c in enumerate(clients[:6], 1)],
            *[lambda c=c: _activity_import(c, 12, 2, deleted=True) for c in clients[6:7]],
        )
    finally:
        for c in clients:
            c.close()
    assert [a.status_code for a in (*first, *second)] == [200] * 19, pg_server.errors()[-2000:]
    (own, sums), (want_own, want_sums) = _activity_figures(pg_server.engine)
    assert set(own) == set(want_own) and len(own) == len(ROLLED) * len(ACTIVITIES)
    for key, (total, latest, counted) in want_own.items():
        assert own[key] == (pytest.approx(total), pytest.approx(latest), counted), key
    assert {k: v for k, v in want_own.items() if v[2] != 11} == {}  # December withdrawn
    assert set(sums) == set(want_sums)
    for key, want in want_sums.items():
        assert sums[key] == pytest.approx(want), key
