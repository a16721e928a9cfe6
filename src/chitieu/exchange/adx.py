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
default id scheme is ``code``. Read incrementally (iterparse, one group at a time).
Duplicate values are reported by the import core, never merged.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from chitieu.catalog.periods import parse_period
from chitieu.exchange.dxf_write import OutValue, chunked
from chitieu.exchange.payload import Payload, PayloadError, RawValue, iter_xml, local_name

ADX_NS = "urn:ihe:qrph:adx:2015"
_GROUP_FIELDS = {"orgUnit", "period", "dataSet", "completeDate", "attributeOptionCombo"}
_REQUIRED = ("orgUnit", "period", "dataSet")


def _is_adx(tag: object, name: str) -> bool:
    if not isinstance(tag, str):  # comments and processing instructions
        return False
    return _is_adx_tag(tag, name)


@lru_cache(maxsize=256)
def _is_adx_tag(tag: str, name: str) -> bool:
    """Tags repeat on every element: each (tag, name) is judged once."""
    ns, local = local_name(tag)
    return local == name and ns in (ADX_NS, None)


def _plain_attributes(element: ET.Element) -> dict[str, str]:
    """Attributes without a namespace (``xsi:…`` and the like are not categories)."""
    return {k: v for k, v in element.attrib.items() if not k.startswith("{")}


def _adx_values(stream: BinaryIO, p: Payload) -> Iterator[RawValue]:
    index = 0
    depth = 0
    gi = vi = 0
    root: ET.Element | None = None
    attrs: dict[str, str] = {}
    group_ok = False
    attribute_categories: tuple[tuple[str, str], ...] = ()
    for event, elem in iter_xml(stream):
        if event == "start":
            depth += 1
            if depth == 1:
                root = elem
                if not _is_adx(elem.tag, "adx"):
                    raise PayloadError(f'expected <adx xmlns="{ADX_NS}">, found <{elem.tag}>')
            elif depth == 2:
                gi += 1
                vi = 0
                attrs = _plain_attributes(elem)
                missing = [a for a in _REQUIRED if not attrs.get(a, "").strip()]
                group_ok = _is_adx(elem.tag, "group") and not missing
                where = f"group[{gi}]"
                if not _is_adx(elem.tag, "group"):
                    p.problem(None, where, local_name(elem.tag)[1], "expected <group>", "group")
                elif missing:
                    why = f"group lacks {', '.join(missing)}"
                    p.problem(None, where, ",".join(missing), why, "group")
                attribute_categories = tuple(
                    sorted((k, v) for k, v in attrs.items() if k not in _GROUP_FIELDS)
                )
            continue
        depth -= 1
        if depth == 1:  # a group ends
            elem.clear()
            if root is not None:
                root.clear()
            continue
        if depth != 2:
            continue
        vi += 1
        location = f"group[{gi}]/dataValue[{vi}]"
        value = _adx_value(p, elem, index, location, attrs, attribute_categories, group_ok)
        if value is not None:
            yield value
        index += 1
        p.count = index
        elem.clear()


def _adx_value(
    p: Payload,
    dv: ET.Element,
    index: int,
    location: str,
    attrs: dict[str, str],
    attribute_categories: tuple[tuple[str, str], ...],
    group_ok: bool,
) -> RawValue | None:
    if not group_ok:
        p.rejected.append(index)  # counted, so the summary ignores it too
        return None
    if not _is_adx(dv.tag, "dataValue"):
        p.problem(index, location, local_name(dv.tag)[1], "expected <dataValue>", "value")
        return None
    a = _plain_attributes(dv)
    element = a.pop("dataElement", None)
    value = a.pop("value", None)
    coc = a.pop("categoryOptionCombo", None)
    if not element or value is None:
        lacks = "dataElement" if not element else "value"
        p.problem(index, location, element or "?", f"dataValue lacks {lacks}", lacks)
        return None
    notes = [n.text for n in dv if _is_adx(n.tag, "annotation") and n.text] if len(dv) else None
    return RawValue(  # positional: the fields in their order, none left out
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
