"""DHIS2 ``dataValueSets`` in JSON, read as a stream (see :mod:`chitieu.exchange.dxf`).

Two readers give the same answers. The exact one
(:func:`chitieu.exchange.dxf_json_events.json_events`) takes ijson's parse events one at a
time, a dozen Python steps per value. The quick one (:func:`_json_quick`) decodes each data
value whole with the standard library's C decoder (``json``) from a bounded window of the
text, reads the set's own fields itself and a value with the usual field names without
``raw_value`` (:class:`_Layout`); on anything the two parsers read differently or not at all
(a byte-order mark, ``NaN``, an escaped lone surrogate, whitespace other than JSON's,
malformed text, a ``dataValues`` that is not a list, a value larger than :data:`MAX_ITEM`,
data after the set) it hands over to the exact reader, which reads the payload again from
its start, silently up to where the quick one stopped, and from there on as usual, so that
every value, problem, index and count is what the exact reader gives.

An integer longer than Python converts (4,300 digits) is refused as malformed JSON: ijson's
C backend crashes the process on one.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Generator, Iterator
from decimal import Decimal
from operator import itemgetter
from typing import Any, BinaryIO

from chitieu.exchange.dxf_json_events import json_events
from chitieu.exchange.payload import (
    HEADER_FIELDS,
    VALUE_FIELDS,
    Payload,
    PayloadError,
    RawValue,
    new_raw,
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


#: A flag's types read as they are (``as_bool`` gives a bool back, None is absent).
_FLAG = frozenset((bool, type(None)))
_FLAG_NAMES = ("followup", "followUp", "deleted")


class _Layout:
    """How to read a data value whose fields have these names (all usual ones, at least two
    of them text fields): ``texts`` gives its text fields' values, ``order`` puts them (and
    a None after them) in :data:`VALUE_FIELDS` order, ``follow`` and ``deleted`` name its
    flags (``followup`` wins over ``followUp``, as in ``raw_value``)."""

    def __init__(self, names: tuple[str, ...], texts: list[str]) -> None:
        self.texts = itemgetter(*texts)
        at = {name: k for k, name in enumerate(texts)}
        self.order = itemgetter(*(at.get(name, len(texts)) for name in VALUE_FIELDS))
        self.follow = next((n for n in _FLAG_NAMES[:2] if n in names), None)
        self.deleted = "deleted" if "deleted" in names else None


def _layout(names: tuple[str, ...]) -> _Layout | None:
    texts = [n for n in VALUE_FIELDS if n in names]
    if len(texts) < 2 or len(texts) + sum(n in names for n in _FLAG_NAMES) != len(names):
        return None  # another field, or too few: raw_value reads it
    return _Layout(names, texts)


def _values(w: _Window, p: Payload, pos: int, key_no: int) -> Generator[RawValue, None, int]:
    """The data values of the list starting at ``pos``; returns the position after it."""
    i = 0
    pos = _skip_space(w, pos)
    if w.text[pos] == "]":
        return pos + 1
    scan = _scan
    nxt = _NEXT.match
    nested = (dict, list)
    layouts: dict[tuple[str, ...], _Layout | None] = {}
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
            lay = layouts.get(tuple(item)) if type(item) is dict else None
            if lay is None and type(item) is dict:
                lay = layouts[tuple(item)] = _layout(tuple(item))
            quick = None
            if lay:  # the fields' names are the usual ones: read the value without raw_value
                texts = lay.texts(item)
                follow = item[lay.follow] if lay.follow else None
                deleted = item[lay.deleted] if lay.deleted else None
                try:
                    plain = "\x00" not in "".join(texts)  # TypeError: not all text
                except TypeError:
                    plain = False
                if plain and type(follow) in _FLAG and type(deleted) in _FLAG:
                    de, pe, ou, coc, aoc, value, sb, cr, lu, cm = lay.order((*texts, None))
                    h = p.header
                    if h:
                        pe = h.get("period") or pe
                        ou = h.get("orgUnit") or ou
                        aoc = h.get("attributeOptionCombo") or aoc
                    quick = new_raw(
                        (
                            i,
                            location,
                            de,
                            pe,
                            ou,
                            coc,
                            aoc,
                            value,
                            sb,
                            cr,
                            lu,
                            cm,
                            follow,
                            (),
                            (),
                            h.get("dataSet"),
                            deleted,
                        )
                    )
            if quick is not None:
                yield quick
            elif type(item) is dict:
                types = set(map(type, item.values()))
                if dict in types or list in types:
                    bad = [k for k, v in item.items() if type(v) in nested]
                    p.nested_field(i, location, bad[0])
                else:
                    v = raw_value(p, i, location, item)
                    if v is not None:
                        yield v
            else:
                shown = "list" if type(item) is list else str(item)[:80]
                p.not_an_object(i, location, shown)
            i += 1
            p.count = i
            pos = m.end()
            if m.group(1) == "]":
                return pos
    except _HandOver:
        raise _HandOver(key_no, i) from None


def _json_values(stream: BinaryIO, p: Payload, header: dict[str, str]) -> Iterator[RawValue]:
    """The quick reader, handing over to the exact one where it stops."""
    if not stream.seekable():
        yield from json_events(stream, p, header)
        return
    start = stream.tell()
    try:
        yield from _json_quick(stream, p, header)
        return
    except _HandOver as stop:
        resume = (stop.key, stop.item)
    stream.seek(start)
    yield from json_events(stream, p, header, resume)


def read_json(stream: BinaryIO, header: dict[str, str] | None = None) -> Payload:
    """A streaming reader; ``header`` is a header already known (from an earlier pass)."""
    p = Payload("json", header=dict(header or {}))
    p.values = _json_values(stream, p, dict(header or {}))
    return p
