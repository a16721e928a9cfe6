"""History reported under the pre-2025 units, mapped onto today's units.

The crosswalk (``data/crosswalk/old_units_2025.csv``, built from the ``vietnamadminunits``
package by :mod:`chitieu.exchange.crosswalk_build`) knows the 63 old provinces (2-digit codes),
696 districts (3-digit) and 10,035 communes (5-digit) as they stood on 30 June 2025, and for
each the 2025 unit(s) it went to. Old codes are read by their length, so an old commune code
never clashes with a new one even where the digits are the same (old ``00070`` is Phường Hàng
Trống; new ``00070`` is Phường Hoàn Kiếm).

How figures move (all additive counts):

- an old commune that went whole into one new commune: its figure goes there;
- an old commune split among several new communes (471 of them): the rule chosen applies —
  ``seat`` (default): the whole figure goes to the successor the source designates as the
  default (``isDefaultNewWard``, the one taking the old commune's main part), because counts
  such as births must stay whole numbers and no population shares of the parts are published;
  ``equal``: the figure is shared equally among the successors, whole numbers by largest
  remainder (the default successor first) so the total is kept;
- an old district (abolished in 2025) goes to its new province, except the five island
  districts, which became special-zone communes;
- an old province goes to the new province that absorbed it.

Figures landing on the same new unit, period, element and disaggregation are added up. The
report lists each figure's sources and method, and flags a new unit whose sum lacks some of the
old units that make it up (an incomplete sum would understate it). Old units that had already
disappeared before 2025 (earlier mergers) are not in the source and are refused by code.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from chitieu.catalog.periods import parse_period
from chitieu.exchange.query import format_value
from chitieu.ingest.errors import ImportRefused, RowError
from chitieu.reporting.summary import Conflict
from chitieu.reporting.validate import ValueIn

CROSSWALK = Path(__file__).resolve().parent.parent / "data" / "crosswalk" / "old_units_2025.csv"
SPLIT_RULES = ("seat", "equal")
_LEVEL_BY_LENGTH = {2: "province", 3: "district", 5: "commune"}


@dataclass(frozen=True, slots=True)
class OldUnit:
    code: str
    level: str  # province | district | commune
    parent: str
    name: str
    #: (new unit code, is the default successor), the default first
    successors: tuple[tuple[str, bool], ...]

    @property
    def is_split(self) -> bool:
        return len(self.successors) > 1


@cache
def read_crosswalk(path: Path = CROSSWALK) -> dict[str, OldUnit]:
    """Old unit code -> :class:`OldUnit`, from the packaged crosswalk file."""
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rows[row["old_code"]].append(row)
    out = {}
    for code, rs in rows.items():
        successors = sorted(
            ((r["new_code"], r["is_default"] == "1") for r in rs), key=lambda s: (not s[1], s[0])
        )
        r0 = rs[0]
        out[code] = OldUnit(
            code, r0["old_level"], r0["old_parent"], r0["old_name"], tuple(successors)
        )
    return out


@dataclass(frozen=True, slots=True)
class OldRow:
    """One figure reported under an old unit."""

    old_code: str
    period: str
    element: str
    disaggregation: str
    value: float | int | str


@dataclass(frozen=True, slots=True)
class NewRow:
    """A figure on a 2025 unit; ``sources`` says which old figures made it and how."""

    unit: str
    period: str
    element: str
    disaggregation: str
    value: float | int
    sources: tuple[tuple[str, str], ...]  # (old code, method)


@dataclass
class MappingReport:
    rule: str
    rows_in: int = 0
    rows_out: int = 0
    #: method -> number of old figures moved that way (whole, split-seat, split-equal, …)
    methods: dict[str, int] = field(default_factory=dict)
    #: old units that were split, with their successors and what the rule did
    splits: list[dict[str, Any]] = field(default_factory=list)
    #: new figures lacking some of the old units that make up their unit
    incomplete: list[dict[str, Any]] = field(default_factory=list)
    #: every new figure with its sources
    figures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rowsIn": self.rows_in,
            "rowsOut": self.rows_out,
            "methods": self.methods,
            "splits": self.splits,
            "incomplete": self.incomplete,
            "figures": self.figures,
        }

    def lines(self) -> list[str]:
        """The report in words, for the command line."""
        out = [
            f"Ánh xạ đơn vị cũ / old-unit mapping (rule {self.rule}): {self.rows_in} figures "
            f"-> {self.rows_out} on 2025 units"
        ]
        out += [f"  {method}: {n}" for method, n in sorted(self.methods.items())]
        for s in self.splits:
            out.append(
                f"  split {s['old_code']} {s['old_name']} -> "
                f"{', '.join(s['successors'])}: {s['applied']}"
            )
        for inc in self.incomplete:
            out.append(
                f"  INCOMPLETE {inc['unit']} {inc['period']} {inc['element']}/"
                f"{inc['disaggregation']}: missing {', '.join(inc['missing'])}"
            )
        return out


def _method(unit: OldUnit, rule: str) -> str:
    if unit.level == "province":
        return "province->province"
    if unit.level == "district":
        return (
            "district->special-zone" if len(unit.successors[0][0]) == 5 else ("district->province")
        )
    return f"split-{rule}" if unit.is_split else "whole"


def _shares(value: float, unit: OldUnit, rule: str) -> list[tuple[str, float]]:
    """How one old figure is shared among the new units under ``rule``."""
    if not unit.is_split or rule == "seat":
        return [(unit.successors[0][0], value)]
    n = len(unit.successors)
    if not value.is_integer():
        return [(code, value / n) for code, _ in unit.successors]
    base, remainder = divmod(int(value), n)  # largest remainder: the default successor first
    return [(code, float(base + (i < remainder))) for i, (code, _) in enumerate(unit.successors)]


def _expected(crosswalk: dict[str, OldUnit], rule: str) -> dict[tuple[str, str], set[str]]:
    """(new unit, old level) -> the old units whose figures make it up under ``rule``."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for unit in crosswalk.values():
        targets = unit.successors if rule == "equal" else unit.successors[:1]
        for code, _ in targets:
            out[(code, unit.level)].add(unit.code)
    return out


def map_old_series(
    rows: Iterable[OldRow | Sequence[Any]], *, rule: str = "seat"
) -> tuple[list[NewRow], MappingReport]:
    """Map figures reported under old units (``old_code, period, element, disaggregation,
    value``) onto the 2025 units, adding up those that land together.

    Raises :class:`chitieu.ingest.errors.ImportRefused` naming each bad row (unknown old code,
    unreadable period or value, figures of an old province and of its own districts added into
    the same total) — nothing is mapped then."""
    if rule not in SPLIT_RULES:
        raise ValueError(f"unknown split rule {rule!r} (use {', '.join(SPLIT_RULES)})")
    crosswalk = read_crosswalk()
    errors: list[RowError] = []
    report = MappingReport(rule)
    sums: dict[tuple[str, str, str, str], float] = defaultdict(float)
    sources: dict[tuple[str, str, str, str], list[tuple[str, str]]] = defaultdict(list)
    levels: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    split_seen: dict[str, OldUnit] = {}
    for i, raw in enumerate(rows, 1):
        row = raw if isinstance(raw, OldRow) else OldRow(*raw)
        report.rows_in += 1
        code = str(row.old_code).strip()
        unit = crosswalk.get(code)
        if unit is None or _LEVEL_BY_LENGTH.get(len(code)) != unit.level:
            errors.append(
                RowError(
                    i,
                    "old_code",
                    "not a pre-2025 unit code (2-digit province, "
                    "3-digit district, 5-digit commune)",
                    code,
                )
            )
            continue
        try:
            period = parse_period(str(row.period)).code
        except ValueError as exc:
            errors.append(RowError(i, "period", str(exc), str(row.period)))
            continue
        try:
            value = float(row.value)
            if not math.isfinite(value) or value < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(RowError(i, "value", "not a count (a finite number ≥ 0)", str(row.value)))
            continue
        method = _method(unit, rule)
        report.methods[method] = report.methods.get(method, 0) + 1
        if unit.is_split:
            split_seen[unit.code] = unit
        for new_code, share in _shares(value, unit, rule):
            key = (new_code, period, row.element, row.disaggregation)
            sums[key] += share
            sources[key].append((unit.code, method))
            levels[key].add(unit.level)
    for key, lv in levels.items():
        if {"province", "district"} <= lv:
            errors.append(
                RowError(
                    None,
                    "old_code",
                    f"figures of an old province and of its "
                    f"districts would be added together into {'/'.join(key)}",
                    ",".join(c for c, _ in sources[key]),
                )
            )
    if errors:
        raise ImportRefused(errors, total=report.rows_in)

    expected = _expected(crosswalk, rule)
    out: list[NewRow] = []
    for key in sorted(sums):
        total = sums[key]
        summed: float | int = int(total) if total.is_integer() else total
        out.append(NewRow(*key, summed, tuple(sources[key])))
        present = {c for c, _ in sources[key]}
        level = next(iter(levels[key]))
        missing = sorted(expected.get((key[0], level), set()) - present)
        report.figures.append(
            {
                "unit": key[0],
                "period": key[1],
                "element": key[2],
                "disaggregation": key[3],
                "value": value,
                "sources": [f"{c} ({m})" for c, m in sources[key]],
            }
        )
        if missing:
            report.incomplete.append(
                {
                    "unit": key[0],
                    "period": key[1],
                    "element": key[2],
                    "disaggregation": key[3],
                    "missing": missing,
                }
            )
    for unit in split_seen.values():
        applied = (
            f"all to {unit.successors[0][0]} (default successor)"
            if rule == "seat"
            else f"shared equally among {len(unit.successors)}"
        )
        report.splits.append(
            {
                "old_code": unit.code,
                "old_name": unit.name,
                "successors": [c for c, _ in unit.successors],
                "applied": applied,
            }
        )
    report.rows_out = len(out)
    return out, report


def map_old_values(
    values: Sequence[ValueIn], *, rule: str = "seat"
) -> tuple[list[ValueIn], MappingReport, list[Conflict]]:
    """The import path of ``--old-units``: values whose ``unit`` is an old code, mapped.

    Problems come back as conflicts (located as the input located the value)."""
    rows = [OldRow(v.unit, v.period, v.element, v.disaggregation, v.value or "") for v in values]
    try:
        mapped, report = map_old_series(rows, rule=rule)
    except ImportRefused as refused:
        conflicts = []
        for e in refused.errors:
            v = values[e.row - 1] if e.row else None
            conflicts.append(
                Conflict(
                    str(e.value),
                    f"Old unit mapping: {e.reason}",
                    None,
                    "orgUnit" if e.column == "old_code" else e.column,
                    v.index if v else None,
                    v.location if v else None,
                )
            )
        return [], MappingReport(rule, rows_in=len(values)), conflicts
    return (
        [
            ValueIn(
                element=r.element,
                unit=r.unit,
                period=r.period,
                disaggregation=r.disaggregation,
                value=format_value(float(r.value), "number"),
                location="from old units " + ", ".join(c for c, _ in r.sources),
            )
            for r in mapped
        ],
        report,
        [],
    )
