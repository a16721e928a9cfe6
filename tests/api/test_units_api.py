"""Units (reference data: any signed-in user) and facilities (within the user's unit)."""

from __future__ import annotations

from vietnam_provinces import Province, Ward


def _get(world, path: str, who: str = "entry") -> dict:
    r = world.client.get(path, headers=world.as_(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_units_list_and_children(world) -> None:
    provinces = _get(world, "/api/units?page_size=1000")
    assert provinces["total"] == len(list(Province.iter_all())) == 34
    assert provinces["items"][0]["code"] == "01"
    hanoi_wards = sum(1 for w in Ward.iter_all() if w.province_code.value == 1)
    assert _get(world, "/api/units?parent=01&page_size=1")["total"] == hanoi_wards
    assert _get(world, "/api/units?parent=31&level=commune")["total"] == 114  # seed 001
    page = _get(world, "/api/units?parent=01&page=2&page_size=10")
    assert page["page"] == 2 and len(page["items"]) == 10


def test_search_with_or_without_diacritics(world) -> None:
    for q in ("Hoan Kiem", "hoàn kiếm", "HOAN KIEM"):
        found = _get(world, f"/api/units?q={q}")["items"]
        assert found[0]["code"] == "00070", q
        assert found[0]["name"] == "Phường Hoàn Kiếm"
    assert _get(world, "/api/units?q=zzzz")["total"] == 0
    r = world.client.get("/api/units?q=Ba Dinh&level=village", headers=world.as_("entry"))
    assert r.status_code == 422


def test_unit_detail(world) -> None:
    unit = _get(world, "/api/units/00070")
    assert [a["code"] for a in unit["ancestors"]] == ["VN", "01"]
    assert unit["children"] == 0 and unit["in_scope"] is True
    assert _get(world, "/api/units/31")["in_scope"] is False
    assert _get(world, "/api/units/01")["children"] == sum(
        1 for w in Ward.iter_all() if w.province_code.value == 1
    )
    r = world.client.get("/api/units/0007", headers=world.as_("entry"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_facilities_within_the_unit(world) -> None:
    codes = [f["code"] for f in _get(world, "/api/facilities", "analyst")["items"]]
    assert codes == ["F_BD", "F_HK"]  # by unit code: 00004 before 00070; not Hai Phong's
    assert [f["code"] for f in _get(world, "/api/facilities", "entry")["items"]] == ["F_HK"]
    assert _get(world, "/api/facilities", "admin")["total"] == 3
    found = _get(world, "/api/facilities?q=benh vien", "admin")["items"]
    assert [f["code"] for f in found] == ["F_BD"]  # "Bệnh viện Ba Đình" without diacritics
    private = _get(world, "/api/facilities?ownership=private&kind=clinic", "admin")
    assert [f["code"] for f in private["items"]] == ["F_HK", "F_HP"]
    one = _get(world, "/api/facilities/F_HK", "entry")
    assert (one["unit"], one["unit_name"], one["offers_ultrasound"]) == (
        "00070",
        "Phường Hoàn Kiếm",
        True,
    )
    assert world.client.get("/api/facilities/NOPE", headers=world.as_("admin")).status_code == 404
    assert world.client.get("/api/facilities/F_BD", headers=world.as_("entry")).status_code == 403
