"""The data-value import core: validate every value, then write all of them or none.

Every reader (DHIS2 JSON/CSV/XML, ADX, Excel, old-unit series) turns its input into
:class:`ValueIn` rows in chitieu's codes and calls :func:`import_values`, which

1. checks each value — the element exists, the disaggregation is one the element allows, the
   unit exists and lies in the caller's scope, the period parses, the value is a number of the
   element's type, the key is not given twice, and a locked value is not changed;
2. refuses the whole payload if any value is in conflict (nothing half-written) and reports
   one conflict per bad value, in DHIS2's shape;
3. otherwise inserts, updates or deletes in one transaction, auditing every change, unless
   ``dry_run``, which reports the same counts and writes nothing.

A value equal to the stored one is *ignored*, so importing the same payload twice changes
nothing the second time. Following DHIS2, an empty value deletes the stored one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, update
from sqlalchemy.exc import IntegrityError

from chitieu.reporting import summary as sm
from chitieu.reporting.summary import Conflict, ImportCount, ImportSummary
from chitieu.reporting.validate import (
    Action,
    ImportStrategy,
    ValueIn,
    chunks,
    parse_number,
    plan_import,
)
from chitieu.store.audit import Change, record_changes
from chitieu.store.db import transaction
from chitieu.store.models import DataValue, ImportBatch

log = logging.getLogger(__name__)

__all__ = [
    "ImportSource",
    "ImportStrategy",
    "ValueIn",
    "apply_plan",
    "count_actions",
    "import_values",
    "parse_number",
    "plan_import",
]


@dataclass(frozen=True, slots=True)
class ImportSource:
    """Where a payload came from, recorded in ``import_batches`` when an import writes."""

    kind: str  # dhis2 | adx | excel | old-units
    name: str
    sha256: str


def _row_key(a: Action) -> str:
    return f"{a.v.element}|{a.v.unit}|{a.period}|{a.v.disaggregation}"


def _public(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: row.get(k) for k in ("value", "comment", "stored_by", "status")}


def apply_plan(conn: Connection, actions: Sequence[Action], *, actor: str) -> None:
    """Write the planned changes in the caller's transaction, auditing each one."""
    inserts = [a for a in actions if a.kind == "insert"]
    updates = [a for a in actions if a.kind == "update"]
    deletes = [a for a in actions if a.kind == "delete"]
    if inserts:
        conn.execute(
            insert(DataValue),
            [
                {
                    "element_code": a.v.element,
                    "unit_code": a.v.unit,
                    "period": a.period,
                    "disaggregation": a.v.disaggregation,
                    "value": a.number,
                    "comment": a.v.comment,
                    "stored_by": a.v.stored_by or actor,
                }
                for a in inserts
            ],
        )
    if updates:
        stmt = (
            update(DataValue)
            .where(DataValue.id == bindparam("_id"))
            .values(
                value=bindparam("_value"),
                comment=bindparam("_comment"),
                stored_by=bindparam("_stored_by"),
            )
        )
        rows = [
            {
                "_id": a.existing["id"],
                "_value": a.number,  # type: ignore[index]
                "_comment": a.v.comment if a.v.comment is not None else a.existing["comment"],  # type: ignore[index]
                "_stored_by": a.v.stored_by or actor,
            }
            for a in updates
        ]
        conn.execute(stmt, rows)
    if deletes:
        ids = [a.existing["id"] for a in deletes]  # type: ignore[index]
        for chunk in chunks(ids):
            conn.execute(delete(DataValue).where(DataValue.id.in_(chunk)))
    record_changes(conn, (_audit_change(a, actor) for a in (*inserts, *updates, *deletes)))


def _audit_change(a: Action, actor: str) -> Change:
    after = None
    if a.kind != "delete":
        after = {
            "value": a.number,
            "comment": a.v.comment,
            "stored_by": a.v.stored_by or actor,
            "status": (a.existing or {}).get("status", "submitted"),
        }
    return Change(
        actor=actor,
        action=a.kind,
        table_name=DataValue.__tablename__,
        row_key=_row_key(a),
        unit_code=a.v.unit,
        before=_public(a.existing),
        after=after,
    )


def count_actions(actions: Sequence[Action]) -> ImportCount:
    c = ImportCount()
    for a in actions:
        if a.kind == "insert":
            c.imported += 1
        elif a.kind == "update":
            c.updated += 1
        elif a.kind == "delete":
            c.deleted += 1
        else:
            c.ignored += 1
    return c


def import_values(
    engine: Engine,
    values: Sequence[ValueIn],
    *,
    actor: str,
    dry_run: bool = False,
    strategy: ImportStrategy = ImportStrategy.CREATE_AND_UPDATE,
    allowed_unit: str | None = None,
    can_edit_locked: bool = False,
    prior_conflicts: Sequence[Conflict] = (),
    total: int | None = None,
    source: ImportSource | None = None,
) -> ImportSummary:
    """Validate ``values`` and write them all in one transaction, or nothing.

    ``prior_conflicts`` are problems a reader already found (unreadable rows, unknown
    identifiers); any of them, or any conflict found here, refuses the whole payload.
    ``total`` is the number of values the payload held (default: ``len(values)``)."""
    n = len(values) if total is None else total
    try:
        with transaction(engine) as session:
            conn = session.connection()
            actions, conflicts = plan_import(
                conn,
                values,
                strategy=strategy,
                allowed_unit=allowed_unit,
                can_edit_locked=can_edit_locked,
            )
            all_conflicts = [*prior_conflicts, *conflicts]
            if all_conflicts:
                log.info("import refused", extra={"values": n, "conflicts": len(all_conflicts)})
                return sm.refused(all_conflicts, n, dry_run=dry_run)
            count = count_actions(actions)
            if not dry_run:
                apply_plan(conn, actions, actor=actor)
                if source is not None and (count.imported or count.updated or count.deleted):
                    conn.execute(
                        insert(ImportBatch).values(
                            kind=source.kind,
                            source=source.name[:500],
                            sha256=source.sha256,
                            rows_read=n,
                            rows_added=count.imported,
                            imported_by=actor,
                        )
                    )
    except IntegrityError as exc:
        # Another import wrote one of these keys between our check and our write; the whole
        # transaction was rolled back, so nothing is half-written and a retry will see it.
        why = f"a concurrent change to the same values; nothing was written, retry ({exc.orig})"
        log.warning("import refused: concurrent change", extra={"values": n})
        return sm.refused([Conflict("payload", why, None, "payload")], n, dry_run=dry_run)
    log.info(
        "values imported" if not dry_run else "values checked (dry run)",
        extra={
            "source": source.kind if source else None,
            "values": n,
            "imported": count.imported,
            "updated": count.updated,
            "deleted": count.deleted,
            "ignored": count.ignored,
        },
    )
    verb = "would be" if dry_run else "were"
    return ImportSummary(
        status="SUCCESS",
        count=count,
        dry_run=dry_run,
        description=(
            f"{'Chạy thử' if dry_run else 'Đã nhập'}: {count.imported} mới, {count.updated} "
            f"cập nhật, {count.deleted} xoá, {count.ignored} không đổi. / {count.imported} "
            f"imported, {count.updated} updated, {count.deleted} deleted, {count.ignored} "
            f"ignored ({verb} applied)."
        ),
        total=n,
    )
