"""The checks of one incoming data value on its own, before anything is read or written:
the element exists and allows the disaggregation, the unit exists and lies in the caller's
scope, the period parses and is one the element's data set accepts, the value is a number of
the element's type, the comment and storedBy fit. What depends only on the element, the
disaggregation, the period or the unit is judged once per batch (:class:`CheckContext`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.catalog.messages import message
from chitieu.catalog.periods import parse_period
from chitieu.reporting import summary as sm
from chitieu.reporting.period_rules import PeriodRules
from chitieu.reporting.summary import Conflict
from chitieu.store.models import Unit

#: Counts up to 10^15 are exact in the float column (doubles hold integers to 2^53).
_INTEGER = re.compile(r"0|[1-9][0-9]{0,14}")
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?")
MAX_COMMENT = 50_000  # DHIS2's limit
MAX_STORED_BY = 100  # data_values.stored_by


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


#: Not frozen: one is made for every value of a payload, and a frozen dataclass's __init__
#: (one object.__setattr__ call per field) costs several times a plain one.
@dataclass(slots=True)
class ValueIn:
    """One incoming value in chitieu's codes. ``value`` is text as read; ``deleted`` asks for
    the stored value to be deleted (kept as a deleted value, as DHIS2 does); ``followup`` is
    None when the input did not say. ``location`` and ``index`` say where in the input it came
    from, for conflicts."""

    element: str
    unit: str
    period: str
    disaggregation: str = "default"
    value: str | None = None
    comment: str | None = None
    stored_by: str | None = None
    location: str | None = None
    index: int | None = None
    followup: bool | None = None
    deleted: bool = False


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


def scope_path(db: Session, allowed_unit: str | None) -> str | None:
    if allowed_unit is None:
        return None
    path = db.scalar(select(Unit.path).where(Unit.code == allowed_unit))
    # An unknown scope unit grants nothing: "\0" is a prefix of no path.
    return path if path is not None else "\0"


def _in_scope(path: str, scope: str | None) -> bool:
    return scope is None or path == scope or path.startswith(scope + "/")


@dataclass(frozen=True)
class CheckContext:
    elements: dict[str, Any]
    paths: dict[str, str | None]
    scope: str | None
    allowed_unit: str | None
    strategy: ImportStrategy
    rules: PeriodRules | None
    #: What was judged of each (element, disaggregation, period) met in the batch.
    seen_cells: dict[tuple[str, str, str], _Cell] = field(default_factory=dict)
    seen_units: dict[str, list] = field(default_factory=dict)
    #: Numbers already read, by value type and text: counts repeat across a batch's values.
    numbers: dict[str, dict[str | None, float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Cell:
    """An (element, disaggregation, period) as judged once per batch: the element (None if
    unknown), the numbers already read for its value type, the canonical period, and the
    problems of the element with its disaggregation and of the period."""

    element: Any
    numbers: dict[str | None, float] | None
    period: str
    of_element: list[tuple[str, str, str | None, str]]
    of_period: list[tuple[str, str, str | None, str]]


#: Periods repeat across a payload's values: each spelling is parsed once.
_parse_period = lru_cache(maxsize=4096)(parse_period)


def both_languages(name: str, **values: Any) -> str:
    """A conflict's text in Vietnamese and English (``vi / en``), from the message catalogue."""
    return f"{message(name, 'vi', **values)} / {message(name, 'en', **values)}"


def _element_problems(v: ValueIn, element: Any) -> list[tuple[str, str, str | None, str]]:
    if element is None:
        why = f"Data element not found: `{v.element}`"
        return [(v.element, why, sm.E_DATA_ELEMENT, "dataElement")]
    if v.disaggregation not in (element.disaggregations or ["default"]):
        allowed = ", ".join(element.disaggregations or ["default"])
        why = both_languages(
            "import_combo_not_allowed", combo=v.disaggregation, element=v.element, allowed=allowed
        )
        return [(v.disaggregation, why, sm.E_COC_NOT_IN_COMBO, "categoryOptionCombo")]
    return []


def _unit_problems(v: ValueIn, ctx: CheckContext) -> list[tuple[str, str, str | None, str]]:
    path = ctx.paths.get(v.unit)
    if path is None:
        return [
            (v.unit, both_languages("import_unit_not_found", unit=v.unit), sm.E_ORG_UNIT, "orgUnit")
        ]
    if not _in_scope(path, ctx.scope):
        why = f"Organisation unit `{v.unit}` is outside your unit `{ctx.allowed_unit}`"
        return [(v.unit, why, sm.E_NOT_IN_HIERARCHY, "orgUnit")]
    return []


def _period_problems(
    v: ValueIn, ctx: CheckContext, known_element: bool
) -> tuple[str, list[tuple[str, str, str | None, str]]]:
    try:
        parsed = _parse_period(v.period)
    except ValueError as exc:
        period = str(v.period)
        return period, [(period, f"Period not valid: {exc}", sm.E_PERIOD, "period")]
    if ctx.rules is not None and known_element:
        refused = ctx.rules.problem(v.element, parsed)
        if refused is not None:
            return parsed.code, [(parsed.code, refused[1], refused[0], "period")]
    return parsed.code, []


def _judge_cell(v: ValueIn, ctx: CheckContext) -> _Cell:
    element = ctx.elements.get(v.element)
    period, of_period = _period_problems(v, ctx, element is not None)
    numbers = None if element is None else ctx.numbers.setdefault(element.value_type, {})
    return _Cell(element, numbers, period, _element_problems(v, element), of_period)


def check_value(v: ValueIn, ctx: CheckContext) -> tuple[list[Conflict], str, float | None]:
    """Every problem with one value on its own; its canonical period and number. What
    depends only on the element, the disaggregation, the period or the unit is judged once
    per batch."""
    cell = ctx.seen_cells.get((v.element, v.disaggregation, v.period))
    if cell is None:
        cell = ctx.seen_cells[(v.element, v.disaggregation, v.period)] = _judge_cell(v, ctx)
    of_unit = ctx.seen_units.get(v.unit)
    if of_unit is None:
        of_unit = ctx.seen_units[v.unit] = _unit_problems(v, ctx)
    period = cell.period
    # the common case: a number read before, nothing to refuse
    number = None if cell.numbers is None else cell.numbers.get(v.value)
    if (
        number is not None
        and not (cell.of_element or of_unit or cell.of_period)
        and (v.comment is None or len(v.comment) <= MAX_COMMENT)
        and (v.stored_by is None or len(v.stored_by) <= MAX_STORED_BY)
    ):
        return [], period, number
    element = cell.element
    bad = [*cell.of_element, *of_unit, *cell.of_period]
    number = None
    empty = v.value is None or v.value.strip() == ""
    removing = v.deleted or ctx.strategy is ImportStrategy.DELETE
    if empty and not removing:
        why = f"Data value or comment not specified for data element `{v.element}`"
        bad.append((v.element, why, sm.E_VALUE_MISSING, "value"))
    elif element is not None and not empty:
        try:
            number = parse_number(v.value or "", element.value_type)
            assert cell.numbers is not None  # a known element has its numbers
            cell.numbers[v.value] = number
        except ValueError as exc:
            if not removing:  # the value of a deletion does not matter
                why = f"Value of `{v.element}`: {exc}"
                bad.append((str(v.value), why, sm.E_VALUE_TYPE, "value"))
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
        period,
        number,
    )
