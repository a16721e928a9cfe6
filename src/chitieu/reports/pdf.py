"""The report as PDF: the HTML rendered by WeasyPrint, DejaVu Serif embedded (subset)."""

from __future__ import annotations

from chitieu.reports.build import PlanReport
from chitieu.reports.html import render_html


def render_pdf(report: PlanReport, lang: str = "vi") -> bytes:
    """PDF bytes of the report in ``lang``; the font is embedded, so the diacritics print on
    any machine."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    return HTML(string=render_html(report, lang)).write_pdf()
