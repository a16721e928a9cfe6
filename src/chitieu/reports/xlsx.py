"""The report's tables as an XLSX workbook (openpyxl): numbers stored exactly as computed,
shown with the report's decimals, so a spreadsheet user can recompute from them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from chitieu.reports.build import PlanReport
from chitieu.reports.i18n import t
from chitieu.reports.tables import activity_name, status_label

#: The targets sheet: (key in the API's JSON, Vietnamese header, English header).
TARGET_COLUMNS: list[tuple[str, str, str]] = [
    ("target_code", "Mã chỉ tiêu", "Target code"),
    ("description", "Chỉ tiêu", "Target"),
    ("indicator_code", "Chỉ số", "Indicator"),
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
    ("status", "Mã đánh giá", "Status code"),
    ("status_label", "Đánh giá", "Status"),
]
HEADER_ROW = 4  # rows 1–3: title, data note, blank
#: Shown for a computed figure whose column has no format of its own (stored exactly).
DEFAULT_FLOAT = "#,##0.0##"

#: The enforcement sheet's ranking of communes: (Vietnamese, English header, number format).
EXCESS_COLUMNS: list[tuple[str, str, str | None]] = [
    ("Mã", "Code", None),
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
    ("Ưu tiên", "Priority", "0.00"),
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


def target_values(report: PlanReport, lang: str) -> list[list[Any]]:
    """The targets sheet's rows, in :data:`TARGET_COLUMNS` order."""
    out = []
    for ev in report.evaluations:
        latest = ev.latest
        values = {
            "target_code": ev.target_code,
            "description": ev.description_vi if lang == "vi" else ev.description_en,
            "indicator_code": ev.indicator_code,
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
            "status": ev.status,
            "status_label": status_label(ev.status, lang),
        }
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
    fmt = {keys.index(k) + 1: "0.00" for k in ("p_now", "prob_target_met")}
    one_decimal = ("target_value", "baseline_value", "goal_value", "latest_value")
    fmt |= {keys.index(k) + 1: "0.0" for k in (*one_decimal, "latest_lower", "latest_upper")}
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
        [ev.target_code, t(kind, lang), p.year, p.value, p.lower, p.upper]
        for ev in report.evaluations
        for kind, points in (
            ("observed", ev.series),
            ("smoothed", ev.smoothed),
            ("projection", ev.projection),
        )
        for p in points
    ]
    head = ["Mã chỉ tiêu", "Loại", "Năm", "Giá trị", "Cận dưới", "Cận trên"]
    if not vi:
        head = ["Target code", "Kind", "Year", "Value", "Lower", "Upper"]
    one = {4: "0.0", 5: "0.0", 6: "0.0"}
    _sheet(wb, "Chuỗi số liệu" if vi else "Series", heading, head, series, note, one)

    tasks = [
        [
            task.group_code,
            task.code,
            task.title_vi if vi else task.title_en,
            task.lead_vi if vi else task.lead_en,
            "; ".join(task.partners_vi if vi else task.partners_en),
        ]
        for task in report.tasks
    ]
    head = ["Nhóm", "Mã", "Nhiệm vụ", "Chủ trì", "Phối hợp"]
    if not vi:
        head = ["Group", "Code", "Task", "Lead", "Partners"]
    _sheet(wb, "Nhiệm vụ" if vi else "Tasks", heading, head, tasks, note)

    body_names = {b.code: (b.name_vi if vi else b.name_en) for b in report.bodies}
    cells = [
        [
            c.period,
            t(_REPORTER_KIND.get(c.kind, c.kind), lang),
            c.reporter,
            body_names.get(c.reporter, c.name),
            c.due,
            t(_REPORTING_STATUS.get(c.status, c.status), lang),
        ]
        for c in report.reporting.cells
    ]
    head = ["Kỳ", "Loại", "Mã", "Tên", "Hạn báo cáo", "Tình trạng"]
    if not vi:
        head = ["Period", "Kind", "Code", "Name", "Due", "Status"]
    ws = _sheet(wb, "Báo cáo định kỳ" if vi else "Reporting", heading, head, cells, note)
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=5, max_col=5):
        row[0].number_format = "dd/mm/yyyy"

    acts = [
        [b.code, b.name_vi if vi else b.name_en, activity_name(k, lang), v]
        for b in report.bodies
        for k, v in b.activities.items()
    ]
    acts += [
        ["commune", t("communes", lang), activity_name(k, lang), v]
        for k, v in report.activities.communes.items()
    ]
    head = ["Mã", "Cơ quan, đơn vị", "Hoạt động", "Số lượng"]
    if not vi:
        head = ["Code", "Body", "Activity", "Count"]
    _sheet(wb, "Hoạt động" if vi else "Activities", heading, head, acts, note, {4: "#,##0"})

    summary = [[label, value] for label, value in _enforcement_numbers(report, lang)]
    ws = _sheet(wb, "Thanh tra" if vi else "Enforcement", heading, ["", ""], summary, note)
    start = HEADER_ROW + len(summary) + 3
    excess_head = [h_vi if vi else h_en for h_vi, h_en, _ in EXCESS_COLUMNS]
    for j, h in enumerate(excess_head, 1):
        ws.cell(start, j, h).font = _BOLD
    for i, r in enumerate(report.excess, start + 1):
        values: list[str | int | float | date | None]
        values = [r.unit_code, r.unit_name, r.births, r.srb, r.srb_lower, r.srb_upper, r.p_excess]
        values += [r.onset, r.expected_excess_boys, r.z]
        values += [r.flag, r.inspections, r.last_inspected, r.fines_vnd, r.priority]
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
