"""A unit's own figure per (element, disaggregation, year), counted by the database.

Within a year a cell reported at several period types is read from the coarsest one (an
annual figure beats the sum of its months), so a figure is never counted twice: ``total`` sums
that type's periods (flows) and ``latest`` is the value of its last period (stocks). Only
submitted and locked values count.

The database groups the values itself, so a recount of a million values returns one row per
cell and period type instead of every value. It needs each stored period's year, type rank
and start, which only Python can read from the period's spelling: they are written to a
temporary table of the connection (:data:`PLACES`), a pure function of the spelling that
stays valid for as long as the connection lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from chitieu.catalog.periods import PeriodType, parse_period
from chitieu.store.db import core, dialect_name
from chitieu.store.keys import for_each, key_conditions
from chitieu.store.models import DataValue

#: Period types from the coarsest to the finest. Within a year, a cell reported at several
#: types is read from the coarsest one (an annual figure beats the sum of its months), so a
#: figure is never counted twice. Each type has a rank of its own: quarters starting in
#: November are never added to calendar quarters.
PERIOD_PRECEDENCE: tuple[PeriodType, ...] = (
    PeriodType.YEARLY,
    PeriodType.FINANCIAL_APRIL,
    PeriodType.FINANCIAL_JULY,
    PeriodType.FINANCIAL_SEP,
    PeriodType.FINANCIAL_OCT,
    PeriodType.FINANCIAL_NOV,
    PeriodType.SIX_MONTHLY,
    PeriodType.SIX_MONTHLY_APRIL,
    PeriodType.SIX_MONTHLY_NOV,
    PeriodType.QUARTERLY,
    PeriodType.QUARTERLY_NOV,
    PeriodType.BI_MONTHLY,
    PeriodType.MONTHLY,
    PeriodType.BI_WEEKLY,
    PeriodType.WEEKLY,
    PeriodType.WEEKLY_WEDNESDAY,
    PeriodType.WEEKLY_THURSDAY,
    PeriodType.WEEKLY_SATURDAY,
    PeriodType.WEEKLY_SUNDAY,
    PeriodType.DAILY,
)
RANK = {t: i for i, t in enumerate(PERIOD_PRECEDENCE)}

#: Values still being entered are not figures yet.
COUNTED_STATUSES = ("submitted", "locked")

Cell = tuple[str, str, str, int]  # unit, element, disaggregation, year


class Figure(NamedTuple):
    """A unit's own figure for a cell: the rank of the period type it is read from, the sum
    of that type's values, the value of its last period, the ordinal of that period's first
    day and the number of values summed (the last two None where a stored figure predates
    them)."""

    rank: int
    total: float
    latest: float
    start: int | None
    counted: int | None


def year_of(start: date, end: date) -> int:
    """The calendar year a period counts in: the one holding most of its days (for a week, the
    year of its Thursday, as ISO weeks; ``2025April``, April 2025–March 2026, counts in 2025)."""
    if start.year == end.year:
        return start.year
    days_in_first = (date(start.year, 12, 31) - start).days + 1
    return start.year if 2 * days_in_first >= (end - start).days + 1 else end.year


@lru_cache(maxsize=65536)
def period_place(text_: str) -> tuple[int, int, int] | None:
    """(year it counts in, rank of its type, ordinal of its start day) of a stored period;
    None for an unreadable one (the importers store canonical spellings only)."""
    try:
        p = parse_period(text_)
    except ValueError:
        return None
    return year_of(p.start, p.end), RANK[p.type], p.start.toordinal()


#: Each stored period's place (:func:`period_place`), for the database to group values by.
PLACES = Table(
    "own_figure_period_places",
    MetaData(),
    Column("period", String(16), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)


def place_periods(db: Session, units: Sequence[str] | None) -> None:
    """Make :data:`PLACES` hold every readable period stored for ``units`` (all when None),
    before :func:`own_figures` counts their values. The table is made in the caller's
    transaction when the connection lacks it (a rollback takes it away again, so it is asked
    for each time)."""
    conn = core(db)
    conn.execute(CreateTable(PLACES, if_not_exists=True))
    if units is not None and not units:
        return
    dv = DataValue
    stored: set[str] = set()
    query = select(dv.period).distinct()
    for statement in for_each(conn, query, dv.unit_code, units or []):
        stored.update(conn.scalars(statement))
    stored -= set(conn.scalars(select(PLACES.c.period)))
    rows = []
    for period in sorted(stored):
        place = period_place(period)
        if place is not None:
            rows.append({"period": period, "year": place[0], "rank": place[1], "start": place[2]})
    if rows:
        conn.execute(insert(PLACES), rows)


def _last(dialect: str) -> tuple[Any, ...]:
    """Columns giving, per group, the first day of the period that starts last and its
    value."""
    place = PLACES.c
    if dialect == "postgresql":
        ordered = aggregate_order_by(DataValue.value, place.start.desc())
        return (func.max(place.start), array_agg(ordered)[1])
    # SQLite: with exactly one max() in a query, a bare column is read from the row holding
    # the maximum.
    return (func.max(place.start), DataValue.value)


def own_figures(db: Session, triples: Sequence[tuple[str, str, str]] | None) -> dict[Cell, Figure]:
    """Every year's own figure of these (unit, element, disaggregation), or of every stored
    one when ``triples`` is None, from the values in the database now. :func:`place_periods`
    must have been called for their units since their periods were written."""
    conn = core(db)
    dv, place = DataValue, PLACES.c
    cell = (dv.unit_code, dv.element_code, dv.disaggregation, place.year)
    query = (
        select(
            *cell, place.rank, func.sum(dv.value), func.count(dv.value), *_last(dialect_name(db))
        )
        .join_from(DataValue, PLACES, place.period == dv.period)
        .where(dv.status.in_(COUNTED_STATUSES), dv.value.is_not(None))
        .group_by(*cell, place.rank)
    )
    columns = (dv.unit_code, dv.element_code, dv.disaggregation)
    conditions = [()] if triples is None else key_conditions(conn, columns, triples, narrow=(0, 1))
    out: dict[Cell, Figure] = {}
    for where in conditions:
        for unit, element, disaggregation, year, rank, total, n, start, last in conn.execute(
            query.where(*where)
        ):
            key = (unit, element, disaggregation, int(year))
            have = out.get(key)
            if have is None or rank < have.rank:
                out[key] = Figure(int(rank), float(total), float(last), int(start), int(n))
    return out
