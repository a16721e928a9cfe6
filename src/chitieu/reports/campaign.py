"""The inspection campaign as the inspection team takes it out: XLSX and PDF, in Vietnamese
(English on request), one row per facility to inspect, soonest first."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

from openpyxl import Workbook

from chitieu.enforcement.campaign import CampaignEntry
from chitieu.reports.xlsx import table_sheet

_HEADERS = {
    "vi": (
        "Ngày dự kiến",
        "Mã cơ sở",
        "Tên cơ sở",
        "Xã, phường",
        "Loại hình",
        "Sở hữu",
        "Lần thanh tra gần nhất",
        "Xã có dấu hiệu",
    ),
    "en": (
        "Planned on",
        "Facility code",
        "Facility",
        "Commune",
        "Kind",
        "Ownership",
        "Last inspected",
        "Flagged commune",
    ),
}
_TITLE = {
    "vi": "Danh sách cơ sở trong đợt thanh tra, kiểm tra — {unit}",
    "en": "Facilities on the inspection campaign — {unit}",
}
_NOTE = {
    "vi": (
        "Cơ sở có dịch vụ siêu âm hoặc sản khoa gần các xã, phường mà mô hình phát hiện tỷ số "
        "giới tính khi sinh vượt mức; lập ngày {today}."
    ),
    "en": (
        "Facilities offering ultrasound or obstetrics near the communes the model finds an excess "
        "sex ratio at birth in; drawn up on {today}."
    ),
}
_KIND = {
    "vi": {
        "hospital": "bệnh viện",
        "regional_hospital": "bệnh viện khu vực",
        "private_hospital": "bệnh viện tư nhân",
        "clinic": "phòng khám",
        "health_station": "trạm y tế",
    },
    "en": {
        "hospital": "hospital",
        "regional_hospital": "regional hospital",
        "private_hospital": "private hospital",
        "clinic": "clinic",
        "health_station": "health station",
    },
}
_OWNER = {"vi": {"public": "công lập", "private": "tư nhân"}, "en": {}}
_NEVER = {"vi": "chưa thanh tra", "en": "never"}


def _day(d: date | None, lang: str) -> str | None:
    if d is None:
        return None
    return d.strftime("%d/%m/%Y") if lang == "vi" else d.isoformat()


def campaign_rows(entries: Sequence[CampaignEntry], lang: str = "vi") -> list[list[Any]]:
    """The campaign's table as shown in both exports."""
    return [
        [
            _day(e.planned_on, lang),
            e.facility_code,
            e.facility_name,
            e.unit_name,
            _KIND[lang].get(e.kind, e.kind),
            _OWNER[lang].get(e.ownership, e.ownership),
            _day(e.last_inspected, lang) or _NEVER[lang],
            e.flagged_unit_code or "",
        ]
        for e in entries
    ]


def render_campaign_xlsx(
    entries: Sequence[CampaignEntry], unit_name: str, today: date, lang: str = "vi"
) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    table_sheet(
        wb,
        "Đợt thanh tra" if lang == "vi" else "Campaign",
        _TITLE[lang].format(unit=unit_name),
        _HEADERS[lang],
        campaign_rows(entries, lang),
        _NOTE[lang].format(today=_day(today, lang)),
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render_campaign_pdf(
    entries: Sequence[CampaignEntry], unit_name: str, today: date, lang: str = "vi"
) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    head = "".join(f"<th>{escape(h)}</th>" for h in _HEADERS[lang])
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
        for row in campaign_rows(entries, lang)
    )
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><style>
@page {{ size: A4 landscape; margin: 14mm; }}
body {{ font-family: 'DejaVu Serif', serif; font-size: 10pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 3px 5px; text-align: left; vertical-align: top; }}
th {{ background: #e8edf2; }}
</style></head><body>
<h1 style="font-size:14pt">{escape(_TITLE[lang].format(unit=unit_name))}</h1>
<p>{escape(_NOTE[lang].format(today=_day(today, lang)))}</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"""
    return HTML(string=html).write_pdf()
