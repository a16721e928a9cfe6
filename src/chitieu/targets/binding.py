"""Several targets on one indicator and unit: which one binds, and whether meeting one meets
the others.

The Hanoi plan asks the SRB to be at most 109 by 2030 *and* to fall 0.2 points a year from 2025.
Both ask "at most"; the one that **binds** is the one that asks the steepest change per year
from the latest estimate (for "at least", the steepest rise). Another target of the same
direction is **looser** when meeting it exactly leaves the binding one unmet: its level in the
binding target's year (its glide path's, or its own value for the same year) lies on the wrong
side of the binding goal — the fall of 0.2 points a year from 112.0 ends at 111.0 in 2030,
above 109, which needs about 0.6 a year. Two targets of opposite directions whose goals for the
same year cannot both hold (at most 108 and at least 110) **conflict**.

Pure functions on :class:`~chitieu.targets.evaluation.TargetEvaluation`; the texts come from the
message catalogue, Vietnamese and English.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from chitieu.catalog.messages import message
from chitieu.targets.evaluation import TargetEvaluation


def _num(x: float, digits: int, lang: str, signed: bool = False) -> str:
    text = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    text = text.replace("-", "−")
    return text.replace(".", ",") if lang == "vi" else text


def goal_words(e: TargetEvaluation, lang: str) -> str:
    """``−0,20/năm (→ 109,5 năm 2030)`` for a change target, ``≤ 109,0 (2030)`` for a level."""
    if e.annual_change is not None and e.target_value is None:
        return message(
            "goal_path_end",
            lang,
            change=_num(e.annual_change, 2, lang, signed=True),
            end=_num(e.goal_value or 0.0, 1, lang),
            year=e.target_year,
        )
    sign = "≤" if e.direction == "at_most" else "≥"
    return f"{sign} {_num(e.goal_value or 0.0, 1, lang)} ({e.target_year})"


def level_in(e: TargetEvaluation, year: int) -> float | None:
    """The level ``e`` asks for in ``year``: its glide path's (up to its own year), or its
    value when ``year`` is its year; None when it says nothing of that year."""
    if e.annual_change is not None and e.baseline_value is not None and e.baseline_year:
        if year <= e.target_year:
            return e.baseline_value + e.annual_change * (year - e.baseline_year)
        return None
    return e.goal_value if year == e.target_year else None


def _looser(e: TargetEvaluation, binding: TargetEvaluation) -> float | None:
    """``e``'s level in the binding target's year when meeting ``e`` exactly leaves the binding
    target unmet (None otherwise, or when ``e`` says nothing of that year)."""
    level = level_in(e, binding.target_year)
    if level is None or binding.goal_value is None:
        return None
    worse = level > binding.goal_value if e.direction == "at_most" else level < binding.goal_value
    return level if worse else None


def _texts(key: str, **values: object) -> tuple[str, str]:
    def filled(lang: str) -> str:
        shown = {k: v(lang) if callable(v) else v for k, v in values.items()}
        return message(key, lang, **shown)

    return filled("vi"), filled("en")


def with_relations(evaluations: list[TargetEvaluation]) -> list[TargetEvaluation]:
    """``evaluations`` with ``binding`` set (True for the one that binds, False for the others;
    None where a target is alone on its indicator and unit) and ``relation_vi``/``relation_en``
    saying which binds and what meeting a looser one leaves unmet; in the same order."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(evaluations):
        if e.goal_value is not None and e.required_annual_change is not None:
            groups[(e.indicator_code, e.unit_code)].append(i)
    out = list(evaluations)
    for members in groups.values():
        by_direction: dict[str, list[int]] = defaultdict(list)
        for i in members:
            by_direction[evaluations[i].direction].append(i)
        for direction, idx in by_direction.items():
            if len(idx) < 2:
                continue
            steepest = min if direction == "at_most" else max
            b = steepest(idx, key=lambda i: evaluations[i].required_annual_change)  # type: ignore[arg-type, return-value]
            binding = evaluations[b]
            needed = binding.required_annual_change or 0.0
            vi, en = _texts(
                "target_binds",
                n=len(idx),
                needed=lambda lang, x=needed: _num(x, 2, lang, signed=True),
            )
            out[b] = replace(out[b], binding=True, relation_vi=vi, relation_en=en)
            for i in idx:
                if i == b:
                    continue
                e = evaluations[i]
                key = "target_looser" if _looser(e, binding) is not None else "target_bound_by"
                vi, en = _texts(
                    key,
                    this=lambda lang, e=e: goal_words(e, lang),
                    binding=lambda lang, b=binding: goal_words(b, lang),
                    needed=lambda lang, x=needed: _num(x, 2, lang, signed=True),
                )
                out[i] = replace(out[i], binding=False, relation_vi=vi, relation_en=en)
        _mark_conflicts(evaluations, out, by_direction)
    return out


def _mark_conflicts(
    evaluations: list[TargetEvaluation],
    out: list[TargetEvaluation],
    by_direction: dict[str, list[int]],
) -> None:
    """Targets of opposite directions whose goals for one year cannot both hold."""
    for i in by_direction.get("at_most", []):
        for j in by_direction.get("at_least", []):
            low, high = evaluations[i], evaluations[j]
            year = min(low.target_year, high.target_year)
            cap, floor = level_in(low, year), level_in(high, year)
            if cap is None or floor is None or cap >= floor:
                continue
            for k, other in ((i, high), (j, low)):
                vi, en = _texts("target_conflict", other=lambda lang, o=other: goal_words(o, lang))
                out[k] = replace(out[k], relation_vi=vi, relation_en=en)


def notes(e: TargetEvaluation, lang: str) -> list[str]:
    """What to say under a target's figures: which target binds (or what meeting this one
    leaves unmet), and for an inconclusive change target the change the data could detect."""
    out = []
    relation = e.relation_en if lang == "en" else e.relation_vi
    if relation:
        out.append(relation)
    if e.status == "inconclusive" and e.detectable_annual_change is not None:
        out.append(
            message(
                "change_detectable",
                lang,
                detectable=_num(e.detectable_annual_change, 2, lang),
                sd=_num(e.change_sd or 0.0, 2, lang),
            )
        )
    return out
