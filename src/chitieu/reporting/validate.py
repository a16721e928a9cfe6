"""Validation of incoming data values, before anything is written.

:func:`plan_import` checks each :class:`ValueIn` on its own (element, disaggregation, unit and
scope, period, value type, comment and storedBy lengths), then against the others (the same
key twice is a conflict, never merged) and against the database (a locked value cannot change),
and decides per value: insert, update, delete or ignore.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select

from chitieu.catalog.periods import parse_period
from chitieu.reporting import summary as sm
from chitieu.reporting.summary import Conflict
from chitieu.store.models import DataElement, DataValue, Unit

#: Counts up to 10^15 are exact in the float column (doubles hold integers to 2^53).
_INTEGER = re.compile(r"0|[1-9][0-9]{0,14}")
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?")
MAX_COMMENT = 50_000  # DHIS2's limit
MAX_STORED_BY = 100  # data_values.stored_by
_CHUNK = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's limits


class ImportStrategy(StrEnum):
    """DHIS2's ``importStrategy`` (older spellings NEW_AND_UPDATES, NEW, UPDATES accepted)."""

    CREATE_AND_UPDATE = "CREATE_AND_UPDATE"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"

    @classmethod
    def parse(cls, text: str | ImportStrategy | None) -> ImportStrategy:
        if text is None or text == "":
            return cls.CREATE_AND_UPDATE
        t = str(text).strip().upper()
        t = {"NEW_AND_UPDATES": "CREATE_AND_UPDATE", "NEW": "CREATE", "UPDATES": "UPDATE"}.get(t, t)
        try:
            return cls(t)
        except ValueError:
            raise ValueError(f"unknown importStrategy {text!r}") from None


@dataclass(frozen=True, slots=True)
class ValueIn:
    """One incoming value in chitieu's codes. ``value`` is text as read (None or "" = delete);
    ``location`` and ``index`` say where in the input it came from, for conflicts."""

    element: str
    unit: str
    period: str
    disaggregation: str = "default"
    value: str | None = None
    comment: str | None = None
    stored_by: str | None = None
    location: str | None = None
    index: int | None = None


@dataclass
class Action:
    kind: str  # insert | update | delete | ignore
    v: ValueIn
    period: str  # canonical
    number: float | None = None
    existing: dict[str, Any] | None = None


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def parse_number(text: str, value_type: str) -> float:
    """``text`` as a value of ``value_type``; ``ValueError`` saying why when it is not one.

    ``integer`` means a count: a whole number from 0 to 10^15 written without sign, decimals or
    leading zeros (DHIS2's ZERO_OR_POSITIVE_INT); ``number`` any finite decimal number."""
    s = text.strip()
    if value_type == "integer":
        if not _INTEGER.fullmatch(s):
            raise ValueError(f"{text!r} is not a whole number ≥ 0 (số nguyên không âm)")
        return float(int(s))
    if value_type == "number":
        if not _NUMBER.fullmatch(s) or not math.isfinite(float(s)):
            raise ValueError(f"{text!r} is not a number (không phải số)")
        return float(s)
    raise ValueError(f"value type {value_type!r} is not supported")


def _scope_path(conn: Connection, allowed_unit: str | None) -> str | None:
    if allowed_unit is None:
        return None
    path = conn.scalar(select(Unit.path).where(Unit.code == allowed_unit))
    # An unknown scope unit grants nothing: "\0" is a prefix of no path.
    return path if path is not None else "\0"


def _in_scope(path: str, scope: str | None) -> bool:
    return scope is None or path == scope or path.startswith(scope + "/")


def _load_context(conn: Connection, values: Sequence[ValueIn]) -> tuple[dict, dict[str, str]]:
    """Every data element (a few dozen) and the paths of the units the values name."""
    cols = (DataElement.code, DataElement.value_type, DataElement.disaggregations)
    elements = {row.code: row for row in conn.execute(select(*cols))}
    paths: dict[str, str] = {}
    for chunk in chunks(sorted({v.unit for v in values})):
        paths.update(conn.execute(select(Unit.code, Unit.path).where(Unit.code.in_(chunk))).all())
    return elements, paths


def _load_existing(
    conn: Connection, keys: set[tuple[str, str, str, str]]
) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    units = sorted({k[1] for k in keys})
    periods = sorted({k[2] for k in keys})
    cols = [
        DataValue.id,
        DataValue.element_code,
        DataValue.unit_code,
        DataValue.period,
        DataValue.disaggregation,
        DataValue.value,
        DataValue.comment,
        DataValue.stored_by,
        DataValue.status,
    ]
    found: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for chunk in chunks(units):
        for pchunk in chunks(periods):
            stmt = select(*cols).where(DataValue.unit_code.in_(chunk), DataValue.period.in_(pchunk))
            for row in conn.execute(stmt):
                key = (row.element_code, row.unit_code, row.period, row.disaggregation)
                if key in keys:
                    found[key] = dict(row._mapping)
    return found


@dataclass(frozen=True)
class _Context:
    elements: dict[str, Any]
    paths: dict[str, str]
    scope: str | None
    allowed_unit: str | None
    strategy: ImportStrategy


def _check(v: ValueIn, ctx: _Context) -> tuple[list[Conflict], str, float | None]:
    """Every problem with one value on its own; its canonical period and number."""
    bad: list[tuple[str, str, str | None, str]] = []  # (object, reason, errorCode, property)
    element = ctx.elements.get(v.element)
    if element is None:
        bad.append(
            (v.element, f"Data element not found: `{v.element}`", sm.E_DATA_ELEMENT, "dataElement")
        )
    elif v.disaggregation not in (element.disaggregations or ["default"]):
        allowed = ", ".join(element.disaggregations or ["default"])
        bad.append(
            (
                v.disaggregation,
                f"Category option combo `{v.disaggregation}` is not one "
                f"of data element `{v.element}`'s ({allowed})",
                sm.E_COC_NOT_IN_COMBO,
                "categoryOptionCombo",
            )
        )
    path = ctx.paths.get(v.unit)
    if path is None:
        bad.append((v.unit, f"Organisation unit not found: `{v.unit}`", sm.E_ORG_UNIT, "orgUnit"))
    elif not _in_scope(path, ctx.scope):
        bad.append(
            (
                v.unit,
                f"Organisation unit `{v.unit}` is outside your unit `{ctx.allowed_unit}`",
                sm.E_NOT_IN_HIERARCHY,
                "orgUnit",
            )
        )
    try:
        period = parse_period(v.period).code
    except ValueError as exc:
        period = str(v.period)
        bad.append((period, f"Period not valid: {exc}", sm.E_PERIOD, "period"))
    number = None
    empty = v.value is None or v.value.strip() == ""
    if element is not None and not empty and ctx.strategy is not ImportStrategy.DELETE:
        try:
            number = parse_number(v.value or "", element.value_type)
        except ValueError as exc:
            bad.append((str(v.value), f"Value of `{v.element}`: {exc}", sm.E_VALUE_TYPE, "value"))
    if v.comment is not None and len(v.comment) > MAX_COMMENT:
        bad.append(
            (v.element, f"Comment longer than {MAX_COMMENT} characters", sm.E_COMMENT, "comment")
        )
    if v.stored_by is not None and len(v.stored_by) > MAX_STORED_BY:
        bad.append(
            (
                v.stored_by[:40],
                f"storedBy longer than {MAX_STORED_BY} characters",
                sm.E_STORED_BY,
                "storedBy",
            )
        )
    return (
        [Conflict(o, why, code, prop, v.index, v.location) for o, why, code, prop in bad],
        (period),
        number,
    )


def plan_import(
    conn: Connection,
    values: Sequence[ValueIn],
    *,
    strategy: ImportStrategy = ImportStrategy.CREATE_AND_UPDATE,
    allowed_unit: str | None = None,
    can_edit_locked: bool = False,
) -> tuple[list[Action], list[Conflict]]:
    """Check every value against the database; return the actions and every conflict."""
    elements, paths = _load_context(conn, values)
    ctx = _Context(elements, paths, _scope_path(conn, allowed_unit), allowed_unit, strategy)
    conflicts: list[Conflict] = []
    checked: list[tuple[ValueIn, str, float | None]] = []
    first_seen: dict[tuple[str, str, str, str], ValueIn] = {}
    for v in values:
        problems, period, number = _check(v, ctx)
        key = (v.element, v.unit, period, v.disaggregation)
        earlier = first_seen.setdefault(key, v)
        if earlier is not v and not problems:
            where = earlier.location or (
                f"index {earlier.index}" if earlier.index is not None else "an earlier value"
            )
            problems.append(
                Conflict(
                    "/".join(key),
                    f"Duplicate value for {'/'.join(key)}: already given at {where} (not merged)",
                    None,
                    "value",
                    v.index,
                    v.location,
                )
            )
        conflicts += problems
        if not problems:
            checked.append((v, period, number))

    keys = {(v.element, v.unit, p, v.disaggregation) for v, p, _ in checked}
    existing = _load_existing(conn, keys)
    actions: list[Action] = []
    for v, period, number in checked:
        old = existing.get((v.element, v.unit, period, v.disaggregation))
        kind = _decide(strategy, v, number, old)
        locked = old is not None and old["status"] == "locked" and not can_edit_locked
        if kind != "ignore" and locked:
            why = (
                f"Period `{period}` is locked for `{v.unit}`: `{v.element}` "
                f"({v.disaggregation}) cannot change"
            )
            conflicts.append(Conflict(period, why, sm.E_LOCKED, "period", v.index, v.location))
            continue
        actions.append(Action(kind, v, period, number, old))
    return actions, conflicts


def _decide(strategy: ImportStrategy, v: ValueIn, number: float | None, old: dict | None) -> str:
    if strategy is ImportStrategy.DELETE or number is None:  # an empty value deletes
        return "delete" if old is not None else "ignore"
    if old is None:
        return "ignore" if strategy is ImportStrategy.UPDATE else "insert"
    if strategy is ImportStrategy.CREATE:
        return "ignore"
    same_comment = v.comment is None or v.comment == old["comment"]
    return "ignore" if old["value"] == number and same_comment else "update"
