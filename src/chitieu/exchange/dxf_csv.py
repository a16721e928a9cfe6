"""DHIS2 ``dataValueSets`` in CSV, read as a stream (see :mod:`chitieu.exchange.dxf`).

Columns ``dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo, value,
storedby, lastupdated, comment, followup, deleted``. As in DHIS2 the first row is always
skipped (it is the header); when it names the columns (today's names or the older
``catoptcombo``/``attroptcombo``) they are read by name, otherwise by position.

Each column's position is looked up once, when the header is read; a row is then taken
apart with one ``itemgetter`` call. A row with anything unusual (a NUL character, a flag
spelled other than DHIS2's true/false words) goes through
:func:`~chitieu.exchange.payload.raw_value`, which
records the problem exactly as for the other formats.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from operator import itemgetter
from typing import Any, BinaryIO

from chitieu.exchange.payload import (
    FLAG_WORDS,
    VALUE_FIELDS,
    Payload,
    PayloadError,
    RawValue,
    new_raw,
    raw_value,
)

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
#: The fields a row is taken apart into, in this order.
_ROW_FIELDS = (*VALUE_FIELDS, "followup", "deleted")


def _csv_columns(first_row: list[str]) -> list[str] | None:
    """The columns a header row names, or None when it is not a row of known names."""
    names = [_CSV_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in first_row]
    names = [n.lstrip("\ufeff") for n in names]
    if "dataelement" in names and all(n in _CSV_FIELDS for n in names if n):
        return names
    return None


class _Layout:
    """Where each field is in a row: ``keys`` (each column's field, None for a column not
    read) and a getter giving the fields of a row in :data:`_ROW_FIELDS` order, once the
    row is padded to :attr:`width` cells with a None after them (a field no column names
    reads that None; a later column naming a field wins, as it did when rows were dicts)."""

    def __init__(self, keys: list[str | None]) -> None:
        self.keys = keys
        self.width = len(keys)
        where = {key: i for i, key in enumerate(keys) if key is not None}
        #: Two columns name one field: a short row may end between them, leaving the first
        #: one's cell; such rows are read field by field.
        self.repeats = len(where) < sum(key is not None for key in keys)
        self.get = itemgetter(*(where.get(name, self.width) for name in _ROW_FIELDS))


def _csv_values(stream: BinaryIO, p: Payload, skip_first: bool) -> Iterator[RawValue]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    layout = _Layout([_CSV_FIELDS.get(name) for name in CSV_COLUMNS])
    index = 0
    first = True
    flags = FLAG_WORDS
    try:
        for row in reader:
            if first:
                first = False
                named = _csv_columns(row)
                if named is not None:
                    layout = _Layout([_CSV_FIELDS.get(name) for name in named])
                if skip_first or named is not None:
                    continue
            if not "".join(row).strip():
                continue
            line = f"line {reader.line_num}"
            n = len(row)
            if n < 6:
                p.problem(
                    index,
                    line,
                    ",".join(row)[:80],
                    f"expected at least 6 columns ({', '.join(CSV_COLUMNS[:6])}), found {n}",
                    "value",
                )
                index += 1
                p.count = index
                continue
            width = layout.width
            if n < width:  # cells past the row's end are absent fields
                row.extend([None] * (width - n))  # type: ignore[list-item]
            elif n > width:  # cells past the named columns are not read
                del row[width:]
            row.append(None)  # type: ignore[arg-type]
            de, pe, ou, coc, aoc, value, sb, cr, lu, cm, fu, dl = layout.get(row)
            follow = deleted = None
            if fu is not None:
                follow = flags.get(fu.strip().lower())
            if dl is not None:
                deleted = flags.get(dl.strip().lower())
            h = p.header
            if (
                (follow is None and fu is not None and fu.strip())
                or (deleted is None and dl is not None and dl.strip())
                or "\x00" in "".join(filter(None, row))
                or layout.repeats
            ):  # a problem to record: the general reading, field by field
                fields = _fields(layout.keys, row)
                v = raw_value(p, index, line, fields)
                if v is not None:
                    yield v
            else:
                yield new_raw(
                    (
                        index,
                        line,
                        (de and de.strip()) or None,
                        (h and h.get("period")) or ((pe and pe.strip()) or None),
                        (h and h.get("orgUnit")) or ((ou and ou.strip()) or None),
                        (coc and coc.strip()) or None,
                        (h and h.get("attributeOptionCombo")) or ((aoc and aoc.strip()) or None),
                        None if value is None else value.strip(),
                        (sb and sb.strip()) or None,
                        (cr and cr.strip()) or None,
                        (lu and lu.strip()) or None,
                        cm or None,
                        follow,
                        (),
                        (),
                        h.get("dataSet"),
                        deleted,
                    )
                )
            index += 1
            p.count = index
    except csv.Error as exc:
        raise PayloadError(f"malformed CSV at line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise PayloadError(f"CSV is not UTF-8 text: {exc}") from None
    finally:
        with contextlib.suppress(ValueError):  # the stream may be closed already
            text.detach()  # the caller's stream stays open


def _fields(keys: list[str | None], row: list[Any]) -> dict[str, Any]:
    """A row's cells by field name, as :func:`~chitieu.exchange.payload.raw_value` reads them."""
    fields: dict[str, Any] = {}
    for key, cell in zip(keys, row, strict=False):
        if key is None or cell is None:
            continue
        if key == "comment":
            fields[key] = cell if cell != "" else None
        elif key == "value":
            fields[key] = cell.strip()
        else:
            fields[key] = cell.strip() or None
    return fields


def read_csv(
    stream: BinaryIO, header: dict[str, str] | None = None, *, first_row_is_header: bool = True
) -> Payload:
    p = Payload("csv", header=dict(header or {}))
    p.values = _csv_values(stream, p, first_row_is_header)
    return p
