"""Every change an import makes is audited with the row before and after, whichever way the
entries are written: SQLite builds the entries of new values in SQL from the rows it just
inserted, other changes (and PostgreSQL's) are spelled out in Python. Both give the same
entries, stored rows and summary on a payload of creates, updates, deletes and conflicts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from chitieu.reporting import write
from chitieu.reporting.imports import ValueIn, import_values
from chitieu.store.db import make_engine
from chitieu.store.migrate import upgrade
from chitieu.store.models import AuditEntry, DataValue, DeletedDataValue

HK, HB = "00070", "00004"
TRICKY = 'tab\t"quoted" \\ newline\n và tiếng Việt'

FIRST = [
    ValueIn("LIVE_BIRTHS", HK, "202501", "M_O1", "12"),
    ValueIn("LIVE_BIRTHS", HK, "202501", "F_O1", "11", comment=TRICKY, followup=True),
    ValueIn("ACT_INSPECTIONS", HK, "202501", "default", "2", stored_by="người nhập"),
    ValueIn("POPULATION", "01", "2024", "default", "8587100"),
    ValueIn("ACT_COMM_SESSIONS", HB, "202502", "default", "7"),
]
SECOND = [
    ValueIn("LIVE_BIRTHS", HK, "202501", "M_O1", "13", index=0),  # update
    ValueIn("LIVE_BIRTHS", HK, "202501", "F_O1", "11", index=1),  # unchanged: ignored
    ValueIn("ACT_INSPECTIONS", HK, "202501", "default", None, deleted=True, index=2),  # delete
    ValueIn("ACT_PEOPLE_REACHED", HK, "202501", "default", "123456789012345", index=3),  # new
    ValueIn("ACT_PEOPLE_REACHED", HB, "202502", "default", "ba", index=4),  # conflict
    ValueIn("ACT_COMM_SESSIONS", HB, "202502", "default", "8", comment="", index=5),  # update
    ValueIn("ACT_INSPECTIONS", HB, "202502", "default", "0", followup=False, index=6),  # new
]


def _run(engine: Engine) -> tuple[list[Any], list[Any], list[dict[str, Any]]]:
    first = import_values(engine, FIRST, actor="importer")
    second = import_values(engine, SECOND, actor="editor", atomic=False)
    assert (first.status, second.status) == ("SUCCESS", "WARNING")
    with engine.connect() as conn:
        audit = [
            (a.actor, a.action, a.table_name, a.row_key, a.unit_code, a.before, a.after)
            for a in conn.execute(
                select(AuditEntry)
                .where(AuditEntry.table_name == "data_values")
                .order_by(AuditEntry.id)
            )
        ]
        values = sorted(
            tuple(r)
            for r in conn.execute(
                select(
                    DataValue.element_code,
                    DataValue.unit_code,
                    DataValue.period,
                    DataValue.disaggregation,
                    DataValue.value,
                    DataValue.comment,
                    DataValue.stored_by,
                    DataValue.status,
                    DataValue.followup,
                )
            )
        )
        values.append(conn.execute(select(DeletedDataValue.element_code)).scalars().all())
    summaries = [s.to_dict() for s in (first, second)]
    return audit, values, summaries


def test_the_audit_of_new_values_built_in_sql_equals_the_one_spelled_out(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit, values, summaries = _run(db)
    # what each entry must say, from the payloads alone
    row = {"comment": None, "stored_by": "importer", "status": "submitted", "followup": False}
    births_m = "LIVE_BIRTHS|00070|202501|M_O1"
    expected_first = [
        ("insert", births_m, HK, None, {**row, "value": 12.0}),
        (
            "insert",
            "LIVE_BIRTHS|00070|202501|F_O1",
            HK,
            None,
            {**row, "value": 11.0, "comment": TRICKY, "followup": True},
        ),
        (
            "insert",
            "ACT_INSPECTIONS|00070|202501|default",
            HK,
            None,
            {**row, "value": 2.0, "stored_by": "người nhập"},
        ),
        ("insert", "POPULATION|01|2024|default", "01", None, {**row, "value": 8587100.0}),
        ("insert", "ACT_COMM_SESSIONS|00004|202502|default", HB, None, {**row, "value": 7.0}),
    ]
    assert [(a[1], a[3], a[4], a[5], a[6]) for a in audit[:5]] == expected_first
    assert {a[0] for a in audit[:5]} == {"importer"} and {a[0] for a in audit[5:]} == {"editor"}
    second = {(a[1], a[3]): (a[5], a[6]) for a in audit[5:]}
    assert len(second) == len(audit) - 5 == 5
    assert second[("update", births_m)] == (
        {**row, "value": 12.0},
        {**row, "value": 13.0, "stored_by": "editor"},
    )
    people = second[("insert", "ACT_PEOPLE_REACHED|00070|202501|default")]
    assert people == (None, {**row, "value": 123456789012345.0, "stored_by": "editor"})
    assert type(people[1]["value"]) is float
    assert second[("delete", "ACT_INSPECTIONS|00070|202501|default")][1] is None
    assert summaries[1]["importCount"] == {"imported": 2, "updated": 2, "ignored": 2, "deleted": 1}

    # the same payloads with every entry spelled out in Python: the same everything
    engine_b = _fresh_like(db)
    monkeypatch.setattr(write, "_last_id", lambda _db: None)
    audit_b, values_b, summaries_b = _run(engine_b)
    assert (audit_b, values_b, summaries_b) == (audit, values, summaries)


def _fresh_like(engine: Engine) -> Engine:
    """An empty database of the same kind (PostgreSQL: the same one, emptied), with units and
    catalogue loaded."""
    from tests.conftest import _fresh_pg_engine
    from tests.exchange.conftest import _load

    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    if engine.dialect.name == "sqlite":
        other = make_engine(url.replace(".db", "-b.db"))
        upgrade(other)
        return _load(other)
    return _load(_fresh_pg_engine(url))
