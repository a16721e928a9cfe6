"""The tables of the catalogue, data values and their rollups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from chitieu.store.models.base import Base


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
    """One reported aggregate: (element, unit, period, disaggregation) -> value.

    The two foreign keys are real ones on SQLite. On PostgreSQL, migration 0014 replaced them
    with triggers that keep the same guarantee (an unknown element or unit refused with
    SQLSTATE 23503, a referenced parent neither deleted nor renamed, parents locked ``FOR KEY
    SHARE`` as a foreign key locks them) but check a whole ``COPY`` or ``INSERT`` once, with
    its rows as a transition table, instead of a lookup and a lock per row: half the server's
    work of writing a value. The declarations stay for SQLite and as documentation."""

    __tablename__ = "data_values"
    #: The key leads with the unit and the period: it also serves every search by them.
    __table_args__ = (UniqueConstraint("unit_code", "period", "element_code", "disaggregation"),)

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
    __table_args__ = (UniqueConstraint("unit_code", "period", "element_code", "disaggregation"),)

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
    #: The ordinal of the first day of the period whose value is ``latest``, and the number of
    #: values in ``total``: what lets an import bring the figure up to date from its own
    #: changes. NULL on rows written before they were kept (recounted when next touched).
    latest_start: Mapped[int | None] = mapped_column(Integer)
    counted: Mapped[int | None] = mapped_column(Integer)


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
