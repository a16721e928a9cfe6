"""Read stored data values back for export, selected the way DHIS2's export selects them."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import literal, or_, select
from sqlalchemy.orm import Session

from chitieu.catalog.periods import parse_period
from chitieu.store.models import DataElement, DataValue, DeletedDataValue, Unit


@dataclass(frozen=True, slots=True)
class StoredValue:
    element: str
    unit: str
    unit_name: str
    period: str
    disaggregation: str
    value: float | None
    value_type: str
    comment: str | None
    stored_by: str | None
    created: datetime | None
    last_updated: datetime | None
    status: str
    followup: bool = False
    deleted: bool = False


#: Rows fetched 2,000 at a time (a server-side cursor on PostgreSQL), for this statement only:
#: an export of any size holds one batch, and the caller's connection keeps its own options.
_STREAM = {"yield_per": 2000}


def format_value(value: float | None, value_type: str) -> str:
    """A stored value as DHIS2 writes it: counts without decimals (``12``), other numbers in
    their shortest exact spelling (``12.5``); a deleted value kept without one: ``""``."""
    if value is None:
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _matching_periods(
    db: Session, periods: Sequence[str] | None, start: date | None, end: date | None
) -> list[str] | None:
    """Canonical periods to select: the given ones, or the stored ones lying wholly within
    ``start``–``end`` (DHIS2's startDate/endDate rule); None means every period."""
    if periods:
        return sorted({parse_period(p).code for p in periods})
    if start is None and end is None:
        return None
    chosen = []
    for (code,) in db.execute(select(DataValue.period).distinct()):
        try:
            p = parse_period(code)
        except ValueError:
            continue
        if (start is None or p.start >= start) and (end is None or p.end <= end):
            chosen.append(code)
    return chosen


def _select(table: Any, deleted: bool) -> Any:
    status = literal("deleted") if deleted else table.status
    return (
        select(
            table.element_code,
            table.unit_code,
            Unit.name,
            table.period,
            table.disaggregation,
            table.value,
            DataElement.value_type,
            table.comment,
            table.stored_by,
            table.created,
            table.last_updated,
            status,
            table.followup,
            literal(deleted),
        )
        .join(Unit, Unit.code == table.unit_code)
        .join(DataElement, DataElement.code == table.element_code)
    )


def query_values(
    db: Session,
    *,
    units: Sequence[str] | None = None,
    children: bool = False,
    periods: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    elements: Sequence[str] | None = None,
    include_deleted: bool = False,
    last_updated: datetime | None = None,
    limit: int | None = None,
) -> Iterator[StoredValue]:
    """Stored values of ``elements`` (all when None) for ``units`` (all when None; with
    ``children``, every unit below them too) in ``periods`` or within ``start``–``end``,
    streamed in (unit, period, element, disaggregation) order.

    ``include_deleted`` adds the deleted values kept from DHIS2 exchanges (``deleted``
    true); ``last_updated`` keeps values changed at or after that time (UTC); ``limit`` stops
    after that many. Periods may be given in any DHIS2 spelling; ``ValueError`` when one does
    not parse."""
    wanted_periods = _matching_periods(db, periods, start, end)
    if wanted_periods == []:
        return iter(())
    unit_paths: list[str] | None = None
    if units is not None and children:
        unit_paths = list(db.scalars(select(Unit.path).where(Unit.code.in_(list(units)))))
        if not unit_paths:
            return iter(())

    def statement(table: Any, deleted: bool) -> Any:
        stmt = _select(table, deleted)
        if elements is not None:
            stmt = stmt.where(table.element_code.in_(list(elements)))
        if unit_paths is not None:
            stmt = stmt.where(
                or_(*(or_(Unit.path == p, Unit.path.like(f"{p}/%")) for p in unit_paths))
            )
        elif units is not None:
            stmt = stmt.where(table.unit_code.in_(list(units)))
        if wanted_periods is not None:
            stmt = stmt.where(table.period.in_(wanted_periods))
        if last_updated is not None:
            stmt = stmt.where(table.last_updated >= last_updated)
        return stmt.order_by(
            table.unit_code, table.period, table.element_code, table.disaggregation
        )

    def rows(table: Any, deleted: bool) -> Iterator[StoredValue]:
        result = db.connection().execute(statement(table, deleted), execution_options=_STREAM)
        for row in result:
            yield StoredValue(*row)

    streams = [rows(DataValue, False)]
    if include_deleted:
        streams.append(rows(DeletedDataValue, True))
    merged = heapq.merge(*streams, key=lambda v: (v.unit, v.period, v.element, v.disaggregation))
    return itertools.islice(merged, limit) if limit is not None else merged
