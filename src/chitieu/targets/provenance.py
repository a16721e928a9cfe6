"""Whether the figures shown for a unit rest on synthetic (demo) data, so every page and
report that shows them can say so ("số liệu mô phỏng")."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from chitieu.store.models import (
    ActivityReport,
    DataValue,
    Facility,
    ImportBatch,
    Inspection,
)
from chitieu.units.queries import get_unit, subtree_codes

#: How the demo generator marks its birth imports (births carry no flag of their own).
DEMO_BATCH_KINDS = ("demo", "births-demo", "synthetic")
DEMO_ACTORS = ("demo", "chitieu-demo")


def uses_synthetic_data(db: Session, unit_code: str) -> bool:
    """True when any data value, facility, inspection or activity report at or below
    ``unit_code`` is flagged synthetic, or any birth import came from the demo generator."""
    path = get_unit(db, unit_code).path
    units = subtree_codes(path)
    checks = [
        exists().where(DataValue.synthetic, DataValue.unit_code.in_(units)),
        exists().where(Facility.synthetic, Facility.unit_code.in_(units)),
        exists().where(ActivityReport.synthetic, ActivityReport.unit_code.in_(units)),
        exists().where(
            Inspection.synthetic,
            Inspection.facility_code == Facility.code,
            Facility.unit_code.in_(units),
        ),
        exists().where(
            or_(
                ImportBatch.kind.in_(DEMO_BATCH_KINDS),
                ImportBatch.imported_by.in_(DEMO_ACTORS),
            )
        ),
    ]
    return bool(db.scalar(select(or_(*checks))))
