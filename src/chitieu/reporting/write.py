"""Writing planned data-value changes (:class:`~chitieu.reporting.validate.Action`) in the
caller's transaction: inserts, updates and deletions of ``data_values``, the deleted values
kept in ``deleted_data_values`` (DHIS2's soft delete), and one audit entry per change whose
"before" is the stored row the plan read under the period's row lock.

Inserts and audit entries go in bulk (:mod:`chitieu.reporting.bulk`: ``COPY`` on
PostgreSQL), so a million-value import spends its time checking, not writing; the audit
entries of inserted values are built by the database from the rows just written (SQLite: an
``INSERT … SELECT``; PostgreSQL: a trigger reading the statement's rows).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import copysign
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from chitieu.reporting.bulk import (
    JSON_EXACT_INTEGERS,
    SQLITE_JSON,
    append_rows,
    json_text,
    rows_json,
)
from chitieu.reporting.own_figures import COUNTED_STATUSES
from chitieu.reporting.rollups import Pending, ValueChange, flush, gather
from chitieu.reporting.validate import Action
from chitieu.store.batches import chunks
from chitieu.store.db import dialect_name
from chitieu.store.models import AuditEntry, DataValue, DeletedDataValue

#: The columns of a new value's row that vary; its status and ``synthetic`` are the same for all.
_VALUE_COLUMNS = (
    "element_code",
    "unit_code",
    "period",
    "disaggregation",
    "value",
    "comment",
    "stored_by",
    "followup",
)
_AUDIT_COLUMNS = ("actor", "action", "table_name", "row_key", "unit_code", "before", "after")


def _row_key(a: Action) -> str:
    return f"{a.v.element}|{a.v.unit}|{a.period}|{a.v.disaggregation}"


#: What the audit records of a data value, before and after a change, on every write path.
AUDITED_FIELDS = ("value", "comment", "stored_by", "status", "followup")


def _public(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: row.get(k) for k in AUDITED_FIELDS}


def _stored(action: Action) -> dict[str, Any]:
    """The stored row an update or a delete acts on (the plan found one for each)."""
    assert action.existing is not None
    return action.existing


def _value_rows(inserts: Sequence[Action], actor: str) -> tuple[list[tuple[Any, ...]], bool]:
    """The rows of the values ``inserts`` adds (:data:`_VALUE_COLUMNS`), and whether they are
    all whole numbers below :data:`JSON_EXACT_INTEGERS` (or empty): those travel as integers,
    which SQLite reads exactly from JSON and spells exactly in the audit."""
    numbers = [a.number for a in inserts]
    exact = all(
        n is None or (n.is_integer() and abs(n) < JSON_EXACT_INTEGERS and (n or copysign(1, n) > 0))
        for n in numbers
    )  # -0.0 keeps its sign: not an integer's
    rows = [
        (
            a.v.element,
            a.v.unit,
            a.period,
            a.v.disaggregation,
            int(n) if exact and n is not None else n,
            a.v.comment,
            a.v.stored_by or actor,
            bool(a.v.followup),
        )
        for a, n in zip(inserts, numbers, strict=True)
    ]
    return rows, exact


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """A batch's changes made ready for the database without it: the actions by kind, the
    rows of the new values (and, for SQLite's one-statement insert, their JSON text), and what
    the rollups note. An import makes it in the planning thread while the batch before is
    written (:mod:`chitieu.reporting.batch_writer`), so the writer mostly runs statements."""

    actions: Sequence[Action]
    inserts: list[Action]
    updates: list[Action]
    deletes: list[Action]
    #: The new values' rows (:data:`_VALUE_COLUMNS`); whether they travel exactly as JSON.
    new_rows: list[tuple[Any, ...]]
    exact: bool
    new_json: str | None
    changed: list[ValueChange]


def plan_write(actions: Sequence[Action], actor: str, dialect: str) -> PlannedWrite:
    """:class:`PlannedWrite` of ``actions`` for a database of ``dialect``."""
    inserts = [a for a in actions if a.kind == "insert"]
    updates = [a for a in actions if a.kind == "update"]
    deletes = [a for a in actions if a.kind == "delete"]
    new_rows, exact = _value_rows(inserts, actor) if inserts else ([], False)
    as_json = exact and dialect == "sqlite" and SQLITE_JSON
    changed = [
        (a.v.unit, a.v.element, a.v.disaggregation, a.period, *_counted(a))
        for a in (*inserts, *updates, *deletes)
    ]
    return PlannedWrite(
        actions,
        inserts,
        updates,
        deletes,
        new_rows,
        exact,
        rows_json(new_rows) if as_json else None,
        changed,
    )


def apply_plan(
    db: Session,
    actions: Sequence[Action],
    *,
    actor: str,
    pending: Pending | None = None,
) -> None:
    """Write the planned changes in the caller's transaction, auditing each one
    (:func:`write_planned` of :func:`plan_write`)."""
    write_planned(db, plan_write(actions, actor, dialect_name(db)), actor=actor, pending=pending)


def write_planned(
    db: Session,
    planned: PlannedWrite,
    *,
    actor: str,
    pending: Pending | None = None,
) -> None:
    """Write the planned changes in the caller's transaction, auditing each one.

    A deleted value moves to ``deleted_data_values``; a value imported again for a deleted
    key takes its place there. ``pending``: an import of many batches settles the rollups
    and bumps the change counters once at its end (:func:`chitieu.reporting.rollups.flush`);
    without it, they are settled here."""
    conn = db.connection()  # Core statements: no ORM bulk semantics
    inserts, updates, deletes = planned.inserts, planned.updates, planned.deletes
    audited_inserts = False
    if inserts:
        # SQLite spells whole numbers exactly, but not every fraction: its printf rounds
        # some of them (1.7976931348623157e308 reads back as …155e308), so Python spells those
        first_new = _last_id(db) if planned.exact else None
        on_server = _server_audits(db, actor)
        append_rows(
            db,
            DataValue.__tablename__,
            _VALUE_COLUMNS,
            planned.new_rows,
            exact_json=planned.exact,
            same={"status": "submitted", "synthetic": False},
            json_array=planned.new_json,
        )
        if first_new is not None:
            conn.execute(_AUDIT_INSERTED, {"actor": actor, "after": first_new})
            audited_inserts = True
        elif on_server:
            conn.execute(_AUDIT_BY_SERVER_ENDS)
            audited_inserts = True
        revived = [a.tombstone["id"] for a in inserts if a.tombstone is not None]
        for chunk in chunks(revived):
            conn.execute(delete(DeletedDataValue).where(DeletedDataValue.id.in_(chunk)))
    if updates:
        stmt = (
            update(DataValue)
            .where(DataValue.id == bindparam("_id"))
            .values(
                value=bindparam("_value"),
                comment=bindparam("_comment"),
                stored_by=bindparam("_stored_by"),
                followup=bindparam("_followup"),
            )
        )
        rows = [
            {
                "_id": _stored(a)["id"],
                "_value": a.number,
                "_comment": a.v.comment if a.v.comment is not None else _stored(a)["comment"],
                "_stored_by": a.v.stored_by or actor,
                "_followup": (
                    a.existing["followup"] if a.v.followup is None else a.v.followup  # type: ignore[index]
                ),
            }
            for a in updates
        ]
        conn.execute(stmt, rows)
    _keep_deleted(db, planned.actions, actor)
    if deletes:
        ids = [_stored(a)["id"] for a in deletes]
        for chunk in chunks(ids):
            conn.execute(delete(DataValue).where(DataValue.id.in_(chunk)))
    unaudited = [*updates, *deletes] if audited_inserts else [*inserts, *updates, *deletes]
    append_rows(
        db, AuditEntry.__tablename__, _AUDIT_COLUMNS, [_audit_row(a, actor) for a in unaudited]
    )
    if pending is None:
        pending = Pending()
        gather(db, planned.changed, pending)
        flush(db, pending)
    else:
        gather(db, planned.changed, pending)


def _counted(a: Action) -> tuple[float | None, float | None]:
    """The value of an inserted, updated or deleted key as the rollups count it before and
    after the write: None when it is not counted (a value still being entered keeps its
    status through an update; an insert is submitted)."""
    old = a.existing
    counted = old is None or old["status"] in COUNTED_STATUSES
    before = old["value"] if old is not None and counted else None
    after = a.number if a.kind != "delete" and counted else None
    return before, after


#: The audit entries of the values just inserted (``id > :after``), all whole numbers below
#: :data:`~chitieu.reporting.bulk.JSON_EXACT_INTEGERS`, built by SQLite from the stored rows:
#: the same entries as :func:`_audit_row` writes (the number as Python spells such a float;
#: text quoted as JSON), without a round trip through Python for each.
_AUDIT_INSERTED = text(
    "INSERT INTO audit_log (actor, action, table_name, row_key, unit_code, before, after) "
    "SELECT :actor, 'insert', 'data_values', "
    "element_code || '|' || unit_code || '|' || period || '|' || disaggregation, unit_code, "
    "NULL, '{\"value\": ' || CASE WHEN value IS NULL THEN 'null' "
    "ELSE CAST(CAST(value AS INTEGER) AS TEXT) || '.0' END || ', \"comment\": ' || "
    "json_quote(comment) || ', \"stored_by\": ' || json_quote(stored_by) || "
    "', \"status\": ' || json_quote(status) || ', \"followup\": ' || "
    "CASE WHEN followup THEN 'true' ELSE 'false' END || '}' "
    "FROM data_values WHERE id > :after ORDER BY id"
)


#: On PostgreSQL, while set to the actor, a trigger on ``data_values`` writes the audit entries
#: of the rows each insert statement adds, from the statement's rows (migration 0015: the same
#: entries as :func:`_audit_row`), so neither Python nor a second ``COPY`` spells them out.
#: Local to the transaction, and to a savepoint rolled back. Set only where the trigger is in
#: place and enabled (a schema not yet migrated still gets its entries from Python); the
#: statement answers whether it was set.
_AUDIT_BY_SERVER = text(
    "SELECT set_config('chitieu.audit_inserts', CASE WHEN EXISTS (SELECT 1 FROM pg_trigger "
    "WHERE tgrelid = 'data_values'::regclass AND tgname = 'data_values_audit_inserts' "
    "AND tgenabled <> 'D') THEN :actor ELSE '' END, true) <> ''"
)
_AUDIT_BY_SERVER_ENDS = text("SELECT set_config('chitieu.audit_inserts', '', true)")


def _server_audits(db: Session, actor: str) -> bool:
    """Have the server write the audit entries of the values inserted next, where it can:
    whether it will."""
    return dialect_name(db) == "postgresql" and bool(
        db.execute(_AUDIT_BY_SERVER, {"actor": actor}).scalar()
    )


def _last_id(db: Session) -> int | None:
    """On SQLite, the highest id of ``data_values`` before an insert: the writer holds the
    database's only write lock, so the rows above it are exactly the rows it inserts next.
    None on PostgreSQL, where other writers' rows can interleave."""
    if dialect_name(db) != "sqlite":
        return None
    return int(db.execute(select(func.coalesce(func.max(DataValue.id), 0))).scalar_one())


def _keep_deleted(db: Session, actions: Sequence[Action], actor: str) -> None:
    """Record deleted values: those deleted now (from their stored row) and those a payload
    marks deleted where nothing is stored (a deletion made elsewhere, kept so that it travels
    on with ``includeDeleted``)."""
    conn = db.connection()
    fresh: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for a in actions:
        if a.kind == "delete":
            old = a.existing or {}
            row = {
                "value": old.get("value"),
                "comment": old.get("comment"),
                "stored_by": a.v.stored_by or actor,
                "followup": bool(old.get("followup")),
            }
        elif a.kind == "ignore" and a.v.deleted and a.existing is None:
            row = {
                "value": a.number,
                "comment": a.v.comment,
                "stored_by": a.v.stored_by or actor,
                "followup": bool(a.v.followup),
            }
            if a.tombstone is not None and all(a.tombstone[k] == x for k, x in row.items()):
                continue
        else:
            continue
        if a.tombstone is not None:
            changed.append({"_id": a.tombstone["id"], **{f"_{k}": x for k, x in row.items()}})
        else:
            key = {
                "element_code": a.v.element,
                "unit_code": a.v.unit,
                "period": a.period,
                "disaggregation": a.v.disaggregation,
            }
            fresh.append({**key, **row})
    if fresh:
        conn.execute(insert(DeletedDataValue), fresh)
    if changed:
        t = DeletedDataValue
        stmt = (
            update(t)
            .where(t.id == bindparam("_id"))
            .values(
                value=bindparam("_value"),
                comment=bindparam("_comment"),
                stored_by=bindparam("_stored_by"),
                followup=bindparam("_followup"),
                last_updated=func.now(),
            )
        )
        conn.execute(stmt, changed)


def _audit_row(a: Action, actor: str) -> tuple[Any, ...]:
    """One audit entry (:data:`_AUDIT_COLUMNS`): the stored row before, the row after."""
    after = None
    if a.kind != "delete":
        after = _after_text(
            a.number,
            a.v.comment,
            a.v.stored_by or actor,
            (a.existing or {}).get("status", "submitted"),
            bool(a.v.followup),
        )
    return (
        actor,
        a.kind,
        DataValue.__tablename__,
        _row_key(a),
        a.v.unit,
        json_text(_public(a.existing)),
        after,
    )


def _after_text(
    value: float | None, comment: str | None, stored_by: str, status: str, followup: bool
) -> str:
    """``json.dumps`` of the row after (value, comment, stored_by, status, followup), spelled
    out: a million values' audit entries cost less this way than through the encoder."""
    number = "null" if value is None else repr(value)  # finite: the planner refused others
    return (
        f'{{"value": {number}, "comment": {_js(comment)}, "stored_by": {_js(stored_by)}, '
        f'"status": {_js(status)}, "followup": {"true" if followup else "false"}}}'
    )


@lru_cache(maxsize=1024)
def _js_cached(text: str) -> str:
    return json.dumps(text)


def _js(text: str | None) -> str:
    if text is None:
        return "null"
    return _js_cached(text) if len(text) <= 100 else json.dumps(text)
