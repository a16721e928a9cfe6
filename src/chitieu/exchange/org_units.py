"""Units as DHIS2 organisation units and levels, queried in SQL within the caller's subtree.

An org unit's ``id`` is the unit's stored UID, ``code`` its official code, ``level`` 1
(country), 2 (province) or 3 (commune), ``path`` the UIDs from the country down
(``/uidVN/uid01/uid00070``). Filters on ``id``, ``code``, the names, ``level``, ``parent.id``,
``parent.code`` and ``lastUpdated``/``created`` run in SQL with paging; any other filter or
order reads the subtree (3,356 units at most) and filters it in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from chitieu.exchange.metadata_query import (
    Fields,
    Filter,
    Paging,
    Projection,
    QueryError,
    like_pattern,
    needs,
    plain,
    project,
    select_objects,
    sort_objects,
)
from chitieu.store.models import Unit
from chitieu.store.uids import derived_uid
from chitieu.units.names import fold
from chitieu.units.queries import LEVELS, in_subtree

#: Level numbers as DHIS2 counts them (1 is the root).
LEVEL_NUMBER = {name: i + 1 for i, name in enumerate(LEVELS)}
LEVEL_NAMES = {
    "country": ("Quốc gia", "Country"),
    "province": ("Tỉnh, thành phố", "Province"),
    "commune": ("Xã, phường, đặc khu", "Commune"),
}
#: The date the 2025 hierarchy (34 provinces, 3,321 communes) took effect.
OPENING_DATE = "2025-07-01T00:00:00.000"

Parent = aliased(Unit)
_LEVEL_NO = case(LEVEL_NUMBER, value=Unit.level)
_NAMES = ("name", "displayName", "shortName", "displayShortName")


def _stamp(t: datetime | None) -> str | None:
    return t.isoformat(timespec="milliseconds") if t else None


def level_objects() -> list[dict[str, Any]]:
    """``organisationUnitLevels``: one object per level."""
    out = []
    for name, number in LEVEL_NUMBER.items():
        vi, en = LEVEL_NAMES[name]
        out.append(
            {
                "id": derived_uid("organisationUnitLevel", name),
                "code": name,
                "name": vi,
                "displayName": vi,
                "englishName": en,
                "level": number,
                "offlineLevels": None,
            }
        )
    return out


def _sql_value(f: Filter, column: Any, convert: Callable[[str], Any]) -> ColumnElement[bool]:
    try:
        value = convert(f.value or "") if f.value is not None else None
        values = [convert(v) for v in f.values]
    except ValueError:
        raise QueryError(f"filter {'.'.join(f.path)}: unreadable value {f.value!r}") from None
    op = f.op
    if op == "null":
        return column.is_(None)
    if op == "!null":
        return column.is_not(None)
    if op == "eq":
        return column == value
    if op in ("!eq", "ne"):
        return or_(column != value, column.is_(None))
    if op == "ieq":
        return func.lower(column) == str(value).lower()
    if op == "in":
        return column.in_(values) if values else false()
    if op == "!in":
        return not_(column.in_(values)) if values else true()
    comparisons = {"gt": column > value, "ge": column >= value, "lt": column < value}
    if op in comparisons:
        return comparisons[op]
    if op == "le":
        return column <= value
    bare = op.lstrip("!")
    pattern = like_pattern(bare, str(value))
    if "ilike" in bare and column is Unit.name and plain(str(value)):
        # without diacritics: matches with or without them (the stored folded name)
        hit = Unit.name_ascii.like(like_pattern(bare, fold(str(value))), escape="\\")
    elif "ilike" in bare:
        hit = column.ilike(pattern, escape="\\")
    else:
        hit = column.like(pattern, escape="\\")
    return not_(hit) if op.startswith("!") else hit


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def _level(text: str) -> int:
    return int(text)


def sql_condition(f: Filter) -> ColumnElement[bool] | None:
    """The filter as a SQL condition, or None when it must run in Python."""
    path = f.path
    if path == ("id",):
        return _sql_value(f, Unit.uid, str)
    if path == ("code",):
        return _sql_value(f, Unit.code, str)
    if len(path) == 1 and path[0] in _NAMES:
        return _sql_value(f, Unit.name, str)
    if path == ("level",):
        return _sql_value(f, _LEVEL_NO, _level)
    if path in (("lastUpdated",), ("created",)):
        return _sql_value(f, Unit.last_updated, _timestamp)
    if path == ("parent", "id"):
        return _sql_value(f, Parent.uid, str)
    if path == ("parent", "code"):
        return _sql_value(f, Unit.parent_code, str)
    return None


_ORDER_COLUMNS: dict[str, Any] = {
    "id": Unit.uid,
    "code": Unit.code,
    "level": _LEVEL_NO,
    "lastUpdated": Unit.last_updated,
    "created": Unit.last_updated,
    **dict.fromkeys(_NAMES, Unit.name),
}


class OrgUnitQuery:
    """One request's org units: the caller's subtree (``scope_path``), filters, order, paging."""

    def __init__(self, db: Session, scope_path: str) -> None:
        self.db = db
        self.scope_path = scope_path
        self._upper: dict[str, tuple[str, str]] | None = None

    def _upper_units(self) -> dict[str, tuple[str, str]]:
        """code -> (uid, name) of the country and provinces (every unit's ancestors)."""
        if self._upper is None:
            rows = self.db.execute(
                select(Unit.code, Unit.uid, Unit.name).where(Unit.level != "commune")
            )
            self._upper = {code: (uid, name) for code, uid, name in rows}
        return self._upper

    def _base(self):
        return (
            select(
                Unit.code,
                Unit.uid,
                Unit.name,
                Unit.level,
                Unit.path,
                Unit.last_updated,
                Unit.parent_code,
                Parent.uid,
                Parent.name,
            )
            .outerjoin(Parent, Parent.code == Unit.parent_code)
            .where(in_subtree(self.scope_path))
        )

    def _objects(self, rows: list[Any], fields: Fields) -> list[dict[str, Any]]:
        upper = self._upper_units()
        want_children = bool(needs(fields, "children"))
        want_ancestors = bool(needs(fields, "ancestors"))
        want_path = bool(needs(fields, "path"))
        want_stamps = bool(needs(fields, "created") or needs(fields, "lastUpdated"))
        children: dict[str, list[dict[str, Any]]] = {}
        if want_children and rows:
            codes = [r[0] for r in rows]
            stmt = select(Unit.parent_code, Unit.uid, Unit.code, Unit.name).order_by(Unit.code)
            for i in range(0, len(codes), 900):
                part = stmt.where(Unit.parent_code.in_(codes[i : i + 900]))
                for parent, uid, code, name in self.db.execute(part):
                    ref = {"id": uid, "code": code, "name": name, "displayName": name}
                    children.setdefault(parent, []).append(ref)
        out = []
        for code, uid, name, level, path, updated, parent_code, parent_uid, parent_name in rows:
            codes = path.split("/")
            stamp = _stamp(updated) if want_stamps else None
            obj: dict[str, Any] = {
                "id": uid,
                "code": code,
                "name": name,
                "shortName": name,
                "displayName": name,
                "displayShortName": name,
                "level": LEVEL_NUMBER[level],
                "path": "/" + "/".join(upper[c][0] if c in upper else uid for c in codes)
                if want_path
                else None,
                "openingDate": OPENING_DATE,
                "created": stamp,
                "lastUpdated": stamp,
                "leaf": level == "commune",
            }
            if parent_code is not None:
                obj["parent"] = {
                    "id": parent_uid,
                    "code": parent_code,
                    "name": parent_name,
                    "displayName": parent_name,
                    "level": LEVEL_NUMBER[level] - 1,
                }
            if want_children:
                obj["children"] = children.get(code, [])
            if want_ancestors:
                obj["ancestors"] = [
                    {"id": upper[c][0], "code": c, "name": upper[c][1], "displayName": upper[c][1]}
                    for c in codes[:-1]
                    if c in upper
                ]
            out.append(obj)
        return out

    def list(
        self,
        fields: Fields,
        filters: list[Filter],
        *,
        any_of: bool = False,
        order: list[tuple[str, bool]] | None = None,
        paging: Paging = Paging(),
    ) -> tuple[list[dict[str, Any]], int]:
        """The page of org units matching ``filters`` (projected to ``fields``) and the total."""
        order = order or [("code", False)]
        conditions = [sql_condition(f) for f in filters]
        in_sql = all(c is not None for c in conditions)
        in_sql = in_sql and all(name in _ORDER_COLUMNS for name, _ in order)
        stmt = self._base()
        if in_sql and conditions:
            combined = or_(*conditions) if any_of else and_(*conditions)  # type: ignore[arg-type]
            stmt = stmt.where(combined)
        if in_sql:
            total = self.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            for name, descending in order:
                column = _ORDER_COLUMNS[name]
                stmt = stmt.order_by(column.desc() if descending else column.asc())
            stmt = stmt.order_by(Unit.code)
            if paging.enabled:
                stmt = stmt.limit(paging.page_size).offset(paging.offset)
            objects = self._objects(list(self.db.execute(stmt)), fields)
        else:
            # the objects must carry what the filters and the order read, too
            read: Fields = {**fields, **{f.path[0]: None for f in filters}}
            read |= {name: None for name, _ in order if name not in read}
            everything = self._objects(list(self.db.execute(stmt.order_by(Unit.code))), read)
            objects = select_objects(everything, filters, any_of)
            sort_objects(objects, order)
            total = len(objects)
            if paging.enabled:
                objects = objects[paging.offset : paging.offset + paging.page_size]
        cut = Projection(fields)
        return [cut(o) for o in objects], total

    def get(self, ident: str, fields: Fields) -> dict[str, Any] | None:
        """The org unit with UID (or code) ``ident`` within the scope, or None."""
        stmt = self._base().where(or_(Unit.uid == ident, Unit.code == ident))
        rows = list(self.db.execute(stmt))
        return project(self._objects(rows[:1], fields)[0], fields) if rows else None


def unit_by_ident(db: Session, ident: str) -> tuple[str, str] | None:
    """(code, path) of the unit whose UID or code is ``ident``, anywhere; None if none."""
    row = db.execute(
        select(Unit.code, Unit.path).where(or_(Unit.uid == ident, Unit.code == ident))
    ).first()
    return (row[0], row[1]) if row else None
