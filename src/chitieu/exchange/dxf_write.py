"""DHIS2 ``dataValueSets`` written as JSON, CSV and XML (DXF 2), in chunks, so that an export
never sits in memory whole; the fields and spellings are those :mod:`chitieu.exchange.dxf`
reads."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

from chitieu.exchange.dxf import CSV_COLUMNS, DXF_NS

_CHUNK = 1 << 16  # bytes per yielded export chunk


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
    deleted: bool = False
    #: For ADX: (category code, option code) pairs and the data set of the group.
    categories: tuple[tuple[str, str], ...] = ()
    data_set: str = ""


def _json_value(v: OutValue) -> dict[str, Any]:
    out: dict[str, Any] = {
        "dataElement": v.data_element,
        "period": v.period,
        "orgUnit": v.org_unit,
        "categoryOptionCombo": v.category_option_combo,
        "attributeOptionCombo": v.attribute_option_combo,
        "value": v.value,
    }
    for k, x in (
        ("storedBy", v.stored_by),
        ("created", v.created),
        ("lastUpdated", v.last_updated),
        ("comment", v.comment),
    ):
        if x:
            out[k] = x
    out["followup"] = v.followup
    if v.deleted:
        out["deleted"] = True
    return out


def chunked(parts: Iterable[str]) -> Iterator[bytes]:
    buf: list[str] = []
    size = 0
    for part in parts:
        buf.append(part)
        size += len(part)
        if size >= _CHUNK:
            yield "".join(buf).encode("utf-8")
            buf, size = [], 0
    if buf:
        yield "".join(buf).encode("utf-8")


def write_json(values: Iterable[OutValue], header: dict[str, str] | None = None) -> Iterator[bytes]:
    def parts() -> Iterator[str]:
        yield "{"
        for k, x in (header or {}).items():
            yield f"{json.dumps(k)}: {json.dumps(x, ensure_ascii=False)},\n"
        yield '"dataValues": ['
        sep = "\n"
        for v in values:
            yield sep + json.dumps(_json_value(v), ensure_ascii=False)
            sep = ",\n"
        yield "\n]}\n"

    return chunked(parts())


def write_csv(values: Iterable[OutValue]) -> Iterator[bytes]:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")

    def parts() -> Iterator[str]:
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
                    "true" if v.deleted else "false",
                ]
            )
            if out.tell() >= 4096:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return chunked(parts())


def write_xml(values: Iterable[OutValue], header: dict[str, str] | None = None) -> Iterator[bytes]:
    def parts() -> Iterator[str]:
        attrs = "".join(f" {k}={quoteattr(x)}" for k, x in (header or {}).items())
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<dataValueSet xmlns="{DXF_NS}"{attrs}>\n'
        for v in values:
            # The same fields as the JSON form; XML writes its flags as text.
            a = {k: _xml_text(x) for k, x in _json_value(v).items()}
            yield "  <dataValue" + "".join(f" {k}={_attr(x)}" for k, x in a.items()) + "/>\n"
        yield "</dataValueSet>\n"

    return chunked(parts())


def _xml_text(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


def _attr(text: str) -> str:
    """An XML attribute value, quoted; line breaks and tabs kept as character references so
    that a comment's lines survive the round trip."""
    return quoteattr(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
