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
default id scheme is ``code``. Duplicate values are reported by the import core, never merged.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from chitieu.catalog.periods import parse_period
from chitieu.exchange.dxf import OutValue
from chitieu.exchange.payload import Payload, PayloadError, RawValue, local_name, parse_xml

ADX_NS = "urn:ihe:qrph:adx:2015"
_GROUP_FIELDS = {"orgUnit", "period", "dataSet", "completeDate", "attributeOptionCombo"}
_REQUIRED = ("orgUnit", "period", "dataSet")


def _is_adx(tag: object, name: str) -> bool:
    if not isinstance(tag, str):  # comments and processing instructions
        return False
    ns, local = local_name(tag)
    return local == name and ns in (ADX_NS, None)


def _plain_attributes(element: ET.Element) -> dict[str, str]:
    """Attributes without a namespace (``xsi:…`` and the like are not categories)."""
    return {k: v for k, v in element.attrib.items() if not k.startswith("{")}


def read_adx(payload: bytes) -> Payload:
    root = parse_xml(payload)
    if not _is_adx(root.tag, "adx"):
        raise PayloadError(f'expected <adx xmlns="{ADX_NS}">, found <{root.tag}>')
    p = Payload("adx")
    index = 0
    groups = [g for g in root if isinstance(g.tag, str)]
    for gi, group in enumerate(groups, 1):
        where = f"group[{gi}]"
        if not _is_adx(group.tag, "group"):
            p.problem(None, where, local_name(group.tag)[1], "expected <group>", "group")
            continue
        attrs = _plain_attributes(group)
        missing = [a for a in _REQUIRED if not attrs.get(a, "").strip()]
        values = [v for v in group if isinstance(v.tag, str)]
        if missing:
            p.problem(None, where, ",".join(missing), f"group lacks {', '.join(missing)}", "group")
            index += len(values)  # counted, so the summary ignores them too
            continue
        attribute_categories = tuple(
            sorted((k, v) for k, v in attrs.items() if k not in _GROUP_FIELDS)
        )
        for vi, dv in enumerate(values, 1):
            location = f"{where}/dataValue[{vi}]"
            if not _is_adx(dv.tag, "dataValue"):
                p.problem(index, location, local_name(dv.tag)[1], "expected <dataValue>", "value")
                index += 1
                continue
            a = _plain_attributes(dv)
            element = a.pop("dataElement", None)
            value = a.pop("value", None)
            coc = a.pop("categoryOptionCombo", None)
            if not element or value is None:
                lacks = "dataElement" if not element else "value"
                p.problem(index, location, element or "?", f"dataValue lacks {lacks}", lacks)
                index += 1
                continue
            notes = [n.text for n in dv if _is_adx(n.tag, "annotation") and n.text]
            p.values.append(
                RawValue(
                    index=index,
                    location=location,
                    data_element=element,
                    period=attrs["period"],
                    org_unit=attrs["orgUnit"],
                    category_option_combo=coc,
                    attribute_option_combo=attrs.get("attributeOptionCombo"),
                    value=value,
                    comment="\n".join(notes) if notes else None,
                    categories=tuple(sorted(a.items())),
                    attribute_categories=attribute_categories,
                    data_set=attrs["dataSet"],
                )
            )
            index += 1
    p.count = index
    return p


def write_adx(values: Sequence[OutValue], *, exported: datetime | None = None) -> bytes:
    """ADX with one group per (org unit, period, data set), in first-seen order.

    ``OutValue.period`` is a DHIS2 period; it is written as ISO start/duration. A value whose
    disaggregation has categories is written with one attribute per category; one without
    (a combo the mapping gives no options) with ``categoryOptionCombo``."""
    root = ET.Element("adx", {"xmlns": ADX_NS})
    root.set("exported", (exported or datetime.now()).isoformat(timespec="seconds"))
    groups: dict[tuple[str, str, str], ET.Element] = {}
    for v in values:
        key = (v.org_unit, parse_period(v.period).adx, v.data_set)
        group = groups.get(key)
        if group is None:
            group = ET.SubElement(
                root, "group", {"orgUnit": key[0], "period": key[1], "dataSet": key[2]}
            )
            groups[key] = group
        attrs = {"dataElement": v.data_element}
        if v.categories:
            attrs.update(v.categories)
        elif v.category_option_combo:
            attrs["categoryOptionCombo"] = v.category_option_combo
        attrs["value"] = v.value
        dv = ET.SubElement(group, "dataValue", attrs)
        if v.comment:
            ET.SubElement(dv, "annotation").text = v.comment
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
