"""``bootstrap``: schema, units, catalogue and plans in one idempotent call."""

from __future__ import annotations

from sqlalchemy import func, select

from chitieu.bootstrap import bootstrap
from chitieu.store.db import make_engine
from chitieu.store.models import DataElement, Plan, Target, Unit


def _counts(engine) -> list[int]:
    with engine.connect() as conn:
        return [
            conn.scalar(select(func.count()).select_from(m))
            for m in (Unit, DataElement, Plan, Target)
        ]


def test_bootstrap_from_an_empty_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")  # no schema yet
    try:
        first = bootstrap(engine)
        assert first["units"] == 1 + 34 + 3321 and first["catalog"] == 16 and first["plans"] > 0
        assert _counts(engine) == [3356, 16, 3, 10]
        assert bootstrap(engine) == {"units": 0, "catalog": 0, "plans": 0, "scorecards": 0}
        assert _counts(engine) == [3356, 16, 3, 10]
    finally:
        engine.dispose()


def test_bootstrap_on_both_databases(engine):
    bootstrap(engine)
    assert bootstrap(engine) == {"units": 0, "catalog": 0, "plans": 0, "scorecards": 0}
    assert _counts(engine) == [3356, 16, 3, 10]
