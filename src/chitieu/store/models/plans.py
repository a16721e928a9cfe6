"""The tables of plans, targets, tasks, activities, inspections and scorecards."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chitieu.store.models.base import Base


class Plan(Base):
    __tablename__ = "plans"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    title_vi: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(300))
    number: Mapped[str | None] = mapped_column(String(100))
    issued: Mapped[date | None] = mapped_column(Date)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    #: Legal bases ("Căn cứ …") as a list of strings, in the order the plan cites them.
    legal_bases: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Reporting duties: [{"body": code, "to": [...], "frequency": "year"}].
    reporting: Mapped[list[dict]] = mapped_column(JSON, default=list)


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("plan_code", "code"),
        CheckConstraint("direction IN ('at_most', 'at_least')", name="ck_target_direction"),
        CheckConstraint("kind IN ('by_year', 'every_year', 'context')", name="ck_target_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"))
    code: Mapped[str] = mapped_column(String(64))
    indicator_code: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    description_vi: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    target_value: Mapped[float | None] = mapped_column(Float)
    target_year: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(16))  # at_most | at_least
    #: Required average change per year (e.g. -0.2 SRB points a year), if the plan sets one.
    annual_change: Mapped[float | None] = mapped_column(Float)
    start_year: Mapped[int | None] = mapped_column(Integer)
    #: by_year: reach target_value by target_year; every_year: hold it in every year from
    #: start_year to target_year; context: a baseline recorded for context, no target value.
    kind: Mapped[str] = mapped_column(String(16), default="by_year", server_default="by_year")
    #: Where the figures come from (document, article), in words.
    source: Mapped[str | None] = mapped_column(Text)


class Body(Base):
    """An agency with duties under a plan (Department of Health, Finance, …)."""

    __tablename__ = "bodies"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))


class PlanBody(Base):
    """A body's assigned duties under one plan, in the plan's order."""

    __tablename__ = "plan_bodies"

    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"), primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32), default="member")  # standing | member
    duties_vi: Mapped[list[str]] = mapped_column(JSON, default=list)
    duties_en: Mapped[list[str]] = mapped_column(JSON, default=list)


class BodyMember(Base):
    """A user who reports for a body: a ``member`` (works there) or a ``delegate`` (reports on
    its behalf). Only members and delegates may file the body's activity reports."""

    __tablename__ = "body_members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'delegate')", name="ck_body_member_role"),
    )

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="member")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_code", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"))
    code: Mapped[str] = mapped_column(String(64))
    group_code: Mapped[str] = mapped_column(String(64))
    group_vi: Mapped[str] = mapped_column(Text)
    group_en: Mapped[str] = mapped_column(Text)
    title_vi: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    #: The activities the plan lists under the task ("+ …" items), in order.
    details_vi: Mapped[list[str]] = mapped_column(JSON, default=list)
    details_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    lead_body: Mapped[str] = mapped_column(ForeignKey("bodies.code"))
    partner_bodies: Mapped[list[str]] = mapped_column(JSON, default=list)


class ActivityReport(Base):
    """What a body or commune did for a plan in a period (sessions held, people reached…)."""

    __tablename__ = "activity_reports"
    __table_args__ = (UniqueConstraint("plan_code", "reporter", "unit_code", "period", "activity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"))
    task_code: Mapped[str | None] = mapped_column(String(64))
    reporter: Mapped[str] = mapped_column(String(64))  # body code or "commune"
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    period: Mapped[str] = mapped_column(String(16))
    activity: Mapped[str] = mapped_column(String(64))  # sessions | people_reached | …
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (CheckConstraint("fine_vnd >= 0", name="ck_fine_nonnegative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(String(300))
    findings: Mapped[str | None] = mapped_column(Text)
    violation: Mapped[bool] = mapped_column(Boolean, default=False)
    fine_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    commitment_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class PlannedInspection(Base):
    """A facility put on an inspection campaign: to be inspected on or after ``planned_on``.
    Kept apart from :class:`Inspection` (what was done), so a plan never counts as a visit.
    ``unit_code`` is the campaign's unit (the planner's scope); ``flagged_unit_code`` the
    commune whose excess evidence led to it."""

    __tablename__ = "planned_inspections"
    __table_args__ = (UniqueConstraint("unit_code", "facility_code", "planned_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"), index=True)
    flagged_unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    planned_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(DateTime)  # UTC


class ScorecardTarget(Base):
    """One target of a national scorecard (e.g. the ten the National Assembly and the Government
    assign the health sector each year), kept as data so an administrator can fill the slots."""

    __tablename__ = "scorecard_targets"
    __table_args__ = (
        CheckConstraint(
            "direction IS NULL OR direction IN ('at_most', 'at_least')",
            name="ck_scorecard_direction",
        ),
    )

    scorecard: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. "VN-2025"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str | None] = mapped_column(String(64))
    name_vi: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    assigned_by: Mapped[str | None] = mapped_column(String(32))  # national_assembly | government
    legal_basis: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(String(16))  # at_most | at_least
    unit_label: Mapped[str | None] = mapped_column(String(64))  # "%", "per 10,000", …
    #: True while the slot's definition is not from a source (an administrator should fill it).
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)


class ScorecardResult(Base):
    """A scorecard target's figures for one year: the target set, the value reached, met or not."""

    __tablename__ = "scorecard_results"
    __table_args__ = (
        ForeignKeyConstraint(
            ["scorecard", "code"], ["scorecard_targets.scorecard", "scorecard_targets.code"]
        ),
    )

    scorecard: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_value: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)
    #: As officially stated; None means "not stated", then it is derived from value and target.
    met: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(Text)
