"""The database schema, shared by SQLite and PostgreSQL.

Codes are strings everywhere: unit codes are the official statistical codes, zero-padded
(country ``VN``, province ``01``, commune ``00070``); periods are DHIS2 spellings
(``2025``, ``2025Q1``, ``202501``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

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
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    #: Every model maps one table (none is mapped to a join or a query).
    __table__: ClassVar[Table]


# --- units and facilities ---------------------------------------------------------------


class Unit(Base):
    """An administrative unit: the country, a province or a commune/ward/special zone."""

    __tablename__ = "units"
    __table_args__ = (Index("uq_units_uid", "uid", unique=True),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)  # country | province | commune
    name: Mapped[str] = mapped_column(String(200))  # with diacritics, e.g. "Phường Hoàn Kiếm"
    name_ascii: Mapped[str] = mapped_column(String(200), index=True)  # lower-case, no diacritics
    division_type: Mapped[str] = mapped_column(String(40))  # "phường", "xã", "đặc khu", …
    codename: Mapped[str] = mapped_column(String(200))
    #: Materialised path "VN/01/00070": "this unit and everything below" is a prefix match.
    path: Mapped[str] = mapped_column(String(64), index=True)
    #: The unit's DHIS2 identifier (11 characters, a letter first), derived once from the code
    #: (:func:`chitieu.store.uids.derived_uid`) and stored; DHIS2 clients name units by it.
    #: Set for every unit (by the loader, and by the migration that added it); nullable in the
    #: schema only because SQLite cannot add a NOT NULL column to a table that has rows.
    uid: Mapped[str | None] = mapped_column(String(11))
    #: When chitieu last recorded a change to the unit (UTC): DHIS2's ``lastUpdated``.
    last_updated: Mapped[datetime | None] = mapped_column(DateTime)


class Facility(Base):
    """A hospital, clinic or commune health station under a unit."""

    __tablename__ = "facilities"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    #: hospital | regional_hospital | private_hospital | clinic | health_station
    kind: Mapped[str] = mapped_column(String(32))
    ownership: Mapped[str] = mapped_column(String(16))  # public | private
    offers_ultrasound: Mapped[bool] = mapped_column(Boolean, default=False)
    offers_obstetrics: Mapped[bool] = mapped_column(Boolean, default=False)
    beds: Mapped[int | None] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


# --- catalogue and aggregate data ---------------------------------------------------------


class DataElement(Base):
    """An aggregate quantity declared in the catalogue file (loaded, not hand-edited)."""

    __tablename__ = "data_elements"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    value_type: Mapped[str] = mapped_column(String(16), default="integer")  # integer | number
    #: Allowed disaggregation codes (category option combos), "default" when none.
    disaggregations: Mapped[list[str]] = mapped_column(JSON, default=list)


class DataValue(Base):
    """One reported aggregate: (element, unit, period, disaggregation) -> value."""

    __tablename__ = "data_values"
    __table_args__ = (
        UniqueConstraint("element_code", "unit_code", "period", "disaggregation"),
        Index("ix_data_values_unit_period", "unit_code", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    element_code: Mapped[str] = mapped_column(ForeignKey("data_elements.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    period: Mapped[str] = mapped_column(String(16))
    disaggregation: Mapped[str] = mapped_column(String(64), default="default")
    value: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    stored_by: Mapped[str | None] = mapped_column(String(100))
    #: draft | submitted | locked (a locked value needs the right role to change)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    #: DHIS2's follow-up mark: someone should look at this value again.
    followup: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    last_updated: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class DeletedDataValue(Base):
    """A data value deleted through a DHIS2 exchange, kept as DHIS2 keeps its soft-deleted
    rows: exported with ``deleted: true`` under ``includeDeleted``, so a deletion travels to
    the next system instead of the value coming back to life. Kept apart from
    ``data_values`` so that every reader of live values stays as it is; a later import of the
    same key removes it."""

    __tablename__ = "deleted_data_values"
    __table_args__ = (
        UniqueConstraint("element_code", "unit_code", "period", "disaggregation"),
        Index("ix_deleted_data_values_unit_period", "unit_code", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    element_code: Mapped[str] = mapped_column(ForeignKey("data_elements.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    period: Mapped[str] = mapped_column(String(16))
    disaggregation: Mapped[str] = mapped_column(String(64), default="default")
    value: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    stored_by: Mapped[str | None] = mapped_column(String(100))
    followup: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime | None] = mapped_column(DateTime)
    #: When it was deleted (DHIS2's lastUpdated of a deleted value).
    last_updated: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


# --- birth records (microdata) and their aggregates ----------------------------------------


class BirthRecord(Base):
    """One birth from civil registration or the population database."""

    __tablename__ = "birth_records"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="ck_birth_sex"),
        CheckConstraint("birth_order >= 1", name="ck_birth_order"),
        CheckConstraint("prev_boys + prev_girls = birth_order - 1", name="ck_birth_prev"),
    )

    birth_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    birth_date: Mapped[date] = mapped_column(Date)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_order: Mapped[int] = mapped_column(Integer)
    prev_boys: Mapped[int] = mapped_column(Integer)
    prev_girls: Mapped[int] = mapped_column(Integer)
    mother_birth_year: Mapped[int] = mapped_column(Integer)
    facility_code: Mapped[str | None] = mapped_column(String(32))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class BirthAggregate(Base):
    """Birth counts kept current on import, so no page or estimate rescans the records.

    ``birth_order`` is capped at 4 (4 means 4+); ``prev_boys`` and ``prev_girls`` at 2 (2 means
    2+). Third births after two girls are ``birth_order=3, prev_boys=0, prev_girls=2``.
    """

    __tablename__ = "birth_aggregates"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    sex: Mapped[str] = mapped_column(String(1), primary_key=True)
    birth_order: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_boys: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_girls: Mapped[int] = mapped_column(Integer, primary_key=True)
    births: Mapped[int] = mapped_column(BigInteger, default=0)


class BirthYearAggregate(Base):
    """The yearly rollup of :class:`BirthAggregate` (the same counts without the month), kept
    current in the same transaction by every write to ``birth_aggregates``, so a national or
    provincial read of whole years reads about a twelfth of the rows."""

    __tablename__ = "birth_year_aggregates"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sex: Mapped[str] = mapped_column(String(1), primary_key=True)
    birth_order: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_boys: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_girls: Mapped[int] = mapped_column(Integer, primary_key=True)
    births: Mapped[int] = mapped_column(BigInteger, default=0)


class DataValueYear(Base):
    """A unit's own figure per data element, disaggregation and year (submitted or locked
    values only), from the coarsest period type it reported that year: ``rank`` is that
    type's place in the precedence, ``total`` the sum of its periods, ``latest`` the value of
    its last period. Kept current by every data-value write (``chitieu.reporting.rollups``)."""

    __tablename__ = "data_value_years"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    element_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    disaggregation: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    latest: Mapped[float] = mapped_column(Float)


class DataValueRollup(Base):
    """``data_value_years`` summed over a unit and every unit below it: ``units`` counts the
    units whose own figure is in the sums. A province's or the country's figures for a year
    are one row per element and disaggregation."""

    __tablename__ = "data_value_rollups"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    element_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    disaggregation: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    total: Mapped[float] = mapped_column(Float)
    latest: Mapped[float] = mapped_column(Float)
    units: Mapped[int] = mapped_column(Integer)


class ChangeCounter(Base):
    """How often the data of a unit's subtree changed, per year (``year`` 0: any year), so
    that every server process can tell cheaply whether an answer it keeps is still current
    (``chitieu.store.generations``)."""

    __tablename__ = "change_counters"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportPeriod(Base):
    """One unit's reporting period (a commune-month, a unit-year): the row that every write to
    the unit's values for the period locks first, so writes to one period take turns, and
    where the period's lock is kept (a locked period refuses every change, new values too,
    except an admin's). Rows are made on first write."""

    __tablename__ = "report_periods"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ImportBatch(Base):
    """One accepted import (file, who, when, what it added)."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # births | dhis2 | excel | …
    source: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str | None] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


# --- plans, targets, tasks, activities, inspections ---------------------------------------


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


# --- users and audit ----------------------------------------------------------------------


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('entry', 'analyst', 'admin')", name="ck_user_role"),
    )

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    full_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Where reminders for overdue reports go (none: the user cannot be reminded).
    email: Mapped[str | None] = mapped_column(String(254))


class LoginFailure(Base):
    """A failed sign-in, kept for the limiter's window (:mod:`chitieu.auth.ratelimit`): in the
    database, so that every worker of a server counts the same failures."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "username", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


class ApiToken(Base):
    """A personal access token (``Authorization: ApiToken d2pat_…``). Only the SHA-256 digest
    of the token is stored; the token itself is shown once, when it is created. It acts as its
    user within ``unit_code`` (the user's unit or a unit below it) and only while the user is
    active and still has the role ``role`` and a unit covering ``unit_code``."""

    __tablename__ = "api_tokens"

    uid: Mapped[str] = mapped_column(String(11), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    created: Mapped[datetime] = mapped_column(DateTime)  # UTC
    expires: Mapped[datetime] = mapped_column(DateTime)  # UTC
    last_used: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[datetime | None] = mapped_column(DateTime)


class RevokedCredential(Base):
    """A session or bearer token ended by signing out (:mod:`chitieu.auth.revocation`): refused
    from then on by every worker, until it would have expired anyway (then the row goes)."""

    __tablename__ = "revoked_credentials"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the credential's random id
    username: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


class AuditEntry(Base):
    """Who changed what, when, with the row before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # insert | update | delete | import | …
    table_name: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(300))
    unit_code: Mapped[str | None] = mapped_column(String(16), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
