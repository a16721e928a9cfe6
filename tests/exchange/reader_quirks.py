"""Payloads with the quirks DHIS2 clients send, and what the readers and the translation make
of them, for ``test_reader_quirks.py``: the expected answers in ``reader_quirks.json`` were
written by the readers as they were before they were reworked for speed
(``bench/bench_dhis2_readers.py --golden tests/exchange/reader_quirks.json``), so the test
holds the new readers to the old ones' every value, conflict, index, location and count."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from chitieu.exchange.mapping import read_mapping
from chitieu.exchange.options import ImportOptions, RequestOptions
from chitieu.reporting.imports import Outcome

LB, HK, OTHER = "LIVE_BIRTHS", "00070", "00073"
CSV_HEAD = (
    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
    "lastupdated,comment,followup,deleted"
)
ADX_NS = "urn:ihe:qrph:adx:2015"
DXF_NS = "http://dhis2.org/schema/dxf/2.0"


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


#: name -> (format, payload, known header, first row is a header)
PAYLOADS: dict[str, tuple[str, bytes, dict[str, str], bool]] = {
    "csv_full": (
        "csv",
        _csv(
            CSV_HEAD,
            f"{LB},202401,{HK},M_O1,,4,ana,2024-02-01,,false,",
            f'{LB},202401,{HK},M_O2,,"5",,,"ghi chú, có dấu phẩy",TRUE,false',
            f" {LB} , 202401 , {HK} , F_O1 ,, 6 , bob ,, keep  spaces ,yes,",
            f"{LB},202401,{HK},F_O2,,7,,,,maybe,",
            f"{LB},202401,{HK},F_O3P,,8,,,,,sure",
            f"{LB},202401,{HK},M_O3P,,1,,,,,true",
            "",
            "  ,  , ",
            f"{LB},202401,{HK}",
            f"{LB},202401,{HK},M_O1,HllvX50cXC0,2,,,,0,1",
            f"{LB},202401,{HK},M_O1,XYZ,2,,,,,",
            f"{LB},,{HK},M_O1,,2,,,,,",
            f",202401,{HK},M_O1,,2,,,,,",
            f"{LB},202401,,M_O1,,,,,,,",
            f"{LB},202401,{HK},M_O1,,,,,,,",
            f'{LB},202401,{HK},"M_O1",,"",,,"",,',
            f"{LB},202401,{OTHER},NOPE,,3,,,,,",
            f"NOPE,202401,{OTHER},default,,3,,,,,,extra,cells",
            f"{LB},202401,{HK},M_O1,,3",
            f"{LB},202401,{HK},M_O1,,3,x\x00y,,,,",
            f"{LB},202401,{HK},M_O1,,3,,,,n\x00,",
            f"{LB},202401,{HK},M_O1,,3,,,,,\x00",
            f'{LB},202401,{HK},M_O1,,3,,,"two\nlines",,',
        ),
        {},
        True,
    ),
    "csv_bom_old_names": (
        "csv",
        b"\xef\xbb\xbf"
        + _csv(
            "DataElement,Period,OrgUnit,CatOptCombo,AttrOptCombo,Value,StoredBy,LastUpdated,"
            "Comment,FollowUp",
            f"{LB},202402,{HK},M_O1,,1,,,c,on",
            f"{LB},202402,{HK},M_O2,,2",
        ),
        {},
        True,
    ),
    "csv_reordered_repeated_blank_columns": (
        "csv",
        _csv(
            "value,,orgunit,period,dataelement,comment,value,created",
            f"1,zz,{HK},202403,{LB},c1,2,2024-01-01",
            f"3,zz,{HK},202403,{LB},c2",
            f"4,zz,{HK},202403,{LB}",
            f"5,zz,{HK},202403",
        ),
        {},
        True,
    ),
    "csv_positional_first_row_skipped": (
        "csv",
        _csv(
            f"{LB},202404,{HK},M_O1,,9",
            f"{LB},202404,{HK},M_O2,,10,,,,,",
            f"{LB},202404,{HK},M_O3P,,11,,,,,,",
        ),
        {},
        True,
    ),
    "csv_positional_first_row_kept": (
        "csv",
        _csv(f"{LB},202404,{HK},M_O1,,9", f"{LB},202404,{HK},M_O2,,10"),
        {},
        False,
    ),
    "csv_set_header_wins": (
        "csv",
        _csv(CSV_HEAD, f"{LB},202405,{OTHER},M_O1,,1,,,,,", f"{LB},,,M_O2,,2,,,,,"),
        {"period": "202406", "orgUnit": HK, "dataSet": "COMMUNE_MONTHLY"},
        True,
    ),
    "csv_not_utf8": ("csv", _csv(CSV_HEAD, f"{LB},202401,{HK},M_O1,,1") + b"\xff\xfe,\n", {}, True),
    "xml_quirks": (
        "xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- exported -->
<dataValueSet xmlns="{DXF_NS}" xmlns:x="urn:x" period="202407" dataSet="COMMUNE_MONTHLY"
    dryRun="false" x:note="n">
  <dataValue dataElement="{LB}" orgUnit="{HK}" categoryOptionCombo="M_O1" value="1"
      comment="a &amp; b" storedBy="ana" followup="true"/>
  <dataValue dataElement="{LB}" orgUnit="{HK}" categoryOptionCombo="M_O2" value="2"
      followup="maybe" deleted="false"><child a="b">text</child></dataValue>
  <?pi data?>
  <dataValue dataElement="{LB}" orgUnit="{HK}" categoryOptionCombo="M_O3P" value="3"
      deleted="perhaps"/>
  <other dataElement="{LB}"/>
  <x:dataValue dataElement="{LB}" orgUnit="{HK}" value="4"/>
  <dataValue dataElement="{LB}" orgUnit="{HK}" categoryOptionCombo="F_O1" value=" 5 "
      period="202301" x:extra="1" attributeOptionCombo="XYZ"/>
  <dataValue orgUnit="{HK}" value="6"/>
  <dataValue dataElement="{LB}" orgUnit="{HK}" categoryOptionCombo="F_O2" value="7"
      comment="x&#10;y"/><![CDATA[ignored]]>
</dataValueSet>
""".encode(),
        {},
        True,
    ),
    "xml_prefixed_root_no_ns": (
        "xml",
        f"""<d:dataValueSet xmlns:d="{DXF_NS}"><d:dataValue dataElement="{LB}" period="202408"
orgUnit="{HK}" value="1"/></d:dataValueSet>""".encode()
        + b"\n<!-- after -->\n",
        {},
        True,
    ),
    "xml_known_header": (
        "xml",
        f'<dataValueSet period="202409" orgUnit="{OTHER}"><dataValue dataElement="{LB}" '
        f'value="1"/></dataValueSet>'.encode(),
        {"period": "202410"},
        True,
    ),
    "xml_wrong_root": ("xml", b"<dataValues><dataValue/></dataValues>", {}, True),
    "xml_dtd": (
        "xml",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "x">]><dataValueSet>&a;</dataValueSet>',
        {},
        True,
    ),
    "xml_malformed_midway": (
        "xml",
        f'<dataValueSet><dataValue dataElement="{LB}" period="202401" orgUnit="{HK}" '
        f'value="1"/><dataValue dataElement="{LB}" period="202401" orgUnit="{HK}" value="2">'
        f"</dataValueSet>".encode(),
        {},
        True,
    ),
    "xml_truncated": (
        "xml",
        f'<dataValueSet><dataValue dataElement="{LB}" period="202401" orgUnit="{HK}" '
        f'value="1"/>'.encode(),
        {},
        True,
    ),
    "xml_empty": ("xml", b"", {}, True),
    "xml_latin1": (
        "xml",
        f'<?xml version="1.0" encoding="ISO-8859-1"?><dataValueSet><dataValue '
        f'dataElement="{LB}" period="202401" orgUnit="{HK}" value="1" comment="caf\xe9"/>'
        f"</dataValueSet>".encode("latin-1"),
        {},
        True,
    ),
    "adx_quirks": (
        "adx",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<adx xmlns="{ADX_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" exported="x">
  <!-- a comment -->
  <group orgUnit="{HK}" period="2024-01-01/P1M" dataSet="COMMUNE_MONTHLY" completeDate="x">
    <dataValue dataElement="{LB}" SEX="F" BIRTH_ORDER="3P" value="4"/>
    <dataValue dataElement="{LB}" categoryOptionCombo="M_O1" value="5" xsi:type="t"/>
    <dataValue dataElement="{LB}" categoryOptionCombo="M_O2" SEX="F" value="6"/>
    <dataValue dataElement="{LB}" SEX="X" value="7"/>
    <dataValue dataElement="ACT_INSPECTIONS" value="2"><annotation>first</annotation>
      <annotation>second <b>bold</b> tail</annotation><annotation/><other>o</other>
      <annotation><![CDATA[cdata & more]]></annotation></dataValue>
    <dataValue dataElement="ACT_INSPECTIONS" value="3"><annotation><b>x</b>after</annotation>
    </dataValue>
    <dataValue value="1"/>
    <dataValue dataElement="{LB}" SEX="M" BIRTH_ORDER="1"/>
    <dataValue dataElement="" value="1"/>
    <notValue dataElement="{LB}" value="1"/>
    <?pi x?>
  </group>
  <group orgUnit="{HK}" period="2024-02" dataSet="COMMUNE_MONTHLY" AGE="young">
    <dataValue dataElement="ACT_INSPECTIONS" value="1"/>
  </group>
  <group orgUnit="{HK}" period=" " dataSet="COMMUNE_MONTHLY">
    <dataValue dataElement="ACT_INSPECTIONS" value="1"/>
  </group>
  <notgroup orgUnit="{HK}" period="2024-03" dataSet="COMMUNE_MONTHLY">
    <dataValue dataElement="ACT_INSPECTIONS" value="1"/>
  </notgroup>
  <group orgUnit="{HK}" period="2024-04" dataSet="OTHER_SET" attributeOptionCombo="XYZ">
    <dataValue dataElement="ACT_INSPECTIONS" value="1"/>
    <dataValue dataElement="ACT_INSPECTIONS" categoryOptionCombo="default" value=" 2 "/>
  </group>
  <group xsi:nil="true" orgUnit="{HK}" period="2024-05" dataSet="COMMUNE_MONTHLY"/>
</adx>
""".encode(),
        {},
        True,
    ),
    "adx_wrong_root": ("adx", b'<adx xmlns="urn:other"><group/></adx>', {}, True),
    "adx_entity": (
        "adx",
        f'<!DOCTYPE adx SYSTEM "http://x/adx.dtd"><adx xmlns="{ADX_NS}"/>'.encode(),
        {},
        True,
    ),
    "adx_malformed_midway": (
        "adx",
        f'<adx xmlns="{ADX_NS}"><group orgUnit="{HK}" period="2024-01" dataSet="D">'
        f'<dataValue dataElement="ACT_INSPECTIONS" value="1"/><dataValue value="2" value="3"/>'
        f"</group></adx>".encode(),
        {},
        True,
    ),
    "json_header_after_values": (
        "json",
        b'{"dataValues": [{"dataElement": "LIVE_BIRTHS", "orgUnit": "00070", '
        b'"categoryOptionCombo": "M_O1", "value": 1, "followUp": "yes"}], '
        b'"period": "202401", "dataSet": "COMMUNE_MONTHLY", "idScheme": "code", '
        b'"comment": {"nested": [1, 2]}, "orgUnit": 70}',
        {},
        True,
    ),
    "json_quirks": (
        "json",
        b'{"period": "202402", "dryRun": false, "completeDate": 2.50, "extra": [1, {"a": 2}], '
        b'"dataSet": null, "dataValues": [{"dataElement": "LIVE_BIRTHS", "orgUnit": "00070", '
        b'"categoryOptionCombo": "M_O1", "value": 1.50, "comment": "c\\u00e9", '
        b'"storedBy": null, "followup": true, "deleted": false}, '
        b'{"dataElement": "LIVE_BIRTHS", "orgUnit": "00070", "value": {"n": 1}}, 7, "text", '
        b'null, [1, [2]], {"dataElement": "LIVE_BIRTHS", "orgUnit": "00070", "value": true}, '
        b'{"dataElement": "LIVE_BIRTHS", "orgUnit": "00070", "value": "1", "comment": '
        b'"nul\\u0000"}, {"dataElement": "LIVE_BIRTHS", "orgUnit": "00070", "value": 1e3, '
        b'"followup": "perhaps", "deleted": 1}, {"dataElement": "LIVE_BIRTHS", "orgUnit": '
        b'"00070", "value": "2", "deleted": "nope"}, {}, {"dataElement": "LIVE_BIRTHS", '
        b'"value": "1", "value": "3", "orgUnit": "00070", "categoryOptionCombo": "M_O2"}], '
        b'"dataValues": null}',
        {},
        True,
    ),
    "json_values_twice": (
        "json",
        b'{"dataValues": [{"dataElement": "LIVE_BIRTHS", "period": "202403", "orgUnit": '
        b'"00070", "value": "1"}], "orgUnit": "00073", "dataValues": [{"dataElement": '
        b'"LIVE_BIRTHS", "period": "202403", "orgUnit": "00070", "value": "2"}]}',
        {"orgUnit": "00073"},
        True,
    ),
    "json_not_list": ("json", b'{"period": "202401", "dataValues": {"a": 1}}', {}, True),
    "json_top_array": ("json", b'[{"dataValues": []}]', {}, True),
    "json_trailing": ("json", b'{"dataValues": []} {"x": 1}', {}, True),
    "json_malformed_midway": (
        "json",
        b'{"dataValues": [{"dataElement": "LIVE_BIRTHS", "period": "202401", "orgUnit": '
        b'"00070", "value": "1"}, {"dataElement": "x" "period": 1}]}',
        {},
        True,
    ),
    "json_truncated": ("json", b'{"dataValues": [{"dataElement": "LIVE_BIRTHS"', {}, True),
    "json_empty": ("json", b"", {}, True),
    "json_bom": ("json", b'\xef\xbb\xbf{"dataValues": []}', {}, True),
    "json_nan": ("json", b'{"dataValues": [{"value": NaN}]}', {}, True),
}


def describe(
    mods: dict[str, ModuleType], fmt: str, payload: bytes, header: dict[str, str], first: bool
) -> dict[str, Any]:
    """What reading and translating ``payload`` with the readers in ``mods`` (modules
    ``dxf``, ``adx``, ``translate``) gives: every value, conflict, rejected index, the count,
    the header, and the error that stopped the reading (None if none), all as plain data."""
    import io

    readers = {
        "json": mods["dxf"].read_json,
        "csv": mods["dxf"].read_csv,
        "xml": mods["dxf"].read_xml,
        "adx": mods["adx"].read_adx,
    }
    stream = io.BytesIO(payload)
    if fmt == "csv":
        p = readers[fmt](stream, header, first_row_is_header=first)
    else:
        p = readers[fmt](stream, header)
    outcome = Outcome()
    p.problems = outcome.conflicts
    p.rejected = outcome.rejected
    values: list[list[Any]] = []
    error = None
    try:
        first_value = next(p.values, None)
        raws = p.values if first_value is None else _chain(first_value, p.values)
        options = ImportOptions.resolve(fmt, RequestOptions(), p.header)
        for v in mods["translate"].to_values(
            raws, p.header, read_mapping(), options.schemes, {}, outcome, {}
        ):
            values.append(
                [
                    v.element,
                    v.unit,
                    v.period,
                    v.disaggregation,
                    v.value,
                    v.comment,
                    v.stored_by,
                    v.location,
                    v.index,
                    v.followup,
                    v.deleted,
                ]
            )
    except ValueError as exc:  # PayloadError, or an option the header spells wrong
        error = f"{type(exc).__name__}: {exc}"
    return {
        "values": values,
        "conflicts": [
            [c.object, c.value, c.error_code, c.property, c.index, c.location]
            for c in outcome.conflicts
        ],
        "rejected": list(outcome.rejected),
        "count": p.count,
        "header": p.header,
        "late_header": p.late_header,
        "error": error,
    }


def _chain(first: Any, rest: Any) -> Any:
    yield first
    yield from rest
