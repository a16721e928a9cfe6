"""``/api/dataValueSets``: DHIS2 clients post and fetch values; partial by default as in
DHIS2, all or nothing with atomicMode=ALL, in scope."""

from __future__ import annotations

import json

JSON = {"Content-Type": "application/json"}


def _post(world, who: str, payload: dict, query: str = "idScheme=code&oldUnits=none"):  # type: ignore[no-untyped-def]
    return world.client.post(
        f"/api/dataValueSets?{query}",
        content=json.dumps(payload),
        headers={**world.as_(who), **JSON},
    )


def _values(*triples: tuple[str, str, str, str]) -> dict:
    return {
        "dataValues": [
            {"dataElement": de, "period": pe, "orgUnit": ou, "value": v}
            for de, pe, ou, v in triples
        ]
    }


def test_import_then_export(world) -> None:
    payload = _values(
        ("DOCTORS", "2025", "00070", "12"),
        ("NURSES", "2024", "00070", "30"),
    )
    before = world.snapshot()
    dry = _post(world, "entry", payload, "idScheme=code&oldUnits=none&dryRun=true")
    assert dry.status_code == 200
    assert dry.json()["response"]["importCount"]["imported"] == 2
    assert dry.json()["response"]["dryRun"] is True
    assert world.snapshot() == before

    r = _post(world, "entry", payload)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["httpStatusCode"] == 200 and body["status"] == "OK"
    assert body["response"]["importCount"] == {
        "imported": 2,
        "updated": 0,
        "ignored": 0,
        "deleted": 0,
    }
    again = _post(world, "entry", payload)  # the same payload twice changes nothing
    assert again.json()["response"]["importCount"]["ignored"] == 2

    exported = world.client.get(
        "/api/dataValueSets?orgUnit=00070&startDate=2024-01-01&endDate=2025-12-31&idScheme=code",
        headers=world.as_("entry"),
    )
    assert exported.status_code == 200
    got = {
        (v["dataElement"], v["period"], v["orgUnit"], v["value"])
        for v in exported.json()["dataValues"]
    }
    assert {("DOCTORS", "2025", "00070", "12"), ("NURSES", "2024", "00070", "30")} <= got
    assert not any(v[0] == "DOCTORS" and v[1] != "2025" for v in got)
    csv = world.client.get(
        "/api/dataValueSets.csv?orgUnit=01&children=true&period=2025&idScheme=code",
        headers=world.as_("analyst"),
    )
    assert csv.status_code == 200 and "csv" in csv.headers["content-type"]
    assert "DOCTORS" in csv.text and "NURSES" not in csv.text  # 2024 is not the period 2025


def test_refusals(world) -> None:
    before = world.snapshot()
    # a unit outside the caller's: a conflict in the summary (409), not a bare 403
    outside = _post(world, "entry", _values(("DOCTORS", "2025", "00004", "1")))
    assert outside.status_code == 409
    assert outside.json()["response"]["conflicts"][0]["errorCode"] == "E7617"
    assert outside.json()["response"]["rejectedIndexes"] == [0]
    assert outside.json()["error"]["code"] == "conflict"
    mixed = _values(("DOCTORS", "2025", "00070", "1"), ("DOCTORS", "20XX", "00070", "2"))
    r = _post(world, "entry", mixed, "idScheme=code&oldUnits=none&atomicMode=ALL")
    assert r.status_code == 409
    assert r.json()["status"] == "ERROR" and r.json()["error"]["code"] == "conflict"
    assert r.json()["response"]["rejectedIndexes"] == [1]
    broken = world.client.post(
        "/api/dataValueSets", content=b'{"dataValues": [', headers={**world.as_("entry"), **JSON}
    )
    assert broken.status_code == 400
    assert world.snapshot() == before  # nothing half-written
    # the default, as in DHIS2: partial, the good value written, WARNING
    r = _post(world, "entry", mixed)
    assert r.status_code == 409 and r.json()["status"] == "WARNING"
    assert r.json()["response"]["importCount"]["imported"] == 1
    assert r.json()["response"]["rejectedIndexes"] == [1]
    assert world.scalar("SELECT value FROM data_values WHERE element_code = 'DOCTORS'") == 1

    assert world.client.post("/api/dataValueSets", content=b"{}", headers=JSON).status_code == 401
    for query in ("period=2025", "orgUnit=00070", "orgUnit=00070&startDate=2025-13-01&endDate=x"):
        r = world.client.get(f"/api/dataValueSets?{query}", headers=world.as_("entry"))
        assert r.status_code == 400, query
    r = world.client.get(
        "/api/dataValueSets?orgUnit=10510&period=2024&idScheme=code", headers=world.as_("entry")
    )
    assert r.status_code == 403
    assert (
        world.client.get(
            "/api/dataValueSets.pdf?orgUnit=00070&period=2024", headers=world.as_("entry")
        ).status_code
        == 404
    )


def test_locked_values_need_an_admin(world) -> None:
    r = world.client.put(
        "/api/datavalues",
        json={
            "element": "DOCTORS",
            "unit": "00070",
            "period": "2025",
            "value": 3,
            "status": "locked",
        },
        headers=world.as_("admin"),
    )
    assert r.status_code == 201
    change = _values(("DOCTORS", "2025", "00070", "4"))
    r = _post(world, "entry", change)
    assert r.status_code == 409
    assert r.json()["response"]["conflicts"][0]["errorCode"] == "E7643"
    assert _post(world, "admin", change).status_code == 200
    assert world.scalar("SELECT value FROM data_values WHERE element_code = 'DOCTORS'") == 4


def test_a_body_that_is_a_gzip_file_or_a_zip_archive_imports(world) -> None:
    """As DHIS2 reads an uploaded ``.json.gz`` or ``.json.zip``: no Content-Encoding, the
    compression told by the body's first bytes."""
    import gzip
    import io
    import zipfile

    payload = json.dumps(_values(("DOCTORS", "2025", "00070", "7"))).encode()
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dataValueSets.json", payload.replace(b'"7"', b'"8"'))
    url = "/api/dataValueSets?idScheme=code&oldUnits=none"
    for body, value in ((gzip.compress(payload), 7), (packed.getvalue(), 8)):
        r = world.client.post(url, content=body, headers={**world.as_("entry"), **JSON})
        assert r.status_code == 200, r.json()
        assert world.scalar("SELECT value FROM data_values WHERE element_code = 'DOCTORS'") == value
    # the import's own reader refuses a NUL character, value by value
    nul = _values(("DOCTORS", "2024", "00070", "5"))
    nul["dataValues"][0]["comment"] = "a\u0000b"
    before = world.scalar("SELECT count(*) FROM data_values")
    r = world.client.post(url, content=json.dumps(nul), headers={**world.as_("entry"), **JSON})
    assert r.status_code == 409 and "NUL" in r.json()["response"]["conflicts"][0]["value"]
    assert world.scalar("SELECT count(*) FROM data_values") == before


def test_gzip_body_async_job_and_size_limit(world, monkeypatch) -> None:
    import gzip

    from chitieu.config import get_settings
    from chitieu.exchange.jobs import JOBS

    payload = _values(("DOCTORS", "2025", "00070", "7"), ("NURSES", "2025", "00070", ""))
    body = gzip.compress(json.dumps(payload).encode())
    headers = {**world.as_("entry"), **JSON, "Content-Encoding": "gzip"}
    r = world.client.post(
        "/api/dataValueSets?idScheme=code&oldUnits=none", content=body, headers=headers
    )
    # partial import: the good value written, the empty one E7618 (nothing stored for it)
    assert r.status_code == 409 and r.json()["status"] == "WARNING"
    assert [c["errorCode"] for c in r.json()["response"]["conflicts"]] == ["E7618"]
    assert r.json()["response"]["importCount"]["imported"] == 1
    broken = world.client.post("/api/dataValueSets", content=body[:-8], headers=headers)
    assert broken.status_code == 400
    other = world.client.post(
        "/api/dataValueSets", content=body, headers={**headers, "Content-Encoding": "br"}
    )
    assert other.status_code == 415

    # async=true: a job at once, its notifications and its summary where DHIS2 has them
    started = world.client.post(
        "/api/dataValueSets?idScheme=code&oldUnits=none&async=true",
        content=json.dumps(_values(("DOCTORS", "2024", "00070", "5"))),
        headers={**world.as_("entry"), **JSON},
    )
    assert started.status_code == 200
    job = started.json()["response"]
    assert job["jobType"] == "DATAVALUE_IMPORT"
    assert job["relativeNotifierEndpoint"] == f"/api/system/tasks/DATAVALUE_IMPORT/{job['id']}"
    assert JOBS.wait(job["id"])
    tasks = world.client.get(job["relativeNotifierEndpoint"], headers=world.as_("entry")).json()
    assert tasks[0]["completed"] is True and tasks[-1]["message"] == "Import started"
    summary = world.client.get(
        f"/api/system/taskSummaries/DATAVALUE_IMPORT/{job['id']}", headers=world.as_("entry")
    ).json()
    assert summary["status"] == "SUCCESS" and summary["importCount"]["imported"] == 1
    # another user does not see it
    assert (
        world.client.get(job["relativeNotifierEndpoint"], headers=world.as_("analyst")).status_code
        == 404
    )

    # the DHIS2 routes' size limit is the named setting, counted after decompression too
    monkeypatch.setattr(get_settings(), "max_upload_body", 200)
    bomb = gzip.compress(b" " * 10_000 + json.dumps(payload).encode())
    assert len(bomb) < 200
    r = world.client.post("/api/dataValueSets", content=bomb, headers=headers)
    assert r.status_code == 413


def test_openapi_documents_the_import() -> None:
    from chitieu.app import create_app

    spec = create_app().openapi()
    post = spec["paths"]["/api/dataValueSets"]["post"]
    media = set(post["requestBody"]["content"])
    assert {
        "application/json",
        "application/csv",
        "application/xml",
        "application/adx+xml",
    } <= media
    assert {"200", "400", "409", "413", "415", "422"} <= set(post["responses"])
    assert "atomicMode" in post["description"] and "precedence" in post["description"]
