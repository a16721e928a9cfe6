"""DHIS2 ``dataValueSets`` in JSON, CSV and XML (DXF 2), read and written as streams.

- JSON: ``{"dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo",
  "dryRun", "importStrategy", "idScheme", …, "dataValues": [{"dataElement", "period",
  "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value", "storedBy", "created",
  "lastUpdated", "comment", "followup", "deleted"}]}`` — ``followUp`` (the single-value API's
  spelling) is accepted too. Read incrementally (ijson), one value at a time.
- CSV: columns ``dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo,
  value, storedby, lastupdated, comment, followup, deleted``. As in DHIS2 the first row is
  always skipped (it is the header); when it names the columns (today's names or the older
  ``catoptcombo``/``attroptcombo``) they are read by name, otherwise by position.
- XML: ``<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">`` with ``<dataValue …/>``
  children carrying the JSON names as attributes; read with defusedxml's iterparse.

The set's ``period``, ``orgUnit`` and ``attributeOptionCombo`` override a value's own, as in
DHIS2. The writers are in :mod:`chitieu.exchange.dxf_write`.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

import ijson

from chitieu.exchange.payload import (
    HEADER_FIELDS,
    Payload,
    PayloadError,
    RawValue,
    as_bool,
    as_text,
    iter_xml,
    local_name,
)

DXF_NS = "http://dhis2.org/schema/dxf/2.0"
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
)
#: Older DHIS2 spellings of the CSV columns, read as today's.
_CSV_ALIASES = {"catoptcombo": "categoryoptioncombo", "attroptcombo": "attributeoptioncombo"}
_CSV_FIELDS = {
    "dataelement": "dataElement",
    "period": "period",
    "orgunit": "orgUnit",
    "categoryoptioncombo": "categoryOptionCombo",
    "attributeoptioncombo": "attributeOptionCombo",
    "value": "value",
    "storedby": "storedBy",
    "lastupdated": "lastUpdated",
    "comment": "comment",
    "followup": "followup",
    "deleted": "deleted",
    "created": "created",
}
_VALUE_FIELDS = (
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
    texts = list(map(get, _VALUE_FIELDS))
    # the common case, every field text (or absent) without NUL, checked at C speed
    if not set(map(type, texts)) <= _PLAIN or "\x00" in "".join(filter(None, texts)):
        for k, (name, raw) in enumerate(zip(_VALUE_FIELDS, texts, strict=True)):
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
    return RawValue(
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


# --- JSON -----------------------------------------------------------------------------------


def _scalar(event: str, value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _skip(events: Iterator[tuple[str, Any]]) -> None:
    """Consume the rest of a map or array whose start event was just read."""
    depth = 1
    for event, _ in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return


_NESTED = object()


def _json_object(events: Iterator[tuple[str, Any]]) -> dict[str, Any]:
    """The fields of the map just started; nested maps or lists become ``_NESTED``."""
    fields: dict[str, Any] = {}
    key = None
    for event, value in events:
        if event == "map_key":
            key = value
        elif event == "end_map":
            return fields
        elif event == "string":  # most fields: no conversion to make
            fields[key] = value  # type: ignore[index]
        elif event in ("start_map", "start_array"):
            _skip(events)
            fields[key] = _NESTED  # type: ignore[index]
        else:
            fields[key] = _scalar(event, value)  # type: ignore[index]
    raise PayloadError("malformed JSON: the document ends inside a data value")


def _json_values(stream: BinaryIO, p: Payload, header: dict[str, str]) -> Iterator[RawValue]:
    events = ijson.basic_parse(stream)
    try:
        first = next(events, None)
        if first is None or first[0] != "start_map":
            raise PayloadError("a dataValueSet must be a JSON object with a dataValues list")
        seen_values = False
        for event, value in events:
            if event == "end_map":
                break
            key = value  # map_key at the top level
            event, value = next(events)
            if key != "dataValues":
                if event in ("start_map", "start_array"):
                    _skip(events)
                elif key in HEADER_FIELDS and key not in header:
                    read_header(p, {key: _scalar(event, value)}, late=seen_values)
                continue
            if event == "null":
                continue
            if event != "start_array":
                raise PayloadError("dataValues must be a list")
            seen_values = True
            for i, (event, value) in enumerate(events):
                if event == "end_array":
                    break
                location = f"dataValues[{i}]"
                if event == "start_map":
                    fields = _json_object(events)
                    bad = [k for k, v in fields.items() if v is _NESTED]
                    if bad:
                        why = f"{bad[0]} must be text or a number, not an object or a list"
                        p.problem(i, location, bad[0], why, bad[0])
                    else:
                        v = raw_value(p, i, location, fields)
                        if v is not None:
                            yield v
                else:
                    if event == "start_array":
                        _skip(events)
                    shown = "list" if event == "start_array" else str(value)[:80]
                    p.problem(i, location, shown, "a data value must be a JSON object", "value")
                p.count = i + 1
        else:
            raise PayloadError("malformed JSON: the document ends early")
        if next(events, None) is not None:
            raise PayloadError("malformed JSON: extra data after the dataValueSet")
    except ijson.JSONError as exc:
        raise PayloadError(f"malformed JSON: {exc}") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise PayloadError(f"malformed JSON: {exc}") from None


def read_json(stream: BinaryIO, header: dict[str, str] | None = None) -> Payload:
    """A streaming reader; ``header`` is a header already known (from an earlier pass)."""
    p = Payload("json", header=dict(header or {}))
    p.values = _json_values(stream, p, dict(header or {}))
    return p


# --- CSV ------------------------------------------------------------------------------------


def _csv_columns(first_row: list[str]) -> list[str] | None:
    """The columns a header row names, or None when it is not a row of known names."""
    names = [_CSV_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in first_row]
    names = [n.lstrip("\ufeff") for n in names]
    if "dataelement" in names and all(n in _CSV_FIELDS for n in names if n):
        return names
    return None


def _csv_values(stream: BinaryIO, p: Payload, skip_first: bool) -> Iterator[RawValue]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    keys = [_CSV_FIELDS.get(name) for name in CSV_COLUMNS]  # each column's field
    index = 0
    first = True
    try:
        for row in reader:
            line = f"line {reader.line_num}"
            if first:
                first = False
                named = _csv_columns(row)
                if named is not None:
                    keys = [_CSV_FIELDS.get(name) for name in named]
                if skip_first or named is not None:
                    continue
            if not "".join(row).strip():
                continue
            if len(row) < 6:
                p.problem(
                    index,
                    line,
                    ",".join(row)[:80],
                    f"expected at least 6 columns ({', '.join(CSV_COLUMNS[:6])}), found {len(row)}",
                    "value",
                )
            else:
                fields: dict[str, Any] = {}
                for key, cell in zip(keys, row, strict=False):
                    if key is None:
                        continue
                    if key == "comment":
                        fields[key] = cell if cell != "" else None
                    elif key == "value":
                        fields[key] = cell.strip()
                    else:
                        fields[key] = cell.strip() or None
                v = raw_value(p, index, line, fields)
                if v is not None:
                    yield v
            index += 1
            p.count = index
    except csv.Error as exc:
        raise PayloadError(f"malformed CSV at line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise PayloadError(f"CSV is not UTF-8 text: {exc}") from None
    finally:
        with contextlib.suppress(ValueError):  # the stream may be closed already
            text.detach()  # the caller's stream stays open


def read_csv(
    stream: BinaryIO, header: dict[str, str] | None = None, *, first_row_is_header: bool = True
) -> Payload:
    p = Payload("csv", header=dict(header or {}))
    p.values = _csv_values(stream, p, first_row_is_header)
    return p


# --- XML ------------------------------------------------------------------------------------


def _xml_values(stream: BinaryIO, p: Payload, header: dict[str, str]) -> Iterator[RawValue]:
    events = iter_xml(stream)
    root = None
    i = 0
    depth = 0
    for event, elem in events:
        if event == "start":
            depth += 1
            if root is None:
                root = elem
                ns, name = local_name(elem.tag)
                if name != "dataValueSet" or ns not in (DXF_NS, None):
                    raise PayloadError(
                        f'expected <dataValueSet xmlns="{DXF_NS}">, found <{elem.tag}>'
                    )
                read_header(p, {k: v for k, v in elem.attrib.items() if k not in header})
            continue
        depth -= 1
        if depth != 1:  # only the root's children are data values
            continue
        location = f"dataValue[{i + 1}]"
        cns, cname = local_name(elem.tag) if isinstance(elem.tag, str) else (None, "?")
        if cname != "dataValue" or cns not in (DXF_NS, None):
            p.problem(i, location, cname, f"unexpected element <{cname}>", "dataValue")
        else:
            v = raw_value(p, i, location, dict(elem.attrib))
            if v is not None:
                yield v
        i += 1
        p.count = i
        elem.clear()
        if root is not None and i % 1000 == 0:
            root.clear()  # drop finished children: memory stays bounded


def read_xml(stream: BinaryIO, header: dict[str, str] | None = None) -> Payload:
    p = Payload("xml", header=dict(header or {}))
    p.values = _xml_values(stream, p, dict(header or {}))
    return p
