"""The monthly report's plausibility rule, applied to every way data come in.

The rule is the form's (:mod:`chitieu.reporting.form`, rule 3): when the six birth cells of a
commune-month hold more than :data:`~chitieu.reporting.form.SRB_CHECK_MIN_BIRTHS` births and
the sex ratio lies outside :data:`~chitieu.reporting.form.SRB_PLAUSIBLE` — or no girl was
born — the figures are refused until the sender confirms them (the form's confirmation box;
``confirm`` on the API; ``--confirm-implausible`` on the command line). The month is judged
as it would stand after the change: the stored cells with the incoming ones applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chitieu.reporting.form import SRB_CHECK_MIN_BIRTHS, SRB_PLAUSIBLE, sex_ratio
from chitieu.reporting.monthly_report import BIRTH_FIELDS

_BOYS = {d for n, _, d in BIRTH_FIELDS if n.startswith("M_")}
_CELLS = {d for _, _, d in BIRTH_FIELDS}
BIRTHS = BIRTH_FIELDS[0][1]


@dataclass(frozen=True, slots=True)
class Implausible:
    """A commune-month whose births would be implausible after the change."""

    unit: str
    period: str
    boys: int
    girls: int

    def reason(self) -> str:
        srb = sex_ratio(self.boys, self.girls)
        ratio = f"tỷ số giới tính {srb:.1f}" if srb is not None else "không có bé gái"
        ratio_en = f"sex ratio {srb:.1f}" if srb is not None else "no girl"
        low, high = SRB_PLAUSIBLE
        return (
            f"`{self.unit}` `{self.period}`: {self.boys} bé trai, {self.girls} bé gái ({ratio}), "
            f"ngoài {low:.0f}–{high:.0f}: cần xác nhận / {self.boys} boys and {self.girls} girls "
            f"({ratio_en}), outside {low:.0f}–{high:.0f}: confirm the figures to store them"
        )


def implausible_months(
    actions: Sequence, stored: Mapping[tuple[str, str, str, str], Any]
) -> list[Implausible]:
    """The commune-months the planned ``actions`` (of :func:`~chitieu.reporting.validate.
    plan_import`) would leave implausible, given every live value ``stored`` in the months
    they touch, keyed (element, unit, period, disaggregation) (as
    :func:`chitieu.reporting.stored.load_months` reads them)."""
    births = [
        a for a in actions if a.v.element == BIRTHS and a.changes and a.v.disaggregation in _CELLS
    ]
    if not births:
        return []
    cells: dict[tuple[str, str], dict[str, float]] = {(a.v.unit, a.period): {} for a in births}
    for (element, unit, period, disagg), row in stored.items():
        if element == BIRTHS and (unit, period) in cells:
            cells[(unit, period)][disagg] = row["value"]
    for a in births:
        month = cells[(a.v.unit, a.period)]
        if a.kind == "delete":
            month.pop(a.v.disaggregation, None)
        else:
            month[a.v.disaggregation] = a.number
    out = []
    for (unit, period), month in sorted(cells.items()):
        if set(month) != _CELLS:
            continue
        boys = int(sum(v for d, v in month.items() if d in _BOYS))
        girls = int(sum(v for d, v in month.items() if d not in _BOYS))
        srb = sex_ratio(boys, girls)
        low, high = SRB_PLAUSIBLE
        if boys + girls > SRB_CHECK_MIN_BIRTHS and (srb is None or not low <= srb <= high):
            out.append(Implausible(unit, period, boys, girls))
    return out
