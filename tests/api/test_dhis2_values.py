"""DHIS2's ``/api/dataValues`` as DHIS2's data entry and scripts call it: one value named by
``de``, ``pe``, ``ou`` (and ``co``) in the query, saved (201, no body), read (a list of one
text), deleted (204), flagged for follow-up; refusals as 409 WebMessages; the caller's scope,
the audit and the kept deletions as for a data value set; the versioned paths too."""

from __future__ import annotations

from sqlalchemy import select
from tests.api.conftest import BD, HK

from chitieu.store.models import DataValue, DeletedDataValue

INSP = "vL2QCgKmWOu"  # ACT_INSPECTIONS in data/dhis2/mapping.yaml
#: A yearly figure the ward keeps entering (a monthly report is read-only once submitted).
KEY = f"de=DOCTORS&pe=2025&ou={HK}"


def _stored(world, period: str = "2025", unit: str = HK):  # type: ignore[no-untyped-def]
    """The stored (value, comment, followup) rows of the key, and the deleted values kept."""

    def rows(model, *columns):  # type: ignore[no-untyped-def]
        key = (model.element_code == "DOCTORS", model.unit_code == unit, model.period == period)
        with world.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(*columns).where(*key))]

    live = rows(DataValue, DataValue.value, DataValue.comment, DataValue.followup)
    return live, [r[0] for r in rows(DeletedDataValue, DeletedDataValue.value)]


def _audits(world) -> int:  # type: ignore[no-untyped-def]
    return int(
        world.scalar("SELECT count(*) FROM audit_log WHERE row_key LIKE 'DOCTORS|00070|2025|%'")
    )


def test_save_read_flag_clear_and_delete_one_value(world) -> None:
    entry = world.as_("entry")
    r = world.client.post(f"/api/dataValues?{KEY}&value=3", headers=entry)
    assert (r.status_code, r.content) == (201, b"")
    assert _stored(world) == ([(3.0, None, False)], [])
    # read back on a versioned path with DHIS2's .json suffix: a list of one text
    r = world.client.get(f"/api/40/dataValues.json?{KEY}", headers=entry)
    assert (r.status_code, r.json()) == (200, ["3"])
    assert r.headers["cache-control"] == "no-store"
    # a comment alone, then the follow-up flag alone, keep the value
    r = world.client.post(f"/api/dataValues?{KEY}&comment=kiểm tra", headers=entry)
    assert r.is_success, r.json()
    assert world.client.post(f"/api/dataValues?{KEY}&followUp=true", headers=entry).is_success
    assert _stored(world) == ([(3.0, "kiểm tra", True)], [])
    follow = {"dataElement": "DOCTORS", "period": "2025", "orgUnit": HK, "followup": False}
    r = world.client.put("/api/dataValues/followup", json=follow, headers=entry)
    assert r.status_code == 200 and _stored(world)[0] == [(3.0, "kiểm tra", False)]
    # an empty value clears it: deleted, kept among the deleted values
    before = _audits(world)
    assert world.client.post(f"/api/dataValues?{KEY}&value=", headers=entry).status_code == 201
    assert _stored(world) == ([], [3.0]) and _audits(world) == before + 1
    r = world.client.get(f"/api/dataValues?{KEY}", headers=entry)
    assert r.status_code == 409 and r.json()["message"] == "Data value does not exist"
    # DELETE: 204, then 409 when nothing is stored
    assert world.client.post(f"/api/dataValues?{KEY}&value=4", headers=entry).status_code == 201
    assert world.client.delete(f"/api/41/dataValues?{KEY}", headers=entry).status_code == 204
    assert _stored(world)[0] == []
    r = world.client.delete(f"/api/dataValues?{KEY}", headers=entry)
    assert r.status_code == 409 and "does not exist" in r.json()["message"]
    # neither that refusal nor clearing a value never stored touches the kept deletions
    kept = _stored(world)
    assert kept == ([], [4.0])
    assert world.client.post(f"/api/dataValues?{KEY}&value=", headers=entry).status_code == 201
    other = f"de=DOCTORS&pe=2024&ou={HK}"
    assert world.client.post(f"/api/dataValues?{other}&value=", headers=entry).status_code == 201
    assert _stored(world) == kept and _stored(world, "2024") == ([], [])


def test_refusals_are_409_web_messages_and_write_nothing(world) -> None:
    entry = world.as_("entry")
    before = world.snapshot()
    cases = {
        f"/api/dataValues?{KEY}&value=abc": "E7619",  # not a number
        f"/api/dataValues?de={INSP}&pe=202501&ou={BD}&value=1": "E7617",  # another ward
        f"/api/dataValues?de={INSP}&pe=203001&ou={HK}&value=1": "E7641",  # a future period
        f"/api/dataValues?{KEY}&value=1&cc=x&cp=y": None,  # an attribute combo
        f"/api/dataValues?{KEY}&comment=only": None,  # nothing stored to comment on
        f"/api/dataValues?{KEY}": "E7618",  # nothing given
    }
    for url, code in cases.items():
        r = world.client.post(url, headers=entry)
        body = r.json()
        assert (r.status_code, body["httpStatusCode"], body["status"]) == (409, 409, "ERROR"), url
        assert body["message"], url
        if code:
            assert body["errorCode"] == code, (url, body)
    assert world.snapshot() == before
    # nor can a value of another ward be read
    admin = world.as_("admin")
    other = f"de={INSP}&pe=202501&ou={BD}"
    assert world.client.post(f"/api/dataValues?{other}&value=5", headers=admin).status_code == 201
    assert world.client.get(f"/api/dataValues?{other}", headers=admin).json() == ["5"]
    r = world.client.get(f"/api/dataValues?{other}", headers=entry)
    assert r.status_code == 409 and "5" not in r.text
