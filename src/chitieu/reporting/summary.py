"""The import summary, in the shape DHIS2 returns from ``POST /api/dataValueSets``.

``{"responseType": "ImportSummary", "status": "SUCCESS" | "WARNING" | "ERROR",
"importOptions": {…}, "description": …, "importCount": {"imported", "updated", "ignored",
"deleted"}, "conflicts": [{"object", "objects", "value", "errorCode", "property", "indexes"}],
"rejectedIndexes": […], "dataSetComplete": "false", "dryRun": …}``

Error codes are DHIS2's (``org.hisp.dhis.feedback.ErrorCode``, data import validation
E76xx), so a client written against DHIS2 reads chitieu's conflicts unchanged. chitieu adds
``location`` to each conflict (``dataValues[3]``, ``line 5``, ``Sheet1!D7``) for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# DHIS2 error codes used by chitieu (message templates paraphrase DHIS2's).
E_DATA_SET = "E7600"  # Data set not found or not accessible
E_DATA_ELEMENT = "E7610"  # Data element not found or not accessible
E_PERIOD = "E7611"  # Period not valid
E_ORG_UNIT = "E7612"  # Organisation unit not found or not accessible
E_COC = "E7613"  # Category option combo not found or not accessible
E_AOC = "E7615"  # Attribute option combo not found or not accessible
E_NOT_IN_HIERARCHY = "E7617"  # Organisation unit not in hierarchy of current user
E_VALUE_MISSING = "E7618"  # Data value or comment not specified
E_VALUE_TYPE = "E7619"  # Value must match data element's type constraints
E_COMMENT = "E7620"  # Invalid comment
E_COC_NOT_IN_COMBO = "E7634"  # COC must be part of the data element's category combo
E_STORED_BY = "E7637"  # Invalid storedBy
E_LOCKED = "E7643"  # Period is not open (chitieu: the value is locked)
E_PERIOD_TYPE = "E7632"  # Period type of period not valid for data element
E_FUTURE_PERIOD = "E7641"  # Period is after latest open future period for data element


@dataclass(frozen=True, slots=True)
class Conflict:
    """One refused value (or a problem with the whole payload, ``index`` None).

    ``object`` is the offending identifier as the input spelled it; ``value`` says why."""

    object: str
    value: str
    error_code: str | None = None
    property: str | None = None
    index: int | None = None
    location: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"object": self.object}
        if self.property:
            out["objects"] = {self.property: self.object}
        out["value"] = self.value
        if self.error_code:
            out["errorCode"] = self.error_code
        if self.property:
            out["property"] = self.property
        if self.index is not None:
            out["indexes"] = [self.index]
        if self.location:
            out["location"] = self.location
        return out

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        code = f" [{self.error_code}]" if self.error_code else ""
        return f"{where}{self.value}{code}"


@dataclass
class ImportCount:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "ignored": self.ignored,
            "deleted": self.deleted,
        }


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do).

    ``SUCCESS``: every value was applied. ``WARNING``: a partial import (DHIS2's
    ``atomicMode=NONE``) applied the good values and refused those listed in
    ``rejected_indexes`` — or every value was applied but something deserves a look (an
    unreadable follow-up flag, an assumption about old unit codes). ``ERROR``: nothing was
    written (an atomic import with any refused value, or an unreadable payload); every value
    counts as ignored. ``conflicts`` lists every problem either way."""

    status: str = "SUCCESS"
    count: ImportCount = field(default_factory=ImportCount)
    conflicts: list[Conflict] = field(default_factory=list)
    dry_run: bool = False
    description: str = ""
    total: int = 0  # values read from the payload
    rejected_indexes: list[int] = field(default_factory=list)
    import_options: dict[str, Any] | None = None
    #: DHIS2 says ``"false"`` or the completion date it recorded; chitieu records none.
    data_set_complete: str = "false"
    #: chitieu additions to DHIS2's shape, e.g. ``{"crosswalk": {...}}`` for old-unit imports.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status != "ERROR"

    @property
    def http_status(self) -> int:
        """The HTTP status DHIS2 (≥ 2.38) answers with: 200 when every value was applied
        cleanly, 409 Conflict for WARNING and ERROR (the summary is in the body)."""
        return 200 if self.status == "SUCCESS" else 409

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"responseType": "ImportSummary", "status": self.status}
        if self.import_options is not None:
            out["importOptions"] = self.import_options
        out.update(
            {
                "description": self.description,
                "importCount": self.count.to_dict(),
                "conflicts": [c.to_dict() for c in self.conflicts],
                "rejectedIndexes": self.rejected_indexes,
                "dataSetComplete": self.data_set_complete,
                "dryRun": self.dry_run,
                **self.extra,
            }
        )
        return out

    def to_web_message(self) -> dict[str, Any]:
        """DHIS2 ≥ 2.38's envelope: ``{httpStatus, httpStatusCode, status, message, response}``."""
        message = {
            "SUCCESS": "Import was successful.",
            "WARNING": "One more conflicts encountered, please check import summary.",
            "ERROR": "An error occurred, please check import summary.",
        }[self.status]
        return {
            "httpStatus": "OK" if self.http_status == 200 else "Conflict",
            "httpStatusCode": self.http_status,
            "status": "OK" if self.status == "SUCCESS" else self.status,
            "message": message,
            "response": self.to_dict(),
        }


def refused(
    conflicts: list[Conflict],
    total: int,
    *,
    dry_run: bool = False,
    rejected: list[int] | None = None,
    options: dict[str, Any] | None = None,
) -> ImportSummary:
    """The summary of a payload refused whole: nothing written, every value ignored."""
    n = len(conflicts)
    return ImportSummary(
        rejected_indexes=rejected or [],
        import_options=options,
        status="ERROR",
        count=ImportCount(ignored=total),
        conflicts=conflicts,
        dry_run=dry_run,
        description=(
            f"Từ chối nhập: {n} lỗi, không ghi dữ liệu nào. / "
            f"Import refused: {n} conflict(s); nothing was written."
        ),
        total=total,
    )
