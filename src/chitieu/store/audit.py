"""The audit log: every change records who, when, what, and the row before and after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from chitieu.store.models import AuditEntry

SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class Change:
    """One audited change. ``before``/``after`` must be JSON-serialisable."""

    actor: str
    action: str
    table_name: str
    row_key: str
    unit_code: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record_changes(db: Connection | Session, changes: Iterable[Change]) -> int:
    """Append many audit entries in one statement inside the caller's transaction (so they
    commit or roll back with the changes they describe). Returns how many were written."""
    rows = [asdict(c) for c in changes]
    if rows:
        db.execute(insert(AuditEntry), rows)
    return len(rows)


def record_change(
    db: Connection | Session,
    *,
    actor: str,
    action: str,
    table: str,
    key: str,
    unit_code: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry inside the caller's transaction."""
    record_changes(db, [Change(actor, action, table, key, unit_code, before, after)])
