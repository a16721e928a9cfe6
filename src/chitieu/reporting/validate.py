"""Validation of incoming data values, before anything is written.

:func:`plan_import` checks each :class:`ValueIn` on its own (element, disaggregation, unit and
scope, period and the periods the element's data set allows, value type, comment and storedBy
lengths: :mod:`chitieu.reporting.value_checks`), then against the others (the same key twice
is a conflict, never merged) and against the database (a locked value cannot change), and
decides per value: insert, update, delete or ignore. It works on one batch at a time;
:class:`PlanState` carries what must be known across batches (the keys already seen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.reporting import summary as sm
from chitieu.reporting.period_rules import PeriodRules
from chitieu.reporting.periods import Editor, period_states, refusal, report_states, take_locks
from chitieu.reporting.plausibility import implausible_months
from chitieu.reporting.seen import NOWHERE, SeenKeys
from chitieu.reporting.stored import Key, load_months, load_tombstones
from chitieu.reporting.summary import Conflict
from chitieu.reporting.value_checks import (
    MAX_COMMENT,
    MAX_STORED_BY,
    CheckContext,
    ImportStrategy,
    ValueIn,
    both_languages,
    check_value,
    parse_number,
    scope_path,
)
from chitieu.store.batches import chunks
from chitieu.store.models import DataElement, Unit

__all__ = [
    "MAX_COMMENT",
    "MAX_STORED_BY",
    "Action",
    "ImportStrategy",
    "PeriodRules",
    "PlanState",
    "ValueIn",
    "parse_number",
    "plan_import",
]


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
    #: Every unit's path is in ``paths`` (:meth:`know_everything`): none is read per batch.
    all_units: bool = False
    #: The caller's scope, as :func:`~chitieu.reporting.value_checks.scope_path` reads it.
    scope: dict[str | None, str | None] = field(default_factory=dict)

    def know_everything(self, db: Session, allowed_unit: str | None) -> None:
        """Read now every element, every unit's path and the scope, so that
        :func:`check_batch` asks the database nothing (it can then run while another thread
        uses the connection)."""
        _load_context(db, (), self)
        self.paths.update(db.connection().execute(select(Unit.code, Unit.path)).tuples().all())
        self.all_units = True
        self.scope[allowed_unit] = scope_path(db, allowed_unit)


@dataclass
class CheckedBatch:
    """A batch checked on its own and against the payload's earlier values: the values that
    passed, each with its canonical period, number and key, and the conflicts so far."""

    values: list[tuple[ValueIn, str, float | None, Key]]
    conflicts: list[Conflict]


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
    missing = [] if state.all_units else sorted({v.unit for v in values} - paths.keys())
    for chunk in chunks(missing):
        paths.update(dict.fromkeys(chunk))
        paths.update(
            conn.execute(select(Unit.code, Unit.path).where(Unit.code.in_(chunk))).tuples().all()
        )
    return state.elements, paths


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
    batch = check_batch(
        db, values, strategy=strategy, allowed_unit=allowed_unit, rules=rules, state=state
    )
    return plan_checked(db, batch, strategy=strategy, editor=editor, state=state)


def check_batch(
    db: Session,
    values: Sequence[ValueIn],
    *,
    strategy: ImportStrategy,
    allowed_unit: str | None,
    rules: PeriodRules | None,
    state: PlanState,
) -> CheckedBatch:
    """Each value checked on its own (:func:`~chitieu.reporting.value_checks.check_value`) and
    against the keys the payload gave before. Reads only what ``state`` does not hold yet."""
    elements, paths = _load_context(db, values, state)
    if allowed_unit not in state.scope:
        state.scope[allowed_unit] = scope_path(db, allowed_unit)
    ctx = CheckContext(elements, paths, state.scope[allowed_unit], allowed_unit, strategy, rules)
    conflicts: list[Conflict] = []
    checked: list[tuple[ValueIn, str, float | None, Key]] = []
    refused: list[tuple[int, list[Conflict]]] = []
    places: list[str] = []
    for i, v in enumerate(values):
        problems, period, number = check_value(v, ctx)
        if problems:
            conflicts += problems
            refused.append((i, problems))
            continue
        places.append(v.location or (f"index {v.index}" if v.index is not None else NOWHERE))
        checked.append((v, period, number, (v.element, v.unit, period, v.disaggregation)))
    given_before = state.seen.add([hash(c[3]) for c in checked], places)
    if given_before:
        conflicts, checked = _with_duplicates(len(values), refused, checked, given_before)
    return CheckedBatch(checked, conflicts)


def plan_checked(
    db: Session,
    batch: CheckedBatch,
    *,
    strategy: ImportStrategy,
    editor: Editor,
    state: PlanState,
) -> tuple[list[Action], list[Conflict]]:
    """The checked values against the database (locks, stored rows, the period policy, the
    plausibility of births): their actions, and the batch's conflicts in order."""
    checked, conflicts = batch.values, batch.conflicts
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
            why = both_languages("import_duplicate_value", cell=cell, where=earlier)
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
