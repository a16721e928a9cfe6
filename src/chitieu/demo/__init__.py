"""The demo: synthetic but true-to-life data for Hanoi, Hai Phong and the country, from a fixed
seed, labelled synthetic wherever it is stored or shown.

* :mod:`~chitieu.demo.mechanism` — the son-preference mechanism and its calibration;
* :mod:`~chitieu.demo.hanoi`, :mod:`~chitieu.demo.births` — Hanoi's communes and 2.4 million
  birth records, 2009–2025;
* :mod:`~chitieu.demo.capacity` — Hai Phong's facilities, beds, workforce, insurance;
* :mod:`~chitieu.demo.context` — Hoa Binh's figures on Phú Thọ, national totals;
* :mod:`~chitieu.demo.enforcement`, :mod:`~chitieu.demo.activities` — Hanoi's providers,
  inspections and fines, and communes' monthly activity reports;
* :mod:`~chitieu.demo.build` — :func:`build_demo` puts it all in a database.
"""

from chitieu.demo.build import DEMO_SEED, DemoBuild, build_demo
from chitieu.demo.communes import SYNTHETIC_LABEL
from chitieu.demo.store import demo_marker, demo_present

__all__ = [
    "DEMO_SEED",
    "SYNTHETIC_LABEL",
    "DemoBuild",
    "build_demo",
    "demo_marker",
    "demo_present",
]
