"""The report as HTML (the PDF's source): an official Vietnamese administrative document."""

from __future__ import annotations

import base64
import re
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from chitieu.reports.build import PlanReport, legal_bases
from chitieu.reports.charts import target_chart
from chitieu.reports.fonts import font_face_css
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

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_STATUS_CLASSES = {"met", "on_track", "at_risk", "off_track", "inconclusive"}
#: Cells right-aligned as numbers: 114,4 · −0,20 · 83% · 1/4 · 40.000.000 · –
_NUMBER = re.compile(r"^([+−±]?\d[\d.,]*%?|\d+/\d+|–)$")


def _table_html(table: Table, status_codes: list[str] | None = None) -> Markup:
    """A data table; numbers right-aligned; a status column coloured by its code."""
    cols = ""
    if table.widths:
        cols = "".join(f'<col style="width:{100 * w:.1f}%">' for w in table.widths)
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = []
    for i, row in enumerate(table.rows):
        cells = []
        for j, cell in enumerate(row):
            css = ""
            if status_codes and j == len(row) - 1 and status_codes[i] in _STATUS_CLASSES:
                css = f' class="status-{status_codes[i]}"'
            elif j > 0 and _NUMBER.match(cell):
                css = ' class="num"'
            cells.append(f"<td{css}>{escape(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return Markup(
        f'<table class="data"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def place_name(unit_name: str) -> str:
    """The place in the date line: "Thành phố Hà Nội" -> "Hà Nội"."""
    for prefix in ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu "):
        if unit_name.startswith(prefix):
            return unit_name[len(prefix) :]
    return unit_name


def render_html(report: PlanReport, lang: str = "vi") -> str:
    """The report as one self-contained HTML page (charts inlined as SVG data URIs)."""
    charts = []
    for n, ev in enumerate([e for e in report.evaluations if e.series], start=1):
        svg = target_chart(ev, lang, "svg")
        name = ev.description_vi if lang == "vi" else ev.description_en
        indicator = ev.indicator_name_vi if lang == "vi" else ev.indicator_name_en
        unit = ev.unit_name
        charts.append(
            {
                "uri": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
                "caption": t(
                    "chart_caption", lang, n=n, indicator=indicator, unit=unit, target=name
                ),
            }
        )
    title = report.title_vi if lang == "vi" else report.title_en
    bases = legal_bases(report, lang)
    targets = targets_table(report, lang)
    template = _env.get_template("report.html.j2")
    return template.render(
        lang=lang,
        t=lambda key, **kw: t(key, lang, **kw),
        table=_table_html,
        report=report,
        issuer=report.issuer if lang == "vi" else report.issuer_en,
        font_css=Markup(font_face_css()),
        title=title,
        body_name=report.standing_vi if lang == "vi" else report.standing_en,
        place=place_name(report.unit_name),
        doc_year=max(report.year, report.as_of.year),
        bases=bases,
        targets=Markup(_table_html(targets, [e.status for e in report.evaluations])),
        target_notes=target_notes(report, lang),
        charts=charts,
        rules=rules_text(lang),
        tasks=tasks_table(report, lang),
        bodies=bodies_table(report, lang),
        reporting=reporting_table(report, lang),
        commune_acts=commune_activities_table(report, lang),
        enforcement=enforcement_lines(report, lang),
        excess=excess_table(report, lang),
        excess_window=report.excess_window,
        difficulties=[vi if lang == "vi" else en for vi, en in report.difficulties],
        proposals=[vi if lang == "vi" else en for vi, en in report.proposals],
        recipients=[vi if lang == "vi" else en for vi, en in report.recipients],
        generated=date.today().strftime("%d/%m/%Y"),
    )
