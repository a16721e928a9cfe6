"""Hanoi's 126 communes in the demo: population, births, third births, son preference, and the
"truth" table of communes given an excess of boys.

Wards (phường) are larger and denser than rural communes (xã); rural communes have more births
per head, more third births and stronger son preference. Everything is drawn from the demo seed
and is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chitieu.demo.communes import Communes, commune_sizes, province_communes
from chitieu.demo.mechanism import BIRTHS, LAST_YEAR

HANOI = "01"
#: Hanoi's population in 2025 (about 8.7 million) and its yearly growth before that.
POPULATION_2025 = 8_700_000
GROWTH_URBAN, GROWTH_RURAL = 0.020, 0.016
#: Random-stream label for this module (independent of the other generators' streams).
_STREAM = 1


@dataclass(frozen=True, slots=True)
class ExcessCommune:
    """A commune whose births after ``start_year`` (to ``end_year`` inclusive, or to the end
    of the data) carry an extra ``log_odds`` of a boy in families with no son yet."""

    unit_code: str
    name: str
    start_year: int
    end_year: int | None
    log_odds: float
    story: str

    def active(self, year: int) -> bool:
        return self.start_year <= year and (self.end_year is None or year <= self.end_year)


@dataclass(frozen=True, slots=True)
class HanoiProfile:
    """Per-commune arrays aligned with ``communes.codes``."""

    communes: Communes
    population_2025: np.ndarray  # people
    growth: np.ndarray  # per year
    fertility: np.ndarray  # relative births per head
    third_factor: np.ndarray  # relative share of third-or-later births
    strength: np.ndarray  # son-preference strength, births-weighted mean 1
    excess: tuple[ExcessCommune, ...]

    def population(self, year: int) -> np.ndarray:
        """Population by commune in ``year`` (growth compounded back from 2025), rounded."""
        return np.rint(self.population_2025 / (1.0 + self.growth) ** (LAST_YEAR - year)).astype(
            np.int64
        )

    def birth_weights(self, year: int) -> np.ndarray:
        """Each commune's expected share of the city's births in ``year``."""
        w = self.population(year) * self.fertility
        return w / w.sum()

    def excess_log_odds(self, year: int) -> np.ndarray:
        """Extra log-odds of a boy (families without a son) by commune in ``year``."""
        out = np.zeros(len(self.communes))
        for e in self.excess:
            if e.active(year):
                out[self.communes.index(e.unit_code)] = e.log_odds
        return out


def _pick_excess(communes: Communes, pop: np.ndarray, rng: np.random.Generator) -> list:
    """The truth table: Phường Hà Đông 2012–2015 (the private clinic fined 40 million VND and
    suspended in 2015, as VNA reported, is placed there), and five communes (two wards, three rural
    communes) drawn among the larger half, so the signal is visible, starting in 2013–2021."""
    ha_dong = communes.find("Hà Đông")
    table = [
        ExcessCommune(
            str(communes.codes[ha_dong]),
            communes.names[ha_dong],
            2012,
            2015,
            0.25,
            "a private obstetric clinic disclosed fetal sex from 2012 until it was fined "
            "and suspended in 2015",
        )
    ]
    larger = (pop >= np.median(pop)) & (np.arange(len(pop)) != ha_dong)
    wards = np.flatnonzero(larger & communes.urban)
    rural = np.flatnonzero(larger & ~communes.urban)
    chosen = np.sort(
        np.r_[rng.choice(wards, 2, replace=False), rng.choice(rural, 3, replace=False)]
    )
    starts = rng.choice(np.arange(2013, 2022), 5, replace=False)
    for i, start in zip(chosen, starts, strict=True):
        table.append(
            ExcessCommune(
                str(communes.codes[i]),
                communes.names[i],
                int(start),
                None,
                round(float(rng.uniform(0.16, 0.26)), 3),
                "fetal sex disclosed by an ultrasound provider from the start year",
            )
        )
    return table


def hanoi_profile(seed: int) -> HanoiProfile:
    """The demo's Hanoi communes for ``seed`` (deterministic)."""
    rng = np.random.default_rng([seed, _STREAM])
    communes = province_communes(HANOI)
    urban = communes.urban
    n = len(communes)
    pop = commune_sizes(
        communes, rng, total=POPULATION_2025, urban_mean=85_000.0, rural_mean=58_000.0
    )
    growth = np.where(urban, GROWTH_URBAN, GROWTH_RURAL) + rng.normal(0.0, 0.003, n)
    fertility = np.where(urban, 0.93, 1.10) * np.exp(rng.normal(0.0, 0.08, n))
    third = np.where(urban, 0.72, 1.30) * np.exp(rng.normal(0.0, 0.15, n))
    strength = np.where(urban, 0.85, 1.12) * np.exp(rng.normal(0.0, 0.22, n))
    profile = HanoiProfile(communes, pop, growth, fertility, third, strength, ())
    # Normalise strength to a births-weighted mean of 1, so that I[y] reads as the city's level.
    w = profile.birth_weights(2016)
    strength = strength / float((w * strength).sum())
    return HanoiProfile(
        communes,
        pop,
        growth,
        fertility,
        third,
        strength,
        tuple(_pick_excess(communes, pop, rng)),
    )


def births_per_year(scale: float = 1.0) -> dict[int, int]:
    """The city's births by year, times ``scale`` (at least one birth a year)."""
    return {y: max(1, round(n * scale)) for y, n in BIRTHS.items()}
