"""Birth records for the whole country (``chitieu demo --records national``), for benchmarks.

The default demo has birth records for Hanoi only; the other provinces' communes report
aggregates (:mod:`chitieu.demo.national`). With national records, every commune outside Hanoi
also gets one record per birth for :data:`RECORD_YEARS` (≈ 1.3 million a year, ≈ 9 million in
all besides Hanoi's), drawn from the very counts its aggregate report would hold: per commune,
year and cell (sex × first, second, third-or-later) the records number what
:func:`~chitieu.demo.national.yearly_births` gives (times ``scale``, a binomial thinning), so
the national series is kept. For those years the provinces' annual reports are then left out
(the records carry the same births).

Within a cell, a third-or-later birth gets its exact order, every birth earlier children
consistent with its order, a day of the year (the seasonal swing of Hanoi's records), a
mother's year of birth; no facility (the demo lists facilities in Hanoi and Hai Phong only).
Ids read ``SYN-<commune>-<year>-<number>``, numbered per commune and year in date order, as
Hanoi's. Tables are yielded a year at a time, so memory holds one year's records at most.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa

from chitieu.demo.births import (
    LATER_ORDERS,
    MOTHER_AGE,
    MOTHER_AGE_RANGE,
    MOTHER_AGE_SD,
    day_weights,
    earlier_boys,
    records_table,
)
from chitieu.demo.national import CELLS, Communes

#: Years the whole country has birth records with ``--records national`` (the issue's
#: national benchmark: 2019–2025, about 10 million records with Hanoi's).
RECORD_YEARS = tuple(range(2019, 2026))
_STREAM = 2028


def record_counts(
    yearly: Sequence[tuple[int, np.ndarray]], years: Sequence[int], scale: float, seed: int
) -> list[tuple[int, np.ndarray]]:
    """The births by commune and cell to draw records for: ``yearly``'s for ``years``, thinned
    to ``scale`` (binomially, so a small build keeps every commune's shape)."""
    rng = np.random.default_rng([seed, _STREAM])
    chosen = [(y, c) for y, c in yearly if y in set(years)]
    if scale >= 1.0:
        return chosen
    return [(y, rng.binomial(c, scale)) for y, c in chosen]


def recorded_cells(counts: Sequence[tuple[int, np.ndarray]]) -> dict[tuple[str, str, str], float]:
    """The records' births as LIVE_BIRTHS cells, to subtract from the national totals."""
    return {
        ("LIVE_BIRTHS", str(year), cell): float(c[:, k].sum())
        for year, c in counts
        for k, cell in enumerate(CELLS)
    }


def _year_table(communes: Communes, year: int, counts: np.ndarray, rng) -> pa.Table:
    n_units = len(communes.codes)
    flat = counts.ravel()  # commune-major: (commune, cell)
    n = int(flat.sum())
    cell = np.repeat(np.tile(np.arange(len(CELLS)), n_units), flat)
    unit = np.repeat(np.arange(n_units), counts.sum(axis=1))
    sex_idx = cell // 3  # M_* cells first, then F_*
    order = (cell % 3 + 1).astype(np.int64)
    later = order == 3
    order[later] = 3 + rng.choice(len(LATER_ORDERS), int(later.sum()), p=LATER_ORDERS)
    boys = earlier_boys(order, rng)
    weights = day_weights(year)
    day = rng.choice(len(weights), n, p=weights)
    age = rng.normal(MOTHER_AGE[np.minimum(order, 4) - 1], MOTHER_AGE_SD)
    age = np.clip(np.rint(age), *MOTHER_AGE_RANGE).astype(np.int16)

    return records_table(list(communes.codes), year, unit, day, sex_idx, order, boys, age, None)


def iter_national_records(
    communes: Communes, counts: Sequence[tuple[int, np.ndarray]], seed: int
) -> Iterator[pa.Table]:
    """One table of records (:data:`~chitieu.demo.births.SCHEMA`) per year of ``counts``
    (:func:`record_counts`), exactly as many per commune and cell."""
    rng = np.random.default_rng([seed, _STREAM, 1])
    for year, c in counts:
        yield _year_table(communes, year, c, rng)
