"""Activity reports: what each body and commune did for a plan in a quarter.

Bodies (the plan's agencies) report at the plan's unit; communes report for themselves with
reporter ``"commune"``. A report is one figure per activity: communication sessions held, people
reached, school programmes, commitments signed by facilities, inspections made, trainings held.
Reports are quarterly (``2026Q1``): the due rule lives in :mod:`chitieu.plans.tracking`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chitieu.catalog.periods import PeriodType, parse_period
from chitieu.errors import NotAllowed
from chitieu.ingest.errors import ImportRefused, RowError, field_problems, row_error
from chitieu.store.audit import record_change
from chitieu.store.db import transaction
from chitieu.store.models import ActivityReport, BodyMember, Plan, PlanBody, Task, Unit

COMMUNE_REPORTER = "commune"

#: Activity codes with their Vietnamese and English names (what the report tables print).
ACTIVITY_KINDS: dict[str, tuple[str, str]] = {
    "comm_sessions": ("Buổi truyền thông đã tổ chức", "Communication sessions held"),
    "people_reached": ("Lượt người được tiếp cận", "People reached"),
    "school_programmes": ("Chương trình tại trường học", "School programmes"),
    "facility_commitments": ("Cơ sở y tế ký cam kết", "Facility commitments signed"),
    "inspections": ("Cuộc kiểm tra đã thực hiện", "Inspections made"),
    "trainings": ("Lớp tập huấn đã tổ chức", "Trainings held"),
}


@dataclass(frozen=True, slots=True)
class ActivityOutcome:
    """What recording one row did: ``added``, ``updated`` (value changed, audited with the
    figure before) or ``unchanged`` (the identical report was already there)."""

    plan_code: str
    reporter: str
    unit_code: str
    period: str
    activity: str
    action: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _key(row: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    return (row["plan_code"], row["reporter"], row["unit_code"], row["period"], row["activity"])


class _PlanFacts:
    """What validation needs to know about a plan, read once per batch."""

    def __init__(self, db: Session, plan: Plan) -> None:
        self.plan = plan
        self.bodies = set(
            db.scalars(select(PlanBody.body_code).where(PlanBody.plan_code == plan.code))
        )
        self.tasks = set(db.scalars(select(Task.code).where(Task.plan_code == plan.code)))
        self.path = db.scalar(select(Unit.path).where(Unit.code == plan.unit_code)) or ""


def validate_activity(
    db: Session,
    data: Mapping[str, Any],
    *,
    row: int | None = None,
    today: date,
    plans: dict[str, _PlanFacts | None] | None = None,
) -> tuple[dict[str, Any], list[RowError]]:
    """Check one activity report; return the clean row and its problems (empty when valid).

    Refused: an unknown plan; a reporter that is neither one of the plan's bodies nor
    ``commune``; an unknown unit, or one outside the plan's unit; a commune reporter whose unit
    is not a commune; a period that is not a quarter, falls outside the plan's years or has not
    started by ``today``; an unknown activity or task; a value that is not a whole number ≥ 0."""
    plans = {} if plans is None else plans
    errors: list[RowError] = []

    bad = field_problems(data, row, errors)

    clean: dict[str, Any] = {
        k: str(data.get(k) or "").strip()
        for k in ("plan_code", "reporter", "unit_code", "period", "activity")
    }
    code = clean["plan_code"]
    if code not in plans:
        plan = db.get(Plan, code)
        plans[code] = _PlanFacts(db, plan) if plan is not None else None
    facts = plans[code]
    if facts is None:
        bad("plan_code", ("unknown plan", "không có kế hoạch này"))

    unit = db.execute(select(Unit.level, Unit.path).where(Unit.code == clean["unit_code"])).first()
    if unit is None:
        bad("unit_code", ("unknown unit", "mã đơn vị không có trong danh mục"))
    elif facts is not None and not (unit.path + "/").startswith(facts.path + "/"):
        unit_code = facts.plan.unit_code
        bad(
            "unit_code",
            (f"outside the plan's unit {unit_code}", f"ngoài đơn vị của kế hoạch {unit_code}"),
        )

    reporter = clean["reporter"]
    if reporter == COMMUNE_REPORTER:
        if unit is not None and unit.level != "commune":
            bad(
                "unit_code",
                ("a commune report must name a commune", "báo cáo của xã phải ghi mã xã"),
            )
    elif facts is not None and reporter not in facts.bodies:
        bad(
            "reporter",
            (
                "neither a body of this plan nor 'commune'",
                "không phải cơ quan của kế hoạch này, cũng không phải 'commune'",
            ),
        )

    try:
        period = parse_period(clean["period"])
    except ValueError as exc:
        bad("period", str(exc))
    else:
        clean["period"] = period.code
        if period.type is not PeriodType.QUARTERLY:
            bad(
                "period",
                (
                    "activity reports are quarterly, e.g. 2026Q1",
                    "báo cáo hoạt động theo quý, ví dụ 2026Q1",
                ),
            )
        elif facts is not None and not (
            facts.plan.start_year <= period.start.year <= facts.plan.end_year
        ):
            years = f"{facts.plan.start_year}–{facts.plan.end_year}"
            bad(
                "period", (f"outside the plan ({years})", f"ngoài thời gian của kế hoạch ({years})")
            )
        elif period.start > today:
            bad("period", ("the quarter has not started yet", "quý này chưa bắt đầu"))

    if clean["activity"] not in ACTIVITY_KINDS:
        kinds = ", ".join(ACTIVITY_KINDS)
        bad("activity", (f"must be one of {kinds}", f"phải là một trong: {kinds}"))

    task = data.get("task_code")
    clean["task_code"] = str(task).strip() if task not in (None, "") else None
    if clean["task_code"] and facts is not None and clean["task_code"] not in facts.tasks:
        bad("task_code", ("not a task of this plan", "không phải nhiệm vụ của kế hoạch này"))

    value = data.get("value")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        bad("value", ("must be a number", "phải là số"))
    else:
        if not math.isfinite(number) or number < 0 or not number.is_integer():
            bad("value", ("must be a whole number ≥ 0 (a count)", "phải là số nguyên ≥ 0"))
        clean["value"] = number
    note = data.get("note")
    clean["note"] = str(note).strip() if note not in (None, "") else None
    clean["synthetic"] = bool(data.get("synthetic", False))
    return clean, errors


def reporting_bodies(db: Session, username: str) -> frozenset[str]:
    """The bodies ``username`` may report for: those they are a member or delegate of."""
    return frozenset(
        db.scalars(select(BodyMember.body_code).where(BodyMember.username == username))
    )


def record_activities(
    db: Session,
    rows: Iterable[Mapping[str, Any]],
    *,
    actor: str,
    today: date | None = None,
    bodies: frozenset[str] | None = None,
) -> list[ActivityOutcome]:
    """Validate every row, then add or update them all in the caller's transaction with an
    audit entry each. On any problem (including the same report twice in one batch) raise
    :class:`ImportRefused` and write nothing. Sending the same reports again changes nothing.

    ``bodies``: the bodies the signed-in user belongs to or is a delegate of
    (:func:`reporting_bodies`); a row reporting for any other body is NotAllowed. None (an
    operator's import on the command line, the demo) checks no membership."""
    rows = list(rows)
    if bodies is not None:
        foreign = sorted(
            {str(r.get("reporter")) for r in rows} - bodies - {COMMUNE_REPORTER, "None"}
        )
        if foreign:
            raise NotAllowed(
                f"bạn không thuộc cơ quan {', '.join(foreign)} / you are neither a member nor "
                f"a delegate of {', '.join(foreign)}: only they report for it",
                code="not_a_member",
            )
    today = today or date.today()
    plans: dict[str, _PlanFacts | None] = {}
    checked = [
        validate_activity(db, r, row=i, today=today, plans=plans) for i, r in enumerate(rows, 1)
    ]
    errors = [e for _, errs in checked for e in errs]
    seen: dict[tuple[str, ...], int] = {}
    for i, (clean, errs) in enumerate(checked, 1):
        if errs:
            continue
        key = _key(clean)
        if key in seen:
            reason = (f"the same report as row {seen[key]}", f"trùng báo cáo ở dòng {seen[key]}")
            errors.append(row_error(i, "activity", reason))
        seen.setdefault(key, i)
    if errors:
        raise ImportRefused(errors)

    outcomes = []
    for clean, _ in checked:
        existing = db.scalar(
            select(ActivityReport).where(
                ActivityReport.plan_code == clean["plan_code"],
                ActivityReport.reporter == clean["reporter"],
                ActivityReport.unit_code == clean["unit_code"],
                ActivityReport.period == clean["period"],
                ActivityReport.activity == clean["activity"],
            )
        )
        fields = ("task_code", "value", "note", "synthetic")
        key_text = "/".join(_key(clean))
        if existing is None:
            db.add(ActivityReport(**clean))
            action, before = "added", None
        elif all(getattr(existing, f) == clean[f] for f in fields):
            outcomes.append(ActivityOutcome(*_key(clean), action="unchanged"))
            continue
        else:
            before = {f: getattr(existing, f) for f in fields}
            for f in fields:
                setattr(existing, f, clean[f])
            action = "updated"
        db.flush()
        record_change(
            db,
            actor=actor,
            action="insert" if before is None else "update",
            table="activity_reports",
            key=key_text,
            unit_code=clean["unit_code"],
            before=before,
            after={f: clean[f] for f in fields},
        )
        outcomes.append(ActivityOutcome(*_key(clean), action=action))
    return outcomes


def record_activity_reports(
    engine: Engine, rows: Iterable[Mapping[str, Any]], *, actor: str, today: date | None = None
) -> list[ActivityOutcome]:
    """:func:`record_activities` in a transaction of its own (all rows or none)."""
    with transaction(engine) as db:
        return record_activities(db, rows, actor=actor, today=today)
