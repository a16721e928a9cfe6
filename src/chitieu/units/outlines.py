"""Province outlines of 2025 as SVG paths, drawn on the server.

``data/geo/provinces-2025.geojson`` holds the 34 provinces as unions of the 63 pre-2025
provinces (Natural Earth's outlines, public domain; see ``data/geo/README.md``). No open
outline of the 2025 communes exists, so communes have none here.

The projection is equirectangular with the longitude scaled by the cosine of the middle
latitude, which keeps Vietnam's shape true enough at this size; north is up.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

GEOJSON = Path(__file__).resolve().parent.parent / "data" / "geo" / "provinces-2025.geojson"
#: The drawing's width in SVG units; the height follows the country's shape.
WIDTH = 300.0


@dataclass(frozen=True, slots=True)
class Outlines:
    view_box: str
    #: province code -> SVG path data (``M x,y L … Z`` per ring)
    paths: dict[str, str]


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [ring for polygon in polygons for ring in polygon]


@cache
def province_outlines() -> Outlines:
    """The 34 provinces' SVG paths and the view box that holds them all."""
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    rings = {f["properties"]["code"]: _rings(f["geometry"]) for f in features}
    points = [p for rs in rings.values() for r in rs for p in r]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = (north - south) * scale

    def xy(p: list[float]) -> str:
        return f"{(p[0] - west) * squeeze * scale:.1f},{(north - p[1]) * scale:.1f}"

    paths = {
        code: " ".join("M" + " L".join(xy(p) for p in r[:-1]) + "Z" for r in rs)
        for code, rs in rings.items()
    }
    return Outlines(view_box=f"0 0 {WIDTH:.0f} {height:.0f}", paths=paths)
