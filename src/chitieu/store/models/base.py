"""The declarative base every model derives from."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import (
    Table,
)
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    #: Every model maps one table (none is mapped to a join or a query).
    __table__: ClassVar[Table]
