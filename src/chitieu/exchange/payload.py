"""What every DHIS2 reader produces: data values as the payload spelled them, unresolved.

Readers never raise on a bad value: they record a :class:`Conflict` for it and go on, so that
one import reports every problem at once. A payload that cannot be read at all (malformed JSON
or XML, an unsafe XML construct, the wrong root element) raises :class:`PayloadError`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from chitieu.reporting.summary import Conflict

#: Every format's fields in DHIS2's JSON spelling; readers map their own spellings to these.
HEADER_FIELDS = (
    "dataSet",
    "completeDate",
    "period",
    "orgUnit",
    "attributeOptionCombo",
    "idScheme",
    "dataElementIdScheme",
    "orgUnitIdScheme",
    "categoryOptionComboIdScheme",
    "dataSetIdScheme",
)


class PayloadError(ValueError):
    """The payload as a whole cannot be read; nothing in it is imported."""


@dataclass(frozen=True, slots=True)
class RawValue:
    """One ``dataValue`` as the payload gave it (identifiers in the payload's id schemes)."""

    index: int
    location: str
    data_element: str | None
    period: str | None
    org_unit: str | None
    category_option_combo: str | None = None
    attribute_option_combo: str | None = None
    value: str | None = None
    stored_by: str | None = None
    created: str | None = None
    last_updated: str | None = None
    comment: str | None = None
    followup: bool | None = None
    #: ADX: one (category code, option code) pair per disaggregation attribute.
    categories: tuple[tuple[str, str], ...] = ()
    #: ADX: group attributes that name attribute categories (chitieu has none).
    attribute_categories: tuple[tuple[str, str], ...] = ()
    data_set: str | None = None


@dataclass
class Payload:
    """A read payload: its values, its header, and the problems met while reading."""

    format: str  # json | csv | xml | adx
    values: list[RawValue] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    problems: list[Conflict] = field(default_factory=list)
    #: Data values the payload held, readable or not (the summary's total).
    count: int = 0

    def problem(self, index: int | None, location: str, obj: str, why: str, prop: str) -> None:
        self.problems.append(Conflict(obj, why, None, prop, index, location))


def as_text(raw: Any) -> str | None:
    """A field as text: strings as they are, numbers in their plain spelling, None kept.

    ``ValueError`` for anything else (objects, lists, booleans), which no field may be."""
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        raise ValueError("must be text or a number, not true/false")
    if isinstance(raw, int | float):
        return repr(raw) if isinstance(raw, float) else str(raw)
    raise ValueError(f"must be text or a number, not {type(raw).__name__}")


def as_bool(raw: Any) -> bool | None:
    """DHIS2's followup flag: true/false as JSON booleans or text; absent -> None."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"followup must be true or false, not {raw!r}")


def parse_xml(payload: bytes) -> ET.Element:
    """Parse untrusted XML with defusedxml: any DTD, entity declaration or external reference
    is refused (billion laughs, XXE), as is malformed XML."""
    try:
        return SafeET.fromstring(payload, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise PayloadError(
            f"unsafe XML refused (DTDs and entities are not allowed): {exc}"
        ) from None
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise PayloadError(f"malformed XML: {exc}") from None


def local_name(tag: str) -> tuple[str | None, str]:
    """``{namespace}name`` -> (namespace, name); a tag without namespace -> (None, name)."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag
