"""Validation of incoming data values, before anything is written.

:func:`plan_import` checks each :class:`ValueIn` on its own (element, disaggregation, unit and
scope, period and the periods the element's data set allows, value type, comment and storedBy
lengths: :mod:`chitieu.reporting.value_checks`), then against the others (the same key twice
is a conflict, never merged) and against the database (a locked value cannot change), and
decides per value: insert, update, delete or ignore. It works on one batch at a time;
:class:`PlanState` carries what must be known across batches (the keys already seen).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.reporting import summary as sm
from chitieu.reporting.period_rules import PeriodRules
from chitieu.reporting.periods import (
    Editor,
    Pair,
    PeriodState,
    period_states,
    refusal,
    report_states,
    take_locks,
)
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


#: The kinds of action that write.
CHANGES = frozenset({"insert", "update", "delete"})


@dataclass
class Action:
    kind: str  # insert | update | delete | ignore | skip (ignored: the strategy leaves it)
    v: ValueIn
    period: str  # canonical
    number: float | None = None
    existing: dict[str, Any] | None = None
    #: The deleted value already kept for this key, if any (DHIS2's soft-deleted row).
    tombstone: dict[str, Any] | None = None

    @property
    def changes(self) -> bool:
        """Whether the action writes: an insert, an update or a deletion."""
        return self.kind in CHANGES


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


#: A value that passed its checks: the value, its canonical period, its number and its key.
Checked = tuple[ValueIn, str, float | None, Key]


@dataclass
class CheckedBatch:
    """A batch checked on its own and against the payload's earlier values: the values that
    passed, each with its canonical period, number and key, and the conflicts so far."""

    values: list[Checked]
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
    checked: list[Checked] = []
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


class WriteBefore(Protocol):
    """The write of the batch before, not started yet (see :func:`plan_checked`)."""

    #: The (unit, period) pairs it writes in.
    pairs: set[Pair]

    def start(self) -> None: ...

    def wait(self) -> None: ...


@dataclass
class _Known:
    """What the database holds for some (unit, period) pairs, read under their locks."""

    periods: dict[Pair, PeriodState] = field(default_factory=dict)
    stored: dict[Key, dict[str, Any]] = field(default_factory=dict)
    tombstones: dict[Key, dict[str, Any]] = field(default_factory=dict)

    def read(
        self, db: Session, values: list[Checked], pairs: set[Pair], strategy: ImportStrategy
    ) -> None:
        """Lock ``pairs`` and read their stored values, reports and deleted values."""
        if not pairs:
            return
        ordered = sorted(pairs)
        locked = take_locks(db, ordered)
        # every live value of those periods, read once under their locks: the rows acted
        # on, the monthly reports' states and the months' births
        stored = load_months(db, pairs)
        months = [(r["element_code"], *k[1:3], r["status"]) for k, r in stored.items()]
        self.periods.update(period_states(ordered, locked, report_states(months)))
        self.stored.update(stored)
        deleting = strategy is ImportStrategy.DELETE
        wanted = {
            k
            for v, _, n, k in values
            if (k[1], k[2]) in pairs and (deleting or v.deleted or n is not None)
        }
        if wanted:
            self.tombstones.update(load_tombstones(db, wanted))


def plan_checked(
    db: Session,
    batch: CheckedBatch,
    *,
    strategy: ImportStrategy,
    editor: Editor,
    state: PlanState,
    before: WriteBefore | None = None,
) -> tuple[list[Action], list[Conflict]]:
    """The checked values against the database (locks, stored rows, the period policy, the
    plausibility of births): their actions, and the batch's conflicts in order.

    ``before``: the batch before, planned but not written yet. Its write is started here,
    right after the pairs it does not touch are read (they are the same before and after
    it), and the values of those pairs are decided while it runs; the pairs both batches
    touch are read once it has ended. The result is the one of reading everything after it."""
    checked, conflicts = batch.values, batch.conflicts
    state.units_named.update(v.unit for v, _, _, _ in checked)
    state.elements_named.update(v.element for v, _, _, _ in checked)
    pairs = {(k[1], k[2]) for _, _, _, k in checked}
    shared = pairs & before.pairs if before is not None else set()
    known = _Known()
    known.read(db, checked, pairs - shared, strategy)
    if before is not None:
        before.start()
    decided: list[tuple[int, Action]] = []
    refused: list[tuple[int, Conflict]] = []
    _decide_all(checked, known, strategy, editor, lambda pair: pair not in shared, decided, refused)
    if shared:
        assert before is not None
        before.wait()
        known.read(db, checked, shared, strategy)
        _decide_all(checked, known, strategy, editor, shared.__contains__, decided, refused)
        decided.sort(key=itemgetter(0))
        refused.sort(key=itemgetter(0))
    actions = [a for _, a in decided]
    conflicts.extend(c for _, c in refused)
    if not editor.confirm_implausible:
        refused_months: set[tuple[str, str]] = set()
        firsts: dict[tuple[str, str], ValueIn] = {}
        for a in actions:
            firsts.setdefault((a.v.unit, a.period), a.v)
        for month in implausible_months(actions, known.stored):
            first = firsts[(month.unit, month.period)]
            conflicts.append(
                Conflict(month.period, month.reason(), None, "value", first.index, first.location)
            )
            refused_months.add((month.unit, month.period))
        if refused_months:
            actions = [a for a in actions if (a.v.unit, a.period) not in refused_months]
    return actions, conflicts


def _decide_all(
    checked: list[Checked],
    known: _Known,
    strategy: ImportStrategy,
    editor: Editor,
    among: Callable[[Pair], bool],
    decided: list[tuple[int, Action]],
    refused: list[tuple[int, Conflict]],
) -> None:
    """Decide each checked value of the pairs ``among`` accepts, against ``known``: its
    action, or its conflict with the period policy (both kept with the value's position)."""
    stored, periods, tombstones = known.stored, known.periods, known.tombstones
    for i, (v, period, number, key) in enumerate(checked):
        if not among((key[1], key[2])):
            continue
        old = stored.get(key)
        kind = _decide(strategy, v, number, old)
        if kind in CHANGES:
            why = refusal(periods[(v.unit, period)], v.element, editor)
            value_locked = old is not None and old["status"] == "locked"
            if why is None and value_locked and not editor.can_edit_locked:
                why = "giá trị đã khoá / the value is locked: only an admin can change it"
            if why:
                why = f"`{v.element}` ({v.disaggregation}) for `{v.unit}` in `{period}`: {why}"
                conflict = Conflict(period, why, sm.E_LOCKED, "period", v.index, v.location)
                refused.append((i, conflict))
                continue
        decided.append((i, Action(kind, v, period, number, old, tombstones.get(key))))


def _with_duplicates(
    n: int,
    refused: list[tuple[int, list[Conflict]]],
    checked: list[Checked],
    given_before: dict[int, str],
) -> tuple[list[Conflict], list[Checked]]:
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
    """What the value does to the stored one. ``skip``: the strategy does not cover the key
    (CREATE where a value is stored, even one the payload marks deleted; UPDATE and DELETE
    where none is), which DHIS2 ignores and lists among the rejected indexes."""
    if old is None:
        if strategy in (ImportStrategy.UPDATE, ImportStrategy.DELETE):
            return "skip"
        return "ignore" if v.deleted else "insert"
    if strategy is ImportStrategy.CREATE:
        return "skip"
    if strategy is ImportStrategy.DELETE or v.deleted:
        return "delete"
    same_comment = v.comment is None or v.comment == old["comment"]
    same_followup = v.followup is None or bool(v.followup) == bool(old["followup"])
    return "ignore" if old["value"] == number and same_comment and same_followup else "update"
