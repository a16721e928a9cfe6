"""The data-value import core: validate every value, then write them — all, or the good ones.

Every reader (DHIS2 JSON/CSV/XML, ADX, Excel, old-unit series) turns its input into
:class:`ValueIn` rows in chitieu's codes and calls :func:`import_values`, which

1. reads the values in batches (bounded memory, so a million-value payload streams through),
   checking each — the element exists, the disaggregation is one the element allows, the unit
   exists and lies in the caller's scope, the period parses and is one the element's data set
   accepts, the value is a number of the element's type, the key is not given twice, and a
   locked value is not changed;
2. writes each batch's good values inside one transaction for the whole payload, auditing
   every change;
3. at the end, in the atomic mode (chitieu's own rule, DHIS2's ``atomicMode=ALL``) rolls the
   whole transaction back if any value was refused — nothing half-written; in the partial
   mode (DHIS2's default on its HTTP API, ``atomicMode=NONE``) commits the good values and
   answers WARNING with the refused ones in ``rejectedIndexes``. ``dry_run`` reports the same
   counts and always rolls back.

A value equal to the stored one is *ignored*, so importing the same payload twice changes
nothing the second time. An empty value is a conflict (E7618) and the stored value stays, as
in DHIS2; deleting takes ``deleted: true`` or the DELETE strategy, and the deleted value is
kept in ``deleted_data_values`` (DHIS2's soft delete) so that it can be exported as deleted.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from chitieu.ingest.key_checks import defer_key_checks
from chitieu.reporting import summary as sm
from chitieu.reporting.batch_writer import DeferredWrite, batch_writer
from chitieu.reporting.outcome import Outcome, count_actions
from chitieu.reporting.periods import Editor
from chitieu.reporting.rollups import Pending, flush
from chitieu.reporting.summary import Conflict, ImportCount, ImportSummary
from chitieu.reporting.validate import (
    ImportStrategy,
    PeriodRules,
    PlanState,
    ValueIn,
    check_batch,
    parse_number,
    plan_checked,
    plan_import,
)
from chitieu.reporting.write import plan_write, write_planned
from chitieu.store.batches import chunks
from chitieu.store.db import dialect_name, session_on, with_retries
from chitieu.store.models import DataElement, ImportBatch, Unit

log = logging.getLogger(__name__)

__all__ = [
    "ImportSource",
    "ImportStrategy",
    "Outcome",
    "ValueIn",
    "count_actions",
    "import_values",
    "parse_number",
    "plan_import",
]

#: Values checked and written together, by database; bounds the memory an import needs. On
#: PostgreSQL each batch costs a few round trips and statement starts on the path every batch
#: waits on (a million values: about a tenth faster in batches of 10,000 than of 5,000); SQLite
#: holds a batch twice more, as the JSON text of its one-statement insert.
BATCH_SIZE = {"postgresql": 10_000, "sqlite": 5000}


@dataclass(frozen=True, slots=True)
class ImportSource:
    """Where a payload came from, recorded in ``import_batches`` when an import writes."""

    kind: str  # dhis2 | adx | excel | old-units
    name: str
    sha256: str


def _batches(values: Iterable[ValueIn], size: int) -> Iterable[list[ValueIn]]:
    batch: list[ValueIn] = []
    for v in values:
        batch.append(v)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while an import runs: its values, checks
    and rows are short-lived objects without cycles, which a collection every 700
    allocations would scan over and over (a fifth of a large import's time)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 50_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


#: SQLite's page cache while an import writes (KiB). Its default (2 MiB) is far smaller than
#: the indexes a large import writes into: the transaction's dirty pages spill to the WAL and
#: are read back again and again (a million values: 3.6 GB read, 2.8 GB written with the
#: default; 1.8 and 2.2 GB with 64 MiB). Pages are taken as needed, so a small import uses
#: little of it.
SQLITE_CACHE_KIB = 64 * 1024


@contextmanager
def _page_cache(db: Session) -> Iterator[None]:
    """On SQLite, a larger page cache for the import's connection while it runs (set back
    after: the connection returns to the pool)."""
    if dialect_name(db) != "sqlite":
        yield
        return
    conn = db.connection()
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(SQLITE_CACHE_KIB)}")  # a constant
    try:
        yield
    finally:
        with suppress(SQLAlchemyError):  # a broken connection is not reused anyway
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[tuple[Connection, bool]]:
    """One transaction for the whole import, and whether SQLite's row-by-row foreign-key
    checks are off in it (:func:`chitieu.ingest.key_checks.defer_key_checks`): every value's
    unit and element was checked against the database by the planner, and
    :func:`_check_keys` checks them once more at the end, under the write lock. The setting
    is put back before the connection returns to the pool."""
    with engine.connect() as conn:
        deferred = False
        try:
            with conn.begin():
                deferred = defer_key_checks(conn)  # before the first write: SQLite's rule
                yield conn, deferred
        finally:
            if deferred:
                try:
                    conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                except SQLAlchemyError:
                    conn.invalidate()


def _writes_alongside(dry_run: bool) -> bool:
    """Whether each batch is written in a second thread while the next one is checked
    (:mod:`chitieu.reporting.batch_writer`): whenever something is written. On PostgreSQL
    the server does the writing while this process waits; on SQLite the new rows go in as
    one statement each (:func:`chitieu.reporting.bulk.append_rows`), run without the
    interpreter's lock."""
    return not dry_run


def _check_keys(db: Session, state: PlanState) -> None:
    """The units and elements the written rows name still exist (raises ``IntegrityError``
    otherwise, as the foreign keys would have): a few thousand codes, one query each chunk."""
    for model, named in ((Unit, state.units_named), (DataElement, state.elements_named)):
        found: set[str] = set()
        for chunk in chunks(sorted(named)):
            found.update(db.scalars(select(model.code).where(model.code.in_(chunk))))
        missing = sorted(named - found)
        if missing:
            why = f"{model.__tablename__} no longer holds {', '.join(missing[:5])}"
            raise IntegrityError("import: foreign key check", None, LookupError(why))


class _Rollback(Exception):
    """Ends the transaction without committing (dry run, or an atomic import refused)."""


def import_values(
    engine: Engine,
    values: Iterable[ValueIn],
    *,
    actor: str,
    dry_run: bool = False,
    strategy: ImportStrategy = ImportStrategy.CREATE_AND_UPDATE,
    allowed_unit: str | None = None,
    editor: Editor = Editor(),
    prior_conflicts: Sequence[Conflict] = (),
    total: int | None = None,
    source: ImportSource | None = None,
    atomic: bool = True,
    rules: PeriodRules | None = None,
    outcome: Outcome | None = None,
    count_total: Callable[[], int] | None = None,
    finish: Callable[[], None] | None = None,
    batch_size: int | None = None,
) -> ImportSummary:
    """Validate ``values`` batch by batch and write them in one transaction.

    ``atomic``: any refused value refuses the whole payload (nothing written, ERROR);
    otherwise the good values are written and the summary says WARNING. ``prior_conflicts``
    are problems a reader already found; ``outcome`` collects problems found while
    ``values`` is consumed (by a streaming reader); ``total`` (or ``count_total()``, asked
    at the end) is the number of values the payload held (default: the values seen).
    ``rules``: the allowed periods (none checked when None). ``finish`` is called once the
    values are consumed, before anything commits; whatever it raises rolls back and
    propagates."""
    retry = isinstance(values, Sequence) and outcome is None

    def attempt() -> tuple[Outcome, ImportCount, int] | ImportSummary:
        """The whole import in one transaction (run again after a deadlock or serialization
        failure when ``values`` can be read again)."""
        out = outcome if outcome is not None else Outcome()
        for c in prior_conflicts:
            out.add(c)
            if c.index is None:
                out.fatal = True
        count = ImportCount()
        state = PlanState()
        pending = Pending()
        seen = 0
        try:
            with (
                _write_transaction(engine) as (conn, keys_deferred),
                _page_cache(session_on(conn)),
                batch_writer(_writes_alongside(dry_run)) as writer,
            ):
                db = session_on(conn)
                if writer.threaded:  # checking a batch must not need the connection
                    state.know_everything(db, allowed_unit)
                unwritten: DeferredWrite | None = None
                size = batch_size or BATCH_SIZE.get(engine.dialect.name, 5000)
                for batch in _batches(values, size):
                    seen += len(batch)
                    checked = check_batch(
                        db,
                        batch,
                        strategy=strategy,
                        allowed_unit=allowed_unit,
                        rules=rules,
                        state=state,
                    )
                    writer.wait()  # the write in flight has ended: the connection is free
                    actions, conflicts = plan_checked(
                        db, checked, strategy=strategy, editor=editor, state=state, before=unwritten
                    )  # started the write of the batch before
                    for c in conflicts:
                        out.add(c)
                    count_actions(actions, count, out.skipped)
                    unwritten = None
                    if not dry_run and not (atomic and out.refused_any) and not out.fatal:
                        planned = plan_write(actions, actor, engine.dialect.name)
                        write = partial(write_planned, db, planned, actor=actor, pending=pending)
                        touched = {(a.v.unit, a.period) for a in actions}  # deletions too
                        unwritten = DeferredWrite(writer, write, touched)
                if unwritten is not None:
                    unwritten.start()
                writer.wait()
                if finish is not None:
                    finish()
                n = count_total() if count_total is not None else (seen if total is None else total)
                if out.fatal or (atomic and out.refused_any):
                    raise _Rollback
                if dry_run:
                    raise _Rollback
                written = count.imported + count.updated + count.deleted
                if not written:  # nothing to keep, not even the period rows the locks made
                    raise _Rollback
                if keys_deferred:
                    _check_keys(db, state)
                flush(db, pending)
                if source is not None:
                    conn.execute(
                        insert(ImportBatch).values(
                            kind=source.kind,
                            source=source.name[:500],
                            sha256=source.sha256,
                            rows_read=n,
                            rows_added=count.imported,
                            imported_by=actor,
                        )
                    )
        except _Rollback:
            pass
        except IntegrityError as exc:
            # Another import wrote one of these keys between our check and our write; the
            # whole transaction was rolled back, so nothing is half-written; a retry sees it.
            why = f"a concurrent change to the same values; nothing was written, retry ({exc.orig})"
            n = count_total() if count_total is not None else (seen if total is None else total)
            log.warning("import refused: concurrent change", extra={"values": n})
            return sm.refused([Conflict("payload", why, None, "payload")], n, dry_run=dry_run)
        return out, count, n

    with _fewer_collections():
        done = with_retries(attempt) if retry else attempt()
    if isinstance(done, ImportSummary):
        return done
    out, count, n = done
    summary = _summary(out, count, n, dry_run=dry_run, atomic=atomic)
    log.info(
        "values imported" if not dry_run else "values checked (dry run)",
        extra={
            "source": source.kind if source else None,
            "status": summary.status,
            "values": n,
            "imported": summary.count.imported,
            "updated": summary.count.updated,
            "deleted": summary.count.deleted,
            "ignored": summary.count.ignored,
            "conflicts": len(summary.conflicts),
        },
    )
    return summary


def _summary(
    out: Outcome, count: ImportCount, n: int, *, dry_run: bool, atomic: bool
) -> ImportSummary:
    rejected = sorted(set(out.rejected))
    if out.fatal or (atomic and out.refused_any):
        summary = sm.refused(out.conflicts, n, dry_run=dry_run, rejected=rejected)
    else:
        # Refused values and those the reader could not read count as ignored, as in DHIS2.
        written = count.imported + count.updated + count.deleted + count.ignored
        count.ignored += max(0, n - written)
        status = "WARNING" if out.conflicts else "SUCCESS"
        verb = "would be" if dry_run else "were"
        summary = ImportSummary(
            status=status,
            count=count,
            conflicts=out.conflicts,
            dry_run=dry_run,
            description=(
                f"{'Chạy thử' if dry_run else 'Đã nhập'}: {count.imported} mới, {count.updated} "
                f"cập nhật, {count.deleted} xoá, {count.ignored} bỏ qua"
                f"{f', {len(rejected)} bị từ chối' if rejected else ''}. / {count.imported} "
                f"imported, {count.updated} updated, {count.deleted} deleted, {count.ignored} "
                f"ignored{f', {len(rejected)} refused' if rejected else ''} ({verb} applied)."
            ),
            total=n,
            rejected_indexes=sorted(set(rejected).union(out.skipped)),
        )
    if out.unlisted:
        summary.extra["conflictsNotListed"] = out.unlisted
    return summary
