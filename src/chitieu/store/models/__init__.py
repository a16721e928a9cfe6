"""The database schema, shared by SQLite and PostgreSQL.

Codes are strings everywhere: unit codes are the official statistical codes, zero-padded
(country ``VN``, province ``01``, commune ``00070``); periods are DHIS2 spellings
(``2025``, ``2025Q1``, ``202501``).

The models are split by subject (``units``, ``data``, ``births``, ``plans``, ``users``); import
them from here, ``from chitieu.store.models import Unit``. ``Base.metadata`` holds every table
once this package is imported.
"""

from __future__ import annotations

from chitieu.store.models.base import Base
from chitieu.store.models.births import (
    BirthAggregate,
    BirthMonth,
    BirthRecord,
    BirthYearAggregate,
    BirthYearRollup,
)
from chitieu.store.models.data import (
    ChangeCounter,
    DataElement,
    DataValue,
    DataValueRollup,
    DataValueYear,
    DeletedDataValue,
    ImportBatch,
    ReportPeriod,
)
from chitieu.store.models.plans import (
    ActivityReport,
    Body,
    BodyMember,
    Inspection,
    Plan,
    PlanBody,
    PlannedInspection,
    ScorecardResult,
    ScorecardTarget,
    Target,
    Task,
)
from chitieu.store.models.units import Facility, Unit
from chitieu.store.models.users import ApiToken, AuditEntry, LoginFailure, RevokedCredential, User

__all__ = [
    "ActivityReport",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BirthAggregate",
    "BirthMonth",
    "BirthRecord",
    "BirthYearAggregate",
    "BirthYearRollup",
    "Body",
    "BodyMember",
    "ChangeCounter",
    "DataElement",
    "DataValue",
    "DataValueRollup",
    "DataValueYear",
    "DeletedDataValue",
    "Facility",
    "ImportBatch",
    "Inspection",
    "LoginFailure",
    "Plan",
    "PlanBody",
    "PlannedInspection",
    "ReportPeriod",
    "RevokedCredential",
    "ScorecardResult",
    "ScorecardTarget",
    "Target",
    "Task",
    "Unit",
    "User",
]
