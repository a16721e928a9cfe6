"""ADX (IHE QRPH Aggregate Data Exchange, ``urn:ihe:qrph:adx:2015``), read and written.

    <adx xmlns="urn:ihe:qrph:adx:2015" exported="2025-02-01T08:00:00">
      <group orgUnit="00070" period="2025-01-01/P1M" dataSet="COMMUNE_MONTHLY">
        <dataValue dataElement="LIVE_BIRTHS" SEX="F" BIRTH_ORDER="3P" value="4"/>
        <dataValue dataElement="ACT_INSPECTIONS" value="2"><annotation>…</annotation></dataValue>
      </group>
    </adx>

Each group needs ``orgUnit``, ``period`` and ``dataSet``; each data value ``dataElement`` and
``value``. A disaggregation is one attribute per category (named by the category's code, the
option's code as value) or a ``categoryOptionCombo`` attribute, which wins when both are given.
Other group attributes name attribute categories (chitieu has none: such values are refused).
Periods are ISO 8601 ``start/duration``; DHIS2 spellings are accepted on import too. The
default id scheme is ``code``. Read incrementally (expat, :mod:`chitieu.exchange.xml_stream`).
Duplicate values are reported by the import core, never merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from chitieu.catalog.periods import parse_period
from chitieu.exchange.dxf_write import OutValue, chunked
from chitieu.exchange.payload import Payload, PayloadError, RawValue, new_raw
from chitieu.exchange.xml_stream import parse_blocks, safe_parser, shown_tag, split_name

ADX_NS = "urn:ihe:qrph:adx:2015"
_GROUP_FIELDS = {"orgUnit", "period", "dataSet", "completeDate", "attributeOptionCombo"}
_REQUIRED = ("orgUnit", "period", "dataSet")


@lru_cache(maxsize=256)
def _is_adx(tag: str, name: str) -> bool:
    """Whether an expat name (``uri}local``) is ADX's ``name``; each pair is judged once."""
    ns, local = split_name(tag)
    return local == name and ns in (ADX_NS, None)


def _plain_attributes(attrib: dict[str, str]) -> dict[str, str]:
    """Attributes without a namespace (``xsi:…`` and the like are not categories)."""
    return {k: v for k, v in attrib.items() if "}" not in k}


#: A data value's name, as expat gives it (``_is_adx(name, "dataValue")``).
_DATA_VALUE = frozenset((f"{ADX_NS}}}dataValue", "dataValue"))
#: What the parser's handlers note, taken in order by the reader.
_GROUP, _VALUE = 0, 1


def _adx_values(stream: BinaryIO, p: Payload) -> Iterator[RawValue]:
    """The values, read by expat handlers that note each group's start and each data
    value's end (with the text of its annotations) and nothing else."""
    noted: list[tuple[Any, ...]] = []
    note = noted.append
    depth = 0
    notes: list[str] | None = None  # the annotations' texts of the data value being read
    text: list[str] | None = None  # the text of the annotation being read, until a child

    current: dict[str, str] = {}  # the attributes of the data value being read

    def start(name: str, attrib: dict[str, str]) -> None:
        nonlocal depth, notes, text, current
        depth += 1
        if depth == 3:
            notes = None
            current = attrib
        elif depth == 4:
            if notes is None:
                notes = []
            if _is_adx(name, "annotation"):
                text = []
                parser.CharacterDataHandler = data  # text is read only in annotations
        elif depth == 5 and text is not None:  # an annotation's text ends at its first child
            if text:
                notes.append("".join(text))  # type: ignore[union-attr]
            text = None
            parser.CharacterDataHandler = None
        elif depth == 2:
            note((_GROUP, name, attrib))
        elif depth == 1 and not _is_adx(name, "adx"):
            raise PayloadError(f'expected <adx xmlns="{ADX_NS}">, found <{shown_tag(name)}>')

    def end(name: str) -> None:
        nonlocal depth, text
        depth -= 1
        if depth == 2:
            note((_VALUE, name, current, notes))
        elif depth == 3 and text is not None:
            if text:
                notes.append("".join(text))  # type: ignore[union-attr]
            text = None
            parser.CharacterDataHandler = None

    def data(chunk: str) -> None:
        text.append(chunk)  # type: ignore[union-attr]  # set only inside an annotation

    parser = safe_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    index = 0
    gi = vi = 0
    attrs: dict[str, str] = {}
    group_ok = False
    attribute_categories: tuple[tuple[str, str], ...] = ()
    period = org_unit = data_set = ""
    aoc: str | None = None
    for _ in parse_blocks(stream, parser):
        for item in noted:
            if item[0] == _GROUP:
                _, name, attrib = item
                gi += 1
                vi = 0
                attrs = _plain_attributes(attrib)
                missing = [a for a in _REQUIRED if not attrs.get(a, "").strip()]
                group_ok = _is_adx(name, "group") and not missing
                where = f"group[{gi}]"
                if not _is_adx(name, "group"):
                    p.problem(None, where, split_name(name)[1], "expected <group>", "group")
                elif missing:
                    why = f"group lacks {', '.join(missing)}"
                    p.problem(None, where, ",".join(missing), why, "group")
                attribute_categories = tuple(
                    sorted((k, v) for k, v in attrs.items() if k not in _GROUP_FIELDS)
                )
                if group_ok:
                    period, org_unit, data_set = attrs["period"], attrs["orgUnit"], attrs["dataSet"]
                    aoc = attrs.get("attributeOptionCombo")
                continue
            _, name, attrib, texts = item
            vi += 1
            location = f"group[{gi}]/dataValue[{vi}]"
            element = attrib.get("dataElement")
            value = attrib.get("value")
            coc = attrib.get("categoryOptionCombo")
            if (
                group_ok
                and name in _DATA_VALUE
                and element
                and value is not None
                # no other attribute: no category to read, none namespaced
                and len(attrib) == 2 + (coc is not None)
            ):
                yield new_raw(  # the fields in their order, none left out
                    (
                        index,
                        location,
                        element,
                        period,
                        org_unit,
                        coc,
                        aoc,
                        value,
                        None,
                        None,
                        None,
                        "\n".join(texts) if texts else None,
                        None,
                        (),
                        attribute_categories,
                        data_set,
                        None,
                    )
                )
            else:
                raw = _adx_value(
                    p, name, attrib, texts, index, location, attrs, attribute_categories, group_ok
                )
                if raw is not None:
                    yield raw
            index += 1
            p.count = index
        noted.clear()


def _adx_value(
    p: Payload,
    name: str,
    attrib: dict[str, str],
    notes: list[str] | None,
    index: int,
    location: str,
    attrs: dict[str, str],
    attribute_categories: tuple[tuple[str, str], ...],
    group_ok: bool,
) -> RawValue | None:
    if not group_ok:
        p.rejected.append(index)  # counted, so the summary ignores it too
        return None
    if not _is_adx(name, "dataValue"):
        p.problem(index, location, split_name(name)[1], "expected <dataValue>", "value")
        return None
    a = _plain_attributes(attrib)
    element = a.pop("dataElement", None)
    value = a.pop("value", None)
    coc = a.pop("categoryOptionCombo", None)
    if not element or value is None:
        lacks = "dataElement" if not element else "value"
        p.problem(index, location, element or "?", f"dataValue lacks {lacks}", lacks)
        return None
    return new_raw(  # the fields in their order, none left out
        (
            index,
            location,
            element,
            attrs["period"],
            attrs["orgUnit"],
            coc,
            attrs.get("attributeOptionCombo"),
            value,
            None,
            None,
            None,
            "\n".join(notes) if notes else None,
            None,
            tuple(sorted(a.items())),
            attribute_categories,
            attrs["dataSet"],
            None,
        )
    )


def read_adx(stream: BinaryIO, header: dict[str, str] | None = None) -> Payload:
    """A streaming ADX reader (``header`` is unused: ADX has no set-level options)."""
    p = Payload("adx")
    p.values = _adx_values(stream, p)
    return p


def write_adx(values: Iterable[OutValue], *, exported: datetime | None = None) -> Iterator[bytes]:
    """ADX with one group per run of values sharing (org unit, period, data set): the export
    is sorted by unit and period, so each group is written whole as the values stream by.

    ``OutValue.period`` is a DHIS2 period; it is written as ISO start/duration. A value whose
    disaggregation has categories is written with one attribute per category; one without
    (a combo the mapping gives no options) with ``categoryOptionCombo``."""
    stamp = (exported or datetime.now()).isoformat(timespec="seconds")

    def parts() -> Iterator[str]:
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<adx xmlns="{ADX_NS}" exported="{stamp}">\n'
        key: tuple[str, str, str] | None = None
        for v in values:
            k = (v.org_unit, parse_period(v.period).adx, v.data_set)
            if k != key:
                if key is not None:
                    yield "  </group>\n"
                key = k
                yield f"  <group orgUnit={quoteattr(k[0])} period={quoteattr(k[1])} "
                yield f"dataSet={quoteattr(k[2])}>\n"
            a = {"dataElement": v.data_element}
            if v.categories:
                a.update(v.categories)
            elif v.category_option_combo:
                a["categoryOptionCombo"] = v.category_option_combo
            a["value"] = v.value
            shown = "".join(f" {n}={quoteattr(x)}" for n, x in a.items())
            if v.comment:
                yield f"    <dataValue{shown}><annotation>{escape(v.comment)}</annotation>"
                yield "</dataValue>\n"
            else:
                yield f"    <dataValue{shown}/>\n"
        if key is not None:
            yield "  </group>\n"
        yield "</adx>\n"

    return chunked(parts())
