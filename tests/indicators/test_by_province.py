"""The country's births figures keep each province's reads until that province's data change:
a write in one province reads that province again, a write in another does not."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert
from tests.births.test_births_reconcile import NOVEMBER, OCTOBER, _import, _report
from tests.reporting.test_rollups import ADMIN

from chitieu.catalog import load_catalog
from chitieu.indicators import indicator_value
from chitieu.indicators.by_province import MEMO
from chitieu.reporting.rollups import rebuild_rollups
from chitieu.reporting.values import ValueKey, save_value
from chitieu.store.db import session_on, transaction
from chitieu.store.models import DataValue
from chitieu.units.load import load_units


def _srb(engine: Engine) -> tuple[float, float]:
    with engine.connect() as conn:
        v = indicator_value(conn, "SRB", "VN", 2025)
    return v.numerator, v.denominator


def test_a_province_is_read_again_after_a_write_in_it_and_not_after_one_elsewhere(
    engine: Engine, tmp_path: Path
) -> None:
    world = engine
    with world.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        october, november = (
            _report("00070", "202510", OCTOBER),
            _report("00070", "202511", NOVEMBER),
        )
        conn.execute(insert(DataValue), october + november)
    _import(world, tmp_path)
    with world.begin() as conn:
        rebuild_rollups(session_on(conn))
    # Hanoi's 00070: October from its report (65 boys, 61 girls), November and December
    # from its records (12 + 1 boys, 11 + 1 girls)
    assert _srb(world) == (78, 73)
    assert len(MEMO) > 0
    # a December report of 00070 stored behind the write path's back (no change counted):
    # 5 boys and 5 girls against 1 and 1 recorded, so read afresh it would add 4 and 4
    with world.begin() as conn:
        conn.execute(insert(DataValue), _report("00070", "202512", {"M_O1": 5, "F_O1": 5}))
    # a write in Hai Phong (no birth records: its 7 boys count as reported) leaves Hanoi kept
    with transaction(world) as db:
        save_value(db, ADMIN, ValueKey("LIVE_BIRTHS", "11533", "202510", "M_O1"), 7, confirmed=True)
    assert _srb(world) == (78 + 7, 73)
    # a write in another Hanoi ward reads Hanoi again, December's report with it
    with transaction(world) as db:
        save_value(db, ADMIN, ValueKey("LIVE_BIRTHS", "00004", "202510", "F_O1"), 3, confirmed=True)
    assert _srb(world) == (78 + 7 + 4, 73 + 4 + 3)
