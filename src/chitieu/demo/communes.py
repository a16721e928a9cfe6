"""The communes of one province as the demo generators see them, and how their sizes vary.

Read from the same official list the unit loader uses (``vietnam-provinces``), so the demo can
be generated, and tested, without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from chitieu.units.load import iter_official_units

#: The label every synthetic name, note and comment carries, Vietnamese first.
SYNTHETIC_LABEL = "dữ liệu mô phỏng / synthetic"


def labelled(text: str) -> str:
    """``text`` followed by the synthetic label in brackets."""
    return f"{text} ({SYNTHETIC_LABEL})"


def short_name(name: str) -> str:
    """A commune's name without "Phường "/"Xã " (how facilities are named after places)."""
    for prefix in ("Phường ", "Xã "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass(frozen=True, slots=True)
class Communes:
    """The communes of a province, sorted by code; arrays are aligned with ``codes``."""

    province: str
    codes: np.ndarray  # str, five digits
    names: tuple[str, ...]
    division_types: tuple[str, ...]  # "phường" | "xã" | "đặc khu"

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def urban(self) -> np.ndarray:
        """True for wards (phường), which are denser and larger than rural communes (xã)."""
        return np.array([t == "phường" for t in self.division_types])

    def index(self, code: str) -> int:
        return int(np.flatnonzero(self.codes == code)[0])

    def find(self, fragment: str) -> int:
        """Index of the first commune whose name contains ``fragment``."""
        for i, name in enumerate(self.names):
            if fragment in name:
                return i
        raise KeyError(f"no commune of province {self.province} is named like {fragment!r}")


@cache
def province_communes(province: str) -> Communes:
    """The official communes, wards and special zones under ``province`` (e.g. ``"01"``)."""
    rows = sorted(
        (u for u in iter_official_units() if u.parent_code == province), key=lambda u: u.code
    )
    if not rows:
        raise KeyError(f"unknown province code {province!r}")
    return Communes(
        province=province,
        codes=np.array([u.code for u in rows]),
        names=tuple(u.name for u in rows),
        division_types=tuple(u.division_type for u in rows),
    )


def split_total(total: int, weights: npt.ArrayLike) -> np.ndarray:
    """Integers proportional to ``weights`` that add up exactly to ``total`` (largest
    remainders get the leftover units), so per-commune figures sum to a published total."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    out = np.floor(raw).astype(np.int64)
    short = int(total - out.sum())
    if short:
        out[np.argsort(raw - out)[::-1][:short]] += 1
    return out


def commune_sizes(
    communes: Communes,
    rng: np.random.Generator,
    *,
    total: int,
    urban_mean: float,
    rural_mean: float,
    sigma: float = 0.35,
) -> np.ndarray:
    """Populations that add up to ``total``: log-normal around ``urban_mean`` for wards and
    ``rural_mean`` for rural communes (before scaling), so wards are typically larger."""
    centre = np.where(communes.urban, urban_mean, rural_mean)
    weights = centre * np.exp(rng.normal(0.0, sigma, len(communes)) - sigma**2 / 2)
    return split_total(total, weights)
