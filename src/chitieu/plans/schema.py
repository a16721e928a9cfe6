"""The shape of a plan file (``data/plans/*.yaml``): a plan, its targets, bodies and tasks.

Structure and the rules inside one target are checked by pydantic (unknown keys refused);
references to the catalogue, to units and between a plan's parts by :func:`cross_check`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chitieu.catalog import Catalog

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_.\-]*$")]
Year = Annotated[int, Field(ge=1900, le=2100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_translated(what: str, vi: list[str], en: list[str]) -> None:
    if len(vi) != len(en):
        raise ValueError(f"{len(vi)} {what} in Vietnamese but {len(en)} in English")


class Baseline(_Strict):
    value: float
    year: Year


class TargetSpec(_Strict):
    """A target: where the indicator must be (``value``) by ``year``, or held every year from
    ``start_year`` (``kind: every_year``), or a baseline kept for context (``kind: context``)."""

    code: Code
    indicator: str
    #: Unit code; the plan's unit when absent.
    unit: str | None = None
    kind: Literal["by_year", "every_year", "context"] = "by_year"
    description_vi: Text
    description_en: Text
    baseline: Baseline | None = None
    value: float | None = None
    year: Year
    start_year: Year | None = None
    direction: Literal["at_most", "at_least"]
    #: Required average change per year, in the indicator's unit (−0.2 = falls 0.2 a year).
    annual_change: float | None = None
    source: Text

    @model_validator(mode="after")
    def _consistent(self) -> TargetSpec:
        problems = []
        if self.baseline is not None and self.year < self.baseline.year:
            problems.append(
                f"target year {self.year} is before the baseline year {self.baseline.year}"
            )
        if self.start_year is not None and self.year < self.start_year:
            problems.append(f"target year {self.year} is before the start year {self.start_year}")
        if self.kind == "context":
            if self.baseline is None or self.value is not None or self.annual_change is not None:
                problems.append("a context entry has a baseline and no target value or change")
        elif self.value is None and self.annual_change is None:
            problems.append("give a target value, an annual change, or both")
        if self.kind == "every_year" and self.start_year is None:
            problems.append("every_year needs a start_year")
        if self.annual_change is not None and (
            (self.direction == "at_most" and self.annual_change > 0)
            or (self.direction == "at_least" and self.annual_change < 0)
        ):
            problems.append(
                f"annual change {self.annual_change:+g} runs against direction {self.direction}"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class BodySpec(_Strict):
    """A body with duties assigned by the plan, in the plan's order."""

    code: Code
    name_vi: Text
    name_en: Text
    role: Literal["standing", "member"] = "member"
    duties_vi: list[Text] = Field(min_length=1)
    duties_en: list[Text] = Field(min_length=1)

    @model_validator(mode="after")
    def _translated(self) -> BodySpec:
        _check_translated("duties", self.duties_vi, self.duties_en)
        return self


class OtherBody(_Strict):
    """A body the plan names without assigning it duties (issuer, recipient of reports)."""

    code: Code
    name_vi: Text
    name_en: Text


class TaskSpec(_Strict):
    code: Code
    title_vi: Text
    title_en: Text
    details_vi: list[Text] = []
    details_en: list[Text] = []
    lead: Code
    partners: list[Code] = []

    @model_validator(mode="after")
    def _translated(self) -> TaskSpec:
        _check_translated("details", self.details_vi, self.details_en)
        return self


class TaskGroup(_Strict):
    code: Code
    title_vi: Text
    title_en: Text
    tasks: list[TaskSpec] = Field(min_length=1)


class ReportingDuty(_Strict):
    body: Code
    to: list[Code] = Field(min_length=1)
    #: periodic: "định kỳ … theo quy định", the frequency set by other regulations.
    frequency: Literal["monthly", "quarterly", "half_yearly", "yearly", "periodic"]
    text_vi: Text
    text_en: Text


class LegalBasis(_Strict):
    """A document the plan is issued pursuant to: the plan's own words and their English."""

    vi: Text
    en: Text


class PlanFile(_Strict):
    code: Code
    title_vi: Text
    title_en: Text
    issuer: Text
    number: Text | None = None
    issued: date | None = None
    unit: str
    start_year: Year
    end_year: Year
    legal_bases: list[LegalBasis] = []
    bodies: list[BodySpec] = []
    other_bodies: list[OtherBody] = []
    task_groups: list[TaskGroup] = []
    targets: list[TargetSpec] = Field(min_length=1)
    reporting: list[ReportingDuty] = []
    source: Text

    @property
    def every_body(self) -> list[BodySpec | OtherBody]:
        """The bodies with duties in the plan, then the others it names."""
        return [*self.bodies, *self.other_bodies]

    @model_validator(mode="after")
    def _years(self) -> PlanFile:
        if self.end_year < self.start_year:
            raise ValueError(f"end year {self.end_year} is before start year {self.start_year}")
        return self

    @property
    def tasks(self) -> list[tuple[TaskGroup, TaskSpec]]:
        return [(g, t) for g in self.task_groups for t in g.tasks]


def _duplicates(codes: list[str]) -> list[str]:
    return sorted(code for code, n in Counter(codes).items() if n > 1)


def cross_check(plan: PlanFile, catalog: Catalog, unit_exists: Callable[[str], bool]) -> list[str]:
    """Problems that need the catalogue, the units or several parts of the plan: unknown
    indicator or unit, duplicate codes, a task or reporting duty naming a body the plan does not
    declare. Empty when the plan is sound."""
    errors: list[str] = []
    if not unit_exists(plan.unit):
        errors.append(f"unit: unknown unit {plan.unit!r}")
    for t in plan.targets:
        if t.indicator not in catalog.indicators:
            errors.append(f"targets[{t.code}].indicator: unknown indicator {t.indicator!r}")
        if t.unit is not None and not unit_exists(t.unit):
            errors.append(f"targets[{t.code}].unit: unknown unit {t.unit!r}")
    duty_bodies = [b.code for b in plan.bodies]
    all_bodies = duty_bodies + [b.code for b in plan.other_bodies]
    for what, codes in (
        ("targets", [t.code for t in plan.targets]),
        ("bodies", all_bodies),
        ("task_groups", [g.code for g in plan.task_groups]),
        ("tasks", [t.code for _, t in plan.tasks]),
    ):
        errors.extend(f"{what}: duplicate code {c}" for c in _duplicates(codes))
    standing = [b.code for b in plan.bodies if b.role == "standing"]
    if len(standing) > 1:
        errors.append(f"bodies: more than one standing body ({', '.join(standing)})")
    for _, task in plan.tasks:
        for body in [task.lead, *task.partners]:
            if body not in duty_bodies:
                errors.append(f"tasks[{task.code}]: {body} is not one of the plan's bodies")
    for i, duty in enumerate(plan.reporting):
        for body in [duty.body, *duty.to]:
            if body not in all_bodies:
                errors.append(f"reporting[{i}]: unknown body {body}")
    return errors
