"""Hai Phong's health-system capacity in the demo, for its 114 communes, 2020–2025, after the
VNA article on the city's health system.

Facilities as the article counts them: 19 municipal hospitals, 5 regional general hospitals, 7
Ministry of Health hospitals, 13 private hospitals, 89 general clinics and one health station
per commune, ward and special zone (114). Yearly figures per commune: population (the merged
city, about 4.66 million in 2025), hospital beds (more than 15,000 by 2025), doctors and
pharmacists (14.46 and 4.1 per 10,000 inhabitants in 2025, exactly as the article), nurses,
doctors at the commune health station (1–3 now; the city's target is 4–5 by 2030), people with
health insurance (about 94 % in 2025), DTP1 doses and surviving infants (80 % in 2023 and 99 %
in 2024, the national figures of VNA health news), and free check-ups in 2025 (partial coverage, the
programme starts in earnest in 2026). Staff by qualification are city totals (over 25,000).
Synthetic throughout; only the totals named above come from published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chitieu.demo.communes import Communes, province_communes, short_name, split_total
from chitieu.demo.rows import Row, facility_row, value_row

HAI_PHONG = "31"
_STREAM = 4
YEARS = tuple(range(2020, 2026))
POPULATION_2025 = 4_664_000
POPULATION_GROWTH = 0.009
#: Special zones are islands with small, fixed populations.
SPECIAL_ZONES = {"Đặc khu Cát Hải": 52_000, "Đặc khu Bạch Long Vĩ": 950}
BEDS_2025 = 15_620
BEDS_GROWTH = 0.028  # beds added per year, as a share of 2025's


def _path(first: float, last: float) -> dict[int, float]:
    """A straight line from ``first`` in 2020 to ``last`` in 2025."""
    return {y: first + (last - first) * (y - YEARS[0]) / (YEARS[-1] - YEARS[0]) for y in YEARS}


#: Per 10,000 inhabitants; 2025 as the article gives them.
DOCTORS_PER_10K = _path(11.9, 14.46)
PHARMACISTS_PER_10K = _path(3.3, 4.1)
NURSES_PER_10K = _path(17.0, 20.2)
#: Per cent of the population.
INSURANCE = {2020: 87.1, 2021: 88.6, 2022: 90.2, 2023: 91.6, 2024: 92.9, 2025: 94.1}
CHECKUPS_2025 = 42.0
DTP1 = {2020: 97.0, 2021: 94.5, 2022: 91.0, 2023: 80.0, 2024: 99.0, 2025: 97.5}
SURVIVING_INFANTS_PER_1000 = 13.6
#: Staff by qualification in 2025 (25,480 in all), and their growth a year before that.
STAFF_2025 = {
    "QUAL_DOCTORAL": 620,
    "QUAL_MASTER": 3_050,
    "QUAL_UNIVERSITY": 9_860,
    "QUAL_COLLEGE": 11_950,
}
STAFF_GROWTH = 0.022

_MUNICIPAL = (
    "Bệnh viện Đa khoa thành phố",
    "Bệnh viện Hữu nghị thành phố",
    "Bệnh viện Trẻ em",
    "Bệnh viện Phụ sản",
    "Bệnh viện Mắt",
    "Bệnh viện Da liễu",
    "Bệnh viện Phổi",
    "Bệnh viện Tâm thần",
    "Bệnh viện Y học cổ truyền",
    "Bệnh viện Phục hồi chức năng",
    "Bệnh viện Ung bướu",
    "Bệnh viện Tim mạch",
    "Bệnh viện Chấn thương chỉnh hình",
    "Bệnh viện Nội tiết",
    "Bệnh viện Truyền nhiễm",
    "Bệnh viện Lão khoa",
    "Bệnh viện Răng Hàm Mặt",
    "Bệnh viện Tai Mũi Họng",
    "Bệnh viện Đa khoa số 2",
)
N_REGIONAL, N_MOH, N_PRIVATE_HOSPITALS, N_CLINICS = 5, 7, 13, 89


@dataclass(frozen=True, slots=True)
class HaiPhong:
    """The demo's Hai Phong: facility rows and data value rows."""

    facilities: list[Row]
    values: list[Row]


def _populations(c: Communes, rng: np.random.Generator) -> dict[int, np.ndarray]:
    special = np.array([SPECIAL_ZONES.get(n, 0) for n in c.names])
    others = special == 0
    weights = np.where(c.urban, 52_000.0, 36_000.0) * np.exp(rng.normal(0, 0.3, len(c)))
    pop = special.astype(np.int64)
    pop[others] = split_total(POPULATION_2025 - int(special.sum()), weights[others])
    growth = POPULATION_GROWTH + rng.normal(0, 0.002, len(c))
    return {y: np.rint(pop / (1 + growth) ** (YEARS[-1] - y)).astype(np.int64) for y in YEARS}


def haiphong_facilities(c: Communes, pop: np.ndarray, rng: np.random.Generator) -> list[Row]:
    """The article's facility counts, placed in plausible communes (hospitals in the larger wards,
    regional hospitals in rural communes, clinics where people are), beds summing to 15,620."""
    share = pop / pop.sum()
    urban = np.flatnonzero(c.urban)
    w_urban = share[urban] / share[urban].sum()
    rural = np.flatnonzero(~c.urban & (pop > 1_000))
    rows: list[Row] = []

    def ward() -> int:
        return int(rng.choice(urban, p=w_urban))

    def tens(lo: int, hi: int) -> int:
        return int(rng.integers(lo, hi)) * 10

    def add(code: str, at: int, name: str, kind: str, owner: str, beds: int | None, obst: bool):
        ultrasound = kind != "health_station"
        rows.append(
            facility_row(
                code,
                c.codes[at],
                name,
                kind,
                owner,
                beds=beds,
                ultrasound=ultrasound,
                obstetrics=obst,
            )
        )

    for i, name in enumerate(_MUNICIPAL, 1):
        beds = 1_500 if i <= 2 else tens(20, 70)
        add(
            f"SYN-31-BV{i:02d}",
            ward(),
            f"{name} Hải Phòng",
            "hospital",
            "public",
            beds,
            i in (1, 4),
        )
    for i, at in enumerate(rng.choice(rural, N_REGIONAL, replace=False), 1):
        name = f"Bệnh viện Đa khoa khu vực {short_name(c.names[at])}"
        add(f"SYN-31-KV{i:02d}", int(at), name, "regional_hospital", "public", tens(25, 45), True)
    for i in range(1, N_MOH + 1):
        name = f"Bệnh viện thuộc Bộ Y tế số {i}"
        add(f"SYN-31-TW{i:02d}", ward(), name, "hospital", "public", tens(15, 50), False)
    for i in range(1, N_PRIVATE_HOSPITALS + 1):
        at = ward()
        name = f"Bệnh viện tư nhân {short_name(c.names[at])} {i}"
        obst = bool(rng.random() < 0.5)
        add(f"SYN-31-TN{i:02d}", at, name, "private_hospital", "private", tens(5, 25), obst)
    for i in range(1, N_CLINICS + 1):
        at = int(rng.choice(len(c), p=share))
        name = f"Phòng khám đa khoa {short_name(c.names[at])} {i}"
        add(f"SYN-31-PK{i:03d}", at, name, "clinic", "private", None, False)
    for at, (code, commune) in enumerate(zip(c.codes, c.names, strict=True)):
        add(f"SYN-TYT-{code}", at, f"Trạm y tế {commune}", "health_station", "public", None, False)
    # Beds: the drawn sizes, scaled so the city has the article's "more than 15,000" (15,620).
    sized = [r for r in rows if r["beds"]]
    for r, beds in zip(sized, split_total(BEDS_2025, [r["beds"] for r in sized]), strict=True):
        r["beds"] = int(beds)
    return rows


def _station_doctors(n: int, rng: np.random.Generator) -> dict[int, np.ndarray]:
    """1–3 doctors per station in 2025; going back, a station with more than one had one
    fewer with probability 0.15 a year (stations have been gaining doctors)."""
    now = 1 + rng.binomial(2, 0.38, n)
    out = {YEARS[-1]: now}
    for y in reversed(YEARS[:-1]):
        nxt = out[y + 1]
        out[y] = nxt - ((nxt > 1) & (rng.random(n) < 0.15))
    return out


def haiphong(seed: int) -> HaiPhong:
    """Hai Phong's facilities and yearly figures for ``seed`` (deterministic)."""
    rng = np.random.default_rng([seed, _STREAM])
    c = province_communes(HAI_PHONG)
    pops = _populations(c, rng)
    facilities = haiphong_facilities(c, pops[YEARS[-1]], rng)
    index = {code: i for i, code in enumerate(c.codes)}
    hosted = np.zeros(len(c))  # where hospital and clinic staff work, in bed-equivalents
    beds = np.zeros(len(c))
    for f in facilities:
        i = index[f["unit_code"]]
        beds[i] += f["beds"] or 0
        hosted[i] += f["beds"] or (6 if f["kind"] == "clinic" else 0)
    stations = _station_doctors(len(c), rng)
    insured_offset = np.clip(rng.normal(0, 1.8, len(c)), -6, 5)
    checkup_share = rng.uniform(0.2, 0.65, len(c))

    values: list[Row] = []

    def put(element: str, year: int, per_commune: np.ndarray, note: str | None = None) -> None:
        for code, v in zip(c.codes, per_commune, strict=True):
            values.append(value_row(element, str(code), str(year), int(v), note=note))

    for y in YEARS:
        pop = pops[y]
        total = int(pop.sum())
        note = (
            "Khớp số liệu công bố năm 2025 (14,46 bác sĩ và 4,1 dược sĩ/10.000 dân)"
            if y == 2025
            else None
        )
        doctors = round(DOCTORS_PER_10K[y] * total / 10_000)
        put("POPULATION", y, pop)
        put("STATION_DOCTORS", y, stations[y])
        put("DOCTORS", y, stations[y] + split_total(doctors - int(stations[y].sum()), hosted), note)
        put(
            "PHARMACISTS",
            y,
            split_total(round(PHARMACISTS_PER_10K[y] * total / 10_000), hosted + 10),
            note,
        )
        put("NURSES", y, split_total(round(NURSES_PER_10K[y] * total / 10_000), hosted + 20))
        put(
            "HOSPITAL_BEDS",
            y,
            split_total(round(BEDS_2025 * (1 - BEDS_GROWTH * (YEARS[-1] - y))), beds),
        )
        coverage = np.minimum(INSURANCE[y] + insured_offset, 99.5) / 100
        put("INSURED_PERSONS", y, split_total(round(INSURANCE[y] / 100 * total), pop * coverage))
        infants = np.rint(pop * SURVIVING_INFANTS_PER_1000 / 1000).astype(np.int64)
        put("DTP1_TARGET_POP", y, infants)
        jitter = np.exp(rng.normal(0, 0.03, len(c)))
        put("DTP1_DOSES", y, split_total(round(DTP1[y] / 100 * infants.sum()), infants * jitter))
        scale = 1 - STAFF_GROWTH * (YEARS[-1] - y)
        for qual, n in STAFF_2025.items():
            values.append(
                value_row("STAFF", HAI_PHONG, str(y), round(n * scale), disaggregation=qual)
            )
    checkups = split_total(
        round(CHECKUPS_2025 / 100 * pops[2025].sum()), pops[2025] * checkup_share
    )
    put("FREE_CHECKUPS", 2025, checkups, "Chương trình khám sức khỏe miễn phí, năm đầu")
    return HaiPhong(facilities, values)
