"""Gather everything the periodic report says, once, from the same functions the API and the
dashboard call (so the report's numbers are theirs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.enforcement.ranking import ExcessRow, excess_ranking
from chitieu.enforcement.summary import EnforcementSummary, enforcement_summary
from chitieu.plans.tracking import (
    ActivitySummary,
    ReportingStatus,
    activity_summary,
    reporting_status,
)
from chitieu.reports.i18n import t
from chitieu.store.models import Body, Plan, PlanBody, Task
from chitieu.targets.evaluation import TargetEvaluation
from chitieu.targets.provenance import uses_synthetic_data
from chitieu.targets.service import evaluate_targets
from chitieu.units.queries import get_unit


@dataclass(frozen=True, slots=True)
class TaskLine:
    group_code: str
    group_vi: str
    group_en: str
    code: str
    title_vi: str
    title_en: str
    lead_code: str
    lead_vi: str
    lead_en: str
    partners_vi: list[str]
    partners_en: list[str]


@dataclass(frozen=True, slots=True)
class BodyLine:
    code: str
    name_vi: str
    name_en: str
    role: str
    activities: dict[str, float]
    reported: int
    overdue: int


@dataclass
class PlanReport:
    """The periodic report's content for ``plan`` over ``year`` (calendar year)."""

    plan_code: str
    title_vi: str
    title_en: str
    issuer: str
    #: The issuer's English name (the plan's body of that Vietnamese name), else ``issuer``.
    issuer_en: str
    number: str | None
    issued: date | None
    legal_bases: list[tuple[str, str | None]]  # (Vietnamese, English)
    unit_code: str
    unit_name: str
    year: int
    as_of: date
    standing_vi: str
    standing_en: str
    evaluations: list[TargetEvaluation]
    tasks: list[TaskLine]
    bodies: list[BodyLine]
    reporting: ReportingStatus
    activities: ActivitySummary
    enforcement: EnforcementSummary
    excess: list[ExcessRow]
    synthetic: bool
    #: The years of births the excess ranking pools, e.g. ``2018–2025``.
    excess_window: str = ""
    #: Where the standing body sends the report, as (vi, en) names.
    recipients: list[tuple[str, str]] = field(default_factory=list)
    difficulties: list[tuple[str, str]] = field(default_factory=list)
    proposals: list[tuple[str, str]] = field(default_factory=list)


def plan_tasks(db: Session, plan_code: str, names: dict[str, tuple[str, str]]) -> list[TaskLine]:
    """The plan's tasks in order, with lead and partner bodies named (``names``: code ->
    (vi, en))."""
    rows = db.scalars(select(Task).where(Task.plan_code == plan_code).order_by(Task.id)).all()
    return [
        TaskLine(
            group_code=r.group_code,
            group_vi=r.group_vi,
            group_en=r.group_en,
            code=r.code,
            title_vi=r.title_vi,
            title_en=r.title_en,
            lead_code=r.lead_body,
            lead_vi=names.get(r.lead_body, (r.lead_body, r.lead_body))[0],
            lead_en=names.get(r.lead_body, (r.lead_body, r.lead_body))[1],
            partners_vi=[names.get(b, (b, b))[0] for b in r.partner_bodies or []],
            partners_en=[names.get(b, (b, b))[1] for b in r.partner_bodies or []],
        )
        for r in rows
    ]


def build_plan_report(
    db: Session,
    plan_code: str,
    year: int,
    *,
    unit_code: str | None = None,
    as_of: date | None = None,
) -> PlanReport:
    """Everything the report for ``plan_code`` and ``year`` prints. Target figures come from
    :func:`chitieu.targets.service.evaluate_targets` with ``until_year=year`` — the function
    behind ``GET /api/targets/status?plan=…&unit=…&year=…`` and the dashboard's scorecard.
    Raises ``KeyError`` for an unknown plan, ``ValueError`` for a year outside the plan."""
    plan = db.get(Plan, plan_code)
    if plan is None:
        raise KeyError(f"unknown plan {plan_code!r}")
    if not plan.start_year <= year <= plan.end_year:
        raise ValueError(f"{year} is outside the plan ({plan.start_year}–{plan.end_year})")
    as_of = as_of or date.today()
    unit = get_unit(db, unit_code or plan.unit_code)
    evaluations = evaluate_targets(db, plan_code=plan_code, unit_code=unit.code, until_year=year)
    members = db.execute(
        select(Body.code, Body.name_vi, Body.name_en, PlanBody.role)
        .join(PlanBody, PlanBody.body_code == Body.code)
        .where(PlanBody.plan_code == plan_code)
        .order_by(PlanBody.position)
    ).all()
    names = {b.code: (b.name_vi, b.name_en) for b in db.scalars(select(Body))}
    status = reporting_status(db, plan_code, as_of=as_of, year=year)
    activities = activity_summary(db, plan_code, status.periods)
    per_body = {code: [c for c in status.cells if c.reporter == code] for code, *_ in members}
    bodies = [
        BodyLine(
            code=code,
            name_vi=vi,
            name_en=en,
            role=role,
            activities=activities.by_body.get(code, {}),
            reported=sum(c.status == "reported" for c in per_body[code]),
            overdue=sum(c.status == "overdue" for c in per_body[code]),
        )
        for code, vi, en, role in members
    ]
    standing = next((b for b in bodies if b.role == "standing"), None)
    since, until = date(year, 1, 1), min(date(year, 12, 31), as_of)
    ranking = excess_ranking(db, unit.code, until_year=year, as_of=until)
    report = PlanReport(
        plan_code=plan.code,
        title_vi=plan.title_vi,
        title_en=plan.title_en,
        issuer=plan.issuer,
        issuer_en=next((en for vi, en in names.values() if vi == plan.issuer), plan.issuer),
        number=plan.number,
        issued=plan.issued,
        legal_bases=[_basis(b) for b in plan.legal_bases or []],
        unit_code=unit.code,
        unit_name=unit.name,
        year=year,
        as_of=as_of,
        standing_vi=standing.name_vi if standing else plan.issuer,
        standing_en=standing.name_en if standing else plan.issuer,
        evaluations=evaluations,
        tasks=plan_tasks(db, plan_code, names),
        bodies=bodies,
        reporting=status,
        activities=activities,
        enforcement=enforcement_summary(db, unit.code, since=since, until=until),
        excess=[r for r in ranking.rows if r.p_excess is not None][:10],
        excess_window=ranking.window,
        synthetic=uses_synthetic_data(db, unit.code) or any(e.synthetic for e in evaluations),
    )
    standing_code = standing.code if standing else None
    report.recipients = [
        names.get(code, (code, code))
        for duty in plan.reporting or []
        if duty.get("body") == standing_code
        for code in duty.get("to", [])
    ] or [("Bộ Y tế", "Ministry of Health")]
    report.difficulties, report.proposals = findings(report)
    return report


def _basis(stored: object) -> tuple[str, str | None]:
    """A stored legal basis as (Vietnamese, English or None): plans loaded before the English
    rendering was kept store the Vietnamese text alone."""
    if isinstance(stored, dict):
        return str(stored["vi"]), stored.get("en")
    return str(stored), None


def legal_bases(report: PlanReport, lang: str) -> list[str]:
    """The report's "pursuant to" lines: the plan's legal bases as the plan words them, in
    English as the plan file renders them (never the Vietnamese text in an English edition: a
    basis without its English is counted instead), then the plan itself."""
    title = report.title_vi if lang == "vi" else report.title_en
    plan_ref = title + (f" (số {report.number})" if report.number else "")
    issuer = report.issuer if lang == "vi" else report.issuer_en
    if lang == "vi":
        lines = [vi for vi, _ in report.legal_bases]
    else:
        lines = [en for _, en in report.legal_bases if en]
        untranslated = sum(1 for _, en in report.legal_bases if not en)
        if untranslated:
            lines.append(t("basis_cited", lang, n=untranslated))
    return [*lines, t("basis_plan", lang, plan=f"{plan_ref} — {issuer}")]


def findings(report: PlanReport) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Difficulties and proposals that follow from the figures, each as (vi, en); the unit
    adds its own in the document."""
    difficulties: list[tuple[str, str]] = []
    proposals: list[tuple[str, str]] = []
    behind = [e for e in report.evaluations if e.status in ("off_track", "at_risk")]
    for e in behind:
        difficulties.append(
            (
                f"Chỉ tiêu “{e.description_vi}” chưa bảo đảm tiến độ.",
                f"The target “{e.description_en}” is not on course.",
            )
        )
    if behind:
        proposals.append(
            (
                "Tập trung nguồn lực và giải pháp cho các chỉ tiêu có nguy cơ không đạt.",
                "Direct resources and measures to the targets at risk.",
            )
        )
    overdue = report.reporting.overdue()
    if overdue:
        n = len({c.reporter for c in overdue})
        difficulties.append(
            (
                f"{n} cơ quan, đơn vị, xã, phường chưa gửi báo cáo hoạt động đúng hạn.",
                f"{n} bodies and communes have not sent their activity reports on time.",
            )
        )
        proposals.append(
            (
                "Đôn đốc các cơ quan, đơn vị, xã, phường thực hiện chế độ báo cáo định kỳ.",
                "Urge bodies and communes to send their periodic reports.",
            )
        )
    unseen = [r for r in report.excess if r.priority]
    if unseen:
        difficulties.append(
            (
                f"{len(unseen)} xã, phường có dấu hiệu tỷ số giới tính khi sinh cao bất thường "
                "nhưng chưa được kiểm tra gần đây.",
                f"{len(unseen)} communes show an excess sex ratio at birth but have not been "
                "inspected recently.",
            )
        )
        proposals.append(
            (
                "Ưu tiên thanh tra, kiểm tra các cơ sở siêu âm, sản khoa tại: "
                + ", ".join(r.unit_name for r in unseen[:5])
                + ".",
                "Inspect ultrasound and obstetric facilities first in: "
                + ", ".join(r.unit_name for r in unseen[:5])
                + ".",
            )
        )
    return difficulties, proposals
