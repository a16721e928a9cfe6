"""On PostgreSQL the audit entries of inserted values are written by the server, from the rows
each insert statement adds (migration 0015), instead of being spelled out in Python: the same
entries, one per value, whatever the number, comment or mark; entries of updates and
deletions, and every entry where the trigger is missing, are still spelled out in Python."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from chitieu.reporting import write
from chitieu.reporting.validate import Action, ValueIn
from chitieu.store.db import transaction
from chitieu.store.models import AuditEntry, DataElement, DataValue, Unit

TRICKY = 'tab\t"quoted" \\ newline\n và tiếng Việt \x01 end'
#: Numbers whose shortest spelling differs between Python and PostgreSQL, or that could lose
#: their decimal point and read back as integers.
NUMBERS = [
    0.0,
    -0.0,
    12.0,
    0.1,
    2.5,
    1e-07,
    123456789012345.0,
    999999999999999.0,
    1e15,
    1234567890123456.8,
    1e16,
    5e-324,
    1.7976931348623157e308,
]


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite builds these entries with an INSERT … SELECT (test_import_audit)")
    return _prepared(engine)


def _prepared(engine: Engine) -> Engine:
    unit = {"level": "commune", "division_type": "xã", "name": "Xã A", "name_ascii": "xa a"}
    unit["codename"] = "xa_a"
    with transaction(engine) as db:
        db.execute(
            insert(Unit),
            [
                {**unit, "code": "VN", "parent_code": None, "level": "country", "path": "VN"},
                {**unit, "code": "A", "parent_code": "VN", "path": "VN/A"},
            ],
        )
        db.execute(
            insert(DataElement),
            [{"code": "E1", "name_vi": "E1", "name_en": "E1", "disaggregations": ["default"]}],
        )
    return engine


def _actions(period: str, numbers: list[float] = NUMBERS) -> list[Action]:
    out = []
    for i, number in enumerate(numbers):
        v = ValueIn(
            "E1",
            "A",
            period,
            f"d{i}",
            repr(number),
            comment=TRICKY if i % 3 == 0 else ("" if i % 3 == 1 else None),
            stored_by="người nhập" if i % 2 else None,
            followup=True if i % 4 == 0 else (None if i % 4 == 1 else False),
        )
        out.append(Action("insert", v, period, number=number))
    return out


def _entries(engine: Engine, period: str) -> list[tuple[Any, ...]]:
    """The data-value audit entries of ``period``, its code replaced in their keys."""
    a = AuditEntry
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.actor, a.action, a.table_name, a.row_key, a.unit_code, a.before, a.after)
            .where(a.row_key.like(f"%|{period}|%"))
            .order_by(a.id)
        ).tuples()
        return [(*r[:3], r[3].replace(period, "P"), *r[4:]) for r in rows]


def test_the_servers_audit_of_inserts_equals_the_one_spelled_out_in_python(
    pg: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(pg) as db:
        assert write._server_audits(db, "tester")
        write.apply_plan(db, _actions("202501"), actor="tester")
    by_server = _entries(pg, "202501")
    monkeypatch.setattr(write, "_server_audits", lambda _db, _actor: False)
    with transaction(pg) as db:
        write.apply_plan(db, _actions("202502"), actor="tester")
    by_python = _entries(pg, "202502")
    assert len(by_server) == len(NUMBERS)
    assert by_server == by_python  # JSON columns compared as read back
    for entry, number in zip(by_server, NUMBERS, strict=True):
        after = entry[6]
        assert type(after["value"]) is float and after["value"] == number
        assert str(after["value"]) == str(number)  # -0.0 keeps its sign
    # Each stored text is JSON of the same meaning as Python's spelling, key order included.
    with pg.connect() as conn:
        stored = conn.scalars(
            text("SELECT after::text FROM audit_log WHERE row_key LIKE '%|202501|%' ORDER BY id")
        ).all()
    spelled = [
        write._after_text(
            n, a.v.comment, a.v.stored_by or "tester", "submitted", bool(a.v.followup)
        )
        for n, a in zip(NUMBERS, _actions("202501"), strict=True)
    ]
    assert [list(json.loads(s).items()) for s in stored] == [
        list(json.loads(s).items()) for s in spelled
    ]


def test_entries_are_written_once_and_without_the_trigger_by_python(pg: Engine) -> None:
    with transaction(pg) as db:
        write.apply_plan(db, _actions("202501"), actor="tester")
        # The setting is back to empty after the write: a later insert is not audited twice.
        assert (
            db.execute(text("SELECT current_setting('chitieu.audit_inserts', true)")).scalar() == ""
        )
    with pg.begin() as conn:
        conn.execute(text("ALTER TABLE data_values DISABLE TRIGGER data_values_audit_inserts"))
    with transaction(pg) as db:
        assert not write._server_audits(db, "tester")
        write.apply_plan(db, _actions("202502"), actor="tester")
    with pg.begin() as conn:
        conn.execute(text("ALTER TABLE data_values ENABLE TRIGGER data_values_audit_inserts"))
    assert _entries(pg, "202501") == _entries(pg, "202502")
    with pg.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == 2 * len(NUMBERS)
        assert conn.scalar(select(func.count()).select_from(DataValue)) == 2 * len(NUMBERS)


def test_sqlites_audit_of_inserts_reads_back_as_the_one_spelled_out_in_python(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite builds the entries of a batch of whole numbers itself (the numbers spelled as
    Python spells those floats); a batch with any other number is spelled by Python, since
    SQLite's printf rounds some (1.7976931348623157e308 came back as …155e308)."""
    lite = _prepared(sqlite_engine)
    whole = [0.0, 12.0, 999999999999999.0, 1e15, 1234567890123456.0, 2.0**53 - 1]
    signed = [*whole, -0.0]  # -0.0 is not an integer's spelling: Python spells the batch
    built: list[bool] = []

    def watched(db: Session) -> int | None:
        last = last_id(db)
        built.append(last is not None)
        return last

    last_id = write._last_id
    monkeypatch.setattr(write, "_last_id", watched)
    cases = (("202501", "202502", whole), ("202503", "202504", signed))
    cases += (("202505", "202506", NUMBERS),)
    for period, _, numbers in cases:
        with transaction(lite) as db:
            write.apply_plan(db, _actions(period, numbers), actor="tester")
    assert built == [True]  # only the whole numbers' entries are built by SQLite
    monkeypatch.setattr(write, "_last_id", lambda _db: None)
    for _, period, numbers in cases:
        with transaction(lite) as db:
            write.apply_plan(db, _actions(period, numbers), actor="tester")
    for by_sqlite, by_python, numbers in (
        (_entries(lite, a), _entries(lite, b), numbers) for a, b, numbers in cases
    ):
        assert len(by_sqlite) == len(numbers) and by_sqlite == by_python
        for entry, number in zip(by_sqlite, numbers, strict=True):
            after = entry[6]
            assert type(after["value"]) is float and str(after["value"]) == str(number)


def test_the_audit_time_is_searched_through_a_block_range_index(pg: Engine) -> None:
    """On PostgreSQL ``audit_log.at`` has a BRIN index (cheap to keep for a log that only
    grows); entries of a time range are found through it as through the B-tree before."""
    with pg.connect() as conn:
        (definition,) = conn.scalars(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_audit_log_at'")
        )
    assert "USING brin (at)" in definition
    with transaction(pg) as db:
        write.apply_plan(db, _actions("202501"), actor="tester")
    with pg.connect() as conn:
        (at,) = set(conn.scalars(select(AuditEntry.at).where(AuditEntry.actor == "tester")))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(
            conn.scalars(
                text(
                    "EXPLAIN SELECT id FROM audit_log WHERE at >= :a AND at < :a + interval '1 s'"
                ),
                {"a": at},
            )
        )
        found = conn.scalars(
            text("SELECT count(*) FROM audit_log WHERE at >= :a AND at < :a + interval '1 s'"),
            {"a": at},
        ).one()
    assert "ix_audit_log_at" in plan and found == len(NUMBERS)
