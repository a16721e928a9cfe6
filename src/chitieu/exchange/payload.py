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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, BinaryIO, NamedTuple

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


class RawValue(NamedTuple):
    """One ``dataValue`` as the payload gave it (identifiers in the payload's id schemes).

    A named tuple: one is made for every value of a payload, and readers make them at C speed
    with :func:`new_raw` (a dataclass's ``__init__`` is Python code run per value)."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, never called here
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


#: ``new_raw((index, location, …, deleted))``: a RawValue from all its fields in order.
new_raw: Callable[[tuple[Any, ...]], RawValue] = partial(tuple.__new__, RawValue)


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

    def nested_field(self, index: int, location: str, name: str) -> None:
        """A JSON data value whose field ``name`` holds an object or a list: refused."""
        why = f"{name} must be text or a number, not an object or a list"
        self.problem(index, location, name, why, name)

    def not_an_object(self, index: int, location: str, shown: str) -> None:
        """A JSON data value that is not an object (``shown``: what it is): refused."""
        self.problem(index, location, shown, "a data value must be a JSON object", "value")


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


#: DHIS2's flag words, lower case, and what each means.
FLAG_WORDS = {
    **dict.fromkeys(("true", "1", "yes", "y", "on", "t"), True),
    **dict.fromkeys(("false", "0", "no", "n", "off", "f"), False),
}


def as_bool(raw: Any, name: str = "followup") -> bool | None:
    """A DHIS2 flag (``followup``, ``deleted``): JSON booleans or text read case-insensitively
    (``true``/``false``, and the yes/no, on/off, 1/0 spellings DHIS2's boolean reading takes);
    absent -> None; anything else ``ValueError``."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    meaning = FLAG_WORDS.get(str(raw).strip().lower())
    if meaning is not None:
        return meaning
    raise ValueError(f"{name} must be true or false, not {str(raw)[:40]!r}")


#: The UTF-8 byte order mark, which Windows tools (Notepad, Excel, PowerShell) write first.
UTF8_BOM = b"\xef\xbb\xbf"


def as_stream(payload: bytes | BinaryIO) -> BinaryIO:
    """A binary stream over ``payload`` (bytes are wrapped; a stream is rewound), past a
    UTF-8 byte order mark if it starts with one, as DHIS2 reads it."""
    stream = io.BytesIO(payload) if isinstance(payload, bytes | bytearray) else payload
    stream.seek(0)
    if stream.read(len(UTF8_BOM)) != UTF8_BOM:
        stream.seek(0)
    return stream


#: A data value's text fields, in the order a RawValue holds them.
VALUE_FIELDS = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "storedBy",
    "created",
    "lastUpdated",
    "comment",
)
_PLAIN = frozenset((str, type(None)))
#: The set's fields that override a value's own (DHIS2's precedence).
_SET_WINS = ("period", "orgUnit", "attributeOptionCombo")


def raw_value(p: Payload, index: int, location: str, fields: dict[str, Any]) -> RawValue | None:
    """A RawValue from JSON-named ``fields`` with the set's fields applied; None (and a
    problem recorded) when a field is unreadable. An unreadable ``followup`` is read as false
    with a conflict, the value still imported (DHIS2 reads such a flag as false)."""
    get = fields.get
    texts = list(map(get, VALUE_FIELDS))
    # the common case, every field text (or absent) without NUL, checked at C speed
    if not set(map(type, texts)) <= _PLAIN or "\x00" in "".join(filter(None, texts)):
        for k, (name, raw) in enumerate(zip(VALUE_FIELDS, texts, strict=True)):
            try:
                texts[k] = as_text(raw)
            except ValueError as exc:
                p.problem(index, location, str(raw)[:80], f"{name} {exc}", name)
                return None
    raw_follow = fields.get("followup", fields.get("followUp"))
    try:
        followup = None if raw_follow is None else as_bool(raw_follow, "followup")
    except ValueError as exc:
        p.problem(
            index,
            location,
            str(raw_follow)[:80],
            f"{exc}: read as false",
            "followup",
            rejects=False,
        )
        followup = False
    try:
        raw_deleted = fields.get("deleted")
        deleted = None if raw_deleted is None else as_bool(raw_deleted, "deleted")
    except ValueError as exc:
        p.problem(index, location, str(fields.get("deleted"))[:80], str(exc), "deleted")
        return None
    de, period, ou, coc, aoc, value, stored_by, created, last_updated, comment = texts
    h = p.header
    if h:
        period = h.get("period") or period
        ou = h.get("orgUnit") or ou
        aoc = h.get("attributeOptionCombo") or aoc
    return new_raw(
        (
            index,
            location,
            de,
            period,
            ou,
            coc,
            aoc,
            value,
            stored_by,
            created,
            last_updated,
            comment,
            followup,
            (),
            (),
            h.get("dataSet"),
            deleted,
        )
    )


def read_header(p: Payload, source: dict[str, Any], *, late: bool = False) -> None:
    """Header fields of ``source`` into ``p.header`` (or ``p.late_header`` when they came
    after the values had begun)."""
    target = p.late_header if late else p.header
    for name in HEADER_FIELDS:
        if source.get(name) is None:
            continue
        raw = source[name]
        try:
            text = ("true" if raw else "false") if isinstance(raw, bool) else as_text(raw)
        except ValueError as exc:
            p.problem(None, "header", str(raw)[:80], f"{name} {exc}", name)
        else:
            if text is not None:  # raw is not None, so neither is its text
                target[name] = text
