"""Reporting periods: who may change the values of one unit and period, and the row lock that
makes every writer take turns.

Every write of data values — the web form, the API, Excel and DHIS2 imports — goes through
:func:`chitieu.reporting.validate.plan_import`, which first calls :func:`lock_periods` for the
(unit, period) pairs it touches. That takes the row lock of each pair's ``report_periods`` row
(made on first write), always in the same order (by unit, then period), so that

* two writers of the same period take turns and never wait for each other in a cycle (no
  deadlocks, however the payloads are ordered);
* what a writer reads after the lock is the latest committed state: the audit's "before" is
  the value it replaces, and a lock taken by someone else is seen;
* a lock racing a save is decided by who got the row first: a save after the lock is refused.

The policy (:func:`refusal`), one place for every way data come in:

* a **locked** period refuses every change, new values included, except an admin's;
* the monthly commune report (:data:`REPORT_ELEMENTS` in a monthly period) is **submitted**
  once every value of it is submitted or locked; a submitted report is read-only for entry
  users (no edit, no new value, no emptying, no reopening); the province — an analyst or admin
  whose unit lies above the commune — reopens it (audited), and only an admin locks or
  unlocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, false, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from chitieu.reporting.monthly_report import REPORT_ELEMENTS
from chitieu.store.keys import key_conditions
from chitieu.store.models import DataValue, ReportPeriod

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PeriodState:
    """A locked (unit, period): ``locked`` by the period's lock; ``report`` is the monthly
    report's state — ``empty``, ``draft``, ``submitted`` or ``locked`` (every value locked)."""

    locked: bool = False
    report: str = "empty"

    @property
    def submitted(self) -> bool:
        return self.report in ("submitted", "locked")


def is_month(period: str) -> bool:
    return len(period) == 6 and period.isdigit()


def lock_periods(db: Session, pairs: Iterable[Pair]) -> dict[Pair, PeriodState]:
    """Take the row lock of every (unit, period) in ``pairs`` (in the caller's transaction,
    until it ends), in key order, and return each one's state as now committed."""
    keys = sorted(set(pairs))
    if not keys:
        return {}
    locked = take_locks(db, keys)
    return period_states(keys, locked, _report_states(db, [k for k in keys if is_month(k[1])]))


def take_locks(db: Session, keys: list[Pair]) -> dict[Pair, bool]:
    """The row lock of every (unit, period) of ``keys`` (sorted, distinct), made on first
    write; whether each period is locked."""
    conn = db.connection()  # Core statements: no ORM bulk semantics
    if conn.dialect.name == "sqlite":
        # SQLite locks the whole database for the first write, until the transaction ends:
        # the rows only need to exist. The driver's executemany, a row a few microseconds.
        conn.exec_driver_sql(_SQLITE_INSERT_MISSING, keys)
        units, periods = sorted({u for u, _ in keys}), sorted({p for _, p in keys})
        wanted = set(keys)
        rows = conn.execute(_SQLITE_LOCKED, {"units": units, "periods": periods})
        return {(u, p): bool(flag) for u, p, flag in rows if (u, p) in wanted}
    rp = ReportPeriod.__table__
    arrays = (
        bindparam(None, [u for u, _ in keys], type_=ARRAY(rp.c.unit_code.type)),
        bindparam(None, [p for _, p in keys], type_=ARRAY(rp.c.period.type)),
    )
    given = func.unnest(*arrays).table_valued("u", "p").render_derived()
    # One statement makes the missing rows and locks every row, in key order: a conflict
    # "updates" the row to itself, which locks it as FOR UPDATE would and returns its flag
    # as last committed.
    made = postgresql.insert(rp).from_select(
        ["unit_code", "period", "locked"],
        select(given.c.u, given.c.p, false()).order_by(given.c.u, given.c.p),
    )
    locking = made.on_conflict_do_update(
        index_elements=[rp.c.unit_code, rp.c.period], set_={"locked": rp.c.locked}
    ).returning(rp.c.unit_code, rp.c.period, rp.c.locked)
    return {(u, p): bool(flag) for u, p, flag in conn.execute(locking)}


_SQLITE_INSERT_MISSING = (
    "INSERT INTO report_periods (unit_code, period, locked) VALUES (?, ?, 0) ON CONFLICT DO NOTHING"
)
_SQLITE_LOCKED = select(
    ReportPeriod.__table__.c.unit_code,
    ReportPeriod.__table__.c.period,
    ReportPeriod.__table__.c.locked,
).where(
    ReportPeriod.__table__.c.unit_code.in_(bindparam("units", expanding=True)),
    ReportPeriod.__table__.c.period.in_(bindparam("periods", expanding=True)),
)


def period_states(
    keys: Iterable[Pair], locked: dict[Pair, bool], reports: dict[Pair, str]
) -> dict[Pair, PeriodState]:
    """Each period's state from its lock flag and its monthly report's state."""
    return {k: PeriodState(locked.get(k, False), reports.get(k, "empty")) for k in keys}


def report_states(rows: Iterable[tuple[str, str, str, str]]) -> dict[Pair, str]:
    """The monthly report's state of each (unit, period), from stored values given as
    (element, unit, period, status), those of other elements and periods skipped."""
    found: dict[Pair, set[str]] = {}
    for element, unit, period, status in rows:
        if element in REPORT_ELEMENTS and is_month(period):
            found.setdefault((unit, period), set()).add(status)
    return {k: _report_state(s) for k, s in found.items()}


def _report_states(db: Session, pairs: list[Pair]) -> dict[Pair, str]:
    dv = DataValue
    rows: list[tuple[str, str, str, str]] = []
    for where in key_conditions(db, (dv.unit_code, dv.period), pairs):
        rows += db.execute(
            select(dv.element_code, dv.unit_code, dv.period, dv.status).where(
                *where, dv.element_code.in_(REPORT_ELEMENTS)
            )
        ).tuples()
    return report_states(rows)


def _report_state(statuses: set[str]) -> str:
    if "draft" in statuses:
        return "draft"
    return "locked" if statuses == {"locked"} else "submitted"


@dataclass(frozen=True, slots=True)
class Editor:
    """Who writes, as the policy sees them: a user's ``role`` (entry, analyst, admin), or
    ``operator`` for imports run on the command line without a user (they may change a
    submitted report, not a locked period)."""

    role: str = "operator"
    #: The sender confirmed implausible births (:mod:`chitieu.reporting.plausibility`).
    confirm_implausible: bool = False

    @property
    def can_edit_locked(self) -> bool:
        return self.role == "admin"

    @property
    def can_edit_submitted(self) -> bool:
        return self.role != "entry"


def refusal(state: PeriodState, element: str, editor: Editor) -> str | None:
    """Why ``editor`` may not change ``element``'s value in a period in ``state`` (English,
    with the Vietnamese first), or None if they may."""
    if (state.locked or state.report == "locked") and not editor.can_edit_locked:
        return "kỳ báo cáo đã khoá / the period is locked: only an admin can change it"
    if element in REPORT_ELEMENTS and state.submitted and not editor.can_edit_submitted:
        return (
            "báo cáo tháng đã gửi, chỉ tỉnh/thành phố mở lại được / the monthly report is "
            "submitted: it is read-only until the province reopens it"
        )
    return None


def status_refusal(state: PeriodState, new: str, editor: Editor, *, above: bool) -> str | None:
    """Why ``editor`` may not set a period's values to status ``new`` (``above``: their unit
    lies above the period's unit), or None: locking, and anything in a locked period, is an
    admin's act; reopening a submitted report is the province's (an analyst or admin above)."""
    if new == "locked" or state.locked or state.report == "locked":
        if not editor.can_edit_locked:
            return "khoá hoặc mở khoá cần quyền quản trị / locking or unlocking needs an admin"
        return None
    if new == "draft" and state.submitted and not (editor.role in ("analyst", "admin") and above):
        return (
            "chỉ tỉnh/thành phố mở lại được báo cáo đã gửi / only the province (an analyst or "
            "admin above the unit) can reopen a submitted report"
        )
    return None
