"""Draw the demo's Hanoi birth records, one year at a time, vectorised with NumPy.

Per year: births are shared among communes (multinomial on population × fertility), each birth
gets an order (third-or-later at the year's :data:`~chitieu.demo.mechanism.THIRD_PLUS_SHARE`,
higher in rural communes) and earlier children consistent with it (``prev_boys + prev_girls =
birth_order − 1``; families without a son go on to a third child more often), then a sex from
the son-preference mechanism of :mod:`chitieu.demo.mechanism`, calibrated on the year's draws.
Dates spread over the year (a mild seasonal swing), mothers are mostly 18–45 (older at higher
orders), and most births carry the code of a Hanoi maternity facility.

Records are written to Parquet one row group per year (peak memory stays at one year's
records); a :class:`BirthTally` keeps the counts the tests and the national figures need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chitieu.demo.hanoi import HanoiProfile, births_per_year
from chitieu.demo.mechanism import (
    O1,
    O2_AFTER_BOY,
    O2_AFTER_GIRL,
    O3P_NO_BOY,
    O3P_WITH_BOY,
    STRATA,
    TARGET_SRB,
    THIRD_PLUS_SHARE,
    Calibration,
    boy_probability,
    expected_srb,
    solve_intensity,
)

_STREAM = 2
#: Among births that are not third-or-later, the share that are first births.
FIRST_OF_FIRST_TWO = 0.54
#: Third-or-later births by exact order 3, 4, 5, 6.
LATER_ORDERS = np.array([0.80, 0.15, 0.04, 0.01])
#: Second births after a first boy (families with a first girl go on slightly more often).
P_SECOND_AFTER_BOY = 0.49
#: Third births by earlier boys 0, 1, 2: two-girl families are over-represented (as Hanoi's
#: population office describes).
THIRD_BY_EARLIER_BOYS = np.array([0.46, 0.42, 0.12])
#: Fourth-or-later births: earlier boys ~ Binomial(order − 1, this).
P_EARLIER_BOY_LATER = 0.28
#: Mother's mean age at the birth by order 1, 2, 3, 4+ (rural mothers a year younger).
MOTHER_AGE = np.array([25.8, 29.6, 32.6, 34.5])
MOTHER_AGE_SD = 4.3
MOTHER_AGE_RANGE = (17, 47)
#: Share of births at the commune's usual public maternity hospital, and at a private one.
AT_PUBLIC, AT_PRIVATE = 0.80, 0.15

_SEXES = pa.array(["M", "F"], pa.string())

SCHEMA = pa.schema(
    [
        ("birth_id", pa.string()),
        ("birth_date", pa.date32()),
        ("unit_code", pa.string()),
        ("sex", pa.string()),
        ("birth_order", pa.int16()),
        ("prev_boys", pa.int16()),
        ("prev_girls", pa.int16()),
        ("mother_birth_year", pa.int16()),
        ("facility_code", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class MaternityFacilities:
    """Facility codes births may carry: public maternity hospitals and private providers."""

    public: Sequence[str]
    private: Sequence[str] = ()


@dataclass
class BirthTally:
    """Counts of the generated births. Sex index 0 = boys, 1 = girls; order index 0, 1, 2 =
    first, second, third-or-later."""

    years: tuple[int, ...]
    codes: np.ndarray
    by_order: np.ndarray = field(init=False)  # (years, sex, order)
    by_commune: np.ndarray = field(init=False)  # (communes, years, sex)
    after_two_girls: np.ndarray = field(init=False)  # (years, sex), third births, 0 boys
    calibration: list[Calibration] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_order = np.zeros((len(self.years), 2, 3), dtype=np.int64)
        self.by_commune = np.zeros((len(self.codes), len(self.years), 2), dtype=np.int64)
        self.after_two_girls = np.zeros((len(self.years), 2), dtype=np.int64)

    @property
    def records(self) -> int:
        return int(self.by_order.sum())

    def srb(self) -> np.ndarray:
        """Hanoi's SRB by year, boys per 100 girls."""
        sexes = self.by_order.sum(axis=2)
        return 100.0 * sexes[:, 0] / sexes[:, 1]

    def third_plus_share(self) -> np.ndarray:
        """Per cent of births that are third or later, by year."""
        return 100.0 * self.by_order[:, :, 2].sum(1) / self.by_order.sum((1, 2))


def _orders(
    profile: HanoiProfile,
    year: int,
    unit: np.ndarray,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Birth order per birth, third-or-later at the year's share (by commune factor)."""
    third = THIRD_PLUS_SHARE[year] / 100.0 * profile.third_factor
    third = np.clip(third / float((weights * profile.third_factor).sum()), 0.0, 0.3)
    first = (1.0 - third) * FIRST_OF_FIRST_TWO
    u = rng.random(len(unit))
    order = np.where(u < first[unit], 1, np.where(u < (1.0 - third)[unit], 2, 3))
    later = order == 3
    order[later] = 3 + rng.choice(len(LATER_ORDERS), int(later.sum()), p=LATER_ORDERS)
    return order


def earlier_boys(order: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Earlier boys per birth of ``order``: after a boy at second births at
    :data:`P_SECOND_AFTER_BOY`, by :data:`THIRD_BY_EARLIER_BOYS` at third ones, binomial later."""
    boys = np.zeros(len(order), dtype=np.int64)
    second, third, later = order == 2, order == 3, order >= 4
    boys[second] = rng.random(int(second.sum())) < P_SECOND_AFTER_BOY
    boys[third] = rng.choice(3, int(third.sum()), p=THIRD_BY_EARLIER_BOYS)
    boys[later] = rng.binomial(order[later] - 1, P_EARLIER_BOY_LATER)
    return boys


def _strata(order: np.ndarray, boys: np.ndarray) -> np.ndarray:
    has_boy = boys > 0
    return np.select(
        [order == 1, (order == 2) & has_boy, order == 2, has_boy],
        [O1, O2_AFTER_BOY, O2_AFTER_GIRL, O3P_WITH_BOY],
        default=O3P_NO_BOY,
    )


def day_weights(year: int) -> np.ndarray:
    """The chance of each day of ``year`` (a mild seasonal swing, peak in the autumn)."""
    days = 366 if year % 4 == 0 else 365  # the 2009–2025 range has no century year
    d = np.arange(days)
    w = 1.0 + 0.08 * np.sin(2 * np.pi * (d - 150) / days)  # peak in the autumn
    return w / w.sum()


def _facilities(
    unit: np.ndarray,
    home: np.ndarray,
    maternity: MaternityFacilities | None,
    rng: np.random.Generator,
) -> pa.Array:
    n = len(unit)
    if maternity is None or not maternity.public:
        return pa.nulls(n, pa.string())
    names = pa.array(list(maternity.public) + list(maternity.private), pa.string())
    idx = home[unit].astype(np.int64)
    u = rng.random(n)
    at_private = AT_PRIVATE if maternity.private else 0.0
    private = (u >= AT_PUBLIC) & (u < AT_PUBLIC + at_private)
    idx[private] = len(maternity.public) + rng.integers(
        0, max(1, len(maternity.private)), int(private.sum())
    )
    none = u >= AT_PUBLIC + at_private
    return names.take(pa.array(idx, mask=none))


def _year_table(
    profile: HanoiProfile,
    year: int,
    n: int,
    rng: np.random.Generator,
    attr_rng: np.random.Generator,
    home: np.ndarray,
    maternity: MaternityFacilities | None,
    tally: BirthTally,
) -> pa.Table:
    weights = profile.birth_weights(year)
    per_commune = rng.multinomial(n, weights)
    unit = np.repeat(np.arange(len(weights)), per_commune)
    order = _orders(profile, year, unit, weights, rng)
    boys = earlier_boys(order, rng)
    stratum = _strata(order, boys)

    counts = np.bincount(unit * len(STRATA) + stratum, minlength=len(weights) * len(STRATA))
    counts = counts.reshape(len(weights), len(STRATA)).astype(float)
    excess = profile.excess_log_odds(year)
    intensity = solve_intensity(counts, profile.strength, excess, TARGET_SRB[year])
    tally.calibration.append(
        Calibration(year, intensity, expected_srb(counts, intensity, profile.strength, excess))
    )
    p_boy = boy_probability(intensity, profile.strength, excess)[unit, stratum]
    male = rng.random(n) < p_boy

    # Dates, ages and facilities come from a stream of their own: the sexes and orders do not
    # change when the facility list does.
    day = attr_rng.choice(len(day_weights(year)), n, p=day_weights(year))
    age = attr_rng.normal(MOTHER_AGE[np.minimum(order, 4) - 1], MOTHER_AGE_SD)
    age -= ~profile.communes.urban[unit]  # rural mothers a year younger
    age = np.clip(np.rint(age), *MOTHER_AGE_RANGE).astype(np.int16)
    facility = _facilities(unit, home, maternity, attr_rng)

    y = tally.years.index(year)
    sex_idx = (~male).astype(np.int64)
    o_idx = np.minimum(order, 3) - 1
    tally.by_order[y] += np.bincount(sex_idx * 3 + o_idx, minlength=6).reshape(2, 3)
    tally.by_commune[:, y, :] += np.bincount(
        unit * 2 + sex_idx, minlength=2 * len(weights)
    ).reshape(-1, 2)
    two_girls = (order == 3) & (boys == 0)
    tally.after_two_girls[y] += np.bincount(sex_idx[two_girls], minlength=2)

    return records_table(
        profile.communes.codes.tolist(), year, unit, day, sex_idx, order, boys, age, facility
    )


def records_table(
    codes: Sequence[str],
    year: int,
    unit: np.ndarray,
    day: np.ndarray,
    sex_idx: np.ndarray,
    order: np.ndarray,
    boys: np.ndarray,
    age: np.ndarray,
    facility: pa.Array | None,
) -> pa.Table:
    """One year's birth records (:data:`SCHEMA`) from per-birth arrays (``unit`` indexes
    ``codes``, ``day`` counts from 1 January, ``sex_idx`` 0 for a boy), in commune then date
    order: registration numbers count up per commune within the year, in date order."""
    n = len(unit)
    sort = np.lexsort((day, unit))
    start = np.searchsorted(unit[sort], np.arange(len(codes)))
    seq = np.arange(n) - start[unit[sort]] + 1
    commune = pa.array(codes, pa.string()).take(pa.array(unit[sort]))
    ids = pc.binary_join_element_wise(
        "SYN", commune, str(year), pc.utf8_lpad(pa.array(seq).cast(pa.string()), 6, "0"), "-"
    )
    dates = (np.datetime64(f"{year}-01-01") + day[sort]).astype("datetime64[D]")
    return pa.table(
        [
            ids,
            pa.array(dates, pa.date32()),
            commune,
            _SEXES.take(pa.array(sex_idx[sort])),
            pa.array(order[sort], pa.int16()),
            pa.array(boys[sort], pa.int16()),
            pa.array((order - 1 - boys)[sort], pa.int16()),
            pa.array((year - age)[sort], pa.int16()),
            pa.nulls(n, pa.string()) if facility is None else facility.take(pa.array(sort)),
        ],
        schema=SCHEMA,
    )


def iter_births(
    profile: HanoiProfile,
    *,
    seed: int,
    scale: float = 1.0,
    years: Sequence[int] | None = None,
    maternity: MaternityFacilities | None = None,
    tally: BirthTally | None = None,
) -> Iterator[pa.Table]:
    """Yield one Arrow table of birth records per year (``SCHEMA``), adding to ``tally``.

    ``scale`` multiplies the city's births (1.0 ≈ 2.4 million records over 2009–2025);
    ``years`` restricts the years (default 2009–2025). Deterministic for a given seed, scale
    and years."""
    all_years = births_per_year(scale)
    chosen = tuple(years) if years is not None else tuple(all_years)
    tally = tally if tally is not None else BirthTally(chosen, profile.communes.codes)
    rng = np.random.default_rng([seed, _STREAM])
    attr_rng = np.random.default_rng([seed, _STREAM, 1])
    n_public = len(maternity.public) if maternity and maternity.public else 1
    home = attr_rng.integers(0, n_public, len(profile.communes))
    for year in chosen:
        yield _year_table(profile, year, all_years[year], rng, attr_rng, home, maternity, tally)


def write_births(
    path: str | Path,
    profile: HanoiProfile,
    *,
    seed: int,
    scale: float = 1.0,
    years: Sequence[int] | None = None,
    maternity: MaternityFacilities | None = None,
    then: Callable[[BirthTally], Iterable[pa.Table]] | None = None,
) -> BirthTally:
    """Write the birth records to a Parquet file at ``path`` (one row group per year, the
    importer's column names) and return their tally. ``then``, given Hanoi's tally, yields
    more records (``SCHEMA``) written after Hanoi's, in the same file."""
    chosen = tuple(years) if years is not None else tuple(births_per_year(scale))
    tally = BirthTally(chosen, profile.communes.codes)
    with pq.ParquetWriter(str(path), SCHEMA, compression="snappy") as writer:
        for table in iter_births(
            profile, seed=seed, scale=scale, years=chosen, maternity=maternity, tally=tally
        ):
            writer.write_table(table)
        for table in then(tally) if then is not None else ():
            writer.write_table(table)
    return tally
