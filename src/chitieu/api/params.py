"""Query parameters every list shares: pagination, unit (with "and everything below"), and a
period range in DHIS2 spellings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import Session

from chitieu.api.db import DB
from chitieu.api.deps import CurrentUser, ensure_within
from chitieu.api.errors import ApiError
from chitieu.auth.users import Principal
from chitieu.catalog.periods import Period, parse_period
from chitieu.units.queries import subtree_codes

MAX_PAGE_SIZE = 1000
#: Highest page number: 100,000 pages of 1,000 items is more than any list here holds, and
#: keeps the row offset inside every database's integer range.
MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


async def page_params(
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1 (≤ 100,000).")
    ] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (≤ 1000).")
    ] = 100,
) -> PageParams:
    return PageParams(page, page_size)


Paging = Annotated[PageParams, Depends(page_params)]


def page_of(items: list[Any], total: int, paging: PageParams) -> dict[str, Any]:
    """The JSON shape of every list: ``{items, total, page, page_size}``."""
    return {"items": items, "total": total, "page": paging.page, "page_size": paging.page_size}


def paginate(db: Session, query: Select[Any], paging: PageParams) -> tuple[list[Any], int]:
    """One page of ``query``'s rows (it must be ordered) and the count of all its rows."""
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.execute(query.limit(paging.page_size).offset(paging.offset)).all()
    return list(rows), int(total)


def paginate_list(items: list[Any], paging: PageParams) -> dict[str, Any]:
    """:func:`page_of` for a list already in memory."""
    return page_of(items[paging.offset : paging.offset + paging.page_size], len(items), paging)


# --- unit scope -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitScope:
    """The unit a list is filtered to: ``code`` alone, or with ``children`` everything below."""

    code: str
    path: str
    children: bool

    def condition(self, column: Any) -> ColumnElement[bool]:
        """SQL condition on a column holding unit codes."""
        if not self.children:
            return column == self.code
        if "/" not in self.path:  # the country: every unit
            return true()
        return column.in_(subtree_codes(self.path))

    def covers_path(self, path: str) -> bool:
        if not self.children:
            return path.rsplit("/", 1)[-1] == self.code
        return path == self.path or path.startswith(self.path + "/")


def resolve_scope(user: Principal, db: Session, unit: str | None, children: bool) -> UnitScope:
    """The unit filter for ``user``: the unit asked for (403 outside the user's unit, 404
    unknown), or without one the user's unit and everything below it."""
    if unit is None:
        return UnitScope(user.unit_code, user.unit_path, True)
    info = ensure_within(user, unit, db)
    return UnitScope(info.code, info.path, children)


def unit_scope(
    user: CurrentUser,
    db: DB,
    unit: Annotated[
        str | None,
        Query(description="Unit code (zero-padded: VN, 01, 00070). Default: your unit."),
    ] = None,
    children: Annotated[
        bool, Query(description="Include every unit below `unit` (default when no unit).")
    ] = False,
) -> UnitScope:
    return resolve_scope(user, db, unit, children)


Scope = Annotated[UnitScope, Depends(unit_scope)]


# --- period ranges ----------------------------------------------------------------------------


def _parse(name: str, text: str | None) -> Period | None:
    if text is None or text == "":
        return None
    try:
        return parse_period(text)
    except ValueError as exc:
        raise ApiError(422, str(exc), details={"parameter": name, "value": text}) from None


@dataclass(frozen=True, slots=True)
class PeriodRange:
    """Periods that lie wholly inside [start of ``start``, end of ``end``] (either open)."""

    first_day: date | None
    last_day: date | None

    @property
    def open(self) -> bool:
        return self.first_day is None and self.last_day is None

    def contains(self, period: Period) -> bool:
        return (self.first_day is None or period.start >= self.first_day) and (
            self.last_day is None or period.end <= self.last_day
        )

    def period_condition(self, db: Session, column: Any) -> ColumnElement[bool]:
        """SQL condition on a column of DHIS2 period codes. The codes present are read once
        (every DHIS2 period code starts with its year, so a year window narrows the scan),
        parsed, and those inside the range kept; a stored code that does not parse is left
        out."""
        if self.open:
            return true()
        lo = str(self.first_day.year - 1) if self.first_day else None
        hi = str(self.last_day.year + 2) if self.last_day else None
        query = select(column).distinct()
        if lo:
            query = query.where(column >= lo)
        if hi:
            query = query.where(column < hi)
        keep = []
        for code in db.scalars(query):
            try:
                if self.contains(parse_period(code)):
                    keep.append(code)
            except ValueError:
                continue
        return column.in_(keep)

    def month_condition(self, year: Any, month: Any) -> ColumnElement[bool]:
        """SQL condition on (year, month) columns: the months inside the range."""
        index = year * 12 + (month - 1)
        parts = []
        if self.first_day is not None:
            first = self.first_day.year * 12 + self.first_day.month - 1
            if self.first_day.day > 1:
                first += 1  # a month that starts before the range is not wholly inside it
            parts.append(index >= first)
        if self.last_day is not None:
            last = self.last_day.year * 12 + self.last_day.month - 1
            if (self.last_day + timedelta(days=1)).day != 1:
                last -= 1  # the range ends before the month does
            parts.append(index <= last)
        return and_(true(), *parts)


async def period_range(
    start: Annotated[
        str | None, Query(description="First period (DHIS2: 2020, 2020Q1, 202001).")
    ] = None,
    end: Annotated[str | None, Query(description="Last period (DHIS2 spelling).")] = None,
) -> PeriodRange:
    first, last = _parse("start", start), _parse("end", end)
    if first and last and first.start > last.end:
        raise ApiError(
            422, f"start {start} is after end {end}", details={"start": start, "end": end}
        )
    return PeriodRange(first.start if first else None, last.end if last else None)


Periods = Annotated[PeriodRange, Depends(period_range)]
