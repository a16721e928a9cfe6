"""Validation of incoming data values, before anything is written.

:func:`plan_import` checks each :class:`ValueIn` on its own (element, disaggregation, unit and
scope, period and the periods the element's data set allows, value type, comment and storedBy
lengths), then against the others (the same key twice is a conflict, never merged) and against
the database (a locked value cannot change), and decides per value: insert, update, delete or
ignore. It works on one batch at a time; :class:`PlanState` carries what must be known across
batches (the keys already seen).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
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
from chitieu.reporting.periods import Editor, period_states, refusal, report_states, take_locks
from chitieu.reporting.plausibility import implausible_months
from chitieu.reporting.seen import NOWHERE, SeenKeys
from chitieu.reporting.stored import Key, load_months, load_tombstones
from chitieu.reporting.summary import Conflict
from chitieu.store.batches import chunks
from chitieu.store.models import DataElement, Unit

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


@dataclass
class Action:
    kind: str  # insert | update | delete | ignore
    v: ValueIn
    period: str  # canonical
    number: float | None = None
    existing: dict[str, Any] | None = None
    #: The deleted value already kept for this key, if any (DHIS2's soft-deleted row).
    tombstone: dict[str, Any] | None = None


@dataclass
class PlanState:
    """What planning must remember from one batch to the next: where each key was first
    given (a key given twice is a conflict, never merged)."""

    seen: SeenKeys = field(default_factory=SeenKeys)
    #: The data elements and the paths of the units met so far (read once per import).
    elements: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str | None] = field(default_factory=dict)
    #: The units and elements of every value that passed its checks: those the import may
    #: write rows for (see :func:`chitieu.reporting.imports.import_values`).
    units_named: set[str] = field(default_factory=set)
    elements_named: set[str] = field(default_factory=set)


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


def _scope_path(db: Session, allowed_unit: str | None) -> str | None:
    if allowed_unit is None:
        return None
    path = db.scalar(select(Unit.path).where(Unit.code == allowed_unit))
    # An unknown scope unit grants nothing: "\0" is a prefix of no path.
    return path if path is not None else "\0"


def _in_scope(path: str, scope: str | None) -> bool:
    return scope is None or path == scope or path.startswith(scope + "/")


def _load_context(
    db: Session, values: Sequence[ValueIn], state: PlanState
) -> tuple[dict, dict[str, str | None]]:
    """Every data element (a few dozen) and the paths of the units the values name (None for
    an unknown unit), each read once per import and kept in ``state``."""
    conn = db.connection()  # Core rows, as the store's readers take them
    if not state.elements:
        cols = (DataElement.code, DataElement.value_type, DataElement.disaggregations)
        state.elements.update((row.code, row) for row in conn.execute(select(*cols)))
    paths = state.paths
    missing = sorted({v.unit for v in values} - paths.keys())
    for chunk in chunks(missing):
        paths.update(dict.fromkeys(chunk))
        paths.update(
            conn.execute(select(Unit.code, Unit.path).where(Unit.code.in_(chunk))).tuples().all()
        )
    return state.elements, paths


@dataclass(frozen=True)
class _Context:
    elements: dict[str, Any]
    paths: dict[str, str | None]
    scope: str | None
    allowed_unit: str | None
    strategy: ImportStrategy
    rules: PeriodRules | None
    seen_elements: dict[tuple[str, str], list] = field(default_factory=dict)
    seen_units: dict[str, list] = field(default_factory=dict)
    seen_periods: dict[tuple[str, str], tuple[str, list]] = field(default_factory=dict)
    #: Numbers already read, by (text, value type): counts repeat across a batch's values.
    numbers: dict[tuple[str | None, str], float] = field(default_factory=dict)


#: Periods repeat across a payload's values: each spelling is parsed once.
_parse_period = lru_cache(maxsize=4096)(parse_period)


def _both(name: str, **values: Any) -> str:
    """A conflict's text in Vietnamese and English (``vi / en``), from the message catalogue."""
    return f"{message(name, 'vi', **values)} / {message(name, 'en', **values)}"


def _element_problems(v: ValueIn, element: Any) -> list[tuple[str, str, str | None, str]]:
    if element is None:
        why = f"Data element not found: `{v.element}`"
        return [(v.element, why, sm.E_DATA_ELEMENT, "dataElement")]
    if v.disaggregation not in (element.disaggregations or ["default"]):
        allowed = ", ".join(element.disaggregations or ["default"])
        why = _both(
            "import_combo_not_allowed", combo=v.disaggregation, element=v.element, allowed=allowed
        )
        return [(v.disaggregation, why, sm.E_COC_NOT_IN_COMBO, "categoryOptionCombo")]
    return []


def _unit_problems(v: ValueIn, ctx: _Context) -> list[tuple[str, str, str | None, str]]:
    path = ctx.paths.get(v.unit)
    if path is None:
        return [(v.unit, _both("import_unit_not_found", unit=v.unit), sm.E_ORG_UNIT, "orgUnit")]
    if not _in_scope(path, ctx.scope):
        why = f"Organisation unit `{v.unit}` is outside your unit `{ctx.allowed_unit}`"
        return [(v.unit, why, sm.E_NOT_IN_HIERARCHY, "orgUnit")]
    return []


def _period_problems(
    v: ValueIn, ctx: _Context, known_element: bool
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


def _check(v: ValueIn, ctx: _Context) -> tuple[list[Conflict], str, float | None]:
    """Every problem with one value on its own; its canonical period and number. What
    depends only on the element, the unit or the period is judged once per batch."""
    element = ctx.elements.get(v.element)
    ekey = (v.element, v.disaggregation)
    of_element = ctx.seen_elements.get(ekey)
    if of_element is None:
        of_element = ctx.seen_elements[ekey] = _element_problems(v, element)
    of_unit = ctx.seen_units.get(v.unit)
    if of_unit is None:
        of_unit = ctx.seen_units[v.unit] = _unit_problems(v, ctx)
    pkey = (v.element, v.period)
    judged = ctx.seen_periods.get(pkey)
    if judged is None:
        judged = ctx.seen_periods[pkey] = _period_problems(v, ctx, element is not None)
    period = judged[0]
    # the common case: a number read before, nothing to refuse
    number = None if element is None else ctx.numbers.get((v.value, element.value_type))
    if (
        number is not None
        and not (of_element or of_unit or judged[1])
        and (v.comment is None or len(v.comment) <= MAX_COMMENT)
        and (v.stored_by is None or len(v.stored_by) <= MAX_STORED_BY)
    ):
        return [], period, number
    bad = [*of_element, *of_unit, *judged[1]]
    number = None
    empty = v.value is None or v.value.strip() == ""
    removing = v.deleted or ctx.strategy is ImportStrategy.DELETE
    if empty and not removing:
        why = f"Data value or comment not specified for data element `{v.element}`"
        bad.append((v.element, why, sm.E_VALUE_MISSING, "value"))
    elif element is not None and not empty:
        try:
            number = parse_number(v.value or "", element.value_type)
            ctx.numbers[(v.value, element.value_type)] = number
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


def plan_import(
    db: Session,
    values: Sequence[ValueIn],
    *,
    strategy: ImportStrategy = ImportStrategy.CREATE_AND_UPDATE,
    allowed_unit: str | None = None,
    editor: Editor = Editor(),
    rules: PeriodRules | None = None,
    state: PlanState | None = None,
) -> tuple[list[Action], list[Conflict]]:
    """Check every value against the database; return the actions and every conflict.

    ``rules`` holds the allowed periods (none checked when None); ``state`` carries the keys
    seen in earlier batches of the same payload. The (unit, period) pairs of the valid values
    are row-locked first, in key order, until the caller's transaction ends
    (:func:`chitieu.reporting.periods.take_locks`): the stored values read after that are
    the latest, and a locked period or a submitted report refuses the change for ``editor``
    (:func:`chitieu.reporting.periods.refusal`) — new values included."""
    state = state if state is not None else PlanState()
    elements, paths = _load_context(db, values, state)
    scope = _scope_path(db, allowed_unit)
    ctx = _Context(elements, paths, scope, allowed_unit, strategy, rules)
    conflicts: list[Conflict] = []
    checked: list[tuple[ValueIn, str, float | None, Key]] = []
    refused: list[tuple[int, list[Conflict]]] = []
    places: list[str] = []
    for i, v in enumerate(values):
        problems, period, number = _check(v, ctx)
        if problems:
            conflicts += problems
            refused.append((i, problems))
            continue
        places.append(v.location or (f"index {v.index}" if v.index is not None else NOWHERE))
        checked.append((v, period, number, (v.element, v.unit, period, v.disaggregation)))
    given_before = state.seen.add([hash(c[3]) for c in checked], places)
    if given_before:
        conflicts, checked = _with_duplicates(len(values), refused, checked, given_before)

    state.units_named.update(v.unit for v, _, _, _ in checked)
    state.elements_named.update(v.element for v, _, _, _ in checked)
    pairs = sorted({(k[1], k[2]) for _, _, _, k in checked})
    locked = take_locks(db, pairs) if pairs else {}
    # every live value of those periods, read once under their locks: the rows acted on,
    # the monthly reports' states and the months' births
    stored = load_months(db, set(pairs)) if pairs else {}
    months = [(r["element_code"], *k[1:3], r["status"]) for k, r in stored.items()]
    periods = period_states(pairs, locked, report_states(months))
    deleting = strategy is ImportStrategy.DELETE
    wants_tombstone = {k for v, _, n, k in checked if deleting or v.deleted or n is not None}
    tombstones = load_tombstones(db, wants_tombstone) if wants_tombstone else {}
    actions: list[Action] = []
    for v, period, number, key in checked:
        old = stored.get(key)
        kind = _decide(strategy, v, number, old)
        if kind != "ignore":
            why = refusal(periods[(v.unit, period)], v.element, editor)
            value_locked = old is not None and old["status"] == "locked"
            if why is None and value_locked and not editor.can_edit_locked:
                why = "giá trị đã khoá / the value is locked: only an admin can change it"
            if why:
                why = f"`{v.element}` ({v.disaggregation}) for `{v.unit}` in `{period}`: {why}"
                conflicts.append(Conflict(period, why, sm.E_LOCKED, "period", v.index, v.location))
                continue
        actions.append(Action(kind, v, period, number, old, tombstones.get(key)))
    if not editor.confirm_implausible:
        refused_months: set[tuple[str, str]] = set()
        firsts: dict[tuple[str, str], ValueIn] = {}
        for a in actions:
            firsts.setdefault((a.v.unit, a.period), a.v)
        for month in implausible_months(actions, stored):
            first = firsts[(month.unit, month.period)]
            conflicts.append(
                Conflict(month.period, month.reason(), None, "value", first.index, first.location)
            )
            refused_months.add((month.unit, month.period))
        if refused_months:
            actions = [a for a in actions if (a.v.unit, a.period) not in refused_months]
    return actions, conflicts


def _with_duplicates(
    n: int,
    refused: list[tuple[int, list[Conflict]]],
    checked: list[tuple[ValueIn, str, float | None, Key]],
    given_before: dict[int, str],
) -> tuple[list[Conflict], list[tuple[ValueIn, str, float | None, Key]]]:
    """The conflicts of a batch in the order of its values, each key given before among them
    (``given_before``: positions in ``checked`` -> where it was first given), and the checked
    values without those."""
    bad = dict(refused)
    conflicts: list[Conflict] = []
    j = 0
    for i in range(n):
        if i in bad:
            conflicts += bad[i]
            continue
        earlier = given_before.get(j)
        if earlier is not None:
            v = checked[j][0]
            cell = "/".join(checked[j][3])
            why = _both("import_duplicate_value", cell=cell, where=earlier)
            conflicts.append(Conflict(cell, why, None, "value", v.index, v.location))
        j += 1
    return conflicts, [c for k, c in enumerate(checked) if k not in given_before]


def _decide(strategy: ImportStrategy, v: ValueIn, number: float | None, old: dict | None) -> str:
    if strategy is ImportStrategy.DELETE or v.deleted:
        return "delete" if old is not None else "ignore"
    if old is None:
        return "ignore" if strategy is ImportStrategy.UPDATE else "insert"
    if strategy is ImportStrategy.CREATE:
        return "ignore"
    same_comment = v.comment is None or v.comment == old["comment"]
    same_followup = v.followup is None or bool(v.followup) == bool(old["followup"])
    return "ignore" if old["value"] == number and same_comment and same_followup else "update"
