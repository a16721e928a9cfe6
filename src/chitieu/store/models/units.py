"""The tables of units and facilities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from chitieu.store.models.base import Base


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
