"""The tables of birth records (microdata) and their aggregates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from chitieu.store.models.base import Base

#: On SQLite the birth tables are stored in their primary key's order (``WITHOUT ROWID``): one
#: B-tree a table instead of the rows plus a copy of the key beside them, so an import writes
#: each record once and a read by key finds the row in the key's own tree.
CLUSTERED = {"sqlite_with_rowid": False}


class BirthRecord(Base):
    """One birth from civil registration or the population database.

    Records are read by ``birth_id`` (an import's checks) and by import batch, never by unit:
    every count comes from :class:`BirthAggregate`, so ``unit_code`` has no index of its own."""

    __tablename__ = "birth_records"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="ck_birth_sex"),
        CheckConstraint("birth_order >= 1", name="ck_birth_order"),
        CheckConstraint("prev_boys + prev_girls = birth_order - 1", name="ck_birth_prev"),
        CLUSTERED,
    )

    birth_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    birth_date: Mapped[date] = mapped_column(Date)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
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
    __table_args__ = CLUSTERED

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
    __table_args__ = CLUSTERED

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sex: Mapped[str] = mapped_column(String(1), primary_key=True)
    birth_order: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_boys: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_girls: Mapped[int] = mapped_column(Integer, primary_key=True)
    births: Mapped[int] = mapped_column(BigInteger, default=0)


class BirthMonth(Base):
    """The calendar months with births, per unit and year: ``own`` is 1 where the unit itself
    has births that month (birth records, or a submitted or locked ``LIVE_BIRTHS`` value above
    zero for a period covering the month), ``units`` how many units at or below it (itself
    included) do. Kept by every write of births or values (:mod:`chitieu.ingest.birth_months`)
    once the rollups are built, so a province or the country reads its months in a row each."""

    __tablename__ = "birth_months"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    own: Mapped[int] = mapped_column(Integer, default=0)
    units: Mapped[int] = mapped_column(Integer, default=0)


class BirthYearRollup(Base):
    """:class:`BirthYearAggregate` summed over a unit's whole subtree (itself included), for
    every unit above a unit with birth records (the country, the provinces), kept by every
    write of birth counts once the rollups are built (:mod:`chitieu.ingest.birth_rollups`): a
    province's or the country's births of a year are a row per cell, whatever the number of
    communes. A unit with no such row for a year has no records below it that year."""

    __tablename__ = "birth_year_rollups"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sex: Mapped[str] = mapped_column(String(1), primary_key=True)
    birth_order: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_boys: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_girls: Mapped[int] = mapped_column(Integer, primary_key=True)
    births: Mapped[int] = mapped_column(BigInteger, default=0)
