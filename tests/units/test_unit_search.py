"""Search by name with or without diacritics, and "this unit and everything below it"."""

from __future__ import annotations

import pytest

from chitieu.units.load import load_units
from chitieu.units.queries import UnknownUnitError, descendant_codes, is_within, list_units
from chitieu.units.search import search_units


@pytest.fixture
def conn(engine):
    with engine.begin() as c:
        load_units(c)
    with engine.connect() as c:
        yield c


@pytest.mark.parametrize("text", ["Hoan Kiem", "hoàn kiếm", "HOAN KIEM", "  Hoàn   Kiếm "])
def test_with_or_without_diacritics(conn, text):
    found = search_units(conn, text)
    assert [(u.code, u.name) for u in found] == [("00070", "Phường Hoàn Kiếm")]


def test_exact_names_rank_before_partial_ones(conn):
    # "Xã Nhã Nam" contains "ha nam" once folded; the two units named "Hà Nam" come first
    names = [u.name for u in search_units(conn, "ha nam")]
    assert set(names[:2]) == {"Xã Hà Nam", "Phường Hà Nam"}
    assert "Xã Nhã Nam" in names[2:]
    # the province before any commune of a similar name
    assert search_units(conn, "Hà Nội")[0].code == "01"


def test_prefix_matches_rank_before_inner_matches(conn):
    found = search_units(conn, "dong", level="commune", limit=500)
    ranks = [
        0 if u.name_ascii.split(" ", 1)[1] == "dong" else 1 if " dong" in u.name_ascii else 2
        for u in found
    ]
    assert ranks == sorted(ranks)
    assert all(u.level == "commune" for u in found)


def test_filters_and_limits(conn):
    assert [u.code for u in search_units(conn, "ha dong")] == ["10882", "09556"]
    assert [u.code for u in search_units(conn, "ha dong", parent="01")] == ["09556"]
    assert len(search_units(conn, "xa", limit=7)) == 7
    assert {u.level for u in search_units(conn, "a", level="province", limit=100)} == {"province"}
    assert search_units(conn, "%") == [] and search_units(conn, "_") == []  # not wildcards


def test_bad_search_input(conn):
    with pytest.raises(ValueError, match="empty"):
        search_units(conn, "  ")
    with pytest.raises(ValueError, match="unknown level 'district'"):
        search_units(conn, "ha", level="district")
    with pytest.raises(UnknownUnitError, match="unknown unit '1'"):
        search_units(conn, "ha", parent="1")


def test_descendants_and_within(conn):
    hanoi = descendant_codes(conn, "01")
    assert len(hanoi) == 1 + 126 and "01" in hanoi and "00070" in hanoi
    assert len(descendant_codes(conn, "01", level="commune")) == 126
    assert len(descendant_codes(conn, "VN", level="commune")) == 3321
    assert descendant_codes(conn, "00070") == ["00070"]
    assert is_within(conn, "00070", "01") and is_within(conn, "00070", "VN")
    assert is_within(conn, "01", "01")
    assert not is_within(conn, "00070", "31") and not is_within(conn, "01", "00070")
    with pytest.raises(UnknownUnitError):
        is_within(conn, "00070", "99")


def test_list_units(conn):
    assert len(list_units(conn)) == 34
    assert len(list_units(conn, parent="31")) == 114
    assert len(list_units(conn, parent="VN", level="commune")) == 3321
    assert [u.code for u in list_units(conn, level="country")] == ["VN"]
    with pytest.raises(UnknownUnitError):
        list_units(conn, parent="0001")
