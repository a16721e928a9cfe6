"""The periodic report a plan's standing body sends (PDF, XLSX, DOCX), built from the same
figures as the API and the dashboard.

    report = build_plan_report(db, "HN-SRB-2026-2030", 2026)
    data = render_report(report, "pdf", lang="vi")
"""

from __future__ import annotations

from chitieu.reports.build import PlanReport, build_plan_report

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}


def render_report(report: PlanReport, fmt: str, lang: str = "vi") -> bytes:
    """The report in ``fmt`` (pdf, xlsx, docx or html) and ``lang`` (vi or en)."""
    if lang not in ("vi", "en"):
        raise ValueError(f"unknown language {lang!r}: vi or en")
    if fmt == "pdf":
        from chitieu.reports.pdf import render_pdf

        return render_pdf(report, lang)
    if fmt == "xlsx":
        from chitieu.reports.xlsx import render_xlsx

        return render_xlsx(report, lang)
    if fmt == "docx":
        from chitieu.reports.docx import render_docx

        return render_docx(report, lang)
    if fmt == "html":
        from chitieu.reports.html import render_html

        return render_html(report, lang).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def report_filename(plan_code: str, year: int, unit_code: str, fmt: str, lang: str) -> str:
    return f"bao-cao_{plan_code}_{year}_{unit_code}_{lang}.{fmt}"


__all__ = ["FORMATS", "PlanReport", "build_plan_report", "render_report", "report_filename"]
