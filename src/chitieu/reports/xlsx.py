"""The report's tables as an XLSX workbook (openpyxl): names and labels in the reader's
language (a code only beside the name it stands for, such as a unit's), and every figure
rounded as the PDF prints it (estimates to one decimal, changes and z to two, probabilities to
whole percentages)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from chitieu.catalog import UnknownCodeError, read_catalog
from chitieu.reports.build import PlanReport
from chitieu.reports.i18n import digits_for, t
from chitieu.reports.tables import activity_name, status_label

#: The targets sheet: (key in the API's JSON, Vietnamese header, English header).
TARGET_COLUMNS: list[tuple[str, str, str]] = [
    ("description", "Chỉ tiêu", "Target"),
    ("indicator", "Chỉ số", "Indicator"),
    ("unit_name", "Đơn vị", "Unit"),
    ("unit_code", "Mã đơn vị", "Unit code"),
    ("direction", "Chiều", "Direction"),
    ("target_value", "Giá trị mục tiêu", "Target value"),
    ("target_year", "Năm mục tiêu", "Target year"),
    ("annual_change", "Thay đổi bình quân/năm theo kế hoạch", "Planned change per year"),
    ("baseline_value", "Giá trị cơ sở", "Baseline value"),
    ("baseline_year", "Năm cơ sở", "Baseline year"),
    ("goal_value", "Mức cần đạt năm mục tiêu", "Goal in target year"),
    ("latest_year", "Năm gần nhất", "Latest year"),
    ("latest_value", "Ước tính gần nhất", "Latest estimate"),
    ("latest_lower", "Cận dưới 95%", "Lower 95%"),
    ("latest_upper", "Cận trên 95%", "Upper 95%"),
    ("p_now", "Xác suất đạt năm gần nhất", "P(satisfied, latest year)"),
    ("prob_target_met", "Xác suất đạt năm mục tiêu", "P(met in target year)"),
    ("required_annual_change", "Thay đổi cần/năm", "Change needed per year"),
    ("observed_annual_change", "Xu hướng của mô hình/năm", "Model drift per year"),
    ("observed_annual_change_se", "Sai số chuẩn của xu hướng", "Standard error of the drift"),
    ("change_sd", "Sai số chuẩn của mức thay đổi", "Standard error of the change"),
    (
        "detectable_annual_change",
        "Mức thay đổi phát hiện được/năm",
        "Change per year the data can detect",
    ),
    ("latest_provisional", "Năm tạm tính", "Provisional year"),
    ("status_label", "Đánh giá", "Status"),
]
#: Decimals each figure of the targets sheet is rounded to, as the PDF prints it (estimates:
#: the indicator's own, :func:`~chitieu.reports.i18n.digits_for`).
_PROBABILITIES = ("p_now", "prob_target_met")
_ESTIMATES = (
    "target_value",
    "baseline_value",
    "goal_value",
    "latest_value",
    "latest_lower",
    "latest_upper",
)
HEADER_ROW = 4  # rows 1–3: title, data note, blank
#: Shown for a computed figure whose column has no format of its own (stored exactly).
DEFAULT_FLOAT = "#,##0.0##"

#: The enforcement sheet's ranking of communes: (Vietnamese, English header, number format).
EXCESS_COLUMNS: list[tuple[str, str, str | None]] = [
    ("Mã đơn vị", "Unit code", None),
    ("Xã, phường", "Commune", None),
    ("Số sinh", "Births", "#,##0"),
    ("TSGTKS", "SRB", "0.0"),
    ("Cận dưới", "Lower 95%", "0.0"),
    ("Cận trên", "Upper 95%", "0.0"),
    ("P vượt", "P(excess)", "0.00"),
    ("Từ năm", "Since", None),
    ("Trẻ trai dôi ra (ước)", "Excess boys (estimate)", "#,##0"),
    ("z", "z", "0.00"),
    ("Cảnh báo", "Alert", None),
    ("Số lần kiểm tra", "Inspections", "#,##0"),
    ("Kiểm tra gần nhất", "Last inspected", "dd/mm/yyyy"),
    ("Tiền phạt", "Fines (VND)", "#,##0"),
    ("Ưu tiên", "Priority", None),
]
#: A reporter's kind -> its message key.
_REPORTER_KIND = {"body": "col_body", "commune": "col_commune"}
#: A reporting duty's status -> its message key.
_REPORTING_STATUS = {"reported": "col_reported", "overdue": "col_overdue", "not_due": "not_due"}

_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E8EDF3")
_RED = Font(bold=True, color="AA0000")


def _sheet(
    wb: Workbook,
    title: str,
    heading: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    note: str,
    formats: dict[int, str] | None = None,
) -> Worksheet:
    ws = wb.create_sheet(title[:31])
    ws.cell(1, 1, heading).font = Font(bold=True, size=12)
    ws.cell(2, 1, note).font = _RED
    for j, h in enumerate(headers, 1):
        c = ws.cell(HEADER_ROW, j, h)
        c.font, c.fill = _BOLD, _HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows, HEADER_ROW + 1):
        for j, value in enumerate(row, 1):
            c = ws.cell(i, j, value)
            if formats and j in formats and isinstance(value, int | float):
                c.number_format = formats[j]
            elif isinstance(value, float):
                c.number_format = DEFAULT_FLOAT  # never a column of 13-decimal figures
    for j, h in enumerate(headers, 1):
        longest = max([len(str(h))] + [len(str(r[j - 1])) for r in rows if r[j - 1] is not None])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    return ws


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(float(x), digits)


def _indicator_name(code: str, lang: str) -> str:
    try:
        ind = read_catalog().indicator(code)
    except UnknownCodeError:
        return code
    return ind.name_vi if lang == "vi" else ind.name_en


def target_values(report: PlanReport, lang: str) -> list[list[Any]]:
    """The targets sheet's rows, in :data:`TARGET_COLUMNS` order, rounded as the PDF prints."""
    out = []
    for ev in report.evaluations:
        latest = ev.latest
        values: dict[str, Any] = {
            "description": ev.description_vi if lang == "vi" else ev.description_en,
            "indicator": _indicator_name(ev.indicator_code, lang),
            "unit_name": report.unit_name if ev.unit_code == report.unit_code else ev.unit_code,
            "unit_code": ev.unit_code,
            "direction": t(f"direction_{ev.direction}", lang),
            "target_value": ev.target_value,
            "target_year": ev.target_year,
            "annual_change": ev.annual_change,
            "baseline_value": ev.baseline_value,
            "baseline_year": ev.baseline_year,
            "goal_value": ev.goal_value,
            "latest_year": latest.year if latest else None,
            "latest_value": latest.value if latest else None,
            "latest_lower": latest.lower if latest else None,
            "latest_upper": latest.upper if latest else None,
            "p_now": ev.p_now,
            "prob_target_met": ev.prob_target_met,
            "required_annual_change": ev.required_annual_change,
            "observed_annual_change": ev.observed_annual_change,
            "observed_annual_change_se": ev.observed_annual_change_se,
            "change_sd": ev.change_sd,
            "detectable_annual_change": ev.detectable_annual_change,
            "latest_provisional": ev.current.year if ev.current else None,
            "status_label": status_label(ev.status, lang),
        }
        digits = digits_for(ev.kind)
        for k in _ESTIMATES:
            values[k] = _round(values[k], digits)
        for k in _PROBABILITIES:
            values[k] = _round(values[k], 2)
        for k in values:
            if "change" in k and isinstance(values[k], float):
                values[k] = _round(values[k], 2)
        out.append([values[k] for k, _, _ in TARGET_COLUMNS])
    return out


def render_xlsx(report: PlanReport, lang: str = "vi") -> bytes:
    """The workbook's bytes: targets, series, tasks, reporting, activities, enforcement."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the empty sheet a new workbook starts with
    vi = lang == "vi"
    title = report.title_vi if vi else report.title_en
    heading = f"{title} — {report.year} — {report.unit_name}"
    note = t("synthetic", lang) if report.synthetic else ""
    keys = [k for k, _, _ in TARGET_COLUMNS]
    fmt = {keys.index(k) + 1: "0%" for k in _PROBABILITIES}
    fmt |= {keys.index(k) + 1: "#,##0.0" for k in _ESTIMATES}
    fmt |= {keys.index(k) + 1: "+0.00;-0.00" for k in keys if "change" in k}
    headers = [h_vi if vi else h_en for _, h_vi, h_en in TARGET_COLUMNS]
    _sheet(
        wb,
        "Chỉ tiêu" if vi else "Targets",
        heading,
        headers,
        target_values(report, lang),
        note,
        fmt,
    )

    series = [
        [
            ev.description_vi if vi else ev.description_en,
            t(kind, lang),
            p.year,
            _round(p.value, digits_for(ev.kind)),
            _round(p.lower, digits_for(ev.kind)),
            _round(p.upper, digits_for(ev.kind)),
        ]
        for ev in report.evaluations
        for kind, points in (
            ("observed", ev.series),
            ("smoothed", ev.smoothed),
            ("projection", ev.projection),
        )
        for p in points
    ]
    head = ["Chỉ tiêu", "Loại", "Năm", "Giá trị", "Cận dưới", "Cận trên"]
    if not vi:
        head = ["Target", "Kind", "Year", "Value", "Lower", "Upper"]
    one = {4: "0.0", 5: "0.0", 6: "0.0"}
    _sheet(wb, "Chuỗi số liệu" if vi else "Series", heading, head, series, note, one)

    tasks = [
        [
            task.code,  # the plan's numbering (T1.1 is the first task of group 1)
            task.title_vi if vi else task.title_en,
            task.lead_vi if vi else task.lead_en,
            "; ".join(task.partners_vi if vi else task.partners_en),
        ]
        for task in report.tasks
    ]
    head = ["Số TT", "Nhiệm vụ", "Chủ trì", "Phối hợp"]
    if not vi:
        head = ["No.", "Task", "Lead", "Partners"]
    _sheet(wb, "Nhiệm vụ" if vi else "Tasks", heading, head, tasks, note)

    body_names = {b.code: (b.name_vi if vi else b.name_en) for b in report.bodies}
    cells = [
        [
            c.period,
            t(_REPORTER_KIND.get(c.kind, c.kind), lang),
            body_names.get(c.reporter, c.name),
            c.reporter if c.kind == "commune" else None,  # a unit's code beside its name
            c.due,
            t(_REPORTING_STATUS.get(c.status, c.status), lang),
        ]
        for c in report.reporting.cells
    ]
    head = ["Kỳ", "Loại", "Tên", "Mã đơn vị", "Hạn báo cáo", "Tình trạng"]
    if not vi:
        head = ["Period", "Kind", "Name", "Unit code", "Due", "Status"]
    ws = _sheet(wb, "Báo cáo định kỳ" if vi else "Reporting", heading, head, cells, note)
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=5, max_col=5):
        row[0].number_format = "dd/mm/yyyy"

    acts = [
        [b.name_vi if vi else b.name_en, activity_name(k, lang), v]
        for b in report.bodies
        for k, v in b.activities.items()
    ]
    acts += [
        [t("communes", lang), activity_name(k, lang), v]
        for k, v in report.activities.communes.items()
    ]
    head = ["Cơ quan, đơn vị", "Hoạt động", "Số lượng"]
    if not vi:
        head = ["Body", "Activity", "Count"]
    _sheet(wb, "Hoạt động" if vi else "Activities", heading, head, acts, note, {3: "#,##0"})

    summary = [[label, value] for label, value in _enforcement_numbers(report, lang)]
    ws = _sheet(wb, "Thanh tra" if vi else "Enforcement", heading, ["", ""], summary, note)
    start = HEADER_ROW + len(summary) + 3
    excess_head = [h_vi if vi else h_en for h_vi, h_en, _ in EXCESS_COLUMNS]
    for j, h in enumerate(excess_head, 1):
        ws.cell(start, j, h).font = _BOLD
    for i, r in enumerate(report.excess, start + 1):
        values: list[str | int | float | date | None]
        values = [r.unit_code, r.unit_name, r.births]
        values += [_round(r.srb, 1), _round(r.srb_lower, 1), _round(r.srb_upper, 1)]
        values += [_round(r.p_excess, 2), r.onset, _round(r.expected_excess_boys, 0)]
        values += [_round(r.z, 2), t(f"flag_{r.flag or 'none'}", lang), r.inspections]
        values += [r.last_inspected, r.fines_vnd, t("priority", lang) if r.priority else None]
        for j, (v, (_, _, number_format)) in enumerate(zip(values, EXCESS_COLUMNS, strict=True), 1):
            c = ws.cell(i, j, v)
            if number_format and isinstance(v, int | float):
                c.number_format = number_format
            elif isinstance(v, float):
                c.number_format = DEFAULT_FLOAT
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _enforcement_numbers(report: PlanReport, lang: str) -> list[tuple[str, int]]:
    e = report.enforcement
    return [
        (t("inspections", lang), e.inspections),
        (t("facilities_inspected", lang), e.facilities_inspected),
        (t("violations", lang), e.violations),
        (t("fines_total", lang), e.fines_vnd),
        (t("suspensions", lang), e.suspensions),
        (t("commitments", lang), e.commitments),
        (f"{t('register', lang)} — {t('public', lang)}", e.register_public),
        (f"{t('register', lang)} — {t('private', lang)}", e.register_private),
    ]


#: One titled, noted table on its own sheet: the building block other exports share.
table_sheet = _sheet
