"""Writing the demo: add what is missing (so an interrupted build can simply be run again),
audit each step, and leave a marker that says the database holds the demo."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, exists, insert, select, update
from sqlalchemy.orm import Session

from chitieu.demo.rows import DEMO_ACTOR, Row
from chitieu.ingest.birth_staging import append_rows
from chitieu.store.audit import record_change
from chitieu.store.models import AuditEntry, DataValue, Facility, ImportBatch, Unit

#: The audit action of the marker written when a build completes.
MARKER_ACTION = "demo_build"
_VALUE_KEY = ("element_code", "unit_code", "period", "disaggregation")


def demo_present(engine: Engine) -> bool:
    """True when a demo build has completed on this database (its marker is in the audit log)."""
    with engine.connect() as conn:
        return bool(conn.scalar(select(exists().where(AuditEntry.action == MARKER_ACTION))))


def demo_marker(engine: Engine) -> dict[str, Any] | None:
    """What the last completed demo build recorded (seed, scale, counts, truth table)."""
    with engine.connect() as conn:
        return conn.scalar(
            select(AuditEntry.after)
            .where(AuditEntry.action == MARKER_ACTION)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )


def insert_facilities(db: Session, rows: Sequence[Row]) -> int:
    """Insert the facilities whose code is not registered yet, each with an audit entry."""
    known = set(
        db.scalars(select(Facility.code).where(Facility.code.in_([r["code"] for r in rows])))
    )
    new = [r for r in rows if r["code"] not in known]
    if new:
        db.execute(insert(Facility), new)
    for r in new:
        record_change(
            db,
            actor=DEMO_ACTOR,
            action="insert",
            table="facilities",
            key=r["code"],
            unit_code=r["unit_code"],
            after=r,
        )
    return len(new)


def insert_values(db: Session, rows: Sequence[Row], *, step: str) -> int:
    """Insert the data values whose (element, unit, period, disaggregation) is not stored yet,
    in bulk, with one audit entry for the step (the values are many, and all synthetic)."""
    elements = sorted({r["element_code"] for r in rows})
    stored = set(
        db.execute(
            select(*(DataValue.__table__.c[k] for k in _VALUE_KEY)).where(
                DataValue.element_code.in_(elements)
            )
        ).tuples()
    )
    new = [r for r in rows if tuple(r[k] for k in _VALUE_KEY) not in stored]
    if new:
        db.execute(insert(DataValue), new)
        record_change(
            db,
            actor=DEMO_ACTOR,
            action="import",
            table="data_values",
            key=f"demo:{step}",
            after={"rows_added": len(new), "elements": elements, "synthetic": True},
        )
    return len(new)


def insert_value_tables(db: Session, tables: Iterable[pa.Table], *, step: str) -> int:
    """Insert ``data_values`` rows given as Arrow tables, one table at a time (memory holds one),
    the fastest way the database allows, with one audit entry for the step. A step whose first
    value is stored already ran before: nothing is inserted then."""
    conn = db.connection()
    total = 0
    for table in tables:
        if table.num_rows == 0:
            continue
        if total == 0:
            first = table.slice(0, 1).to_pylist()[0]
            done = db.scalar(
                select(DataValue.id)
                .where(*(DataValue.__table__.c[k] == first[k] for k in _VALUE_KEY))
                .limit(1)
            )
            if done is not None:
                return 0
        append_rows(conn, DataValue.__table__, table)
        total += table.num_rows
    if total:
        record_change(
            db,
            actor=DEMO_ACTOR,
            action="import",
            table="data_values",
            key=f"demo:{step}",
            after={"rows_added": total, "synthetic": True},
        )
    return total


def commune_provinces(engine: Engine) -> list[tuple[str, str]]:
    """Every commune's code and its province's, in code order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Unit.code, Unit.parent_code).where(Unit.level == "commune").order_by(Unit.code)
        )
        return [(code, parent) for code, parent in rows]


def label_birth_batch(db: Session, batch_id: int | None, source: str) -> None:
    """Name the demo's birth import batch for what it is (the file was a temporary one)."""
    if batch_id is not None:
        db.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(source=source))


def mark_built(db: Session, summary: dict[str, Any]) -> None:
    """Record the completed build (the marker :func:`demo_present` looks for)."""
    record_change(
        db, actor=DEMO_ACTOR, action=MARKER_ACTION, table="demo", key="demo", after=summary
    )
