"""Rows the demo writes (facilities, data values), each labelled synthetic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chitieu.demo.communes import labelled

DEMO_ACTOR = "chitieu-demo"
#: What every demo data value says in its comment, before any specific note.
VALUE_NOTE = labelled("Số liệu chitieu demo")

Row = dict[str, Any]


def facility_row(
    code: str,
    unit_code: str,
    name: str,
    kind: str,
    ownership: str,
    *,
    beds: int | None = None,
    ultrasound: bool = False,
    obstetrics: bool = False,
) -> Row:
    """A ``facilities`` row; the name carries the synthetic label."""
    return {
        "code": code,
        "unit_code": unit_code,
        "name": labelled(name),
        "kind": kind,
        "ownership": ownership,
        "offers_ultrasound": ultrasound,
        "offers_obstetrics": obstetrics,
        "beds": beds,
        "synthetic": True,
    }


def reported_at(period: str) -> datetime:
    """When a demo figure for ``period`` was entered: the 10th of the month after a month, or
    15 February of the next year for an annual figure (deterministic, so rebuilds match)."""
    if len(period) == 4:
        return datetime(int(period) + 1, 2, 15, 9, 0)
    year, month = int(period[:4]), int(period[4:6])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 10, 9, 0)


def value_row(
    element: str,
    unit_code: str,
    period: str,
    value: float,
    *,
    disaggregation: str = "default",
    note: str | None = None,
    status: str = "submitted",
    at: datetime | None = None,
) -> Row:
    """A ``data_values`` row, synthetic, with the demo note (and ``note``) as its comment."""
    at = at or reported_at(period)
    return {
        "element_code": element,
        "unit_code": unit_code,
        "period": period,
        "disaggregation": disaggregation,
        "value": float(value),
        "comment": f"{VALUE_NOTE}. {note}" if note else VALUE_NOTE,
        "stored_by": DEMO_ACTOR,
        "status": status,
        "synthetic": True,
        "created": at,
        "last_updated": at,
    }
