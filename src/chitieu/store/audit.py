"""The audit log: every change records who, when, what, and the row before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from chitieu.store.models import AuditEntry

SYSTEM_ACTOR = "system"


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
    """Append one audit entry inside the caller's transaction (so it commits or rolls back
    with the change it describes). ``before``/``after`` must be JSON-serialisable."""
    db.execute(
        insert(AuditEntry).values(
            actor=actor,
            action=action,
            table_name=table,
            row_key=key,
            unit_code=unit_code,
            before=before,
            after=after,
        )
    )
