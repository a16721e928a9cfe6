"""The map page: ``/map?unit=&year=&layer=``.

The country: a choropleth of the 34 provinces, drawn on the server as one SVG path each
(:mod:`chitieu.units.outlines`), a province's figures in its tooltip. A province: its place on
the country's outline and a tile map of its communes (no open commune outlines exist), in code
order. Layers (:data:`chitieu.dashboard.map.LAYERS`): the smoothed SRB, P(excess), the
completeness of the monthly reports, the health insurance coverage. The country's map, and any
map a national user opens, may be served stale while it is computed again
(:mod:`chitieu.api.cache`); the page then says when its figures were computed.

    router    # GET /map
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chitieu.api.cache import LruCache, freshness_headers, may_be_stale, scope_of
from chitieu.api.db import DB
from chitieu.api.deps import ensure_within
from chitieu.catalog.clock import vietnam_time, vietnam_today
from chitieu.catalog.messages import message
from chitieu.dashboard import latest_data_year, latest_year
from chitieu.dashboard.map import LAYERS, Layer, map_json
from chitieu.reports.i18n import fmt_interval, fmt_number
from chitieu.store.generations import stamp
from chitieu.units.outlines import province_outlines
from chitieu.units.queries import UnitInfo
from chitieu.web.deps import PageUser, UnitCode, Year
from chitieu.web.i18n import request_language
from chitieu.web.templating import render

router = APIRouter(include_in_schema=False)

#: Layers where a higher value is the worse news (drawn warm); the others are drawn the other
#: way round, so red always marks where to look.
HIGH_IS_BAD = {"srb", "p_excess"}
LayerName = Annotated[str, Query(pattern="^(srb|p_excess|completeness|coverage)$")]


def _legend(layer: Layer, lang: str) -> list[tuple[str, str]]:
    out = []
    for klass, low, high in layer.bands():
        d = 0 if all(v is None or float(v).is_integer() for v in (low, high)) else 2
        pct = " %" if layer.name in ("completeness", "coverage") else ""
        if low is None:
            text = f"< {fmt_number(high, d, lang)}{pct}"
        elif high is None:
            text = f"≥ {fmt_number(low, d, lang)}{pct}"
        else:
            text = f"{fmt_number(low, d, lang)}–{fmt_number(high, d, lang)}{pct}"
        if layer.name == "srb" and low is None:
            text += " " + message("map_natural", lang)
        out.append((klass, text))
    return out


def _tooltip(u: dict[str, Any], reporting: int, lang: str) -> str:
    """Every layer's figure of a unit, intervals beside the estimates."""
    srb, cov = u["srb"], u["coverage"]

    def pct(v: float | None) -> str:
        return "" if v is None else " %"

    parts = [
        f"{message('map_layer_srb', lang)} {fmt_number(srb['value'], 1, lang)} "
        f"{fmt_interval(srb['lower'], srb['upper'], 1, lang)}".rstrip(),
        f"{message('map_layer_p_excess', lang)} {fmt_number(u['p_excess'], 2, lang)}",
        f"{message('map_layer_completeness', lang)} ({reporting}) "
        f"{fmt_number(u['completeness'], 0, lang)}{pct(u['completeness'])}",
        f"{message('map_layer_coverage', lang)} {fmt_number(cov['value'], 1, lang)}"
        f"{pct(cov['value'])} "
        f"{fmt_interval(cov['lower'], cov['upper'], 1, lang)}".rstrip(),
    ]
    return f"{u['name']}: " + " · ".join(parts)


def _cache(request: Request) -> LruCache[Any]:
    state = request.app.state
    if not hasattr(state, "map_cache"):
        settings = state.settings
        state.map_cache = LruCache[Any](
            max_entries=64,
            name="map",
            refresh_interval=settings.stale_refresh_interval,
            max_stale_age=settings.stale_max_age,
        )
    return state.map_cache


@router.get("/map")
def map_page(
    request: Request,
    user: PageUser,
    db: DB,
    unit: UnitCode = None,
    year: Year = None,
    layer: LayerName = "srb",
) -> Response:
    lang = request_language(request)
    info: UnitInfo = ensure_within(user, unit or user.unit_code, db)
    cache = _cache(request)
    # the figures are read again only when the data of the unit's subtree change
    version = stamp(db, scope_of(info.path))
    shown = year or cache.get_or_build(
        ("headline_year", info.code), lambda: latest_year(db, info), version
    )
    # reports are watched in the year they are due: the latest with data, or the year asked
    reporting = year or max(shown, latest_data_year(db, info))
    today = vietnam_today()
    refresh = None
    if may_be_stale(info.path, user.unit_path):  # the country's, or a national user's
        sessions = request.app.state.sessions

        def refresh() -> dict[str, Any]:
            with sessions() as own:
                return map_json(own, info, shown, reporting_year=reporting, today=today)

    served = cache.serve(
        ("map", info.code, shown, reporting, today),
        lambda: map_json(db, info, shown, reporting_year=reporting, today=today),
        version=version,
        refresh=refresh,
    )
    figures = served.value
    computed = vietnam_time(datetime.fromtimestamp(served.computed_at, UTC))
    outlines = province_outlines()
    # a province's (or a commune's) view marks the province on the country's outline
    province = {"province": info.code, "commune": info.parent_code}.get(info.level)
    context = {
        "unit": info,
        "year": shown,
        "reporting_year": reporting,
        "layer": LAYERS[layer],
        "layers": LAYERS,
        "high_is_bad": layer in HIGH_IS_BAD,
        "units": figures["units"],
        "by_code": {u["code"]: u for u in figures["units"]},
        "window": f"{figures['window']['first_year']}–{figures['window']['last_year']}",
        "legend": _legend(LAYERS[layer], lang),
        "tooltip": lambda u: _tooltip(u, reporting, lang),
        "fmt": lambda v, d=1: fmt_number(v, d, lang),
        "interval": lambda lo, hi, d=1: fmt_interval(lo, hi, d, lang),
        "outlines": outlines,
        "province": province,
        # served while it is computed again: when its figures were computed, in Vietnam time
        "stale": {"time": f"{computed:%H:%M}", "date": f"{computed:%d/%m}"}
        if served.stale
        else None,
    }
    response = render(request, "plans/map.html", context, user=user)
    response.headers.update(freshness_headers(served))
    return response
