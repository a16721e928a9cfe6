"""Words and number formats for the reports, Vietnamese first, English available."""

from __future__ import annotations

import math

LANGS = ("vi", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "nation": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"),
    "motto": ("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    "number": ("Số: …../BC-SYT", "No.: …../BC-SYT"),
    "date_line": ("{place}, ngày … tháng … năm {year}", "{place}, …/…/{year}"),
    "report": ("BÁO CÁO", "REPORT"),
    "report_title": (
        "Kết quả thực hiện {title} — năm {period}",
        "Implementation of the {title}: results for {period}",
    ),
    "bases": ("Căn cứ", "Legal bases"),
    "basis_plan": ("Căn cứ {plan}", "Pursuant to {plan}"),
    "intro": (
        "{body} báo cáo kết quả thực hiện Kế hoạch năm {period} như sau:",
        "The {body} reports on the implementation of the plan in {period} as follows:",
    ),
    "sec_targets": ("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", "I. RESULTS AGAINST THE TARGETS"),
    "sec_tasks": (
        "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ, GIẢI PHÁP",
        "II. IMPLEMENTATION OF TASKS AND SOLUTIONS",
    ),
    "sec_reporting": ("Tình hình báo cáo định kỳ", "Periodic reporting"),
    "sec_enforcement": (
        "III. CÔNG TÁC THANH TRA, KIỂM TRA",
        "III. INSPECTION AND ENFORCEMENT",
    ),
    "sec_difficulties": ("IV. KHÓ KHĂN, VƯỚNG MẮC", "IV. DIFFICULTIES"),
    "sec_proposals": ("V. ĐỀ XUẤT, KIẾN NGHỊ", "V. PROPOSALS"),
    "col_target": ("Chỉ tiêu", "Target"),
    "col_goal": ("Mục tiêu", "Goal"),
    "col_baseline": ("Cơ sở", "Baseline"),
    "col_latest": ("Ước tính gần nhất (KTC 95%)", "Latest estimate (95% interval)"),
    "col_year": ("Năm", "Year"),
    "col_prob": ("Xác suất đạt", "Probability met"),
    "col_needed": ("Thay đổi cần/năm", "Change needed/yr"),
    "col_observed": ("Thay đổi quan sát/năm", "Observed change/yr"),
    "col_status": ("Đánh giá", "Status"),
    "col_task": ("Nhiệm vụ", "Task"),
    "col_lead": ("Chủ trì", "Lead"),
    "col_partners": ("Phối hợp", "Partners"),
    "col_body": ("Cơ quan, đơn vị", "Body"),
    "col_activity": ("Hoạt động", "Activity"),
    "col_value": ("Số lượng", "Count"),
    "col_reported": ("Đã báo cáo", "Reported"),
    "col_overdue": ("Quá hạn", "Overdue"),
    "col_period": ("Kỳ", "Period"),
    "col_commune": ("Xã, phường", "Commune"),
    "col_z": ("Chỉ số vượt (z)", "Excess (z)"),
    "col_births": ("Số sinh", "Births"),
    "col_last": ("Kiểm tra gần nhất", "Last inspected"),
    "col_count": ("Số lần kiểm tra", "Inspections"),
    "col_fines": ("Tiền phạt (VNĐ)", "Fines (VND)"),
    "never": ("chưa kiểm tra", "never"),
    "inspections": ("Số cuộc kiểm tra", "Inspections"),
    "facilities_inspected": ("Số cơ sở được kiểm tra", "Facilities inspected"),
    "violations": ("Số cơ sở vi phạm", "Violations found"),
    "fines_total": ("Tổng tiền phạt (VNĐ)", "Fines in total (VND)"),
    "suspensions": ("Số cơ sở bị đình chỉ", "Suspensions"),
    "commitments": ("Số cơ sở ký cam kết", "Commitments signed"),
    "register": (
        "Cơ sở cung cấp dịch vụ siêu âm, sản khoa trong sổ quản lý",
        "Facilities offering ultrasound or obstetric services in the register",
    ),
    "public": ("công lập", "public"),
    "private": ("ngoài công lập", "private"),
    "excess_title": (
        "Các xã, phường có dấu hiệu tỷ số giới tính khi sinh cao bất thường, bên cạnh lịch sử "
        "kiểm tra",
        "Communes with evidence of an excess sex ratio at birth, beside their inspection history",
    ),
    "communes_reporting": ("Số xã, phường có báo cáo hoạt động", "Communes reporting activities"),
    "communes": ("Các xã, phường", "Communes"),
    "rules": ("Quy tắc đánh giá", "How the status is decided"),
    "method_note": (
        "Mọi ước tính kèm khoảng tin cậy 95%. Tỷ số giới tính khi sinh của xã, phường được làm "
        "trơn cùng các xã, phường khác trong tỉnh, thành phố; của tỉnh, thành phố và cả nước được "
        "dự báo theo xu hướng (thang log, sai số lấy mẫu nhị thức). Các chỉ tiêu khác dự báo theo "
        "xu hướng với độ bất định của xu hướng.",
        "Every estimate has its 95% interval. A commune's sex ratio at birth is smoothed with the "
        "other communes of its province; a province's or the country's is projected along its "
        "trend (log scale, binomial sampling error). Other indicators follow a trend model whose "
        "uncertainty is the trend's.",
    ),
    "synthetic": (
        "Số liệu mô phỏng — không phải số liệu thực tế.",
        "Simulated data — not real figures.",
    ),
    "recipients": ("Nơi nhận:", "Distribution:"),
    "signature": ("GIÁM ĐỐC", "DIRECTOR"),
    "sign_note": ("(Ký, ghi rõ họ tên, đóng dấu)", "(Signature, full name, seal)"),
    "archive": ("Lưu: VT.", "Archive: Records."),
    "to_fill": ("(đơn vị bổ sung)", "(to be completed by the unit)"),
    "chart_caption": (
        "Hình {n}. {indicator}, {unit}: {target}",
        "Figure {n}. {indicator}, {unit}: {target}",
    ),
    "chart_observed": ("Số liệu báo cáo (KTC 95%)", "Reported (95% interval)"),
    "chart_smoothed": ("Ước tính làm trơn", "Smoothed estimate"),
    "chart_projection": ("Dự báo (KTC 95%)", "Projection (95% interval)"),
    "chart_target": ("Mục tiêu", "Target"),
    "none": ("Không có", "None"),
    "generated": ("Lập bởi chitieu ngày {date}", "Generated by chitieu on {date}"),
    "per_year": ("/năm", "/yr"),
}


def t(key: str, lang: str, **kwargs: object) -> str:
    """The text ``key`` in ``lang`` (``vi`` or ``en``), formatted with ``kwargs``."""
    vi, en = _TEXT[key]
    text = vi if lang == "vi" else en
    return text.format(**kwargs) if kwargs else text


def fmt_number(value: float | None, digits: int = 1, lang: str = "vi") -> str:
    """A number as the language writes it: ``114,4`` and ``1.234.567`` in Vietnamese,
    ``114.4`` and ``1,234,567`` in English; an en dash for a missing value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_signed(value: float | None, digits: int = 2, lang: str = "vi") -> str:
    """A change with its sign (``+0,20``, ``−0,20``)."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + fmt_number(abs(value), digits, lang)


def fmt_percent(p: float | None, lang: str = "vi") -> str:
    """A probability as a whole percentage (``0.834`` -> ``83%``)."""
    return "–" if p is None else f"{round(100 * p)}%"


def fmt_interval(lower: float | None, upper: float | None, digits: int, lang: str) -> str:
    if lower is None or upper is None:
        return ""
    return f"({fmt_number(lower, digits, lang)}–{fmt_number(upper, digits, lang)})"


def digits_for(indicator_kind: str, unit_label: str = "") -> int:
    """Decimals printed for an indicator: one for ratios, rates and percentages, none for counts
    of births."""
    return 0 if indicator_kind == "missing_births" else 1
