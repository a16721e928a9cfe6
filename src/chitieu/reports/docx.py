"""The report as DOCX (python-docx), for a unit that edits the text before signing: the same
sections, tables and charts (PNG) as the PDF."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from chitieu.reports.build import PlanReport, legal_bases
from chitieu.reports.charts import target_chart
from chitieu.reports.html import place_name
from chitieu.reports.i18n import t
from chitieu.reports.tables import (
    Table,
    bodies_table,
    commune_activities_table,
    enforcement_lines,
    excess_table,
    reporting_table,
    target_notes,
    targets_table,
    tasks_table,
)
from chitieu.targets.rules import rules_text

#: Decree 30/2020/NĐ-CP sets administrative documents in Times New Roman (Unicode); a DOCX
#: names the font and the reader's machine supplies it. (The PDF embeds DejaVu Serif instead,
#: which chitieu may redistribute.)
FONT = "Times New Roman"


def _para(doc, text: str = "", *, bold=False, italic=False, size=None, align=None, underline=False):
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    if size:
        run.font.size = Pt(size)
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _table(doc, table: Table, width_cm: float) -> None:
    tbl = doc.add_table(rows=1, cols=len(table.headers))
    tbl.style = "Table Grid"
    for cell, header in zip(tbl.rows[0].cells, table.headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(header)
        run.bold = True
        run.font.size = Pt(9)
    for row in table.rows:
        cells = tbl.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(value).font.size = Pt(9)
    if table.widths:
        for row in tbl.rows:
            for cell, w in zip(row.cells, table.widths, strict=True):
                cell.width = Cm(width_cm * w)
    doc.add_paragraph()


def render_docx(report: PlanReport, lang: str = "vi") -> bytes:
    """DOCX bytes of the report in ``lang``."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(1.8), Cm(2)
    width = 21 - 2.5 - 1.5
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)

    head = doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.text = ""
    issuer = report.issuer if lang == "vi" else report.issuer_en
    left.paragraphs[0].add_run(issuer.upper()).font.size = Pt(11)
    body_name = report.standing_vi if lang == "vi" else report.standing_en
    run = left.add_paragraph().add_run(body_name.upper())
    run.bold = run.underline = True
    left.add_paragraph(t("number", lang))
    right.text = ""
    right.paragraphs[0].add_run(t("nation", lang)).bold = True
    run = right.add_paragraph().add_run(t("motto", lang))
    run.bold = run.underline = True
    year = max(report.year, report.as_of.year)
    right.add_paragraph().add_run(
        t("date_line", lang, place=place_name(report.unit_name), year=year)
    ).italic = True
    for cell in (left, right):
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    if report.synthetic:
        p = _para(doc, t("synthetic", lang), bold=True, align="center")
        p.runs[0].font.color.rgb = RGBColor(0xAA, 0, 0)
    _para(doc, t("report", lang), bold=True, size=14, align="center")
    title = report.title_vi if lang == "vi" else report.title_en
    _para(doc, t("report_title", lang, title=title, period=report.year), bold=True, align="center")
    for basis in legal_bases(report, lang):
        _para(doc, basis + ";", italic=True)
    _para(doc, t("intro", lang, body=body_name, period=report.year))

    _para(doc, t("sec_targets", lang), bold=True)
    _table(doc, targets_table(report, lang), width)
    for note in target_notes(report, lang):
        _para(doc, note, italic=True, size=10)
    for n, ev in enumerate([e for e in report.evaluations if e.series], start=1):
        doc.add_picture(io.BytesIO(target_chart(ev, lang, "png")), width=Cm(width))
        name = ev.description_vi if lang == "vi" else ev.description_en
        indicator = ev.indicator_name_vi if lang == "vi" else ev.indicator_name_en
        caption = t("chart_caption", lang, n=n, indicator=indicator, unit=ev.unit_name, target=name)
        _para(doc, caption, italic=True, size=10, align="center")
    _para(doc, f"{t('rules', lang)}. {rules_text(lang)}", size=10)

    _para(doc, t("sec_tasks", lang), bold=True)
    _table(doc, tasks_table(report, lang), width)
    _para(doc, t("sec_periodic_reporting", lang), italic=True)
    _table(doc, bodies_table(report, lang), width)
    _table(doc, reporting_table(report, lang), width)
    _para(doc, f"{t('communes_reporting', lang)}: {report.activities.communes_reporting}")
    _table(doc, commune_activities_table(report, lang), width)

    _para(doc, t("sec_enforcement", lang), bold=True)
    for label, value in enforcement_lines(report, lang):
        _para(doc, f"- {label}: {value}")
    _para(
        doc,
        f"{t('excess_title', lang)} ({t('excess_window', lang, window=report.excess_window)})",
        italic=True,
    )
    _table(doc, excess_table(report, lang), width)

    for key, items in (
        ("sec_difficulties", report.difficulties),
        ("sec_proposals", report.proposals),
    ):
        _para(doc, t(key, lang), bold=True)
        for vi, en in items:
            _para(doc, "- " + (vi if lang == "vi" else en))
        _para(doc, "- " + t("to_fill", lang))

    sign = doc.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    left.text = ""
    run = left.paragraphs[0].add_run(t("recipients", lang))
    run.bold = run.italic = True
    for vi, en in report.recipients:
        left.add_paragraph(f"- {vi if lang == 'vi' else en};")
    left.add_paragraph(f"- {t('archive', lang)}")
    right.text = ""
    right.paragraphs[0].add_run(t("signature", lang)).bold = True
    right.add_paragraph().add_run(t("sign_note", lang)).italic = True
    for p in right.paragraphs:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
