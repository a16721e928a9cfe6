"""Birth counts by unit, period, sex, birth order and earlier children, from the aggregates.

Every function reads ``birth_aggregates`` or, when no month is asked for, its yearly rollup
``birth_year_aggregates`` (never the records), so a page, a report or an estimate costs a small
group-by whatever the number of records. Birth order is capped at 4
(4 = fourth or later) and earlier boys and girls at 2 (2 = two or more), as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnCollection,
    ColumnElement,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from chitieu.store.models import BirthAggregate, BirthYearAggregate, Unit
from chitieu.units.queries import get_unit, subtree_codes

#: The columns ``birth_counts`` can group by.
AGGREGATE_KEYS = ("unit_code", "year", "month", "sex", "birth_order", "prev_boys", "prev_girls")

_AGG = BirthAggregate.__table__.c
_YEARLY = BirthYearAggregate.__table__.c


def _within(db: Session, unit_code: str, c: ColumnCollection = _AGG) -> ColumnElement[bool]:
    """Aggregates of ``unit_code`` and every unit below it (``Unit.path`` prefix);
    :class:`~chitieu.units.queries.UnknownUnitError` if the code is unknown."""
    path = get_unit(db, unit_code).path
    return c.unit_code.in_(subtree_codes(path))


def _matches(column: ColumnElement[Any], wanted: int | Iterable[int] | None):
    if wanted is None:
        return None
    if isinstance(wanted, int):
        return column == wanted
    return column.in_(list(wanted))


def _filters(
    birth_order: int | Iterable[int] | None,
    prev_boys: int | Iterable[int] | None,
    prev_girls: int | Iterable[int] | None,
    years: Iterable[int] | None,
    c: ColumnCollection = _AGG,
) -> list[ColumnElement[bool]]:
    conds = [
        _matches(c.birth_order, birth_order),
        _matches(c.prev_boys, prev_boys),
        _matches(c.prev_girls, prev_girls),
        _matches(c.year, years),
    ]
    return [c for c in conds if c is not None]


def birth_counts(
    db: Session,
    unit_code: str | None = None,
    *,
    by: Sequence[str] = ("year", "sex", "birth_order"),
    birth_order: int | Iterable[int] | None = None,
    prev_boys: int | Iterable[int] | None = None,
    prev_girls: int | Iterable[int] | None = None,
    years: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """Births summed over ``unit_code`` and everything below it (all units when None),
    grouped by the columns ``by`` (from :data:`AGGREGATE_KEYS`), sorted by them.

    Each row is a dict with the ``by`` keys and ``births`` (an int). ``birth_order``,
    ``prev_boys``, ``prev_girls`` and ``years`` keep only those values (one or several; the
    capped values: ``birth_order=(3, 4)`` is third-or-later births)."""
    unknown = [k for k in by if k not in AGGREGATE_KEYS]
    if unknown:
        raise ValueError(f"cannot group births by {unknown}: choose from {AGGREGATE_KEYS}")
    c = _AGG if "month" in by else _YEARLY  # the rollup has every other key
    keys = [c[k] for k in by]
    total = cast(func.coalesce(func.sum(c.births), 0), BigInteger).label("births")
    query = select(*keys, total)
    if unit_code is not None:
        query = query.where(_within(db, unit_code, c))
    query = query.where(*_filters(birth_order, prev_boys, prev_girls, years, c))
    query = query.group_by(*keys).order_by(*keys)
    return [dict(r._mapping) for r in db.execute(query)]


def commune_sex_counts(
    db: Session,
    parent_code: str,
    *,
    birth_order: int | Iterable[int] | None = None,
    prev_boys: int | Iterable[int] | None = None,
    prev_girls: int | Iterable[int] | None = None,
    years: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """Male and female births per commune and year for the communes below ``parent_code``
    (a province, or ``VN`` for all): rows ``{unit, year, male, female, parent}`` sorted by
    unit and year, where ``parent`` is the commune's province — the input of the SRB
    smoother (``chitieu srb estimate``'s CSV columns). Commune-years without births are absent.
    The filters are those of :func:`birth_counts` (``birth_order=3, prev_boys=0,
    prev_girls=2`` gives third births after two girls)."""
    c = _YEARLY
    male = func.sum(case((c.sex == "M", c.births), else_=0))
    female = func.sum(case((c.sex == "F", c.births), else_=0))
    query = (
        select(
            c.unit_code.label("unit"),
            c.year,
            cast(male, BigInteger).label("male"),
            cast(female, BigInteger).label("female"),
            Unit.parent_code.label("parent"),
        )
        .join(Unit, Unit.code == c.unit_code)
        .where(_within(db, parent_code, c), Unit.level == "commune")
        .where(*_filters(birth_order, prev_boys, prev_girls, years, c))
        .group_by(c.unit_code, c.year, Unit.parent_code)
        .order_by(c.unit_code, c.year)
    )
    return [dict(r._mapping) for r in db.execute(query)]
