"""An import of many batches recounts its cells at its end, in parts (or earlier, once it has
gathered many): the rollups equal a recount of the stored values, and each change counter it
touches is bumped once."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, select
from tests.reporting.test_rollups import CELLS, PERIODS, UNITS, _assert_equal, _number

from chitieu.reporting import rollups
from chitieu.reporting.imports import ValueIn, import_values
from chitieu.reporting.periods import Editor
from chitieu.reporting.rollups import rebuild_rollups
from chitieu.store.db import transaction
from chitieu.store.generations import ANY_YEAR
from chitieu.store.models import ChangeCounter


def _counters(engine: Engine) -> dict[tuple[str, int], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(ChangeCounter.scope, ChangeCounter.year, ChangeCounter.version))
        return {(s, y): v for s, y, v in rows}


def _payload(rng: random.Random) -> list[ValueIn]:
    values = {}
    for element, cell in CELLS:
        for unit in UNITS:
            if element == "LIVE_BIRTHS" and unit == "01":
                continue
            for period in rng.sample(PERIODS, 4):
                values[(element, unit, period, cell)] = ValueIn(
                    element, unit, period, cell, str(_number(element, rng))
                )
    return list(values.values())


@pytest.mark.parametrize(("seed", "gathered"), [(3, 50_000), (4, 11)])
def test_an_import_of_many_batches_keeps_the_rollups_and_bumps_each_counter_once(
    ready_engine: Engine, seed: int, gathered: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(ready_engine) as db:
        rebuild_rollups(db)
    monkeypatch.setattr(rollups, "FLUSH_CELLS", 5)  # the recount in several parts too
    monkeypatch.setattr(rollups, "PENDING_CELLS", gathered)  # 11: recounts before the end
    rng = random.Random(seed)
    for _ in range(2):  # new values, then changes to the same cells
        before = _counters(ready_engine)
        payload = _payload(rng)
        rng.shuffle(payload)  # a unit-year's periods spread over many batches
        summary = import_values(
            ready_engine, payload, actor="t", batch_size=7, editor=Editor("admin", True)
        )
        assert summary.status == "SUCCESS", summary.conflicts[:3]
        assert summary.count.imported + summary.count.updated > 7 * 5
        _assert_equal(ready_engine)
        after = _counters(ready_engine)
        bumped = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k)}
        assert bumped  # the import changed figures of Hanoi, Hai Phong and the country
        assert set(bumped.values()) == {1}, bumped
        assert {("VN", ANY_YEAR), ("01", ANY_YEAR), ("00070", ANY_YEAR)} <= bumped.keys()
