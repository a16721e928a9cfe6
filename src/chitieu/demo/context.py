"""Figures around the two demo cities: Hanoi's population, the former Hòa Bình province (now
part of Phú Thọ) and the national totals.

**National figures as residuals.** chitieu sums a unit's own figures with those of every unit below
it (as DHIS2 does). So the figures stored on ``VN`` itself are the national totals *minus* what the
demo's provinces and communes already hold: the national roll-up then equals the national total
(e.g. 34 beds per 10,000 at the end of 2024, as VNA health news gives it), and no figure is counted
twice. The comment on each such value says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

from chitieu.demo.births import BirthTally
from chitieu.demo.hanoi import HanoiProfile
from chitieu.demo.mechanism import FIRST_YEAR, LAST_YEAR, LOGIT_NATURAL, p_male_of
from chitieu.demo.rows import Row, value_row
from chitieu.units import COUNTRY_CODE

PHU_THO = "25"
HOA_BINH_NOTE = (
    "Số liệu của tỉnh Hòa Bình cũ (đã sáp nhập vào tỉnh Phú Thọ năm 2025), theo số liệu ngành "
    "y tế tỉnh đã công bố / "
    "figures of the former Hoa Binh province, merged into Phu Tho in 2025"
)
#: Hoa Binh's published health staff by qualification (3,627 in all), and 2023 coverage.
HOA_BINH_STAFF_2023 = {
    "QUAL_DOCTORAL": 42,
    "QUAL_MASTER": 287,
    "QUAL_UNIVERSITY": 1_594,
    "QUAL_COLLEGE": 1_704,
}
HOA_BINH_POPULATION_2023 = 875_400
HOA_BINH_INSURANCE_2023 = 95.23

CONTEXT_YEARS = tuple(range(2020, 2026))
#: Vietnam's population (plausible, rounded); other national figures per 10,000 or per cent.
VN_POPULATION = {
    2020: 97_580_000,
    2021: 98_510_000,
    2022: 99_460_000,
    2023: 100_300_000,
    2024: 101_110_000,
    2025: 101_900_000,
}
VN_BEDS_PER_10K = {2020: 30.0, 2021: 31.0, 2022: 32.0, 2023: 33.0, 2024: 34.0, 2025: 34.5}
VN_DOCTORS_PER_10K = {2020: 10.9, 2021: 11.2, 2022: 11.8, 2023: 12.5, 2024: 13.5, 2025: 14.0}
VN_PHARMACISTS_PER_10K = {2020: 2.9, 2021: 3.0, 2022: 3.1, 2023: 3.2, 2024: 3.3, 2025: 3.4}
VN_NURSES_PER_10K = {2020: 13.5, 2021: 13.8, 2022: 14.2, 2023: 14.6, 2024: 15.0, 2025: 15.4}
VN_INSURANCE = {2020: 90.9, 2021: 91.0, 2022: 92.0, 2023: 93.4, 2024: 94.3, 2025: 95.0}
#: DTP1 coverage, per cent: 80 % in 2023 and 99 % in 2024 as VNA health news gives them.
VN_DTP1 = {2020: 97.0, 2021: 94.0, 2022: 91.0, 2023: 80.0, 2024: 99.0, 2025: 98.0}
VN_SURVIVING_INFANTS = 1_380_000
#: National births and SRB: 112.2 in 2016 (VNA health news), rising from about 110.5 in 2009, then
#: easing to about 111 by 2025 (still above the 109 target, the one national health target missed in
#: 2024). Third-or-later births are far commoner in the country than in Hanoi.
VN_SRB = {
    y: round(110.5 + 1.7 * (y - 2009) / 7 if y <= 2016 else 112.2 - 0.12 * (y - 2016), 2)
    for y in range(FIRST_YEAR, LAST_YEAR + 1)
}
VN_BIRTHS = {y: round(1_530_000 - 9_000 * (y - FIRST_YEAR)) for y in VN_SRB}
VN_ORDER_SHARES = (0.44, 0.40, 0.16)
#: Log-odds of a boy by order relative to the year's level (higher at third-or-later births).
VN_ORDER_LOG_ODDS = np.array([-0.012, -0.004, 0.06])

_NATIONAL_NOTE = (
    "Tổng quốc gia trừ phần các tỉnh, xã trong demo đã báo cáo / national total minus what the "
    "demo's provinces and communes hold"
)


def hanoi_population(profile: HanoiProfile) -> list[Row]:
    """POPULATION per Hanoi commune, 2009–2025 (8.7 million in 2025)."""
    return [
        value_row("POPULATION", str(code), str(y), int(v))
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
        for code, v in zip(profile.communes.codes, profile.population(y), strict=True)
    ]


def hoa_binh_in_phu_tho() -> list[Row]:
    """Hoa Binh's published figures (2023), stored on Phú Thọ with a note saying whose they are."""
    rows = [
        value_row("STAFF", PHU_THO, "2023", n, disaggregation=q, note=HOA_BINH_NOTE)
        for q, n in HOA_BINH_STAFF_2023.items()
    ]
    insured = round(HOA_BINH_INSURANCE_2023 / 100 * HOA_BINH_POPULATION_2023)
    rows.append(
        value_row("POPULATION", PHU_THO, "2023", HOA_BINH_POPULATION_2023, note=HOA_BINH_NOTE)
    )
    rows.append(value_row("INSURED_PERSONS", PHU_THO, "2023", insured, note=HOA_BINH_NOTE))
    return rows


def national_totals() -> dict[tuple[str, str, str], float]:
    """National figures keyed by (element, period, disaggregation)."""
    out: dict[tuple[str, str, str], float] = {}
    for y in CONTEXT_YEARS:
        pop = VN_POPULATION[y]
        per_10k = pop / 10_000
        p = str(y)
        out["POPULATION", p, "default"] = pop
        out["HOSPITAL_BEDS", p, "default"] = round(VN_BEDS_PER_10K[y] * per_10k)
        out["DOCTORS", p, "default"] = round(VN_DOCTORS_PER_10K[y] * per_10k)
        out["PHARMACISTS", p, "default"] = round(VN_PHARMACISTS_PER_10K[y] * per_10k)
        out["NURSES", p, "default"] = round(VN_NURSES_PER_10K[y] * per_10k)
        out["INSURED_PERSONS", p, "default"] = round(VN_INSURANCE[y] / 100 * pop)
        out["DTP1_TARGET_POP", p, "default"] = VN_SURVIVING_INFANTS
        out["DTP1_DOSES", p, "default"] = round(VN_DTP1[y] / 100 * VN_SURVIVING_INFANTS)
    for y, births in VN_BIRTHS.items():
        for cell, n in national_births(births, VN_SRB[y]).items():
            out["LIVE_BIRTHS", str(y), cell] = n
    return out


def national_births(births: int, srb: float) -> dict[str, int]:
    """National births by sex and order (``M_O1`` … ``F_O3P``) with overall SRB ``srb``: order
    shares :data:`VN_ORDER_SHARES`, and the level of the log-odds of a boy chosen by bisection
    so that the order-specific odds (:data:`VN_ORDER_LOG_ODDS`) average to ``srb``."""
    shares = np.asarray(VN_ORDER_SHARES)
    target = p_male_of(srb)
    lo, hi = -1.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        p = 1 / (1 + np.exp(-(LOGIT_NATURAL + mid + VN_ORDER_LOG_ODDS)))
        lo, hi = (mid, hi) if (shares * p).sum() < target else (lo, mid)
    by_order = np.rint(births * shares).astype(np.int64)
    boys = np.rint(by_order * p).astype(np.int64)
    out = {}
    for k, o in enumerate(("O1", "O2", "O3P")):
        out[f"M_{o}"] = int(boys[k])
        out[f"F_{o}"] = int(by_order[k] - boys[k])
    return out


def hanoi_birth_cells(tally: BirthTally) -> dict[tuple[str, str, str], float]:
    """Hanoi's generated births as LIVE_BIRTHS cells, to subtract from the national totals."""
    out: dict[tuple[str, str, str], float] = {}
    for yi, y in enumerate(tally.years):
        for s, sex in enumerate("MF"):
            for k, o in enumerate(("O1", "O2", "O3P")):
                out["LIVE_BIRTHS", str(y), f"{sex}_{o}"] = float(tally.by_order[yi, s, k])
    return out


def national_residuals(
    below: Iterable[Row], hanoi_births: Mapping[tuple[str, str, str], float]
) -> list[Row]:
    """Values for ``VN`` itself: each national total minus the demo values ``below`` it (and
    Hanoi's birth records), so the national roll-up equals the total."""
    held: dict[tuple[str, str, str], float] = defaultdict(float, hanoi_births)
    for r in below:
        held[r["element_code"], r["period"], r["disaggregation"]] += r["value"]
    rows = []
    for (element, period, cell), total in national_totals().items():
        rest = total - held[element, period, cell]
        if rest < 0:
            raise ValueError(f"demo figures exceed the national total for {element} {period}")
        if rest == 0:
            continue  # the units below hold all of it
        rows.append(
            value_row(element, COUNTRY_CODE, period, rest, disaggregation=cell, note=_NATIONAL_NOTE)
        )
    return rows
