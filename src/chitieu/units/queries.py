"""Look units up, and select "this unit and everything below it" by its materialised path."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, and_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from chitieu.store.models import Unit

LEVELS = ("country", "province", "commune")


class UnknownUnitError(LookupError):
    """A unit code that is not in the database."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(
            f"unknown unit {code!r} (codes are zero-padded: province 01, commune 00070)"
        )


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A unit as callers show it; ``code`` and ``parent_code`` are zero-padded strings."""

    code: str
    name: str
    name_ascii: str
    level: str
    parent_code: str | None
    division_type: str
    path: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: The columns that make a :class:`UnitInfo`, in its field order.
UNIT_COLUMNS = (
    Unit.code,
    Unit.name,
    Unit.name_ascii,
    Unit.level,
    Unit.parent_code,
    Unit.division_type,
    Unit.path,
)


def unit_info(row: Row[Any]) -> UnitInfo:
    return UnitInfo(*row[: len(UNIT_COLUMNS)])


def check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")


def get_unit(db: Session, code: str) -> UnitInfo:
    """The unit with ``code``; :class:`UnknownUnitError` if there is none."""
    row = db.execute(select(*UNIT_COLUMNS).where(Unit.code == code)).first()
    if row is None:
        raise UnknownUnitError(code)
    return unit_info(row)


class _ByteOrder(FunctionElement[str]):
    """A string column compared byte by byte: ``COLLATE "C"`` on PostgreSQL (its index
    ``ix_units_path_bytes`` is in that order), the column itself on SQLite (which compares
    bytes)."""

    type = String()
    name = "byte_order"
    inherit_cache = True


@compiles(_ByteOrder)
def _byte_order(element: _ByteOrder, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_ByteOrder, "postgresql")
def _byte_order_pg(element: _ByteOrder, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


def in_subtree(path: str) -> ColumnElement[bool]:
    """Condition on ``units.path``: the unit at ``path`` and every unit below it.

    The units below are one range of paths in byte order, from ``path + "/"`` up to
    ``path + "0"`` ("0" follows "/"), which a btree index answers and the planner estimates
    from its statistics (a ``LIKE 'VN/%'`` pattern it estimated at two rows). The "/" keeps
    ``VN/01`` from matching a sibling such as ``VN/011``."""
    ordered = _ByteOrder(Unit.path)
    return or_(Unit.path == path, and_(ordered >= path + "/", ordered < path + "0"))


def subtree_codes(path: str) -> Select[tuple[str]]:
    """A subquery of the codes of the unit at ``path`` and every unit below it. Filtering a
    table with ``unit_code IN (subtree_codes(...))`` lets the database look each unit up by
    its key instead of scanning the table and joining every row to ``units``."""
    return select(Unit.code).where(in_subtree(path))


def descendant_codes(db: Session, code: str, level: str | None = None) -> list[str]:
    """Codes of the unit ``code`` and every unit below it (only those at ``level`` if given),
    sorted. :class:`UnknownUnitError` if ``code`` is unknown."""
    check_level(level)
    query = subtree_codes(get_unit(db, code).path)
    if level is not None:
        query = query.where(Unit.level == level)
    return list(db.scalars(query.order_by(Unit.code)))


def is_within(db: Session, code: str, ancestor_code: str) -> bool:
    """True if unit ``code`` is ``ancestor_code`` itself or lies below it.

    :class:`UnknownUnitError` if either code is unknown (a typo must not read as "outside")."""
    path = get_unit(db, code).path
    ancestor = get_unit(db, ancestor_code).path
    return path == ancestor or path.startswith(ancestor + "/")


def list_units(db: Session, parent: str | None = None, level: str | None = None) -> list[UnitInfo]:
    """Units to list, sorted by code: with neither argument, the provinces; with ``parent``
    only, its direct children; with ``level``, every unit at that level (below ``parent`` when
    given, at any depth)."""
    check_level(level)
    query = select(*UNIT_COLUMNS)
    if parent is not None:
        if level is None:
            get_unit(db, parent)  # an unknown parent is an error, not an empty list
            query = query.where(Unit.parent_code == parent)
        else:
            query = query.where(in_subtree(get_unit(db, parent).path), Unit.level == level)
    else:
        query = query.where(Unit.level == (level or "province"))
    return [unit_info(r) for r in db.execute(query.order_by(Unit.code))]


def ancestors(db: Session, code: str) -> list[UnitInfo]:
    """The units above ``code``, from the country down to its parent."""
    codes = get_unit(db, code).path.split("/")[:-1]
    rows = {
        r.code: unit_info(r) for r in db.execute(select(*UNIT_COLUMNS).where(Unit.code.in_(codes)))
    }
    return [rows[c] for c in codes]
