"""Commune codes that changed meaning in the 2025 reform, on the import path.

Most commune codes of 2025 were commune codes before the reform too, naming another commune
(old ``00070`` is Phường Hàng Trống, new ``00070`` is Phường Hoàn Kiếm). A file of periods
before 1 July 2025 keyed by such a code cannot say which vintage it means. chitieu reads it
as a 2025 code — as its own exports write — but never silently: the summary is a WARNING
naming the codes and pointing to the old-unit mapping (``--old-units`` on the CLI,
``oldUnits=seat|equal`` on the API). With that mapping, the figures move through the
crosswalk (:mod:`chitieu.exchange.crosswalk`), keeping each value's comment and storedBy;
an incomplete sum is a WARNING too, with its lines.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from chitieu.catalog.periods import parse_period
from chitieu.exchange.crosswalk import MappingReport, map_old_values, read_crosswalk
from chitieu.reporting.imports import Outcome
from chitieu.reporting.summary import Conflict
from chitieu.reporting.validate import ValueIn

#: ``old_units`` value saying the file's codes are 2025 codes (no warning).
NEW_UNITS = "none"
#: The reform took effect on this day; earlier periods may be keyed by old codes.
REFORM_DAY = date(2025, 7, 1)
HINT = (
    "if the file uses pre-2025 codes, import it with --old-units (API: oldUnits=seat or "
    "equal); --new-units (API: oldUnits=none) says they are 2025 codes"
)


@cache
def ambiguous_codes() -> frozenset[str]:
    """5-digit codes that name a commune both before and after the reform, unless it is the
    same commune (the old one went whole into the new one of the same code, alone)."""
    crosswalk = read_crosswalk()
    parts: dict[str, set[str]] = {}
    for old in crosswalk.values():
        if old.level == "commune":
            for new, _ in old.successors:
                parts.setdefault(new, set()).add(old.code)
    out = set()
    for code, old in crosswalk.items():
        if old.level != "commune" or code not in parts:
            continue
        same = parts[code] == {code} and [n for n, _ in old.successors] == [code]
        if not same:
            out.add(code)
    return frozenset(out)


def _before_reform(period: str) -> bool:
    try:
        return parse_period(period).start < REFORM_DAY
    except ValueError:
        return False


class OldCodeWatch:
    """Watches values as they stream by for pre-reform periods keyed by ambiguous codes."""

    def __init__(self) -> None:
        self.codes = ambiguous_codes()
        self.found: dict[str, str] = {}  # code -> first location

    def see(self, ident: str, unit: str, period: str, location: str | None) -> None:
        """One value whose org unit was written ``ident`` and read as ``unit``. A unit named
        by its UID or name is not ambiguous; only a code written as such is."""
        fresh = unit in self.codes and unit not in self.found and ident.strip() == unit
        if fresh and _before_reform(period):
            self.found[unit] = location or ""

    def report(self, outcome: Outcome, extra: dict[str, Any]) -> None:
        """A warning conflict (and ``extra["oldUnitCodes"]``) when ambiguous codes were seen."""
        if not self.found:
            return
        shown = sorted(self.found)
        assumption = "read as 2025 commune codes (as chitieu's own exports write them)"
        extra["oldUnitCodes"] = {"ambiguous": shown, "assumption": assumption, "hint": HINT}
        listed = ", ".join(shown[:20]) + (f" … ({len(shown)} codes)" if len(shown) > 20 else "")
        why = (
            f"Periods before {REFORM_DAY.isoformat()} keyed by commune codes that named other "
            f"communes before the 2025 reform: {listed}; {assumption}; {HINT}. / Kỳ trước "
            f"{REFORM_DAY.strftime('%d/%m/%Y')} dùng mã xã trùng mã xã cũ (trước sắp xếp "
            "2025): đã hiểu là mã 2025; nếu tệp dùng mã cũ, nhập lại với --old-units."
        )
        first = self.found[shown[0]]
        outcome.add(Conflict(shown[0], why, None, "orgUnit", None, first), rejects=False)


def map_old_values_warn(
    values: list[ValueIn], rule: str, outcome: Outcome
) -> tuple[list[ValueIn], MappingReport]:
    """Old-unit values mapped onto 2025 units, keeping comments and storedBy; problems go to
    ``outcome`` (refusals), an incomplete sum becomes a warning with its lines."""
    mapped, report, conflicts = map_old_values(values, rule=rule)
    for c in conflicts:
        outcome.add(c)
    if conflicts:
        outcome.fatal = True
    notes: dict[tuple[str, str, str, str], tuple[str | None, str | None]] = {}
    for v in values:
        try:
            period = parse_period(v.period).code
        except ValueError:
            continue
        notes[(v.unit, period, v.element, v.disaggregation)] = (v.comment, v.stored_by)
    kept = []
    for m in mapped:
        olds = [s.strip() for s in (m.location or "").removeprefix("from old units ").split(",")]
        found = [notes.get((o, m.period, m.element, m.disaggregation)) for o in olds]
        comments = list(dict.fromkeys(c for c, _ in filter(None, found) if c))
        stored = list(dict.fromkeys(s for _, s in filter(None, found) if s))
        kept.append(
            ValueIn(
                m.element,
                m.unit,
                m.period,
                m.disaggregation,
                m.value,
                "\n".join(comments) or None,
                ", ".join(stored)[:100] or None,
                m.location,
                None,
            )
        )
    for inc in report.incomplete:
        key = f"{inc['unit']} {inc['period']} {inc['element']}/{inc['disaggregation']}"
        why = (
            f"Old-unit mapping incomplete: {key} lacks old unit(s) {', '.join(inc['missing'])}; "
            f"the figure understates it. / Chuyển đổi đơn vị cũ chưa đủ: {key} thiếu "
            f"{', '.join(inc['missing'])}."
        )
        outcome.add(Conflict(inc["unit"], why, None, "orgUnit", None, key), rejects=False)
    return kept, report
