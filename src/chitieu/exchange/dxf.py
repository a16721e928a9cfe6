"""DHIS2 ``dataValueSets`` in JSON, CSV and XML (DXF 2), read and written.

- JSON: ``{"dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo",
  "dataValues": [{"dataElement", "period", "orgUnit", "categoryOptionCombo",
  "attributeOptionCombo", "value", "storedBy", "created", "lastUpdated", "comment",
  "followup"}]}`` — ``followUp`` (the single-value API's spelling) is accepted too; header
  ``period``/``orgUnit``/``attributeOptionCombo`` apply to values that lack their own.
- CSV: columns by position ``dataelement, period, orgunit, catoptcombo, attroptcombo, value,
  storedby, lastupdated, comment, followup``; a first row starting ``dataelement`` is a header
  and skipped; later columns (DHIS2 ≥ 2.36 adds ``deleted``) are ignored.
- XML: ``<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">`` with ``<dataValue …/>``
  children carrying the JSON names as attributes; parsed with defusedxml.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chitieu.exchange.payload import (
    HEADER_FIELDS,
    Payload,
    PayloadError,
    RawValue,
    as_bool,
    as_text,
    local_name,
    parse_xml,
)

DXF_NS = "http://dhis2.org/schema/dxf/2.0"
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)
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


@dataclass(frozen=True, slots=True)
class OutValue:
    """One value to write, its identifiers already in the export's id schemes."""

    data_element: str
    period: str
    org_unit: str
    category_option_combo: str
    attribute_option_combo: str
    value: str
    stored_by: str | None = None
    created: str | None = None
    last_updated: str | None = None
    comment: str | None = None
    followup: bool = False
    #: For ADX: (category code, option code) pairs and the data set of the group.
    categories: tuple[tuple[str, str], ...] = ()
    data_set: str = ""


def _raw_value(p: Payload, index: int, location: str, fields: dict[str, Any]) -> None:
    """Build a RawValue from JSON-named ``fields`` (header defaults applied); record problems."""
    texts: dict[str, str | None] = {}
    for name in _VALUE_FIELDS:
        try:
            texts[name] = as_text(fields.get(name))
        except ValueError as exc:
            p.problem(index, location, str(fields.get(name))[:80], f"{name} {exc}", name)
            return
    try:
        followup = as_bool(fields.get("followup", fields.get("followUp")))
    except ValueError as exc:
        p.problem(index, location, str(fields.get("followup")), str(exc), "followup")
        return
    h = p.header
    p.values.append(
        RawValue(
            index=index,
            location=location,
            data_element=texts["dataElement"],
            period=texts["period"] or h.get("period"),
            org_unit=texts["orgUnit"] or h.get("orgUnit"),
            category_option_combo=texts["categoryOptionCombo"],
            attribute_option_combo=texts["attributeOptionCombo"] or h.get("attributeOptionCombo"),
            value=texts["value"],
            stored_by=texts["storedBy"],
            created=texts["created"],
            last_updated=texts["lastUpdated"],
            comment=texts["comment"],
            followup=followup,
            data_set=h.get("dataSet"),
        )
    )


def _read_header(p: Payload, source: dict[str, Any]) -> None:
    for name in HEADER_FIELDS:
        if source.get(name) is None:
            continue
        try:
            p.header[name] = as_text(source[name]) or ""
        except ValueError as exc:
            p.problem(None, "header", str(source[name])[:80], f"{name} {exc}", name)


# --- JSON -----------------------------------------------------------------------------------


def read_json(payload: bytes) -> Payload:
    try:
        doc = json.loads(payload)
    except RecursionError:
        raise PayloadError("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise PayloadError(f"malformed JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise PayloadError("a dataValueSet must be a JSON object with a dataValues list")
    items = doc.get("dataValues", [])
    if not isinstance(items, list):
        raise PayloadError("dataValues must be a list")
    p = Payload("json")
    _read_header(p, doc)
    for i, item in enumerate(items):
        location = f"dataValues[{i}]"
        if not isinstance(item, dict):
            p.problem(i, location, str(item)[:80], "a data value must be a JSON object", "value")
            continue
        _raw_value(p, i, location, item)
    p.count = len(items)
    return p


def write_json(values: Sequence[OutValue], header: dict[str, str] | None = None) -> bytes:
    doc: dict[str, Any] = dict(header or {})
    doc["dataValues"] = [
        {
            "dataElement": v.data_element,
            "period": v.period,
            "orgUnit": v.org_unit,
            "categoryOptionCombo": v.category_option_combo,
            "attributeOptionCombo": v.attribute_option_combo,
            "value": v.value,
            **{
                k: x
                for k, x in (
                    ("storedBy", v.stored_by),
                    ("created", v.created),
                    ("lastUpdated", v.last_updated),
                    ("comment", v.comment),
                )
                if x
            },
            "followup": v.followup,
        }
        for v in values
    ]
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


# --- CSV ------------------------------------------------------------------------------------


def read_csv(payload: bytes) -> Payload:
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"CSV is not UTF-8 text: {exc}") from None
    p = Payload("csv")
    reader = csv.reader(io.StringIO(text, newline=""))
    index = 0
    try:
        for row in reader:
            line = f"line {reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if reader.line_num == 1 and row[0].strip().lower().lstrip("\ufeff") == "dataelement":
                continue  # the header row
            if len(row) < 6:
                p.problem(
                    index,
                    line,
                    ",".join(row)[:80],
                    f"expected at least 6 columns ({', '.join(CSV_COLUMNS[:6])}), found {len(row)}",
                    "value",
                )
            else:
                cells = [c.strip() for c in row[:10]] + [""] * (10 - min(len(row), 10))
                fields = dict(zip(CSV_COLUMNS, cells, strict=True))
                _raw_value(
                    p,
                    index,
                    line,
                    {
                        "dataElement": fields["dataelement"] or None,
                        "period": fields["period"] or None,
                        "orgUnit": fields["orgunit"] or None,
                        "categoryOptionCombo": fields["catoptcombo"] or None,
                        "attributeOptionCombo": fields["attroptcombo"] or None,
                        "value": fields["value"],
                        "storedBy": fields["storedby"] or None,
                        "lastUpdated": fields["lastupdated"] or None,
                        "comment": row[8] if len(row) > 8 and row[8] != "" else None,
                        "followup": fields["followup"] or None,
                    },
                )
            index += 1
    except csv.Error as exc:
        raise PayloadError(f"malformed CSV at line {reader.line_num}: {exc}") from None
    p.count = index
    return p


def write_csv(values: Sequence[OutValue]) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for v in values:
        w.writerow(
            [
                v.data_element,
                v.period,
                v.org_unit,
                v.category_option_combo,
                v.attribute_option_combo,
                v.value,
                v.stored_by or "",
                v.last_updated or "",
                v.comment or "",
                "true" if v.followup else "false",
            ]
        )
    return out.getvalue().encode("utf-8")


# --- XML ------------------------------------------------------------------------------------


def read_xml(payload: bytes) -> Payload:
    root = parse_xml(payload)
    ns, name = local_name(root.tag)
    if name != "dataValueSet" or ns not in (DXF_NS, None):
        raise PayloadError(f'expected <dataValueSet xmlns="{DXF_NS}">, found <{root.tag}>')
    p = Payload("xml")
    _read_header(p, dict(root.attrib))
    for i, child in enumerate(root):
        location = f"dataValue[{i + 1}]"
        cns, cname = local_name(child.tag) if isinstance(child.tag, str) else (None, "?")
        if cname != "dataValue" or cns not in (DXF_NS, None):
            p.problem(i, location, cname, f"unexpected element <{cname}>", "dataValue")
            continue
        _raw_value(p, i, location, dict(child.attrib))
    p.count = len(root)
    return p


def write_xml(values: Sequence[OutValue], header: dict[str, str] | None = None) -> bytes:
    root = ET.Element("dataValueSet", {"xmlns": DXF_NS, **(header or {})})
    for v in values:
        attrs = {
            "dataElement": v.data_element,
            "period": v.period,
            "orgUnit": v.org_unit,
            "categoryOptionCombo": v.category_option_combo,
            "attributeOptionCombo": v.attribute_option_combo,
            "value": v.value,
        }
        for key, x in (
            ("storedBy", v.stored_by),
            ("created", v.created),
            ("lastUpdated", v.last_updated),
            ("comment", v.comment),
        ):
            if x:
                attrs[key] = x
        attrs["followup"] = "true" if v.followup else "false"
        ET.SubElement(root, "dataValue", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
