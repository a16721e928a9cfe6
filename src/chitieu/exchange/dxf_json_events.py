"""DHIS2 ``dataValueSets`` in JSON read from ijson's parse events, one at a time: the exact
reader, which :mod:`chitieu.exchange.dxf_json`'s quick reader hands over to where it stops.

ijson's C backend crashes the whole process (a segmentation fault) on an integer longer than
Python converts (:func:`sys.get_int_max_str_digits`, 4,300 digits), so the text reaches it
through :class:`_NoHugeNumbers`, which refuses any run of that many digits first."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

import ijson

from chitieu.exchange.payload import (
    HEADER_FIELDS,
    Payload,
    PayloadError,
    RawValue,
    raw_value,
    read_header,
)


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


class _NoHugeNumbers:
    """``stream`` read as it is, but a run of digits as long as Python refuses to convert
    (counted across reads) raises :class:`PayloadError` before the parser sees it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._limit = sys.get_int_max_str_digits() or 0
        self._long = re.compile(rb"[0-9]{%d}" % self._limit) if self._limit else None
        self._run = 0  # digits at the end of what was read so far

    def read(self, size: int = -1) -> bytes:
        block = self._stream.read(size)
        if self._long is None or not block:
            return block
        lead = len(block) - len(block.lstrip(b"0123456789"))
        trail = len(block) - len(block.rstrip(b"0123456789"))
        if self._run + lead >= self._limit or self._long.search(block):
            raise PayloadError(
                f"malformed JSON: a number of {self._limit} digits or more cannot be a value"
            )
        self._run = self._run + lead if lead == len(block) else trail
        return block


def json_events(
    stream: BinaryIO, p: Payload, header: dict[str, str], resume: tuple[int, int | None] = (0, 0)
) -> Iterator[RawValue]:
    """The exact reader; ``resume``: the set field and data value from which it records
    (what comes before was read already, by the quick reader)."""
    from_key, from_item = resume
    events = ijson.basic_parse(_NoHugeNumbers(stream))
    try:
        first = next(events, None)
        if first is None or first[0] != "start_map":
            raise PayloadError("a dataValueSet must be a JSON object with a dataValues list")
        seen_values = False
        key_no = -1
        for event, value in events:
            if event == "end_map":
                break
            key_no += 1
            key = value  # map_key at the top level
            event, value = next(events)
            if key != "dataValues":
                if event in ("start_map", "start_array"):
                    _skip(events)
                elif key in HEADER_FIELDS and key not in header and key_no >= from_key:
                    read_header(p, {key: _scalar(event, value)}, late=seen_values)
                continue
            if event == "null":
                continue
            if event != "start_array":
                raise PayloadError("dataValues must be a list")
            seen_values = True
            quiet = 0 if key_no > from_key else (from_item or 0) if key_no == from_key else -1
            for i, (event, value) in enumerate(events):
                if event == "end_array":
                    break
                if quiet < 0 or i < quiet:  # read already
                    if event in ("start_map", "start_array"):
                        _skip(events)
                    continue
                location = f"dataValues[{i}]"
                if event == "start_map":
                    fields = _json_object(events)
                    bad = [k for k, v in fields.items() if v is _NESTED]
                    if bad:
                        p.nested_field(i, location, bad[0])
                    else:
                        v = raw_value(p, i, location, fields)
                        if v is not None:
                            yield v
                else:
                    if event == "start_array":
                        _skip(events)
                    shown = "list" if event == "start_array" else str(value)[:80]
                    p.not_an_object(i, location, shown)
                p.count = i + 1
        else:
            raise PayloadError("malformed JSON: the document ends early")
        if next(events, None) is not None:
            raise PayloadError("malformed JSON: extra data after the dataValueSet")
    except ijson.JSONError as exc:
        raise PayloadError(f"malformed JSON: {exc}") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise PayloadError(f"malformed JSON: {exc}") from None
