"""DHIS2 ``dataValueSets`` in JSON, read as a stream (see :mod:`chitieu.exchange.dxf`).

Two readers give the same answers. The exact one (:func:`_json_events`) takes ijson's parse
events one at a time, a dozen Python steps per value. The quick one (:func:`_json_quick`)
decodes each data value whole with the standard library's C decoder (``json``) from a
bounded window of the text and reads the set's own fields itself; it handles what the
exact reader would read the same way, and on anything else (a spelling the two parsers read
differently or not at all: a byte-order mark, ``NaN``, an escaped lone surrogate, whitespace
other than JSON's, malformed text, a ``dataValues`` that is not a list, a value larger than
:data:`MAX_ITEM`, data after the set) it hands over to the exact reader, which reads the
payload again from its start, silently up to where the quick one stopped, and from there on
as usual, so that every value, problem, index and count is what the exact reader gives.

An integer longer than Python converts (4,300 digits) is refused as malformed JSON: ijson's
C backend crashes the process on one.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Generator, Iterator
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

#: Bytes read at a time by the quick reader.
BLOCK = 1 << 16
#: A data value (or a set field's value) longer than this is left to the exact reader, which
#: streams it: the quick reader's window of text stays bounded.
MAX_ITEM = 1 << 20
#: JSON whitespace, then a separator in a list (or its end).
_NEXT = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
_SPACE = re.compile(r"[ \t\n\r]*")
#: An escaped UTF-16 surrogate: ijson reads a lone one as ``?``, ``json`` keeps it.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class _HandOver(Exception):
    """The quick reader stops: the exact reader takes over at set field ``key`` (counted
    from 0), before its data value ``item`` (None: before the field)."""

    def __init__(self, key: int, item: int | None = None) -> None:
        super().__init__(key, item)
        self.key = key
        self.item = item


def _no_constant(name: str) -> Any:
    raise _HandOver(-1)  # NaN, Infinity: not JSON; the exact reader says so


def _float_text(text: str) -> str:
    return str(Decimal(text))  # as the exact reader spells a fraction (ijson's Decimal)


_DECODER = json.JSONDecoder(parse_float=_float_text, parse_constant=_no_constant)
_scan = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner raw_decode uses


class _Window:
    """The payload's text from the first unread character, grown a block at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.eof = False

    def grow(self, pos: int) -> int:
        """Drop the text before ``pos`` and read a block more; the new position of ``pos``.
        ``_HandOver(-1)`` when the block is no UTF-8 or has an escaped surrogate."""
        if self.eof:
            raise _HandOver(-1)
        block = self.stream.read(BLOCK)
        try:
            more = self.decoder.decode(block, final=not block)
        except UnicodeDecodeError:
            raise _HandOver(-1) from None
        self.eof = not block
        if _SURROGATE.search(more) or _SURROGATE.search(self.text[-5:] + more[:5]):
            raise _HandOver(-1)
        self.text = self.text[pos:] + more
        return 0


def _decode(w: _Window, pos: int) -> tuple[Any, int, int]:
    """The JSON value at ``pos`` (growing the window until it is whole): (value, its end,
    the new position of ``pos``)."""
    while True:
        try:
            value, end = _scan(w.text, pos)
            return value, end, pos
        except (StopIteration, json.JSONDecodeError):
            if w.eof or len(w.text) - pos > MAX_ITEM:
                raise _HandOver(-1) from None
            pos = w.grow(pos)
        except RecursionError:
            raise _HandOver(-1) from None
        except ValueError as exc:  # an integer past Python's conversion limit
            raise PayloadError(f"malformed JSON: {exc}") from None


def _skip_space(w: _Window, pos: int) -> int:
    """The position of the next character after whitespace (the window grown as needed)."""
    while True:
        pos = _SPACE.match(w.text, pos).end()  # type: ignore[union-attr]
        if pos < len(w.text):
            return pos
        pos = w.grow(pos)


def _json_quick(stream: BinaryIO, p: Payload, header: dict[str, str]) -> Iterator[RawValue]:
    w = _Window(stream)
    key_no = 0
    try:
        pos = _skip_space(w, w.grow(0))
        if w.text[pos] != "{":
            raise _HandOver(0)
        pos = _skip_space(w, pos + 1)
        seen_values = False
        if w.text[pos] == "}":
            pos += 1
        else:
            while True:
                if w.text[pos] != '"':
                    raise _HandOver(key_no)
                key, pos, _ = _decode(w, pos)
                pos = _skip_space(w, pos)
                if w.text[pos] != ":":
                    raise _HandOver(key_no)
                pos = _skip_space(w, pos + 1)
                if key == "dataValues":
                    if w.text[pos] != "[":
                        raise _HandOver(key_no)
                    seen_values = True
                    pos = yield from _values(w, p, pos + 1, key_no)
                else:
                    value, pos, _ = _decode(w, pos)
                    scalar = type(value) not in (dict, list)
                    if scalar and key in HEADER_FIELDS and key not in header:
                        read_header(p, {key: value}, late=seen_values)
                key_no += 1
                pos = _skip_space(w, pos)
                if w.text[pos] == "}":
                    pos += 1
                    break
                if w.text[pos] != ",":
                    raise _HandOver(key_no)
                pos = _skip_space(w, pos + 1)
        # nothing but whitespace may follow the set
        while True:
            pos = _SPACE.match(w.text, pos).end()  # type: ignore[union-attr]
            if pos < len(w.text) or w.eof:
                break
            pos = w.grow(pos)
        if pos < len(w.text):
            raise _HandOver(key_no)
    except _HandOver as stop:
        raise _HandOver(key_no, stop.item) from None


def _values(w: _Window, p: Payload, pos: int, key_no: int) -> Generator[RawValue, None, int]:
    """The data values of the list starting at ``pos``; returns the position after it."""
    i = 0
    pos = _skip_space(w, pos)
    if w.text[pos] == "]":
        return pos + 1
    scan = _scan
    nxt = _NEXT.match
    nested = (dict, list)
    try:
        while True:
            try:
                item, end = scan(w.text, pos)
                m = nxt(w.text, end)
                if m is None or m.end() == len(w.text):
                    raise StopIteration
            except (StopIteration, ValueError):  # the window ends, or anything unusual
                item, end, pos = _decode(w, pos)
                pos = _skip_space(w, end)
                m = nxt(w.text, pos)
                if m is None:
                    raise _HandOver(-1) from None
                if m.end() == len(w.text) and m.group(1) == ",":
                    w.text = w.text[m.start() :]
                    pos = w.grow(0)
                    m = nxt(w.text, pos)
                    if m is None:
                        raise _HandOver(-1) from None
            location = f"dataValues[{i}]"
            if type(item) is dict:
                types = set(map(type, item.values()))
                if dict in types or list in types:
                    bad = [k for k, v in item.items() if type(v) in nested]
                    why = f"{bad[0]} must be text or a number, not an object or a list"
                    p.problem(i, location, bad[0], why, bad[0])
                else:
                    v = raw_value(p, i, location, item)
                    if v is not None:
                        yield v
            else:
                shown = "list" if type(item) is list else str(item)[:80]
                p.problem(i, location, shown, "a data value must be a JSON object", "value")
            i += 1
            p.count = i
            pos = m.end()
            if m.group(1) == "]":
                return pos
    except _HandOver:
        raise _HandOver(key_no, i) from None


# --- the exact reader -------------------------------------------------------------------


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


def _json_events(
    stream: BinaryIO, p: Payload, header: dict[str, str], resume: tuple[int, int | None] = (0, 0)
) -> Iterator[RawValue]:
    """The exact reader; ``resume``: the set field and data value from which it records
    (what comes before was read already, by the quick reader)."""
    from_key, from_item = resume
    events = ijson.basic_parse(stream)
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


def _json_values(stream: BinaryIO, p: Payload, header: dict[str, str]) -> Iterator[RawValue]:
    """The quick reader, handing over to the exact one where it stops."""
    if not stream.seekable():
        yield from _json_events(stream, p, header)
        return
    start = stream.tell()
    try:
        yield from _json_quick(stream, p, header)
        return
    except _HandOver as stop:
        resume = (stop.key, stop.item)
    stream.seek(start)
    yield from _json_events(stream, p, header, resume)


def read_json(stream: BinaryIO, header: dict[str, str] | None = None) -> Payload:
    """A streaming reader; ``header`` is a header already known (from an earlier pass)."""
    p = Payload("json", header=dict(header or {}))
    p.values = _json_values(stream, p, dict(header or {}))
    return p
