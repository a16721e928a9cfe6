"""Reading a payload ahead of its import, in a second thread (``exchange.prefetch``) or a
forked process (``exchange.prefetch_process``), changes nothing an import answers or stores:
the same summary (counts, conflicts in the same order, rejected indexes), the same rows and
audit entries as the import reading the payload itself, on a payload of several batches with
problems found by the reader, the translation and the checks spread over all of them; an
unreadable end refuses the payload the same way, an error of the reader reaches the caller,
and the thread or process never outlives the import."""

from __future__ import annotations

import json
import multiprocessing
import sys
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from chitieu.exchange import dhis2, prefetch, prefetch_process
from chitieu.exchange.dhis2 import import_datavalueset
from chitieu.ingest import prefetch as switches
from chitieu.reporting.imports import BATCH_SIZE, Outcome
from chitieu.reporting.summary import Conflict
from chitieu.reporting.validate import ValueIn
from chitieu.store.models import (
    AuditEntry,
    ChangeCounter,
    DataValue,
    DeletedDataValue,
    ImportBatch,
    ReportPeriod,
    Unit,
)

ELEMENTS = ("ACT_COMM_SESSIONS", "ACT_PEOPLE_REACHED", "ACT_FACILITY_COMMITMENTS")
HEADER = (
    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
    "lastupdated,comment,followup,deleted"
)


def _payload(communes: list[str], n: int) -> bytes:
    """``n`` CSV rows (one key each, ``n`` under 36 times the communes) with problems of
    every kind spread over the batches."""
    lines = [HEADER]
    keys = []
    for i in range(n):
        unit = communes[(i // (len(ELEMENTS) * 12)) % len(communes)]
        el = ELEMENTS[i % len(ELEMENTS)]
        period = f"2024{(i // len(ELEMENTS)) % 12 + 1:02d}"
        keys.append((el, period, unit))
        value, aoc, followup, comment = str(i % 50), "", "", ""
        if i % 997 == 5:
            lines.append(f"{el},{period},{unit}")  # too few columns: the reader refuses it
            continue
        if i % 991 == 7:
            followup = "maybe"  # unreadable flag: a warning, the value is kept
        if i % 983 == 11:
            aoc = "XYZ"  # an attribute combination: refused by the translation
        if i % 977 == 13:
            value = "abc"  # not a number: refused by the checks
        if i % 1499 == 17:
            comment = "ghi chú, có dấu phẩy"
        if i % 2003 == 19 and i > 1500:
            el, period, unit = keys[i - 1500]  # the same key as a value of an earlier batch
        lines.append(
            f'{el},{period},{unit},default,{aoc},{value},,,"{comment}",{followup},'
            if comment
            else f"{el},{period},{unit},default,{aoc},{value},,,,{followup},"
        )
    return ("\n".join(lines) + "\n").encode()


def _communes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        stmt = select(Unit.code).where(Unit.level == "commune").order_by(Unit.code).limit(400)
        return list(conn.scalars(stmt))


MODES = ["thread", "process"]


def _import(engine: Engine, payload: bytes, ahead: Any, **options: Any) -> dict[str, Any]:
    summary = import_datavalueset(
        engine,
        payload,
        actor="t",
        fmt="csv",
        id_scheme="code",
        old_units="none",
        read_ahead=ahead,
        **options,
    )
    return summary.to_dict()


def _stored(engine: Engine) -> tuple[list[Any], list[Any]]:
    dv = DataValue
    with engine.connect() as conn:
        rows = sorted(
            tuple(r)
            for r in conn.execute(
                select(
                    dv.element_code,
                    dv.unit_code,
                    dv.period,
                    dv.disaggregation,
                    dv.value,
                    dv.comment,
                    dv.stored_by,
                    dv.status,
                    dv.followup,
                )
            )
        )
        a = AuditEntry
        audit = [
            tuple(r)
            for r in conn.execute(
                select(a.actor, a.action, a.row_key, a.unit_code, a.before, a.after)
                .where(a.table_name == "data_values")
                .order_by(a.id)
            )
        ]
    return rows, audit


def _forget(engine: Engine) -> None:
    """Remove what an import wrote, so the next one starts from the same database."""
    with engine.begin() as conn:
        for t in (
            DataValue,
            DeletedDataValue,
            AuditEntry,
            ReportPeriod,
            ImportBatch,
            ChangeCounter,
        ):
            conn.execute(delete(t))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefetch, "CHUNK", 37)  # many handovers, none on a batch's edge


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("atomic", [False, True])
def test_read_ahead_answers_and_stores_exactly_what_reading_in_turn_does(
    db: Engine, atomic: bool, mode: str
) -> None:
    n = 2 * BATCH_SIZE[db.dialect.name] + 1234
    payload = _payload(_communes(db), n)
    plain = _import(db, payload, ahead=False, atomic=atomic)
    plain_rows = _stored(db)
    _forget(db)
    ahead = _import(db, payload, ahead=mode, atomic=atomic)
    assert ahead == plain
    assert _stored(db) == plain_rows

    # the payload's problems, counted independently of the import
    too_short = sum(1 for i in range(n) if i % 997 == 5)
    assert len(plain["rejectedIndexes"]) > too_short  # and the others
    codes = [c.get("errorCode") for c in plain["conflicts"]]
    assert {"E7615", "E7619"} <= set(codes)
    assert sum("followup" in c["value"] for c in plain["conflicts"]) == sum(
        1 for i in range(n) if i % 991 == 7 and i % 997 != 5
    )
    if atomic:
        assert plain["status"] == "ERROR" and plain_rows == ([], [])
    else:
        assert plain["status"] == "WARNING"
        written = plain["importCount"]["imported"]
        assert written == len(plain_rows[0]) == n - len(plain["rejectedIndexes"])


@pytest.mark.parametrize("mode", MODES)
def test_an_unreadable_end_refuses_the_payload_either_way(sdb: Engine, mode: str) -> None:
    payload = _payload(_communes(sdb), 3000) + b"ACT_INSPECTIONS,202401,\xff\xfe\n"  # not UTF-8
    plain = _import(sdb, payload, ahead=False, atomic=False)
    assert plain["status"] == "ERROR"
    assert _import(sdb, payload, ahead=mode, atomic=False) == plain
    assert _stored(sdb) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_an_error_of_the_reader_reaches_the_caller_and_the_reader_ends(
    sdb: Engine, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    original = dhis2.to_values

    def failing(*args: Any, **kwargs: Any) -> Any:
        for i, v in enumerate(original(*args, **kwargs)):
            if i == 1500:
                raise RuntimeError("reader failed")
            yield v

    monkeypatch.setattr(dhis2, "to_values", failing)
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="reader failed"):
        _import(sdb, _payload(_communes(sdb), 3000), ahead=mode)
    assert threading.active_count() == before
    assert multiprocessing.active_children() == []
    assert _stored(sdb) == ([], [])


def test_the_forked_reader_hands_back_a_late_header_and_the_old_codes_it_saw(sdb: Engine) -> None:
    """What the reader learns only at the end reaches the import: the JSON set's fields that
    follow its values (the payload is read again with them) and the pre-reform codes seen."""
    communes = _communes(sdb)[:30]
    values = [
        {"dataElement": el, "period": f"2024{m:02d}", "orgUnit": unit, "value": str(m)}
        for unit in communes
        for m in range(1, 13)
        for el in ELEMENTS
    ]
    doc = json.dumps({"dataValues": values, "dataSet": "COMMUNE_MONTHLY"}).encode()

    def run(mode: Any) -> dict[str, Any]:
        s = import_datavalueset(sdb, doc, actor="t", fmt="json", id_scheme="code", read_ahead=mode)
        return s.to_dict()

    plain = run(False)
    assert plain["importCount"]["imported"] == len(values) and plain["oldUnitCodes"]["ambiguous"]
    plain_rows = _stored(sdb)
    _forget(sdb)
    assert run("process") == plain
    assert _stored(sdb) == plain_rows


def test_a_reader_process_left_early_is_stopped() -> None:
    outcome = Outcome()

    def endless(out: Outcome) -> Any:
        i = 0
        while True:
            if i % 3 == 0:
                out.add(Conflict(str(i), "noted", None, "value", i))
            yield ValueIn("E", "U", "202401", value=str(i), index=i)
            i += 1

    values = prefetch_process.read_ahead_in_process(
        endless, [], outcome, final=lambda: None, adopt=lambda _: None
    )
    taken = [next(values).value for _ in range(10)]
    values.close()
    assert taken == [str(i) for i in range(10)]
    assert multiprocessing.active_children() == []
    assert [c.object for c in outcome.conflicts] == ["0", "3", "6", "9"]


def test_a_reader_left_early_stops_its_thread() -> None:
    outcome = Outcome()
    log: list = []

    def endless(out: Outcome) -> Any:
        i = 0
        while True:
            if i % 3 == 0:
                out.add(Conflict(str(i), "noted", None, "value", i))
            yield i
            i += 1

    before = threading.active_count()
    values = prefetch.read_ahead(endless, log, outcome)
    taken = [next(values) for _ in range(10)]
    values.close()
    assert taken == list(range(10))
    assert threading.active_count() == before
    # the conflicts recorded before each value taken were replayed, in order, and no others
    assert [c.object for c in outcome.conflicts] == ["0", "3", "6", "9"]
    assert outcome.rejected == [0, 3, 6, 9]


def test_imports_in_progress_share_the_switch_interval_and_give_it_back() -> None:
    before = sys.getswitchinterval()
    with switches.quick_switches():
        assert sys.getswitchinterval() == min(before, switches.SWITCH_INTERVAL)
        with switches.quick_switches():  # a second import in the same process
            assert sys.getswitchinterval() == min(before, switches.SWITCH_INTERVAL)
        assert sys.getswitchinterval() == min(before, switches.SWITCH_INTERVAL)
    assert sys.getswitchinterval() == before
