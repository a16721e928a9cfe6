"""Province outlines of 2025 as SVG paths, drawn on the server.

``data/geo/provinces-2025.geojson`` holds the 34 provinces as unions of the 63 pre-2025
provinces (Natural Earth's outlines, public domain; see ``data/geo/README.md``). No open
outline of the 2025 communes exists, so communes have none here. The outlines do not include
the Hoàng Sa and Trường Sa archipelagos: they are drawn as their main islands' positions
(:data:`ARCHIPELAGOS`), each beside the province it belongs to.

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
#: Degrees of longitude kept east of the easternmost island, room for the labels.
LABEL_MARGIN = 0.2


@dataclass(frozen=True, slots=True)
class Archipelago:
    #: message key of its name
    name: str
    #: the 2025 province it belongs to
    province: str
    #: longitude, latitude of its main islands (public geographic positions, to about 0.05°)
    islands: tuple[tuple[float, float], ...]


ARCHIPELAGOS = (
    Archipelago(
        "map_hoang_sa",
        "48",  # Đà Nẵng
        (
            (111.61, 16.53),  # Hoàng Sa
            (112.34, 16.83),  # Phú Lâm
            (112.73, 16.67),  # Linh Côn
            (111.20, 15.78),  # Tri Tôn
            (111.50, 16.45),  # Quang Ảnh
            (111.71, 16.45),  # Quang Hòa
            (112.26, 16.98),  # Cây
            (111.50, 17.08),  # Đá Bắc
        ),
    ),
    Archipelago(
        "map_truong_sa",
        "56",  # Khánh Hòa
        (
            (111.92, 8.64),  # Trường Sa Lớn
            (114.33, 11.43),  # Song Tử Tây
            (114.28, 11.05),  # Thị Tứ
            (114.42, 10.67),  # Loại Ta
            (114.37, 10.38),  # Ba Bình
            (114.36, 10.18),  # Nam Yết
            (114.33, 9.88),  # Sinh Tồn
            (112.92, 7.87),  # An Bang
            (113.30, 8.11),  # Thuyền Chài
            (112.20, 8.85),  # Đá Tây
            (115.23, 8.38),  # Công Đo
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class ArchipelagoMark:
    name: str
    province: str
    #: SVG x, y of each island
    islands: tuple[tuple[float, float], ...]
    #: where its label ends (right-aligned, below the islands)
    label: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Outlines:
    view_box: str
    #: province code -> SVG path data (``M x,y L … Z`` per ring)
    paths: dict[str, str]
    archipelagos: tuple[ArchipelagoMark, ...]


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
    points += [list(i) for a in ARCHIPELAGOS for i in a.islands]
    west, east = min(p[0] for p in points), max(p[0] for p in points) + LABEL_MARGIN
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = (north - south) * scale

    def at(p: list[float] | tuple[float, float]) -> tuple[float, float]:
        return round((p[0] - west) * squeeze * scale, 1), round((north - p[1]) * scale, 1)

    def xy(p: list[float]) -> str:
        x, y = at(p)
        return f"{x:.1f},{y:.1f}"

    paths = {
        code: " ".join("M" + " L".join(xy(p) for p in r[:-1]) + "Z" for r in rs)
        for code, rs in rings.items()
    }
    marks = []
    for a in ARCHIPELAGOS:
        islands = tuple(at(i) for i in a.islands)
        # the label ends under the easternmost island, so it stays inside the drawing
        label = (max(x for x, _ in islands) + 2, max(y for _, y in islands) + 8)
        marks.append(ArchipelagoMark(a.name, a.province, islands, label))
    height = max([height, *(m.label[1] + 3 for m in marks)])
    return Outlines(
        view_box=f"0 0 {WIDTH:.0f} {height:.0f}", paths=paths, archipelagos=tuple(marks)
    )
