"""An import into a database whose rollups are not built bumps the change counters of every
unit it wrote and every unit above it, for the years it wrote and for any year, once each
(gathered from its unit-years alone); and on SQLite it runs with a larger page cache, given
back to the connection when it ends."""

from __future__ import annotations

from sqlalchemy import Engine, select

from chitieu.catalog import load_catalog
from chitieu.reporting import imports
from chitieu.reporting.imports import ValueIn, import_values
from chitieu.store.db import session_on
from chitieu.store.generations import ANY_YEAR, rollups_built
from chitieu.store.models import ChangeCounter, Unit
from chitieu.units.load import load_units

VALUES = [
    ValueIn("ACT_INSPECTIONS", "00070", "202401", "default", "2"),
    ValueIn("ACT_INSPECTIONS", "00070", "202402", "default", "3"),
    ValueIn("ACT_COMM_SESSIONS", "00004", "202312", "default", "1"),
    ValueIn("POPULATION", "01", "2024", "default", "8587100"),
]


def _loaded(engine: Engine) -> Engine:
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
    return engine


def _counters(engine: Engine) -> dict[tuple[str, int], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(ChangeCounter.scope, ChangeCounter.year, ChangeCounter.version))
        return {(s, y): v for s, y, v in rows}


def test_an_import_without_rollups_bumps_each_scope_it_touched_once(engine: Engine) -> None:
    _loaded(engine)
    with engine.connect() as conn:
        assert not rollups_built(session_on(conn))
        paths = dict(conn.execute(select(Unit.code, Unit.path)).tuples().all())
    before = _counters(engine)
    summary = import_values(engine, VALUES, actor="t", batch_size=2)
    assert summary.count.imported == len(VALUES)
    expected: set[tuple[str, int]] = set()
    for v in VALUES:
        year = int(v.period[:4])
        for above in paths[v.unit].split("/"):
            expected |= {(above, year), (above, ANY_YEAR)}
    after = _counters(engine)
    bumped = {k for k in after if after[k] != before.get(k, 0)}
    assert bumped == expected
    assert all(after[k] - before.get(k, 0) == 1 for k in expected)


def test_sqlite_imports_with_a_larger_page_cache_and_gives_it_back(
    sqlite_engine: Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _loaded(sqlite_engine)
    seen: list[int] = []
    plan = imports.plan_checked

    def watching(db, batch, **kw):  # type: ignore[no-untyped-def]
        seen.append(db.connection().exec_driver_sql("PRAGMA cache_size").scalar())
        return plan(db, batch, **kw)

    monkeypatch.setattr(imports, "plan_checked", watching)
    with sqlite_engine.connect() as conn:
        default = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    import_values(sqlite_engine, VALUES, actor="t", batch_size=2)
    assert seen == [-imports.SQLITE_CACHE_KIB, -imports.SQLITE_CACHE_KIB]
    with sqlite_engine.connect() as conn:  # the pool's one connection, back as it was
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == default


def test_sqlite_checks_the_import_keys_once_and_turns_row_checks_back_on(
    sqlite_engine: Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """On SQLite the rows' foreign keys are not checked one by one while an import writes;
    the units and elements it named are checked once at the end (a unit removed meanwhile
    refuses the whole import, nothing written), and the connection goes back to the pool
    checking foreign keys again."""
    _loaded(sqlite_engine)
    seen: list[int] = []
    plan = imports.plan_checked

    def watching(db, batch, **kw):  # type: ignore[no-untyped-def]
        seen.append(db.connection().exec_driver_sql("PRAGMA foreign_keys").scalar())
        actions, conflicts = plan(db, batch, **kw)
        if batch.values[0][0].unit == "00004":
            kw["state"].units_named.add("99999")  # as if a unit vanished after its check
        return actions, conflicts

    monkeypatch.setattr(imports, "plan_checked", watching)
    summary = import_values(sqlite_engine, VALUES, actor="t", batch_size=2)
    assert seen == [0, 0]
    assert summary.status == "ERROR" and "99999" in summary.conflicts[0].value
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM data_values").scalar() == 0
    monkeypatch.setattr(imports, "plan_checked", plan)
    assert import_values(sqlite_engine, VALUES, actor="t").count.imported == len(VALUES)
