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
  children carrying the JSON names as attributes; read by expat with defusedxml's
  protections (:mod:`chitieu.exchange.xml_stream`).

The set's ``period``, ``orgUnit`` and ``attributeOptionCombo`` override a value's own, as in
DHIS2. The writers are in :mod:`chitieu.exchange.dxf_write`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

import ijson

from chitieu.exchange.dxf_csv import CSV_COLUMNS, read_csv
from chitieu.exchange.payload import (
    HEADER_FIELDS,
    Payload,
    PayloadError,
    RawValue,
    as_text,
    raw_value,
)
from chitieu.exchange.xml_stream import parse_blocks, safe_parser, shown_tag, split_name

__all__ = ["CSV_COLUMNS", "DXF_NS", "raw_value", "read_csv", "read_header", "read_json", "read_xml"]

DXF_NS = "http://dhis2.org/schema/dxf/2.0"


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


# --- XML ------------------------------------------------------------------------------------


_DATA_VALUE = frozenset((f"{DXF_NS}}}dataValue", "dataValue"))


def _xml_values(stream: BinaryIO, p: Payload, header: dict[str, str]) -> Iterator[RawValue]:
    """The values, read by expat handlers that note the root's attributes and each of its
    children's name and attributes as the child ends (:mod:`chitieu.exchange.xml_stream`)."""
    noted: list[tuple[str, dict[str, str]]] = []
    note = noted.append
    depth = 0
    current: dict[str, str] = {}  # the attributes of the root's child being read

    def start(name: str, attrib: dict[str, str]) -> None:
        nonlocal depth, current
        depth += 1
        if depth == 2:
            current = attrib
        elif depth == 1:
            ns, local = split_name(name)
            if local != "dataValueSet" or ns not in (DXF_NS, None):
                raise PayloadError(
                    f'expected <dataValueSet xmlns="{DXF_NS}">, found <{shown_tag(name)}>'
                )
            note(("", attrib))  # the root, whose name is never empty

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        if depth == 1:  # only the root's children are data values
            note((name, current))

    parser = safe_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    i = 0
    for _ in parse_blocks(stream, parser):
        for name, attrib in noted:
            if not name:
                read_header(p, {k: v for k, v in attrib.items() if k not in header})
                continue
            location = f"dataValue[{i + 1}]"
            if name in _DATA_VALUE:
                v = raw_value(p, i, location, attrib)
                if v is not None:
                    yield v
            else:
                cname = split_name(name)[1]
                p.problem(i, location, cname, f"unexpected element <{cname}>", "dataValue")
            i += 1
            p.count = i
        noted.clear()


def read_xml(stream: BinaryIO, header: dict[str, str] | None = None) -> Payload:
    p = Payload("xml", header=dict(header or {}))
    p.values = _xml_values(stream, p, dict(header or {}))
    return p
