"""DHIS2-shaped payloads in every format, written after the examples in DHIS2's documentation
(Web API › Data values: JSON, XML, CSV, ADX), with chitieu's mapping identifiers."""

from __future__ import annotations

import json
import re

import pytest

from chitieu.exchange.dhis2 import detect_format, import_datavalueset

# From data/dhis2/mapping.yaml: LIVE_BIRTHS, ACT_INSPECTIONS, COCs, the default COC, data set.
LB, INSP, POP = "EC7ifkjl5Zf", "vL2QCgKmWOu", "cov0Pia7n8C"
M_O1, F_O1, F_O3P, DEFAULT = "XIQSqMBEsW0", "OeMVxQcS19J", "sRZP0oJzIef", "HllvX50cXC0"
COMMUNE_MONTHLY = "rkabtlZLGek"
HK = "00070"

EXPECTED = {
    ("LIVE_BIRTHS", HK, "202501", "M_O1", 12.0, "số liệu hộ tịch"),
    ("LIVE_BIRTHS", HK, "202501", "F_O1", 11.0, None),
    ("LIVE_BIRTHS", HK, "202501", "F_O3P", 1.0, None),
    ("ACT_INSPECTIONS", HK, "202501", "default", 2.0, None),
}

JSON_DOC = {
    "dataSet": COMMUNE_MONTHLY,
    "completeDate": "2025-02-05",
    "period": "202501",
    "orgUnit": HK,
    "attributeOptionCombo": DEFAULT,
    "dataValues": [
        {
            "dataElement": LB,
            "categoryOptionCombo": M_O1,
            "value": "12",
            "comment": "số liệu hộ tịch",
        },
        {"dataElement": LB, "categoryOptionCombo": F_O1, "value": "11", "followUp": False},
        {
            "dataElement": LB,
            "categoryOptionCombo": F_O3P,
            "value": 1,
            "storedBy": "hk-officer",
            "created": "2025-02-01T08:00:00.000",
            "lastUpdated": "2025-02-01T08:00:00.000",
            "followup": "false",
        },
        {
            "dataElement": INSP,
            "period": "2025-01",
            "orgUnit": HK,
            "categoryOptionCombo": DEFAULT,
            "attributeOptionCombo": DEFAULT,
            "value": "2",
        },
    ],
}

CSV_DOC = f'''"dataelement","period","orgunit","catoptcombo","attroptcombo","value","storedby","lastupdated","comment","followup"
"{LB}","202501","{HK}","{M_O1}","{DEFAULT}","12","hk-officer","2025-02-01","số liệu hộ tịch","false"
"{LB}","202501","{HK}","{F_O1}",,"11","hk-officer","2025-02-01",,"false"
{LB},2025-01,{HK},{F_O3P},,1
"{INSP}","202501","{HK}",,,"2"
'''  # noqa: E501

XML_DOC = f"""<?xml version="1.0" encoding="UTF-8"?>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" dataSet="{COMMUNE_MONTHLY}"
    completeDate="2025-02-05" period="202501" orgUnit="{HK}" attributeOptionCombo="{DEFAULT}">
  <dataValue dataElement="{LB}" categoryOptionCombo="{M_O1}" value="12"
      comment="số liệu hộ tịch"/>
  <dataValue dataElement="{LB}" categoryOptionCombo="{F_O1}" value="11" followup="false"/>
  <dataValue dataElement="{LB}" categoryOptionCombo="{F_O3P}" value="1" followUp="false"/>
  <dataValue dataElement="{INSP}" value="2"/>
</dataValueSet>
"""

# ADX: default id scheme code; disaggregation as category attributes, or a COC that wins.
ADX_DOC = f"""<?xml version="1.0" encoding="UTF-8"?>
<adx xmlns="urn:ihe:qrph:adx:2015" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     exported="2025-02-08T19:30:00Z">
  <group orgUnit="{HK}" period="2025-01-01/P1M" completeDate="2025-02-05"
         dataSet="COMMUNE_MONTHLY">
    <dataValue dataElement="LIVE_BIRTHS" SEX="M" BIRTH_ORDER="1" value="12">
      <annotation>số liệu hộ tịch</annotation>
    </dataValue>
    <dataValue dataElement="LIVE_BIRTHS" SEX="F" BIRTH_ORDER="1" value="11"/>
    <dataValue dataElement="LIVE_BIRTHS" SEX="M" BIRTH_ORDER="2" categoryOptionCombo="F_O3P"
               value="1"/>
    <dataValue dataElement="ACT_INSPECTIONS" value="2"><annotation/></dataValue>
  </group>
</adx>
"""

#: The UTF-8 byte order mark that Windows tools (Notepad, Excel, PowerShell) write first.
BOM = b"\xef\xbb\xbf"


DOCS = {
    "json": (json.dumps(JSON_DOC).encode(), "application/json"),
    "csv": (CSV_DOC.encode(), "application/csv"),
    "xml": (XML_DOC.encode(), "application/xml"),
    "adx": (ADX_DOC.encode(), "application/adx+xml"),
}


@pytest.mark.parametrize("fmt", list(DOCS))
def test_documented_shapes_import(sdb, values_of, fmt):
    payload, ctype = DOCS[fmt]
    summary = import_datavalueset(sdb, payload, ctype, actor="t", old_units="none")
    assert summary.status == "SUCCESS", [str(c) for c in summary.conflicts]
    assert summary.count.imported == 4
    assert values_of(sdb) == EXPECTED
    again = import_datavalueset(sdb, payload, ctype, actor="t", old_units="none")
    assert again.count.to_dict() == {"imported": 0, "updated": 0, "ignored": 4, "deleted": 0}


@pytest.mark.parametrize(
    ("ctype", "payload", "name", "expected"),
    [
        ("application/json; charset=utf-8", b"{}", None, "json"),
        ("text/csv", b"a,b", None, "csv"),
        ("application/xml", ADX_DOC.encode(), None, "adx"),
        ("application/xml", XML_DOC.encode(), None, "xml"),
        (None, XML_DOC.encode(), None, "xml"),
        (None, b'  {"dataValues": []}', None, "json"),
        (None, b"x,y", "values.adx.xml", "adx"),
        (None, b"de,pe", None, "csv"),
        (None, BOM + b'{"dataValues": []}', None, "json"),
        (None, BOM + XML_DOC.encode(), None, "xml"),
        (None, BOM + ADX_DOC.encode(), None, "adx"),
    ],
)
def test_detect_format(ctype, payload, name, expected):
    assert detect_format(ctype, payload, name) == expected


@pytest.mark.parametrize("fmt", list(DOCS))
def test_a_payload_starting_with_a_byte_order_mark_reads_as_without(sdb, values_of, fmt):
    """DHIS2 reads past a UTF-8 byte order mark in every format; so does chitieu, whether
    the format is named or told from the first bytes."""
    payload, ctype = DOCS[fmt]
    for given in (ctype, None):
        summary = import_datavalueset(sdb, BOM + payload, given, actor="t", old_units="none")
        assert summary.status == "SUCCESS", [str(c) for c in summary.conflicts]
        assert values_of(sdb) == EXPECTED


_IDENTIFIERS = ("dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo")


def _padded(fmt: str) -> bytes:
    """The documented payload with every identifier of the set and its values padded with
    blanks, as a hand-made or spreadsheet-made payload often has them."""
    if fmt == "json":
        doc = json.loads(json.dumps(JSON_DOC))
        for item in (doc, *doc["dataValues"]):
            for k in _IDENTIFIERS:
                if k in item:
                    item[k] = f"  {item[k]}\t"
        return json.dumps(doc).encode()
    if fmt == "xml":
        names = "|".join(_IDENTIFIERS)
        return re.sub(rf'\b({names})="([^"]*)"', r'\1=" \2 "', XML_DOC).encode()
    return f"de,pe,ou,coc,aoc,value\n {LB} , 202501 , {HK} , {M_O1} , {DEFAULT} ,12\n".encode()


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_identifiers_padded_with_blanks_are_read_trimmed(sdb, values_of, fmt):
    """DHIS2 trims the identifiers of every value (and of the set) before looking them up."""
    s = import_datavalueset(sdb, _padded(fmt), DOCS[fmt][1], actor="t", old_units="none")
    assert s.status == "SUCCESS", [str(c) for c in s.conflicts]
    one = {("LIVE_BIRTHS", HK, "202501", "M_O1", 12.0, None)}
    assert values_of(sdb) == (one if fmt == "csv" else EXPECTED)


def _codes(summary):
    return sorted((c.error_code or "", c.property or "") for c in summary.conflicts)


def test_id_schemes_code_and_name(sdb, values_of):
    by_code = {
        "dataValues": [
            {
                "dataElement": "LIVE_BIRTHS",
                "period": "202501",
                "orgUnit": HK,
                "categoryOptionCombo": "M_O1",
                "value": "12",
            },
        ]
    }
    s = import_datavalueset(
        sdb, json.dumps(by_code).encode(), "application/json", actor="t", id_scheme="CODE"
    )
    assert s.count.imported == 1, s.conflicts
    # header id schemes apply when no parameter says otherwise
    by_name = {
        "dataElementIdScheme": "NAME",
        "orgUnitIdScheme": "NAME",
        "categoryOptionComboIdScheme": "NAME",
        "dataValues": [
            {
                "dataElement": "Số trẻ đẻ ra sống",
                "period": "202501",
                "orgUnit": "Phường Hoàn Kiếm",
                "categoryOptionCombo": "Female, First birth",
                "value": "11",
            },
        ],
    }
    s = import_datavalueset(
        sdb, json.dumps(by_name).encode(), "application/json", actor="t", old_units="none"
    )
    assert s.count.imported == 1, s.conflicts
    assert values_of(sdb) == {
        ("LIVE_BIRTHS", HK, "202501", "M_O1", 12.0, None),
        ("LIVE_BIRTHS", HK, "202501", "F_O1", 11.0, None),
    }


def test_ambiguous_org_unit_name_is_a_conflict(sdb):
    # "Xã Tân Thành" names a commune in more than one province
    doc = {
        "orgUnitIdScheme": "name",
        "dataValues": [
            {"dataElement": INSP, "period": "202501", "orgUnit": "Xã Tân Thành", "value": "1"}
        ],
    }
    s = import_datavalueset(
        sdb, json.dumps(doc).encode(), "application/json", actor="t", old_units="none"
    )
    assert _codes(s) == [("E7612", "orgUnit")] and "ambiguous" in s.conflicts[0].value


def test_unknown_identifiers_and_unsupported_attribute_combos(sdb, counts):
    doc = {
        "dataValues": [
            {"dataElement": "AbCdEfGhIj1", "period": "202501", "orgUnit": HK, "value": "1"},
            {
                "dataElement": LB,
                "period": "202501",
                "orgUnit": HK,
                "categoryOptionCombo": "ZzZzZzZzZz1",
                "value": "1",
            },
            {"dataElement": INSP, "period": "202501", "orgUnit": "zzOrgUnit01", "value": "1"},
            {"dataElement": INSP, "period": "2025M1", "orgUnit": HK, "value": "1"},
            {
                "dataElement": INSP,
                "period": "202502",
                "orgUnit": HK,
                "attributeOptionCombo": "AbCdEfGhIj2",
                "value": "1",
            },
            {"dataElement": INSP, "period": "202503", "orgUnit": HK, "value": "hai"},
            {"period": "202504", "orgUnit": HK, "value": "1"},
            "not an object",
        ]
    }
    s = import_datavalueset(
        sdb, json.dumps(doc).encode(), "application/json", actor="t", old_units="none"
    )
    assert s.status == "ERROR"
    assert _codes(s) == sorted(
        [
            ("E7610", "dataElement"),
            ("E7634", "categoryOptionCombo"),
            ("E7612", "orgUnit"),
            ("E7611", "period"),
            ("E7615", "attributeOptionCombo"),
            ("E7619", "value"),
            ("E7610", "dataElement"),
            ("", "value"),
        ]
    )
    assert {c.index for c in s.conflicts} == set(range(8))
    assert s.count.ignored == 8
    assert counts(sdb) == (0, 0, 0)


def test_unknown_data_set_in_header(sdb):
    doc = {**JSON_DOC, "dataSet": "NoSuchSet01"}
    s = import_datavalueset(
        sdb, json.dumps(doc).encode(), "application/json", actor="t", old_units="none"
    )
    assert _codes(s) == [("E7600", "dataSet")]


@pytest.mark.parametrize(
    "payload",
    [b"{not json", b"[1, 2]", b'{"dataValues": 3}', b"\xff\xfe\x00garbage", b"[" * 100000],
)
def test_malformed_json_refused_cleanly(sdb, counts, payload):
    s = import_datavalueset(sdb, payload, "application/json", actor="t", old_units="none")
    assert s.status == "ERROR" and s.conflicts[0].object == "payload"
    assert counts(sdb) == (0, 0, 0)


def test_csv_short_row_named_by_line(sdb, counts):
    doc = CSV_DOC + f"{LB},202501,{HK}\n"
    s = import_datavalueset(sdb, doc.encode(), "text/csv", actor="t", old_units="none")
    (c,) = s.conflicts
    assert c.location == "line 6" and "6 columns" in c.value
    assert counts(sdb) == (0, 0, 0)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">
<dataValue dataElement="vL2QCgKmWOu" period="202501" orgUnit="00070" value="1" comment="&lol3;"/>
</dataValueSet>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE adx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="00070" period="202501" dataSet="CHITIEU_ALL">
<dataValue dataElement="ACT_INSPECTIONS" value="1"><annotation>&xxe;</annotation></dataValue>
</group></adx>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE dataValueSet SYSTEM "http://example.org/x.dtd">
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0"/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE, DTD_ONLY])
@pytest.mark.parametrize("fmt", ["xml", "adx"])
def test_malicious_xml_refused(sdb, counts, payload, fmt):
    s = import_datavalueset(sdb, payload, None, actor="t", old_units="none", fmt=fmt)
    assert s.status == "ERROR"
    assert "unsafe XML" in s.conflicts[0].value
    assert counts(sdb) == (0, 0, 0)


@pytest.mark.parametrize(
    "payload",
    [b"<dataValueSet", b"<other xmlns='x'/>", b"<?xml version='1.0' encoding='nope'?><a/>"],
)
def test_malformed_xml_refused(sdb, payload):
    for fmt in ("xml", "adx"):
        s = import_datavalueset(sdb, payload, None, actor="t", old_units="none", fmt=fmt)
        assert s.status == "ERROR" and s.conflicts[0].object == "payload"


def test_adx_duplicates_reported_not_merged(sdb, counts):
    doc = f"""<adx xmlns="urn:ihe:qrph:adx:2015">
      <group orgUnit="{HK}" period="2025-01-01/P1M" dataSet="COMMUNE_MONTHLY">
        <dataValue dataElement="LIVE_BIRTHS" SEX="M" BIRTH_ORDER="1" value="12"/>
      </group>
      <group orgUnit="{HK}" period="202501" dataSet="COMMUNE_MONTHLY">
        <dataValue dataElement="LIVE_BIRTHS" BIRTH_ORDER="1" SEX="M" value="5"/>
      </group></adx>"""
    s = import_datavalueset(sdb, doc.encode(), None, actor="t", old_units="none")
    (c,) = s.conflicts
    assert c.location == "group[2]/dataValue[1]" and "group[1]/dataValue[1]" in c.value
    assert counts(sdb) == (0, 0, 0)


def test_adx_problems(sdb):
    doc = f"""<adx xmlns="urn:ihe:qrph:adx:2015">
      <group orgUnit="{HK}" dataSet="COMMUNE_MONTHLY">
        <dataValue dataElement="ACT_INSPECTIONS" value="1"/>
      </group>
      <group orgUnit="{HK}" period="2025-01-01/P1M" dataSet="COMMUNE_MONTHLY" FUNDER="WHO">
        <dataValue dataElement="ACT_INSPECTIONS" value="1"/>
      </group>
      <group orgUnit="{HK}" period="2025-01-01/P1M" dataSet="NO_SUCH_SET">
        <dataValue dataElement="LIVE_BIRTHS" SEX="X" BIRTH_ORDER="1" value="1"/>
        <dataValue dataElement="LIVE_BIRTHS" SEX="M" value="1"/>
        <dataValue dataElement="LIVE_BIRTHS" SEX="M" BIRTH_ORDER="1"/>
      </group></adx>"""
    s = import_datavalueset(sdb, doc.encode(), None, actor="t", old_units="none")
    assert s.total == 5 and s.count.ignored == 5
    got = sorted((c.location, c.error_code or "", c.property) for c in s.conflicts)
    assert got == sorted(
        [
            ("group[1]", "", "group"),
            ("group[2]/dataValue[1]", "E7615", "attributeOptionCombo"),
            ("group[3]/dataValue[1]", "E7600", "dataSet"),
            ("group[3]/dataValue[1]", "E7613", "categoryOptionCombo"),
            ("group[3]/dataValue[2]", "E7600", "dataSet"),
            ("group[3]/dataValue[2]", "E7613", "categoryOptionCombo"),
            ("group[3]/dataValue[3]", "", "value"),
        ]
    )
