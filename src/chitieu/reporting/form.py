"""The monthly commune report form: its fields and the rules that check it, explaining
themselves (pure functions, no database; the page turns the issues into sentences).

Rules (the same in the browser, for feedback as one types, and here, which decides):

1. Every figure is a whole number, zero or more ("3.5", "-2" and "abc" are refused).
2. The total of live births typed on the form equals boys + girls (the six cells); the form
   asks for the total separately, as the paper form does, to catch a mistyped cell.
3. When the six cells hold more than :data:`SRB_CHECK_MIN_BIRTHS` births and the sex ratio
   (boys per 100 girls) lies outside :data:`SRB_PLAUSIBLE` — or no girl was born — the officer
   must confirm the figures before they are saved (rare, but possible: not an error).
4. Submitting needs every field; a draft may be saved with fields left empty.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from chitieu.reporting.monthly_report import BIRTH_FIELDS, STORED_FIELDS

TOTAL_FIELD = "TOTAL"
CONFIRM_FIELD = "confirm_srb"
SRB_CHECK_MIN_BIRTHS = 50
SRB_PLAUSIBLE = (80.0, 140.0)
MAX_VALUE = 1_000_000
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem with the form: the field (or ``""`` for the whole form), a message key of
    :mod:`chitieu.catalog.messages` and the values its sentence needs."""

    field: str
    key: str
    params: dict[str, object] = dataclasses.field(default_factory=dict)


@dataclass(slots=True)
class CheckedReport:
    """The form read and checked: ``values`` by field (None when empty), ``errors`` that refuse
    the save, and ``confirm`` — the SRB check — that refuses it until the officer confirms."""

    values: dict[str, int | None]
    total: int | None
    errors: list[Issue]
    confirm: Issue | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.confirm is None

    def stored(self) -> list[tuple[str, str, int]]:
        """(element, disaggregation, value) for every filled stored field."""
        return [
            (element, disagg, self.values[name])  # type: ignore[misc]
            for name, element, disagg in STORED_FIELDS
            if self.values.get(name) is not None
        ]


def _read_number(name: str, raw: str | None, errors: list[Issue]) -> int | None:
    text = (raw or "").strip().replace(" ", "")
    if text == "":
        return None
    if not _INTEGER.fullmatch(text):
        errors.append(Issue(name, "rule_not_integer", {"value": text}))
        return None
    value = int(text)
    if value < 0:
        errors.append(Issue(name, "rule_negative", {"value": value}))
        return None
    if value > MAX_VALUE:
        errors.append(Issue(name, "rule_too_large", {"value": value, "max": MAX_VALUE}))
        return None
    return value


def sex_ratio(boys: int, girls: int) -> float | None:
    """Boys per 100 girls; None without girls."""
    return 100.0 * boys / girls if girls else None


def check_report(form: Mapping[str, str], *, submitting: bool) -> CheckedReport:
    """Read and check the posted form (see the module docstring for the rules)."""
    errors: list[Issue] = []
    values = {name: _read_number(name, form.get(name), errors) for name, _, _ in STORED_FIELDS}
    total = _read_number(TOTAL_FIELD, form.get(TOTAL_FIELD), errors)
    if submitting:
        for name in [n for n, _, _ in STORED_FIELDS] + [TOTAL_FIELD]:
            present = total if name == TOTAL_FIELD else values[name]
            if present is None and not any(i.field == name for i in errors):
                errors.append(Issue(name, "rule_required"))
    births = [values[n] for n, _, _ in BIRTH_FIELDS]
    complete = all(b is not None for b in births)
    boys = sum(values[n] or 0 for n, _, _ in BIRTH_FIELDS[:3])
    girls = sum(values[n] or 0 for n, _, _ in BIRTH_FIELDS[3:])
    if total is not None and (complete or submitting) and boys + girls != total:
        errors.append(
            Issue(
                TOTAL_FIELD,
                "rule_total",
                {"boys": boys, "girls": girls, "sum": boys + girls, "total": total},
            )
        )
    confirm = None
    if complete and boys + girls > SRB_CHECK_MIN_BIRTHS:
        srb = sex_ratio(boys, girls)
        low, high = SRB_PLAUSIBLE
        if (srb is None or not low <= srb <= high) and form.get(CONFIRM_FIELD) != "1":
            confirm = Issue(
                "",
                "rule_srb_confirm" if srb is not None else "rule_srb_no_girls",
                {
                    "srb": round(srb, 1) if srb is not None else None,
                    "births": boys + girls,
                    "low": int(low),
                    "high": int(high),
                    "min_births": SRB_CHECK_MIN_BIRTHS,
                },
            )
    return CheckedReport(values, total, errors, confirm)
