"""The report's tables as text, in one language: shared by the PDF (HTML) and DOCX builders
so both print the same words and the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

from chitieu.plans.activities import ACTIVITY_KINDS
from chitieu.reports.build import PlanReport
from chitieu.reports.i18n import (
    digits_for,
    fmt_interval,
    fmt_number,
    fmt_percent,
    fmt_signed,
    t,
)
from chitieu.targets.binding import notes
from chitieu.targets.evaluation import TargetEvaluation
from chitieu.targets.rules import status_label


@dataclass(frozen=True, slots=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    #: Column widths as fractions of the text width (the PDF and DOCX use them).
    widths: list[float] | None = None


def _pick(vi: str, en: str, lang: str) -> str:
    return vi if lang == "vi" else en


def goal_text(ev: TargetEvaluation, lang: str) -> str:
    """What the target asks, briefly: ``≤ 109 (2030)``; ``−0,20/năm từ 114,1 (2025)``."""
    sign = "≤" if ev.direction == "at_most" else "≥"
    if ev.kind == "context":
        return "–"
    if ev.target_value is None and ev.annual_change is not None:
        text = fmt_signed(ev.annual_change, 2, lang) + t("per_year", lang)
        if ev.baseline_value is not None:
            text += (
                f" {'từ' if lang == 'vi' else 'from'} "
                f"{fmt_number(ev.baseline_value, 1, lang)} ({ev.baseline_year})"
            )
        return f"{text} → {sign} {fmt_number(ev.goal_value, 1, lang)} ({ev.target_year})"
    since = f"{ev.start_year}–" if ev.kind == "every_year" and ev.start_year else ""
    return f"{sign} {fmt_number(ev.target_value, 1, lang)} ({since}{ev.target_year})"


def latest_text(ev: TargetEvaluation, lang: str) -> str:
    if ev.latest is None:
        return "–"
    d = digits_for(ev.kind)
    p = ev.latest
    return f"{fmt_number(p.value, d, lang)} {fmt_interval(p.lower, p.upper, d, lang)}".strip()


def targets_table(report: PlanReport, lang: str) -> Table:
    rows = []
    for ev in report.evaluations:
        rows.append(
            [
                _pick(ev.description_vi, ev.description_en, lang),
                goal_text(ev, lang),
                latest_text(ev, lang),
                str(ev.latest.year) if ev.latest else "–",
                fmt_percent(ev.prob_target_met, lang),
                fmt_signed(ev.required_annual_change, 2, lang),
                drift_text(ev, lang),
                status_label(ev.status, lang),
            ]
        )
    keys = [
        "col_target",
        "col_goal",
        "col_latest",
        "year",
        "col_prob",
        "col_needed",
        "col_observed",
        "col_assessment",
    ]
    # wide enough for each heading's longest word (English "Probability" included)
    widths = [0.18, 0.16, 0.15, 0.06, 0.11, 0.09, 0.11, 0.14]
    return Table([t(k, lang) for k in keys], rows, widths)


def provisional_text(ev: TargetEvaluation, lang: str) -> str | None:
    """The year still arriving, beside the figures: ``Tỷ số giới tính khi sinh 2026:
    110,0 (77,7–155,8) — tạm tính: 1/126 xã, 1 tháng`` (None when there is none)."""
    p = ev.current
    if p is None or p.completeness is None:
        return None
    d = digits_for(ev.kind)
    name = _pick(ev.indicator_name_vi, ev.indicator_name_en, lang)
    value = f"{fmt_number(p.value, d, lang)} {fmt_interval(p.lower, p.upper, d, lang)}".strip()
    return f"{name} {p.year}: {value} — {p.completeness.text(lang)}"


def drift_text(ev: TargetEvaluation, lang: str) -> str:
    """The model's drift per year with its standard error: ``+0,02 ± 0,30``."""
    drift = fmt_signed(ev.observed_annual_change, 2, lang)
    if ev.observed_annual_change is None or ev.observed_annual_change_se is None:
        return drift
    return f"{drift} ± {fmt_number(ev.observed_annual_change_se, 2, lang)}"


def target_notes(report: PlanReport, lang: str) -> list[str]:
    """Notes printed under the targets table: the provisional years (once per indicator), then
    per target which one binds, what meeting a looser one leaves unmet, and what an
    inconclusive change target would need to be detectable."""
    out: list[str] = []
    for ev in report.evaluations:
        text = provisional_text(ev, lang)
        if text is not None and text not in out:
            out.append(text)
    for ev in report.evaluations:
        name = _pick(ev.description_vi, ev.description_en, lang)
        out += [f"{name}: {note}" for note in notes(ev, lang)]
    return out


def tasks_table(report: PlanReport, lang: str) -> Table:
    rows = [
        [
            f"{task.code}. {_pick(task.title_vi, task.title_en, lang)}",
            _pick(task.lead_vi, task.lead_en, lang),
            "; ".join(task.partners_vi if lang == "vi" else task.partners_en) or "–",
        ]
        for task in report.tasks
    ]
    headers = [t("col_task", lang), t("col_lead", lang), t("col_partners", lang)]
    return Table(headers, rows, [0.5, 0.2, 0.3])


def activity_name(code: str, lang: str) -> str:
    vi, en = ACTIVITY_KINDS.get(code, (code, code))
    return _pick(vi, en, lang)


def _activities_text(activities: dict[str, float], lang: str) -> str:
    if not activities:
        return "–"
    return "; ".join(
        f"{activity_name(k, lang)}: {fmt_number(v, 0, lang)}"
        for k, v in activities.items()
        if k in ACTIVITY_KINDS
    )


def bodies_table(report: PlanReport, lang: str) -> Table:
    n = len(report.reporting.periods)
    rows = [
        [
            _pick(b.name_vi, b.name_en, lang),
            f"{b.reported}/{n}",
            str(b.overdue),
            _activities_text(b.activities, lang),
        ]
        for b in report.bodies
        if any(c.reporter == b.code for c in report.reporting.cells)
    ]
    headers = [
        t("col_body", lang),
        t("col_reported", lang),
        t("col_overdue", lang),
        t("col_activity", lang),
    ]
    return Table(headers, rows, [0.35, 0.12, 0.1, 0.43])


def commune_activities_table(report: PlanReport, lang: str) -> Table:
    acts = report.activities.communes
    rows = [[activity_name(k, lang), fmt_number(acts.get(k, 0.0), 0, lang)] for k in ACTIVITY_KINDS]
    return Table([t("col_activity", lang), t("col_value", lang)], rows, [0.7, 0.3])


def reporting_table(report: PlanReport, lang: str) -> Table:
    counts = report.reporting.counts()
    rows = [
        [
            p,
            str(counts[p]["reported"]),
            str(counts[p]["overdue"]),
            str(counts[p]["not_due"]),
        ]
        for p in report.reporting.periods
    ]
    not_due = "Chưa đến hạn" if lang == "vi" else "Not yet due"
    headers = [t("col_period", lang), t("col_reported", lang), t("col_overdue", lang), not_due]
    return Table(headers, rows, [0.25, 0.25, 0.25, 0.25])


def enforcement_lines(report: PlanReport, lang: str) -> list[tuple[str, str]]:
    e = report.enforcement
    return [
        (t("inspections", lang), fmt_number(e.inspections, 0, lang)),
        (t("facilities_inspected", lang), fmt_number(e.facilities_inspected, 0, lang)),
        (t("violations", lang), fmt_number(e.violations, 0, lang)),
        (t("fines_total", lang), fmt_number(e.fines_vnd, 0, lang)),
        (t("suspensions", lang), fmt_number(e.suspensions, 0, lang)),
        (t("commitments", lang), fmt_number(e.commitments, 0, lang)),
        (
            t("register", lang),
            f"{fmt_number(e.register_public, 0, lang)} {t('public', lang)}, "
            f"{fmt_number(e.register_private, 0, lang)} {t('private', lang)}",
        ),
    ]


def excess_table(report: PlanReport, lang: str) -> Table:
    rows = []
    for r in report.excess:
        srb = f"{fmt_number(r.srb, 1, lang)} {fmt_interval(r.srb_lower, r.srb_upper, 1, lang)}"
        rows.append(
            [
                ("● " if r.priority else "") + r.unit_name,
                fmt_number(r.births, 0, lang),
                srb.strip(),
                f"{fmt_number(r.p_excess, 2, lang)}"
                + (f" ({r.onset})" if r.onset is not None and (r.p_excess or 0) >= 0.05 else ""),
                fmt_number(r.expected_excess_boys, 0, lang),
                fmt_number(r.z, 2, lang),
                r.last_inspected.strftime("%d/%m/%Y") if r.last_inspected else t("never", lang),
                str(r.inspections),
                fmt_number(r.fines_vnd, 0, lang),
            ]
        )
    srb_header = "TSGTKS (KTC 95%)" if lang == "vi" else "SRB (95% interval)"
    headers = [
        t("col_commune", lang),
        t("births", lang),
        srb_header,
        t("col_p_excess", lang),
        t("col_excess_boys", lang),
        t("col_excess_z", lang),
        t("col_inspected", lang),
        t("col_count", lang),
        t("col_fines", lang),
    ]
    return Table(headers, rows, [0.2, 0.08, 0.17, 0.1, 0.08, 0.07, 0.11, 0.07, 0.12])
