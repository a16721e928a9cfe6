"""History under the pre-2025 units mapped onto today's: the Hoàn Kiếm wards, splits,
districts and provinces, refusals, and the import path (--old-units)."""

from __future__ import annotations

import importlib.util

import pytest

from chitieu.exchange.crosswalk import CROSSWALK, map_old_series, read_crosswalk
from chitieu.exchange.dhis2 import import_datavalueset
from chitieu.ingest.errors import ImportRefused

# Old wards of Quận Hoàn Kiếm (old codes, state of 30 June 2025) and where they went, per
# Nghị quyết 1656/NQ-UBTVQH15 as recorded in vietnamadminunits: seven went whole into the new
# Phường Hoàn Kiếm; Hàng Trống (old 00070) was split between Hoàn Kiếm and Cửa Nam.
WHOLE_INTO_HOAN_KIEM = {
    "00043": "Phường Hàng Mã",
    "00046": "Phường Hàng Buồm",
    "00049": "Phường Hàng Đào",
    "00052": "Phường Hàng Bồ",
    "00058": "Phường Lý Thái Tổ",
    "00061": "Phường Hàng Bạc",
    "00064": "Phường Hàng Gai",
}
HANG_TRONG, HOAN_KIEM, CUA_NAM = "00070", "00070", "00073"

# An illustrative series (figures made up for the test; units and codes real): boys born,
# first births, in 2019 and 2020, per old ward.
SERIES = [
    (code, year, "LIVE_BIRTHS", "M_O1", n)
    for year, figures in (
        ("2019", [31, 12, 20, 17, 9, 14, 22]),
        ("2020", [28, 15, 18, 16, 11, 13, 19]),
    )
    for code, n in zip(WHOLE_INTO_HOAN_KIEM, figures, strict=True)
]


def test_crosswalk_file_knows_the_old_units():
    cw = read_crosswalk()
    levels = {}
    for unit in cw.values():
        levels[unit.level] = levels.get(unit.level, 0) + 1
    assert levels == {"province": 63, "district": 696, "commune": 10035}
    for code, name in WHOLE_INTO_HOAN_KIEM.items():
        assert (cw[code].name, cw[code].parent, cw[code].successors) == (
            name,
            "002",  # Quận Hoàn Kiếm
            ((HOAN_KIEM, True),),
        )
    hang_trong = cw[HANG_TRONG]
    assert hang_trong.name == "Phường Hàng Trống" and hang_trong.is_split
    assert hang_trong.successors == ((HOAN_KIEM, True), (CUA_NAM, False))
    assert sum(1 for u in cw.values() if u.is_split) == 471
    # old Hải Dương (30) and Hải Phòng (31) both went into today's Hải Phòng (31)
    assert cw["30"].successors == cw["31"].successors == (("31", True),)
    # an island district became a special-zone commune
    assert cw["318"].name == "Huyện Bạch Long Vĩ" and len(cw["318"].successors[0][0]) == 5


def test_hoan_kiem_wards_land_on_phuong_hoan_kiem():
    rows, report = map_old_series(SERIES)
    assert [(r.unit, r.period, r.value) for r in rows] == [
        (HOAN_KIEM, "2019", 31 + 12 + 20 + 17 + 9 + 14 + 22),
        (HOAN_KIEM, "2020", 28 + 15 + 18 + 16 + 11 + 13 + 19),
    ]
    assert {c for c, _ in rows[0].sources} == set(WHOLE_INTO_HOAN_KIEM)
    assert report.methods == {"whole": 14}
    assert (report.rows_in, report.rows_out) == (14, 2)
    # Phường Hoàn Kiếm also took (the main part of) Đồng Xuân, Cửa Đông, Hàng Trống, Hàng Bông:
    # the sums lack them, and the report says so
    assert [i["missing"] for i in report.incomplete] == [["00040", "00055", "00070", "00076"]] * 2


def test_split_ward_seat_rule_and_equal_rule():
    rows = [(HANG_TRONG, "2020", "LIVE_BIRTHS", "F_O1", 7)]
    seat, report = map_old_series(rows)
    assert [(r.unit, r.value, r.sources) for r in seat] == [
        (HOAN_KIEM, 7, ((HANG_TRONG, "split-seat"),))
    ]
    assert report.splits == [
        {
            "old_code": HANG_TRONG,
            "old_name": "Phường Hàng Trống",
            "successors": [HOAN_KIEM, CUA_NAM],
            "applied": f"all to {HOAN_KIEM} (default successor)",
        }
    ]
    equal, _ = map_old_series(rows, rule="equal")
    # 7 shared between 2: 4 to the default successor (largest remainder first), 3 to the other
    assert sorted((r.unit, r.value) for r in equal) == [(HOAN_KIEM, 4), (CUA_NAM, 3)]
    assert sum(r.value for r in equal) == 7


def test_districts_and_provinces():
    rows = [
        ("30", "2020", "POPULATION", "default", 1_892_000),  # old Hải Dương province
        ("31", "2020", "POPULATION", "default", 2_053_000),  # old Hải Phòng city
        ("002", "2021", "DOCTORS", "default", 500),  # old Quận Hoàn Kiếm -> Hanoi
        ("318", "2020", "POPULATION", "default", 900),  # Bạch Long Vĩ -> special zone
    ]
    out, report = map_old_series(rows)
    got = {(r.unit, r.period, r.element): r.value for r in out}
    assert got[("31", "2020", "POPULATION")] == 1_892_000 + 2_053_000
    assert got[("01", "2021", "DOCTORS")] == 500
    special = read_crosswalk()["318"].successors[0][0]
    assert got[(special, "2020", "POPULATION")] == 900
    assert report.methods == {
        "province->province": 2,
        "district->province": 1,
        "district->special-zone": 1,
    }


def test_bad_rows_refused_with_row_and_column():
    rows = [
        ("00043", "2019", "LIVE_BIRTHS", "M_O1", 3),
        ("99999", "2019", "LIVE_BIRTHS", "M_O1", 3),  # no such old commune
        ("0043", "2019", "LIVE_BIRTHS", "M_O1", 3),  # wrong length
        ("00046", "2019-13", "LIVE_BIRTHS", "M_O1", 3),
        ("00049", "2019", "LIVE_BIRTHS", "M_O1", "ba"),
        ("00052", "2019", "LIVE_BIRTHS", "M_O1", -1),
    ]
    with pytest.raises(ImportRefused) as err:
        map_old_series(rows)
    assert [(e.row, e.column) for e in err.value.errors] == [
        (2, "old_code"),
        (3, "old_code"),
        (4, "period"),
        (5, "value"),
        (6, "value"),
    ]


def test_province_and_its_districts_are_not_added_together():
    rows = [("01", "2020", "DOCTORS", "default", 9000), ("002", "2020", "DOCTORS", "default", 500)]
    with pytest.raises(ImportRefused, match="added together"):
        map_old_series(rows)


def test_import_with_old_units(sdb, values_of, counts):
    groups = "".join(
        f'<group orgUnit="{code}" period="{year}-01-01/P1Y" dataSet="COMMUNE_MONTHLY">'
        f'<dataValue dataElement="LIVE_BIRTHS" SEX="M" BIRTH_ORDER="1" value="{n}"/></group>'
        for code, year, _, _, n in SERIES
    )
    adx = f'<adx xmlns="urn:ihe:qrph:adx:2015">{groups}</adx>'.encode()
    # read as today's codes, old 00043… are unknown units: refused, nothing written
    plain = import_datavalueset(sdb, adx, None, actor="t")
    assert plain.status == "ERROR" and counts(sdb) == (0, 0, 0)
    s = import_datavalueset(sdb, adx, None, actor="t", old_units="seat")
    # imported, but the 2025 ward lacks some of its old wards: a WARNING naming the lines
    assert s.status == "WARNING" and not s.rejected_indexes, [str(c) for c in s.conflicts]
    assert len(s.conflicts) == 2 and all("incomplete" in c.value for c in s.conflicts)
    assert {c.location for c in s.conflicts} == {
        f"{HOAN_KIEM} {year} LIVE_BIRTHS/M_O1" for year in (2019, 2020)
    }
    assert s.count.imported == 2
    assert values_of(sdb) == {
        ("LIVE_BIRTHS", HOAN_KIEM, "2019", "M_O1", 125.0, None),
        ("LIVE_BIRTHS", HOAN_KIEM, "2020", "M_O1", 120.0, None),
    }
    report = s.to_dict()["crosswalk"]
    assert report["rowsIn"] == 14 and report["methods"] == {"whole": 14}
    assert len(report["figures"]) == 2 and len(report["figures"][0]["sources"]) == 7
    # a bad old code is a conflict located in the payload
    bad = adx.replace(b'orgUnit="00043"', b'orgUnit="12345"', 1)
    refused = import_datavalueset(sdb, bad, None, actor="t", old_units="seat")
    (c,) = refused.conflicts
    assert (c.object, c.location) == ("12345", "group[1]/dataValue[1]")


@pytest.mark.skipif(
    importlib.util.find_spec("vietnamadminunits") is None,
    reason="vietnamadminunits (a development dependency) is not installed",
)
def test_packaged_crosswalk_matches_its_source():
    from chitieu.exchange.crosswalk_build import build_rows, render

    assert render(build_rows()) == CROSSWALK.read_text(encoding="utf-8")
