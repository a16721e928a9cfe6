"""The import core: validate all, write all or nothing, idempotent, dry run, locks, scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from chitieu.reporting.imports import (
    ImportSource,
    ImportStrategy,
    ValueIn,
    import_values,
    parse_number,
)
from chitieu.reporting.periods import Editor
from chitieu.store.models import AuditEntry, DataValue, DeletedDataValue, ImportBatch

# Phường Hoàn Kiếm (Hanoi) and Phường Hoà Bình (Hai Phong).
HK, HP_COMMUNE = "00070", "11533"

GOOD = [
    ValueIn("LIVE_BIRTHS", HK, "202501", "M_O1", "12", location="r1"),
    ValueIn("LIVE_BIRTHS", HK, "2025-01", "F_O1", "11", location="r2"),  # another spelling
    ValueIn("LIVE_BIRTHS", HK, "202501", "M_O3P", "0", location="r3"),
    ValueIn("ACT_INSPECTIONS", HK, "202501", "default", "2", comment="2 phòng khám", location="r4"),
    ValueIn("POPULATION", "01", "2024", "default", "8587100", location="r5"),
]


def test_import_writes_all_values_and_audits_each(db, values_of, counts):
    summary = import_values(db, GOOD, actor="tester", source=ImportSource("dhis2", "t", "0" * 64))
    assert summary.status == "SUCCESS"
    assert summary.count.to_dict() == {"imported": 5, "updated": 0, "ignored": 0, "deleted": 0}
    assert values_of(db) == {
        ("LIVE_BIRTHS", HK, "202501", "M_O1", 12.0, None),
        ("LIVE_BIRTHS", HK, "202501", "F_O1", 11.0, None),  # stored canonical: 202501
        ("LIVE_BIRTHS", HK, "202501", "M_O3P", 0.0, None),
        ("ACT_INSPECTIONS", HK, "202501", "default", 2.0, "2 phòng khám"),
        ("POPULATION", "01", "2024", "default", 8587100.0, None),
    }
    assert counts(db) == (5, 5, 1)  # five values, five audit entries, one batch
    with db.connect() as conn:
        audit = conn.execute(
            select(AuditEntry).where(AuditEntry.row_key.like("POPULATION|%"))
        ).one()
        batch = conn.execute(select(ImportBatch)).one()
    assert (audit.actor, audit.action, audit.unit_code) == ("tester", "insert", "01")
    assert audit.before is None and audit.after["value"] == 8587100.0
    assert (batch.kind, batch.rows_read, batch.rows_added) == ("dhis2", 5, 5)


def test_same_payload_twice_changes_nothing(db, counts):
    import_values(db, GOOD, actor="t")
    before = counts(db)
    again = import_values(db, GOOD, actor="t")
    assert again.count.to_dict() == {"imported": 0, "updated": 0, "ignored": 5, "deleted": 0}
    assert counts(db) == before


def test_changed_value_is_updated_with_before_and_after(db, values_of):
    import_values(db, GOOD, actor="t")
    changed = [ValueIn("LIVE_BIRTHS", HK, "202501", "M_O1", "13")]
    summary = import_values(db, changed, actor="editor")
    assert summary.count.updated == 1 and summary.count.imported == 0
    assert ("LIVE_BIRTHS", HK, "202501", "M_O1", 13.0, None) in values_of(db)
    with db.connect() as conn:
        entry = conn.execute(
            select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.actor == "editor")
        ).one()
    assert (entry.before["value"], entry.after["value"]) == (12.0, 13.0)


BAD = [
    # (value, errorCode, property)
    (ValueIn("NO_SUCH_ELEMENT", HK, "202501", "default", "1"), "E7610", "dataElement"),
    (ValueIn("LIVE_BIRTHS", HK, "202501", "default", "1"), "E7634", "categoryOptionCombo"),
    (ValueIn("POPULATION", HK, "202501", "M_O1", "1"), "E7634", "categoryOptionCombo"),
    (ValueIn("POPULATION", "99999", "2024", "default", "1"), "E7612", "orgUnit"),
    (ValueIn("POPULATION", HK, "202513", "default", "1"), "E7611", "period"),
    (ValueIn("POPULATION", HK, "2024", "default", "mười"), "E7619", "value"),
    (ValueIn("POPULATION", HK, "2024", "default", "12.5"), "E7619", "value"),  # a count
    (ValueIn("POPULATION", HK, "2024", "default", "-3"), "E7619", "value"),
    (ValueIn("POPULATION", HK, "2024", "default", "1e3"), "E7619", "value"),
    (ValueIn("POPULATION", HK, "2024", "default", "1" * 16), "E7619", "value"),  # > 10^15
    (ValueIn("POPULATION", HK, "2024", "default", "5", stored_by="x" * 101), "E7637", "storedBy"),
]


@pytest.mark.parametrize(("bad", "code", "prop"), BAD)
def test_one_bad_value_refuses_the_whole_payload(db, counts, bad, code, prop):
    payload = [*GOOD, bad]
    summary = import_values(db, payload, actor="t")
    assert summary.status == "ERROR" and not summary.ok and summary.http_status == 409
    assert [(c.error_code, c.property) for c in summary.conflicts] == [(code, prop)]
    assert summary.count.to_dict() == {"imported": 0, "updated": 0, "ignored": 6, "deleted": 0}
    assert counts(db) == (0, 0, 0)  # nothing half-written


def test_every_bad_value_is_reported_not_just_the_first(db):
    summary = import_values(db, [b for b, _, _ in BAD], actor="t")
    assert len(summary.conflicts) == len(BAD)


def test_duplicates_in_one_payload_are_reported_not_merged(db, counts):
    dup = [
        ValueIn("LIVE_BIRTHS", HK, "202501", "M_O1", "12", location="line 2"),
        ValueIn("LIVE_BIRTHS", HK, "2025-01", "M_O1", "12", location="line 7"),  # same key
    ]
    summary = import_values(db, dup, actor="t")
    assert summary.status == "ERROR"
    (c,) = summary.conflicts
    assert c.location == "line 7" and "line 2" in c.value
    assert counts(db) == (0, 0, 0)


def test_dry_run_reports_exactly_what_a_real_run_does(db, counts):
    import_values(db, GOOD[:2], actor="t")
    payload = [*GOOD, ValueIn("LIVE_BIRTHS", HK, "202501", "M_O1", "14")][1:]
    before = counts(db)
    dry = import_values(db, payload, actor="t", dry_run=True)
    assert counts(db) == before
    real = import_values(db, payload, actor="t")
    assert dry.dry_run and not real.dry_run
    assert dry.count == real.count
    assert real.count.to_dict() == {"imported": 3, "updated": 1, "ignored": 1, "deleted": 0}


def test_dry_run_of_a_bad_payload_gives_the_same_conflicts(db, counts):
    payload = [*GOOD, BAD[0][0]]
    dry = import_values(db, payload, actor="t", dry_run=True)
    real = import_values(db, payload, actor="t")
    assert dry.conflicts == real.conflicts and dry.status == real.status == "ERROR"
    assert counts(db) == (0, 0, 0)


def _lock(db, element: str) -> None:
    with db.begin() as conn:
        conn.execute(
            update(DataValue).where(DataValue.element_code == element).values(status="locked")
        )


def test_locked_value_cannot_change(db, values_of):
    import_values(db, GOOD, actor="t")
    _lock(db, "POPULATION")
    change = [GOOD[0], ValueIn("POPULATION", "01", "2024", "default", "8600000", location="r9")]
    summary = import_values(db, change, actor="t")
    assert summary.status == "ERROR"
    (c,) = summary.conflicts
    assert (c.error_code, c.property, c.location) == ("E7643", "period", "r9")
    assert ("POPULATION", "01", "2024", "default", 8587100.0, None) in values_of(db)
    # the same value again changes nothing, so it is not a conflict
    assert import_values(db, [GOOD[4]], actor="t").count.ignored == 1
    # deleting a locked value is a change too
    deletion = ValueIn("POPULATION", "01", "2024", "default", "")
    assert import_values(db, [deletion], actor="t").status == "ERROR"
    # an administrator may change it
    admin = import_values(db, change[1:], actor="admin", editor=Editor("admin"))
    assert admin.count.updated == 1


def test_values_outside_the_callers_unit_are_conflicts(db, counts):
    payload = [GOOD[0], ValueIn("POPULATION", HP_COMMUNE, "2024", "default", "5")]
    summary = import_values(db, payload, actor="hanoi-officer", allowed_unit="01")
    assert [(c.error_code, c.object) for c in summary.conflicts] == [("E7617", HP_COMMUNE)]
    assert counts(db) == (0, 0, 0)
    # a commune officer may not write for the province above either
    summary = import_values(db, [GOOD[4]], actor="hk", allowed_unit=HK)
    assert [c.error_code for c in summary.conflicts] == ["E7617"]
    assert import_values(db, GOOD[:4], actor="hk", allowed_unit=HK).count.imported == 4


def test_empty_value_is_a_conflict_deleted_flag_deletes_and_strategies(db, values_of, counts):
    import_values(db, GOOD, actor="t")
    # as in DHIS2: an empty value is E7618 and the stored value stays
    for empty in ("", None):
        s = import_values(db, [ValueIn("LIVE_BIRTHS", HK, "202501", "M_O3P", empty)], actor="t")
        assert [c.error_code for c in s.conflicts] == ["E7618"] and s.status == "ERROR"
    assert any(v[3] == "M_O3P" for v in values_of(db))
    # deleted: true deletes; the deleted value is kept apart, with its comment
    gone = ValueIn("ACT_INSPECTIONS", HK, "202501", "default", "2", deleted=True)
    summary = import_values(db, [gone], actor="t")
    assert summary.count.deleted == 1 and summary.status == "SUCCESS"
    assert not any(v[0] == "ACT_INSPECTIONS" for v in values_of(db))
    with db.connect() as conn:
        kept = conn.execute(select(DeletedDataValue)).one()
    assert (kept.element_code, kept.value, kept.comment) == ("ACT_INSPECTIONS", 2.0, "2 phòng khám")
    # nothing to delete: ignored
    again = import_values(db, [gone], actor="t")
    assert again.count.to_dict() == {"imported": 0, "updated": 0, "ignored": 1, "deleted": 0}
    # imported again: live, and no longer kept as deleted
    back = import_values(db, [ValueIn("ACT_INSPECTIONS", HK, "202501", "default", "3")], actor="t")
    assert back.count.imported == 1
    with db.connect() as conn:
        assert conn.execute(select(DeletedDataValue)).first() is None
    new = ValueIn("LIVE_BIRTHS", HK, "202502", "M_O1", "9")
    changed = ValueIn("LIVE_BIRTHS", HK, "202501", "M_O1", "99")
    create = import_values(db, [new, changed], actor="t", strategy=ImportStrategy.CREATE)
    assert (create.count.imported, create.count.updated, create.count.ignored) == (1, 0, 1)
    upd = import_values(
        db,
        [ValueIn("LIVE_BIRTHS", HK, "202503", "M_O1", "1"), changed],
        actor="t",
        strategy=ImportStrategy.parse("UPDATES"),
    )
    assert (upd.count.imported, upd.count.updated, upd.count.ignored) == (0, 1, 1)
    gone = import_values(db, [new, changed], actor="t", strategy=ImportStrategy.DELETE)
    assert gone.count.deleted == 2


def test_partial_mode_writes_the_good_values(db, values_of, counts):
    bad = ValueIn("POPULATION", HK, "2024", "default", "12.5", location="r9", index=5)
    payload = [*(ValueIn(**{**_fields(v), "index": i}) for i, v in enumerate(GOOD)), bad]
    summary = import_values(db, payload, actor="t", atomic=False)
    assert summary.status == "WARNING" and summary.http_status == 409
    assert summary.rejected_indexes == [5]
    assert summary.count.to_dict() == {"imported": 5, "updated": 0, "ignored": 1, "deleted": 0}
    assert counts(db) == (5, 5, 0)


def _fields(v: ValueIn) -> dict:
    return {f: getattr(v, f) for f in ValueIn.__slots__}


@pytest.mark.parametrize(
    ("text", "vtype", "expected"),
    [
        ("0", "integer", 0.0),
        (" 42 ", "integer", 42.0),
        ("12.5", "number", 12.5),
        ("-0.25", "number", -0.25),
        ("1e3", "number", 1000.0),
    ],
)
def test_parse_number_accepts(text, vtype, expected):
    assert parse_number(text, vtype) == expected


@pytest.mark.parametrize(
    ("text", "vtype"),
    [
        ("007", "integer"),
        ("+1", "integer"),
        ("1.0", "integer"),
        ("", "integer"),
        ("nan", "number"),
        ("inf", "number"),
        ("1e999", "number"),
        ("0x10", "number"),
        ("١٢", "integer"),
        ("1", "text"),
    ],
)
def test_parse_number_refuses(text, vtype):
    with pytest.raises(ValueError):
        parse_number(text, vtype)
