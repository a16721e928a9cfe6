"""What every DHIS2 reader produces: data values as the payload spelled them, unresolved.

Readers stream: :attr:`Payload.values` is an iterator that reads the input as it is consumed,
so a payload of a million values never sits in memory whole. Readers never raise on a bad
value: they record a :class:`Conflict` for it and go on, so that one import reports every
problem at once. A payload that cannot be read at all (malformed JSON or XML, an unsafe XML
construct, the wrong root element) raises :class:`PayloadError` — possibly only once the
iterator reaches the bad bytes, which the import turns into a refusal of the whole payload.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

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
    "dryRun",
    "importStrategy",
    "strategy",
)


class PayloadError(ValueError):
    """The payload as a whole cannot be read; nothing in it is imported."""


#: Not frozen: one is made for every value of a payload, and a frozen dataclass's __init__
#: (one object.__setattr__ call per field) costs several times a plain one.
@dataclass(slots=True)
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
    #: DHIS2's ``deleted`` flag: true asks for the stored value to be (soft-)deleted.
    deleted: bool | None = None


@dataclass
class Payload:
    """A payload being read: its header, the values as an iterator, and the problems met.

    ``problems`` and ``count`` grow while ``values`` is consumed; read them after it is
    exhausted. ``late_header`` lists header fields met only after the values began (a JSON
    object whose ``dataValues`` come before ``period``): the import then reads the payload
    again with the header known, since DHIS2 lets the set's fields override the values'."""

    format: str  # json | csv | xml | adx
    values: Iterator[RawValue] = field(default_factory=lambda: iter(()))
    header: dict[str, str] = field(default_factory=dict)
    problems: list[Conflict] = field(default_factory=list)
    #: Data values the payload held, readable or not (the summary's total).
    count: int = 0
    late_header: dict[str, str] = field(default_factory=dict)
    #: Values refused by the reader (their indexes), for the summary's ``rejectedIndexes``.
    rejected: list[int] = field(default_factory=list)

    def problem(
        self, index: int | None, location: str, obj: str, why: str, prop: str, *, rejects=True
    ) -> None:
        self.problems.append(Conflict(obj, why, None, prop, index, location))
        if rejects and index is not None:
            self.rejected.append(index)


def as_text(raw: Any) -> str | None:
    """A field as text: strings as they are, numbers in their plain spelling, None kept.

    ``ValueError`` for anything else (objects, lists, booleans), which no field may be."""
    if raw is None:
        return raw
    if isinstance(raw, str):
        if "\x00" in raw:  # PostgreSQL cannot store it; no legitimate text needs it
            raise ValueError("must not contain a NUL character")
        return raw
    if isinstance(raw, bool):
        raise ValueError("must be text or a number, not true/false")
    if isinstance(raw, int | float):
        return repr(raw) if isinstance(raw, float) else str(raw)
    raise ValueError(f"must be text or a number, not {type(raw).__name__}")


_TRUE = frozenset(("true", "1", "yes", "y", "on", "t"))
_FALSE = frozenset(("false", "0", "no", "n", "off", "f"))


def as_bool(raw: Any, name: str = "followup") -> bool | None:
    """A DHIS2 flag (``followup``, ``deleted``): JSON booleans or text read case-insensitively
    (``true``/``false``, and the yes/no, on/off, 1/0 spellings DHIS2's boolean reading takes);
    absent -> None; anything else ``ValueError``."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {str(raw)[:40]!r}")


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


def iter_xml(stream: BinaryIO) -> Iterator[tuple[str, ET.Element]]:
    """``(event, element)`` pairs (``start`` and ``end``) of untrusted XML read incrementally,
    with defusedxml's protections (no DTD, no entity declarations, no external references);
    problems raise :class:`PayloadError`. The caller clears elements it has finished with."""
    try:
        yield from SafeET.iterparse(
            stream, events=("start", "end"), forbid_dtd=True, forbid_entities=True
        )
    except DefusedXmlException as exc:
        raise PayloadError(
            f"unsafe XML refused (DTDs and entities are not allowed): {exc}"
        ) from None
    except (ET.ParseError, LookupError, ValueError) as exc:
        raise PayloadError(f"malformed XML: {exc}") from None


def as_stream(payload: bytes | BinaryIO) -> BinaryIO:
    """A binary stream over ``payload`` (bytes are wrapped; a stream is rewound)."""
    if isinstance(payload, bytes | bytearray):
        return io.BytesIO(payload)
    payload.seek(0)
    return payload


def local_name(tag: str) -> tuple[str | None, str]:
    """``{namespace}name`` -> (namespace, name); a tag without namespace -> (None, name)."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag
