"""Son-preference signatures from birth counts: SRB by birth order and by earlier children's sex.

Where parents select the sex of a child, the SRB stays near normal for first births and rises
with birth order, most of all for a third child after two girls (Guilmoto 2009, "The sex ratio
transition in Asia", Population and Development Review 35:519-549). These are pure functions
over the count columns of ``birth_aggregates``: ``birth_order`` (1-4, 4 = 4+), ``prev_boys`` and
``prev_girls`` (0-2, 2 = 2+), ``sex`` (``"M"``/``"F"``) and ``births``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from chitieu.stats.intervals import RatioInterval, proportion_interval, srb_interval

_Mask = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

#: Category → which births it holds, from (birth_order, prev_boys, prev_girls).
CATEGORIES: dict[str, _Mask] = {
    "all": lambda o, b, g: np.ones_like(o, dtype=bool),
    "order_1": lambda o, b, g: o == 1,
    "order_2": lambda o, b, g: o == 2,
    "order_3": lambda o, b, g: o == 3,
    "order_4plus": lambda o, b, g: o >= 4,
    "order_3plus": lambda o, b, g: o >= 3,
    # Third births whose two elder siblings are both girls (indicator SRB_O3_AFTER_2G).
    "third_after_two_girls": lambda o, b, g: (o == 3) & (b == 0) & (g >= 2),
    # Third-or-later births with no elder brother (all elder children girls).
    "third_plus_no_boy": lambda o, b, g: (o >= 3) & (b == 0),
    # Third-or-later births with at least one elder brother.
    "third_plus_after_a_boy": lambda o, b, g: (o >= 3) & (b >= 1),
}


@dataclass(frozen=True, slots=True)
class SonPreference:
    """Per group (rows) and category (columns): boys, girls, SRB with interval (per 100 girls).

    ``third_plus_share`` is the fraction of births of order 3+ per group, with its interval
    (multiply by 100 for THIRD_PLUS_SHARE in per cent)."""

    groups: np.ndarray  # (G,)
    categories: tuple[str, ...]  # (C,)
    male: np.ndarray  # (G, C)
    female: np.ndarray  # (G, C)
    srb: RatioInterval  # arrays (G, C)
    third_plus_share: RatioInterval  # arrays (G,)

    def column(self, category: str) -> int:
        return self.categories.index(category)


def son_preference(
    birth_order: ArrayLike,
    prev_boys: ArrayLike,
    prev_girls: ArrayLike,
    sex: ArrayLike,
    births: ArrayLike,
    *,
    group: ArrayLike | None = None,
    level: float = 0.95,
) -> SonPreference:
    """SRB by birth order and by the sex of earlier children, per ``group`` (e.g. unit-year
    labels; one group ``"all"`` when omitted), each with a Wilson interval.

    Rows are counts (one row per combination); ``sex`` must be ``"M"`` or ``"F"`` and counts
    non-negative, else ``ValueError``."""
    o = np.asarray(birth_order, dtype=int)
    b = np.asarray(prev_boys, dtype=int)
    g = np.asarray(prev_girls, dtype=int)
    s = np.asarray(sex).astype(str)
    n = np.asarray(births, dtype=float)
    if not (len(o) == len(b) == len(g) == len(s) == len(n)):
        raise ValueError("all columns must be equally long")
    if np.any(n < 0):
        raise ValueError("births must not be negative")
    if not np.isin(s, ["M", "F"]).all():
        raise ValueError("sex must be 'M' or 'F'")
    labels = np.full(len(o), "all") if group is None else np.asarray(group)
    groups, gi = np.unique(labels, return_inverse=True)
    n_groups = len(groups)
    is_m = s == "M"
    names = tuple(CATEGORIES)
    male = np.zeros((n_groups, len(names)))
    female = np.zeros_like(male)
    for c, name in enumerate(names):
        mask = CATEGORIES[name](o, b, g)
        male[:, c] = np.bincount(gi[mask & is_m], weights=n[mask & is_m], minlength=n_groups)
        female[:, c] = np.bincount(gi[mask & ~is_m], weights=n[mask & ~is_m], minlength=n_groups)
    total = male[:, 0] + female[:, 0]
    third = male[:, names.index("order_3plus")] + female[:, names.index("order_3plus")]
    return SonPreference(
        groups=groups,
        categories=names,
        male=male,
        female=female,
        srb=srb_interval(male, female, level=level),
        third_plus_share=proportion_interval(third, total, level=level),
    )
