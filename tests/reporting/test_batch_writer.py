"""Writing each batch in a second thread while the next is checked changes nothing an import
answers or stores; a write that fails refuses the import with nothing written; and
the writer never runs two writes at once nor outlives the transaction."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chitieu.catalog import load_catalog
from chitieu.reporting import imports, write
from chitieu.reporting.batch_writer import batch_writer
from chitieu.reporting.bulk import append_rows
from chitieu.reporting.imports import ValueIn, import_values
from chitieu.store.models import AuditEntry, DataValue, ReportPeriod, Unit
from chitieu.units.load import load_units


def _values(engine: Engine, n: int) -> list[ValueIn]:
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
        communes = list(
            conn.scalars(select(Unit.code).where(Unit.level == "commune").order_by(Unit.code))
        )
    out = []
    for i in range(n):
        unit = communes[i // 24 % len(communes)]
        out.append(
            ValueIn(
                ("ACT_INSPECTIONS", "ACT_COMM_SESSIONS")[i % 2],
                unit,
                f"2024{i // 2 % 12 + 1:02d}",
                value=str(i % 7) if i % 101 else "x",  # a few refused: not numbers
                index=i,
            )
        )
    return out


def _stored(engine: Engine) -> tuple[list, list]:
    with engine.connect() as conn:
        rows = sorted(
            conn.execute(
                select(
                    DataValue.element_code, DataValue.unit_code, DataValue.period, DataValue.value
                )
            ).tuples()
        )
        audit = sorted(
            conn.execute(
                select(AuditEntry.action, AuditEntry.row_key, AuditEntry.after).where(
                    AuditEntry.table_name == "data_values"
                )
            ).tuples()
        )
    return rows, audit


def _forget(engine: Engine) -> None:
    with engine.begin() as conn:
        for t in (DataValue, AuditEntry, ReportPeriod):
            conn.execute(delete(t))


@pytest.mark.parametrize("atomic", [False, True])
def test_writing_alongside_answers_and_stores_what_writing_in_turn_does(
    engine: Engine, atomic: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = _values(engine, 2300)
    threads: list[str] = []
    apply = imports.write_planned

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return apply(*args, **kwargs)

    monkeypatch.setattr(imports, "write_planned", watched)
    alongside = import_values(engine, values, actor="t", atomic=atomic, batch_size=500)
    stored = _stored(engine)
    assert atomic or threads  # an atomic import refused at its first batch writes nothing
    assert all(name.startswith("chitieu-writer") for name in threads)
    _forget(engine)
    monkeypatch.setattr(imports, "_writes_alongside", lambda dry_run: False)
    in_turn = import_values(engine, values, actor="t", atomic=atomic, batch_size=500)
    assert alongside.to_dict() == in_turn.to_dict()
    assert _stored(engine) == stored
    refused = sum(1 for i in range(2300) if i % 101 == 0)
    assert len(alongside.rejected_indexes) == refused
    assert len(stored[0]) == (0 if atomic else 2300 - refused)


def test_a_month_split_across_batches_is_judged_with_the_cells_written_before(
    engine: Engine,
) -> None:
    """A batch's periods that the batch before also writes in are read only after that
    write: the six birth cells of an implausible month (70 boys, 10 girls) refused as soon as
    the month is complete, whichever batch completes it, while the other periods of the next
    batch are read before the write ends."""
    communes = [v.unit for v in _values(engine, 48)][::24]
    cells = ("M_O1", "M_O2", "M_O3P", "F_O1", "F_O2", "F_O3P")
    plausible = [ValueIn("LIVE_BIRTHS", communes[0], "202403", d, value="20") for d in cells]
    implausible = [
        ValueIn("LIVE_BIRTHS", communes[1], "202403", d, value=n)
        for d, n in zip(cells, ("30", "21", "19", "5", "3", "2"), strict=True)
    ]
    after = [ValueIn("ACT_INSPECTIONS", communes[1], "202404", value="1")]
    payload = [*plausible, *implausible, *after]
    for i, v in enumerate(payload):
        v.index = i
    for size in (1, 2, 4, 5, 6, 7, 8, 9, 11, 13):
        _forget(engine)
        summary = import_values(engine, payload, actor="t", atomic=False, batch_size=size)
        written_before = {  # cells of the bad month in batches before the one completing it
            v.disaggregation for v in implausible if (v.index or 0) // size < 11 // size
        }
        assert [c.object for c in summary.conflicts] == ["202403"], size
        rows, _ = _stored(engine)
        bad = {r for r in rows if r[1] == communes[1] and r[2] == "202403"}
        assert len(bad) == len(written_before), size
        assert len(rows) == 6 + len(written_before) + 1, size


def test_a_failed_write_refuses_the_import_and_writes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = _values(engine, 1200)
    apply = imports.write_planned
    calls = []

    def failing(db, planned, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(planned.actions))
        if len(calls) == 2:
            raise IntegrityError("insert", None, ValueError("written meanwhile"))
        return apply(db, planned, **kwargs)

    monkeypatch.setattr(imports, "write_planned", failing)
    summary = import_values(engine, values, actor="t", atomic=False, batch_size=500)
    assert summary.status == "ERROR" and "written meanwhile" in summary.conflicts[0].value
    assert _stored(engine) == ([], [])
    assert not [t for t in threading.enumerate() if t.name.startswith("chitieu-writer")]


def test_one_write_at_a_time_and_none_left_when_the_body_fails() -> None:
    running: list[int] = []
    overlaps: list[int] = []

    def write(i: int) -> None:
        running.append(i)
        overlaps.append(len(running))
        time.sleep(0.01)
        running.remove(i)

    with batch_writer(threaded=True) as writer:
        for i in range(5):
            writer.submit(lambda i=i: write(i))
    assert overlaps == [1] * 5 and not running

    with pytest.raises(RuntimeError, match="body"), batch_writer(threaded=True) as writer:
        writer.submit(lambda: write(9))
        raise RuntimeError("body")
    assert not running  # the write in flight ended before the context did

    with pytest.raises(ValueError, match="write"), batch_writer(threaded=True) as writer:

        def bad() -> None:
            raise ValueError("write")

        writer.submit(bad)
        writer.wait()


COLUMNS = (
    "element_code",
    "unit_code",
    "period",
    "disaggregation",
    "value",
    "comment",
    "stored_by",
    "status",
    "synthetic",
    "followup",
)


@pytest.mark.parametrize("exact_json", [True, False])
def test_rows_go_in_as_given_in_one_statement_or_row_by_row(
    engine: Engine, exact_json: bool
) -> None:
    """SQLite takes rows JSON carries exactly in one statement over a JSON array: what is
    stored is what the row-by-row insert stores (text with every kind of character, None,
    booleans, whole numbers up to 2^53)."""
    with engine.begin() as conn:
        load_units(conn)
        load_catalog(conn)
    rows = [
        (
            "ACT_INSPECTIONS",
            "00004",
            f"2024{m:02d}",
            "default",
            n,
            c,
            "người nhập",
            "submitted",
            False,
            f,
        )
        for m, (n, c, f) in enumerate(
            [
                (0, None, False),
                (9_007_199_254_740_991, 'nhận xét "trích dẫn", \\ và 😀', True),
                (17, "", False),
                (2**40, "tab\tline\nnext", True),
            ],
            start=1,
        )
    ]
    with Session(engine) as db:
        columns = (*write._VALUE_COLUMNS[:-1], "status", "synthetic", "followup")
        assert columns == (*COLUMNS[:7], "status", "synthetic", "followup")
        varying = [(*r[:7], r[9]) for r in rows]  # status and synthetic given once
        same = {"status": "submitted", "synthetic": False}
        append_rows(
            db, "data_values", write._VALUE_COLUMNS, varying, exact_json=exact_json, same=same
        )
        db.commit()
    with engine.connect() as conn:
        columns_read = [getattr(DataValue, c) for c in COLUMNS]
        stored = conn.execute(select(*columns_read).order_by(DataValue.period)).tuples().all()
    assert stored == rows
    assert all(type(r[4]) is float for r in stored)
