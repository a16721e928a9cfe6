"""Find units by name, with or without diacritics ("Hoan Kiem" finds "Phường Hoàn Kiếm")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from chitieu.store.models import Unit
from chitieu.units.names import fold
from chitieu.units.queries import (
    UNIT_COLUMNS,
    UnitInfo,
    check_level,
    get_unit,
    in_subtree,
    unit_info,
)

#: Folded division-type words that open unit names ("Phường Hoàn Kiếm", "Thành phố Hà Nội"), so
#: that "hoan kiem" counts as an exact match for "phuong hoan kiem".
NAME_PREFIXES = ("xa", "phuong", "dac khu", "thanh pho", "tinh")


def search_units(
    db: Session,
    text: str,
    level: str | None = None,
    parent: str | None = None,
    limit: int = 20,
) -> list[UnitInfo]:
    """Units whose name contains ``text``, compared without diacritics or case.

    Ranked: exact name (with or without its division word) first, then names starting with
    ``text``, then names with a word starting with it, then any other match; within a rank,
    names matching ``text``'s own diacritics first (so "Hà Nam" puts "Hà" before "Hạ"), then
    provinces before communes, then by name. ``level`` restricts the level; ``parent`` restricts
    to units below that unit (any depth). Raises ``ValueError`` for empty text or a bad level,
    :class:`~chitieu.units.queries.UnknownUnitError` for an unknown parent."""
    check_level(level)
    q = fold(text)
    if not q:
        raise ValueError("search text is empty")
    name = Unit.name_ascii
    exact = [q, *(f"{p} {q}" for p in NAME_PREFIXES)]
    rank = case(
        (name.in_(exact), 0),
        (or_(*(name.startswith(x, autoescape=True) for x in exact)), 1),
        (name.contains(" " + q, autoescape=True), 2),
        else_=3,
    )
    order: list[ColumnElement[Any] | InstrumentedAttribute[str]] = [rank]
    typed = " ".join(text.split())
    if typed.lower() != q:  # the query has diacritics: prefer names that share them
        order.append(case((Unit.name.icontains(typed, autoescape=True), 0), else_=1))
    level_order = case((Unit.level == "country", 0), (Unit.level == "province", 1), else_=2)
    order += [level_order, func.length(name), name, Unit.code]
    query = select(*UNIT_COLUMNS).where(name.contains(q, autoescape=True))
    if level is not None:
        query = query.where(Unit.level == level)
    if parent is not None:
        query = query.where(in_subtree(get_unit(db, parent).path))
    query = query.order_by(*order)
    return [unit_info(r) for r in db.execute(query.limit(limit))]
