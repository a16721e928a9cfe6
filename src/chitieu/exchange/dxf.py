"""DHIS2 ``dataValueSets`` in JSON, CSV and XML (DXF 2), read and written as streams.

- JSON: ``{"dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo",
  "dryRun", "importStrategy", "idScheme", …, "dataValues": [{"dataElement", "period",
  "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value", "storedBy", "created",
  "lastUpdated", "comment", "followup", "deleted"}]}`` — ``followUp`` (the single-value API's
  spelling) is accepted too. Read incrementally, one value at a time
  (:mod:`chitieu.exchange.dxf_json`).
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
from typing import BinaryIO

from chitieu.exchange.dxf_csv import CSV_COLUMNS, read_csv
from chitieu.exchange.dxf_json import read_json
from chitieu.exchange.payload import Payload, PayloadError, RawValue, raw_value, read_header
from chitieu.exchange.xml_stream import parse_blocks, safe_parser, shown_tag, split_name

__all__ = ["CSV_COLUMNS", "DXF_NS", "raw_value", "read_csv", "read_header", "read_json", "read_xml"]

DXF_NS = "http://dhis2.org/schema/dxf/2.0"


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
