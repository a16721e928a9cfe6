"""The shape of the catalogue file: data elements and indicators with their formulas.

Structure is checked by pydantic (unknown keys refused, so a typo cannot pass silently);
references between entries (an indicator's element, a disaggregation) by :func:`cross_check`.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
#: A disaggregation (category option combo) code; ``default`` where an element has none.
DisaggCode = Annotated[str, StringConstraints(pattern=r"^([A-Z][A-Z0-9_]*|default)$")]

#: Facility kinds, as in ``store.models.Facility.kind``.
FacilityKind = Literal[
    "hospital", "regional_hospital", "private_hospital", "clinic", "health_station"
]
IndicatorKind = Literal["sex_ratio", "proportion", "rate", "mean", "missing_births"]

#: ``birth_aggregates`` caps birth order at 4 (4 = 4th or later) and earlier boys/girls at 2.
MAX_BIRTH_ORDER = 4
MAX_PREV = 2


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BirthFilter(_Strict):
    """A selection of ``birth_aggregates`` rows; an absent key selects every value."""

    sex: Literal["M", "F"] | None = None
    birth_order: list[Annotated[int, Field(ge=1, le=MAX_BIRTH_ORDER)]] | None = None
    prev_boys: list[Annotated[int, Field(ge=0, le=MAX_PREV)]] | None = None
    prev_girls: list[Annotated[int, Field(ge=0, le=MAX_PREV)]] | None = None


class Disaggregation(_Strict):
    code: DisaggCode
    name_vi: Text
    name_en: Text
    #: Where birth records can supply this cell, the birth_aggregates rows it sums.
    births: BirthFilter | None = None


class Element(_Strict):
    code: Code
    name_vi: Text
    name_en: Text
    value_type: Literal["integer", "number"] = "integer"
    #: How periods inside a year combine: ``sum`` for flows (births, check-ups), ``last`` for
    #: stocks (population, staff), whose latest figure in the year stands for the year.
    period_aggregation: Literal["sum", "last"]
    disaggregations: list[Disaggregation] = Field(min_length=1)
    description_vi: Text | None = None
    description_en: Text | None = None

    @property
    def disaggregation_codes(self) -> list[str]:
        return [d.code for d in self.disaggregations]

    @property
    def from_births(self) -> bool:
        """True where birth records can supply this element (every cell has a births filter)."""
        return all(d.births is not None for d in self.disaggregations)


class FacilityFilter(_Strict):
    kind: FacilityKind


class Operand(_Strict):
    """One side of a formula: exactly one of a data element (some or all of its
    disaggregations), a births filter (birth records only) or a count of facilities."""

    element: Code | None = None
    disaggregations: list[DisaggCode] | None = None
    births: BirthFilter | None = None
    facilities: FacilityFilter | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Operand:
        given = [k for k in ("element", "births", "facilities") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of element, births, facilities (got {given or 'none'})"
            )
        if self.disaggregations is not None and self.element is None:
            raise ValueError("disaggregations need an element")
        return self

    @property
    def source(self) -> Literal["element", "births", "facilities"]:
        if self.element is not None:
            return "element"
        return "births" if self.births is not None else "facilities"


class Indicator(_Strict):
    code: Code
    name_vi: Text
    name_en: Text
    unit_vi: Text
    unit_en: Text
    kind: IndicatorKind
    numerator: Operand
    denominator: Operand
    multiplier: float = Field(gt=0)
    #: Which way is better: lower (SRB), higher (coverage) or neutral (no policy direction).
    better: Literal["lower", "higher", "neutral"]
    #: missing_births only: the SRB expected without sex selection (boys per 100 girls).
    reference_srb: float | None = Field(default=None, gt=100, lt=110)
    description_vi: Text | None = None
    description_en: Text | None = None
    source: Text | None = None


class CatalogFile(_Strict):
    version: Literal[1]
    elements: list[Element] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)


def _duplicates(codes: list[str]) -> list[str]:
    return sorted(code for code, n in Counter(codes).items() if n > 1)


def _operand_sexes(op: Operand, elements: dict[str, Element]) -> set[str | None] | None:
    """The sexes an operand selects when read from birth records; None if it cannot be."""
    if op.births is not None:
        return {op.births.sex}
    if op.element is None or op.element not in elements or not elements[op.element].from_births:
        return None
    el = elements[op.element]
    wanted = set(op.disaggregations or el.disaggregation_codes)
    return {d.births.sex for d in el.disaggregations if d.code in wanted and d.births}


def _check_operand(side: str, op: Operand, elements: dict[str, Element]) -> list[str]:
    if op.element is None:
        return []
    el = elements.get(op.element)
    if el is None:
        return [f"{side}: unknown element {op.element!r}"]
    unknown = [d for d in op.disaggregations or [] if d not in el.disaggregation_codes]
    if unknown:
        return [f"{side}: element {el.code} has no disaggregation {', '.join(map(repr, unknown))}"]
    return []


def _check_kind(ind: Indicator, elements: dict[str, Element]) -> list[str]:
    num, den = ind.numerator, ind.denominator
    errors: list[str] = []
    num_sexes, den_sexes = _operand_sexes(num, elements), _operand_sexes(den, elements)
    male_over_female = num_sexes == {"M"} and den_sexes == {"F"}
    if ind.kind in ("sex_ratio", "missing_births") and not male_over_female:
        errors.append(f"{ind.kind} needs male births as numerator and female births as denominator")
    if ind.kind == "mean" and (num.source != "element" or den.source != "facilities"):
        errors.append("mean needs an element as numerator and facilities as denominator")
    if ind.kind in ("rate", "proportion") and "facilities" in (num.source, den.source):
        errors.append(f"{ind.kind} takes elements or births, not facilities")
    if ind.kind in ("sex_ratio", "proportion") and ind.multiplier != 100:
        errors.append(f"{ind.kind} is per 100: multiplier must be 100, not {ind.multiplier:g}")
    if (ind.kind == "missing_births") != (ind.reference_srb is not None):
        errors.append("reference_srb is required for missing_births and only there")
    return errors


def cross_check(cat: CatalogFile) -> list[str]:
    """Problems that span entries: duplicate codes, formulas naming what does not exist, a
    formula whose parts do not fit its kind. Empty when the catalogue is sound."""
    errors: list[str] = []
    el_codes = [e.code for e in cat.elements]
    ind_codes = [i.code for i in cat.indicators]
    for code in _duplicates(el_codes):
        errors.append(f"elements: duplicate code {code}")
    for code in _duplicates(ind_codes):
        errors.append(f"indicators: duplicate code {code}")
    for code in sorted(set(el_codes) & set(ind_codes)):
        errors.append(f"{code}: used both as an element and as an indicator code")
    elements = {e.code: e for e in cat.elements}
    for el in cat.elements:
        for code in _duplicates(el.disaggregation_codes):
            errors.append(f"elements[{el.code}].disaggregations: duplicate code {code}")
        with_births = [d.births is not None for d in el.disaggregations]
        if any(with_births) and not all(with_births):
            errors.append(f"elements[{el.code}]: give a births filter for every cell or none")
    for ind in cat.indicators:
        where = f"indicators[{ind.code}]"
        problems = _check_operand("numerator", ind.numerator, elements)
        problems += _check_operand("denominator", ind.denominator, elements)
        if not problems:  # kind checks need the references to resolve
            problems = _check_kind(ind, elements)
        errors.extend(f"{where}: {p}" for p in problems)
    return errors
