"""The keys of ``data_values`` (element → ``data_elements``, unit → ``units``) hold on both
databases: foreign keys on SQLite, checks once per statement on PostgreSQL (migration 0014).
A value naming an unknown unit or element is refused, by a plain insert and by the bulk path
(``COPY`` on PostgreSQL), with nothing written; a referenced parent cannot be deleted or
renamed; and on PostgreSQL a unit deleted while an import referring to it is open never
leaves values without their unit, whichever of the two goes first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import Engine, delete, func, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from chitieu.reporting.bulk import append_rows
from chitieu.store.db import transaction
from chitieu.store.migrate import alembic_config
from chitieu.store.models import DataElement, DataValue, Unit

COLUMNS = ("element_code", "unit_code", "period", "disaggregation", "value", "status", "synthetic")


def _unit(code: str, parent: str | None) -> dict[str, Any]:
    return {
        "code": code,
        "parent_code": parent,
        "level": "country" if parent is None else "commune",
        "name": f"Đơn vị {code}",
        "name_ascii": f"don vi {code}",
        "division_type": "xã",
        "codename": code,
        "path": code if parent is None else f"{parent}/{code}",
    }


def _element(code: str) -> dict[str, Any]:
    return {"code": code, "name_vi": code, "name_en": code, "disaggregations": ["default"]}


@pytest.fixture
def keyed(engine: Engine) -> Engine:
    """Units VN › A, B, C and elements E1, E2; no values."""
    with transaction(engine) as db:
        db.execute(insert(Unit), [_unit("VN", None), *(_unit(c, "VN") for c in "ABC")])
        db.execute(insert(DataElement), [_element("E1"), _element("E2")])
    return engine


def _row(element: str, unit: str, period: str = "202501") -> tuple[Any, ...]:
    return (element, unit, period, "default", 1.0, "submitted", False)


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(DataValue)) or 0


def _migrate(engine: Engine, step: Callable[..., None], revision: str) -> None:
    """Run Alembic's ``step`` (upgrade or downgrade) to ``revision`` on ``engine``."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        step(cfg, revision)


def _orphans(engine: Engine) -> int:
    with engine.connect() as conn:
        return (
            conn.scalar(
                select(func.count())
                .select_from(DataValue)
                .where(
                    ~DataValue.unit_code.in_(select(Unit.code))
                    | ~DataValue.element_code.in_(select(DataElement.code))
                )
            )
            or 0
        )


@pytest.mark.parametrize("bad", [("E1", "ZZ"), ("NOPE", "A")], ids=["unit", "element"])
@pytest.mark.parametrize("way", ["bulk", "insert"])
def test_a_value_naming_an_unknown_parent_is_refused_and_nothing_is_written(
    keyed: Engine, bad: tuple[str, str], way: str
) -> None:
    good = [_row(e, u, p) for e in ("E1", "E2") for u in "ABC" for p in ("202501", "202502")]
    rows = [*good[:5], _row(*bad), *good[5:]]
    with pytest.raises(IntegrityError) as caught, transaction(keyed) as db:
        if way == "bulk":
            append_rows(db, DataValue.__tablename__, COLUMNS, rows)
        else:
            db.execute(insert(DataValue), [dict(zip(COLUMNS, r, strict=True)) for r in rows])
    assert _count(keyed) == 0
    if keyed.dialect.name == "postgresql":
        orig = caught.value.orig
        assert isinstance(orig, psycopg.errors.ForeignKeyViolation)
        column = "unit_code" if bad[1] == "ZZ" else "element_code"
        assert orig.diag.constraint_name == f"data_values_{column}_fkey"
        missing = bad[1] if bad[1] == "ZZ" else bad[0]
        assert f"({column})=({missing})" in str(orig)
    # The same rows without the bad one are written, each once.
    with transaction(keyed) as db:
        append_rows(db, DataValue.__tablename__, COLUMNS, good)
    assert _count(keyed) == len(good)


def test_changing_a_values_key_to_an_unknown_parent_is_refused(keyed: Engine) -> None:
    with transaction(keyed) as db:
        append_rows(db, DataValue.__tablename__, COLUMNS, [_row("E1", "A"), _row("E2", "B")])
    for change in ({"unit_code": "ZZ"}, {"element_code": "NOPE"}):
        with pytest.raises(IntegrityError), transaction(keyed) as db:
            db.execute(update(DataValue).where(DataValue.unit_code == "A").values(**change))
    with transaction(keyed) as db:  # to a known parent, and the value alone: accepted
        db.execute(update(DataValue).where(DataValue.unit_code == "A").values(unit_code="C"))
        db.execute(update(DataValue).values(value=7.0))
    with keyed.connect() as conn:
        got = set(conn.execute(select(DataValue.element_code, DataValue.unit_code)).tuples())
    assert got == {("E1", "C"), ("E2", "B")}


@pytest.mark.parametrize(
    "change",
    [
        delete(Unit).where(Unit.code == "A"),
        update(Unit).where(Unit.code == "A").values(code="A2"),
        delete(DataElement).where(DataElement.code == "E1"),
        update(DataElement).where(DataElement.code == "E1").values(code="E9"),
    ],
    ids=["delete unit", "rename unit", "delete element", "rename element"],
)
def test_a_referenced_parent_cannot_be_deleted_or_renamed(keyed: Engine, change: Any) -> None:
    with transaction(keyed) as db:
        append_rows(db, DataValue.__tablename__, COLUMNS, [_row("E1", "A")])
    with pytest.raises(IntegrityError), transaction(keyed) as db:
        db.execute(change)
    with keyed.connect() as conn:
        assert conn.scalar(select(func.count()).where(Unit.code == "A")) == 1
        assert conn.scalar(select(func.count()).where(DataElement.code == "E1")) == 1
    # Unreferenced parents, and a parent once its values are gone, can go.
    with transaction(keyed) as db:
        db.execute(delete(Unit).where(Unit.code == "B"))
        db.execute(update(DataElement).where(DataElement.code == "E2").values(code="E3"))
        db.execute(delete(DataValue))
        db.execute(change)
    assert _orphans(keyed) == 0


BY_UNIT = ["unit_code", "period", "element_code", "disaggregation"]
BY_ELEMENT = ["element_code", "unit_code", "period", "disaggregation"]


def _keys(engine: Engine, table: str) -> tuple[list[list[str]], list[list[str]]]:
    """``table``'s unique keys and its other indexes, as lists of columns."""
    found = inspect(engine)
    keys = [u["column_names"] for u in found.get_unique_constraints(table)]
    indexes = [
        i["column_names"]
        for i in found.get_indexes(table)
        if not i.get("duplicates_constraint") and i["column_names"] not in keys
    ]
    return keys, indexes


@pytest.mark.parametrize("table", ["data_values", "deleted_data_values"])
def test_a_values_key_leads_with_unit_and_period_and_is_its_only_index(
    keyed: Engine, table: str
) -> None:
    # Every write enters the key; the searches by unit and period use its leading columns.
    assert _keys(keyed, table) == ([BY_UNIT], [])
    _migrate(keyed, command.downgrade, "0017_own_figure_last_start")
    assert _keys(keyed, table) == ([BY_ELEMENT], [["unit_code", "period"]])


def test_values_stored_before_the_key_changed_keep_it(keyed: Engine) -> None:
    _migrate(keyed, command.downgrade, "0017_own_figure_last_start")
    with transaction(keyed) as db:
        append_rows(db, DataValue.__tablename__, COLUMNS, [_row("E1", "A"), _row("E2", "A")])
    _migrate(keyed, command.upgrade, "head")
    assert _count(keyed) == 2
    with pytest.raises(IntegrityError), transaction(keyed) as db:
        append_rows(db, DataValue.__tablename__, COLUMNS, [_row("E1", "B"), _row("E1", "A")])
    with transaction(keyed) as db:  # the same element and unit in another period: a new key
        append_rows(db, DataValue.__tablename__, COLUMNS, [_row("E1", "A", "202502")])
    assert _count(keyed) == 3


# --- PostgreSQL: how the checks are made, and races between two connections ---------------


def _pg(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL checks the keys with triggers; SQLite with foreign keys")


def test_on_postgresql_the_keys_are_statement_triggers_and_downgrade_restores_them(
    keyed: Engine,
) -> None:
    _pg(keyed)

    def state() -> tuple[set[str], set[str]]:
        with keyed.connect() as conn:
            fks = conn.scalars(
                text(
                    "SELECT conname FROM pg_constraint "
                    "WHERE conrelid = 'data_values'::regclass AND contype = 'f'"
                )
            )
            triggers = conn.scalars(
                text(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE NOT tgisinternal AND tgname LIKE '%%data_values%%'"
                )
            )
            return set(fks), set(triggers)

    fks, triggers = state()
    assert fks == set()
    assert "data_values_parents_insert" in triggers
    with transaction(keyed) as db:
        append_rows(db, DataValue.__tablename__, COLUMNS, [_row("E1", "A")])
    _migrate(keyed, command.downgrade, "0013_birth_tables_clustered")
    fks, triggers = state()
    assert fks == {"data_values_element_code_fkey", "data_values_unit_code_fkey"}
    assert triggers == set()
    _migrate(keyed, command.upgrade, "head")
    assert state()[0] == set()


def _raw(engine: Engine, autocommit: bool = False) -> psycopg.Connection:
    """A driver connection of its own, with bounded waits."""
    url = engine.url
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        dbname=url.database,
        connect_timeout=5,
        autocommit=autocommit,
        options="-c lock_timeout=20s -c statement_timeout=30s",
    )


def _copy(conn: psycopg.Connection, rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY data_values ({', '.join(COLUMNS)}) FROM STDIN") as c:
        for r in rows:
            c.write_row(r)


def _in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException | None]]:
    """Start ``work``; the list gets what it raised (None if nothing)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _wait_until_blocked(watcher: psycopg.Connection, pid: int) -> None:
    """Until backend ``pid`` waits for a lock (10 s at most)."""
    for _ in range(200):
        state = watcher.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
        if state is not None and state[0] == "Lock":
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"backend {pid} never waited for a lock")


@pytest.mark.parametrize("first", ["import", "delete"])
def test_a_unit_deleted_while_an_import_refers_to_it_leaves_no_orphan(
    keyed: Engine, first: str
) -> None:
    """Two real connections: the import (a COPY naming unit A) and the deletion of A, each in
    its open transaction. Whichever acts first, the other waits for its commit and is then
    refused, as with a foreign key; no value is left without its unit."""
    _pg(keyed)
    rows = [_row("E1", u, p) for u in "ABC" for p in ("202501", "202502", "202503")]
    importer, deleter, watcher = _raw(keyed), _raw(keyed), _raw(keyed, autocommit=True)
    try:
        if first == "import":
            _copy(importer, rows)
            thread, outcome = _in_thread(
                lambda: (deleter.execute("DELETE FROM units WHERE code = 'A'"), deleter.commit())
            )
            _wait_until_blocked(watcher, deleter.info.backend_pid)
            importer.commit()
            thread.join(30)
            assert isinstance(outcome[0], psycopg.errors.ForeignKeyViolation), outcome
            deleter.rollback()
            assert _count(keyed) == len(rows)
        else:
            deleter.execute("DELETE FROM units WHERE code = 'A'")
            thread, outcome = _in_thread(lambda: (_copy(importer, rows), importer.commit()))
            _wait_until_blocked(watcher, importer.info.backend_pid)
            deleter.commit()
            thread.join(30)
            assert isinstance(outcome[0], psycopg.errors.ForeignKeyViolation), outcome
            assert "(unit_code)=(A)" in str(outcome[0])
            importer.rollback()
            assert _count(keyed) == 0
    finally:
        for conn in (importer, deleter, watcher):
            conn.close()
    assert _orphans(keyed) == 0


def test_a_unit_renamed_while_an_import_refers_to_it_is_waited_for(keyed: Engine) -> None:
    """The renaming commits first: the import, waiting on the unit's lock, finds it gone."""
    _pg(keyed)
    importer, renamer, watcher = _raw(keyed), _raw(keyed), _raw(keyed, autocommit=True)
    try:
        renamer.execute("UPDATE units SET code = 'A2' WHERE code = 'A'")
        thread, outcome = _in_thread(
            lambda: (_copy(importer, [_row("E1", "A"), _row("E1", "B")]), importer.commit())
        )
        _wait_until_blocked(watcher, importer.info.backend_pid)
        renamer.commit()
        thread.join(30)
        assert isinstance(outcome[0], psycopg.errors.ForeignKeyViolation), outcome
        importer.rollback()
    finally:
        for conn in (importer, renamer, watcher):
            conn.close()
    assert _count(keyed) == 0
    assert _orphans(keyed) == 0
