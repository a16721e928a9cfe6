"""DHIS2's fields/filter language: parsing, projection, and the SQL translation of filters
agreeing with the same filters applied in Python to every unit."""

from __future__ import annotations

import pytest

from chitieu.exchange.metadata_query import (
    Paging,
    QueryError,
    parse_fields,
    parse_filter,
    project,
    select_objects,
)
from chitieu.exchange.org_units import OrgUnitQuery
from chitieu.store.db import session_on

OBJ = {
    "id": "a1",
    "name": "Phường Hoàn Kiếm",
    "level": 3,
    "parent": {"id": "p1", "name": "Hà Nội", "code": "01"},
    "children": [{"id": "c1", "name": "x"}, {"id": "c2", "name": "y"}],
}


def test_fields_projection() -> None:
    assert project(OBJ, parse_fields("id,parent[id,name]", "")) == {
        "id": "a1",
        "parent": {"id": "p1", "name": "Hà Nội"},
    }
    assert project(OBJ, parse_fields("*,!children", ""))["parent"] == {"id": "p1"}
    assert "children" not in project(OBJ, parse_fields(":all,!children", ""))
    assert project(OBJ, parse_fields("children[name],nope", "")) == {
        "children": [{"name": "x"}, {"name": "y"}]
    }
    assert project(OBJ, parse_fields("", "id")) == {"id": "a1"}
    with pytest.raises(QueryError):
        parse_fields("id,parent[id", "")


def test_filters_in_python() -> None:
    def hit(text: str) -> bool:
        return bool(select_objects([OBJ], [parse_filter(text)], any_of=False))

    assert hit("name:ilike:hoàn") and not hit("name:like:hoàn")
    assert hit("name:ilike:HOAN KIEM") and not hit("name:ilike:hoán")
    assert hit("level:ge:3") and not hit("level:gt:3") and hit("level:in:[2,3]")
    assert hit("parent.id:eq:p1") and hit("children.id:eq:c2") and not hit("children.id:eq:c9")
    assert hit("code:null") and hit("id:!null") and hit("name:$ilike:phường")
    assert hit("name:!like:Ba Đình") and not hit("id:!in:[a1]")
    for bad in ("level", "level:near:3", "id:in:a1", "level:eq"):
        with pytest.raises(QueryError):
            parse_filter(bad)
    assert Paging.parse("false", None, None).enabled is False
    with pytest.raises(QueryError):
        Paging.parse(None, "0", None)


@pytest.mark.parametrize(
    "filters",
    [
        ["level:eq:3", "name:ilike:hoà"],
        ["level:lt:3"],
        ["code:in:[00070,01,31]"],
        ["parent.code:eq:31", "name:$like:Phường"],
        ["name:ilike$:kiếm"],
        ["name:ilike:hoan kiem"],
        ["name:ilike:DONG", "level:eq:3"],
        ["lastUpdated:ge:2000-01-01", "level:!eq:3"],
        ["code:!in:[00070]", "parent.code:eq:01"],
    ],
)
def test_sql_filters_agree_with_python(ready_engine, filters: list[str]) -> None:
    parsed = [parse_filter(f) for f in filters]
    fields = parse_fields("id,code,name,level,lastUpdated,parent[id,code]", "")
    with ready_engine.connect() as conn:
        query = OrgUnitQuery(session_on(conn), "VN")
        in_sql, total = query.list(fields, parsed, paging=Paging(enabled=False))
        everything, _ = query.list(fields, [], paging=Paging(enabled=False))
    in_python = select_objects(everything, parsed, any_of=False)
    assert total == len(in_sql) == len(in_python) > 0
    assert sorted(o["id"] for o in in_sql) == sorted(o["id"] for o in in_python)
