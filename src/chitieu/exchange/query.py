"""Read stored data values back for export, selected the way DHIS2's export selects them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, or_, select

from chitieu.catalog.periods import parse_period
from chitieu.reporting.validate import chunks
from chitieu.store.models import DataElement, DataValue, Unit


@dataclass(frozen=True, slots=True)
class StoredValue:
    element: str
    unit: str
    unit_name: str
    period: str
    disaggregation: str
    value: float
    value_type: str
    comment: str | None
    stored_by: str | None
    created: datetime | None
    last_updated: datetime | None
    status: str


def format_value(value: float, value_type: str) -> str:
    """A stored value as DHIS2 writes it: counts without decimals (``12``), other numbers in
    their shortest exact spelling (``12.5``)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _matching_periods(
    conn: Connection, periods: Sequence[str] | None, start: date | None, end: date | None
) -> list[str] | None:
    """Canonical periods to select: the given ones, or the stored ones lying wholly within
    ``start``–``end`` (DHIS2's startDate/endDate rule); None means every period."""
    if periods:
        return sorted({parse_period(p).code for p in periods})
    if start is None and end is None:
        return None
    chosen = []
    for (code,) in conn.execute(select(DataValue.period).distinct()):
        try:
            p = parse_period(code)
        except ValueError:
            continue
        if (start is None or p.start >= start) and (end is None or p.end <= end):
            chosen.append(code)
    return chosen


def query_values(
    conn: Connection,
    *,
    units: Sequence[str] | None = None,
    children: bool = False,
    periods: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    elements: Sequence[str] | None = None,
) -> list[StoredValue]:
    """Stored values of ``elements`` (all when None) for ``units`` (all when None; with
    ``children``, every unit below them too) in ``periods`` or within ``start``–``end``.

    Periods may be given in any DHIS2 spelling; ``ValueError`` when one does not parse."""
    wanted_periods = _matching_periods(conn, periods, start, end)
    if wanted_periods == []:
        return []
    stmt = (
        select(
            DataValue.element_code,
            DataValue.unit_code,
            Unit.name,
            DataValue.period,
            DataValue.disaggregation,
            DataValue.value,
            DataElement.value_type,
            DataValue.comment,
            DataValue.stored_by,
            DataValue.created,
            DataValue.last_updated,
            DataValue.status,
        )
        .join(Unit, Unit.code == DataValue.unit_code)
        .join(DataElement, DataElement.code == DataValue.element_code)
    )
    if elements is not None:
        stmt = stmt.where(DataValue.element_code.in_(list(elements)))
    if units is not None:
        if children:
            paths = conn.scalars(select(Unit.path).where(Unit.code.in_(list(units)))).all()
            if not paths:
                return []
            stmt = stmt.where(or_(*(or_(Unit.path == p, Unit.path.like(f"{p}/%")) for p in paths)))
        else:
            stmt = stmt.where(DataValue.unit_code.in_(list(units)))
    rows = []
    if wanted_periods is None:
        rows = list(conn.execute(stmt))
    else:
        for chunk in chunks(wanted_periods):
            rows += list(conn.execute(stmt.where(DataValue.period.in_(list(chunk)))))
    out = [StoredValue(*row) for row in rows]
    out.sort(key=lambda v: (v.unit, v.period, v.element, v.disaggregation))
    return out
