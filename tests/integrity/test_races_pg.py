"""Races against a running server on PostgreSQL: real parallel clients (threads, one HTTP
client each), bounded in number and time, on loopback.

* A lock racing a save never lets a value land after the lock: in a locked month every value
  is locked (a value stored before the lock is locked with it; one arriving after is refused).
* Concurrent DHIS2 imports of the same cells in different orders: no deadlock, no 5xx.
* Concurrent updates of one value: every audit entry's "before" is the value the previous
  entry left.
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

from chitieu.store.models import AuditEntry, DataValue

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
