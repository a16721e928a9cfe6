"""A plain page at ``/`` for when the web app's pages are not installed: the provinces, the
communes of one province, and the sex ratio at birth of the country and that province for
recent years. Only official reference data and province-level figures: no sign-in needed."""

from __future__ import annotations

import logging
from datetime import date
from html import escape
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from chitieu.api.db import DB
from chitieu.indicators import indicator_series
from chitieu.store.models import BirthAggregate, Unit
from chitieu.units.queries import UnknownUnitError, get_unit, list_units

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
YEARS_SHOWN = 5


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}"


def _srb_rows(db: DB, codes: list[str]) -> str:
    last = db.scalar(select(func.max(BirthAggregate.year))) or date.today().year
    years = list(range(last - YEARS_SHOWN + 1, last + 1))
    rows = []
    for code in codes:
        try:
            series = indicator_series(db.connection(), "SRB", code, years)
        except Exception:  # the page must show even on a database without the catalogue
            log.exception("SRB for %s", code)
            continue
        cells = "".join(
            f"<td>{_fmt(v.value)} <small>({_fmt(v.lower)}–{_fmt(v.upper)})</small></td>"
            for v in series
        )
        rows.append(f"<tr><th>{escape(code)}</th>{cells}</tr>")
    head = "".join(f"<th>{y}</th>" for y in years)
    return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


@router.get("/", response_class=HTMLResponse)
def home(db: DB, province: Annotated[str, Query(max_length=16)] = "01") -> str:
    conn = db.connection()
    provinces = list_units(conn)
    try:
        chosen = get_unit(conn, province)
    except UnknownUnitError:
        chosen = get_unit(conn, provinces[0].code) if provinces else None
    communes = list_units(conn, parent=chosen.code) if chosen else []
    counts = dict(
        db.execute(
            select(Unit.parent_code, func.count())
            .where(Unit.level == "commune")
            .group_by(Unit.parent_code)
        ).all()
    )
    prov_items = "".join(
        f'<li><a href="/?province={escape(p.code)}">{escape(p.code)} {escape(p.name)}</a> '
        f"({counts.get(p.code, 0)})</li>"
        for p in provinces
    )
    commune_items = "".join(f"<li>{escape(c.code)} {escape(c.name)}</li>" for c in communes)
    srb = _srb_rows(db, ["VN", chosen.code] if chosen else ["VN"])
    title = escape(chosen.name) if chosen else ""
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>chitieu</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}
td,th{{padding:.2rem .6rem;text-align:right}} ul{{columns:3}}</style></head>
<body><h1>chitieu — chỉ tiêu y tế và dân số</h1>
<p>API: <a href="/docs">/docs</a>. Dữ liệu demo là dữ liệu tổng hợp (synthetic).</p>
<h2>Tỷ số giới tính khi sinh (sex ratio at birth, boys per 100 girls, 95% interval)</h2>
{srb}
<h2>Tỉnh, thành phố (provinces: {len(provinces)})</h2><ul>{prov_items}</ul>
<h2>Xã, phường của {title} (communes: {len(communes)})</h2><ul>{commune_items}</ul>
</body></html>"""
