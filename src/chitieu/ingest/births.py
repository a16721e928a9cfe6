"""Import birth records (CSV or Parquet) in one transaction, keeping the aggregates current.

The file is streamed in batches (:mod:`chitieu.ingest.birth_reader`); each batch is checked
row by row with vectorised rules (:mod:`chitieu.ingest.birth_rows`), its good rows go to
temporary staging tables (:mod:`chitieu.ingest.birth_staging`) and their births are tallied
by aggregate key in bounded memory (:mod:`chitieu.ingest.birth_tally`). Checks across the
whole file (an id used twice) and against the database (an id stored with other content,
:mod:`chitieu.ingest.birth_store`) follow. Only when nothing is wrong are the new records,
their ``birth_aggregates`` counts, an ``ImportBatch`` and an audit entry written, all in the
same transaction; otherwise
:class:`~chitieu.ingest.errors.ImportRefused` is raised and nothing is written.

Records already stored with identical content are skipped, so importing a file twice adds
nothing the second time (and then records no batch either: nothing changes).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, Engine, Row, extract, func, insert, select

from chitieu.catalog.clock import vietnam_today
from chitieu.ingest import birth_store
from chitieu.ingest.birth_months import refresh_birth_months
from chitieu.ingest.birth_reader import (
    COLUMNS,
    arrow_without_pandas,
    file_sha256,
    iter_raw_batches,
)
from chitieu.ingest.birth_rollups import refresh_birth_rollups
from chitieu.ingest.birth_rows import CheckedBatch, References, check_batch
from chitieu.ingest.birth_staging import (
    COUNTS,
    REFUSED_IDS,
    STAGE,
    create_stage,
    drop_stage,
    stage,
)
from chitieu.ingest.birth_tally import BirthTally, pack_keys
from chitieu.ingest.error_log import ErrorLog
from chitieu.ingest.errors import ImportRefused, row_error
from chitieu.ingest.key_checks import check_new_units, defer_key_checks
from chitieu.ingest.prefetch import prefetch
from chitieu.ingest.repeats import RepeatFinder
from chitieu.metrics import record_import
from chitieu.store.audit import SYSTEM_ACTOR, record_change
from chitieu.store.generations import bump_units
from chitieu.store.models import BirthRecord, ImportBatch

# ``log`` names the import's ErrorLog below.
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BirthImportResult:
    """What an import did: rows in the file, records added (for a dry run: that would be
    added), records already stored identically (skipped).

    ``batch_id`` is the new ``import_batches`` row, or None when nothing was written (a dry
    run, or a file whose records are all stored already).
    """

    rows_read: int
    rows_added: int
    rows_skipped: int
    batch_id: int | None
    sha256: str
    dry_run: bool = False
    #: The earlier batch of the very same file (same SHA-256), when the import was skipped
    #: because every record of it is stored already.
    same_file_as: int | None = None
    #: The (unit, year, month) the file's records fall in, for comparing them with the
    #: units' monthly reports (:mod:`chitieu.births.reconcile`).
    months: tuple[tuple[str, int, int], ...] = ()


def expected_rows(path: Path) -> int:
    """About how many records ``path`` holds, to size the repeat filter: a Parquet file says;
    a CSV file is guessed from its size (a record takes 50–70 bytes)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException):
            pass
    return path.stat().st_size // 40


def _stage_file(
    conn: Connection, path: Path, refs: References, log: ErrorLog
) -> tuple[int, BirthTally]:
    """Read, check and stage every batch of ``path`` and its births by aggregate key, then look
    for ids used twice. Returns the number of rows read and the tally of the births (which
    says whether its counts were staged, or are to be counted from the staged rows)."""
    rows_read = 0
    repeats = RepeatFinder(expected_rows(path))
    tally = BirthTally(conn, refs.communes)

    def checked_batches() -> Iterator[tuple[int, CheckedBatch, np.ndarray | None]]:
        # Runs in a worker thread while the main thread stages the batch before.
        for raw in iter_raw_batches(path):
            checked = check_batch(raw, refs, log)
            repeats.add(checked.ids, checked.id_hashes)
            yield raw.batch.num_rows, checked, pack_keys(checked.valid, refs.communes)

    for n, checked, keys in prefetch(checked_batches()):
        rows_read += n
        tally.add(keys)
        stage(conn, STAGE, checked.valid)
        if checked.refused_ids.num_rows:
            stage(conn, REFUSED_IDS, checked.refused_ids)
    tally.finish()
    if rows_read == 0:
        log.add([row_error(None, None, ("the file holds no records", "tệp không có bản ghi nào"))])
    repeats.report(conn, log)
    return rows_read, tally


def _same_file_stored(conn: Connection, digest: str) -> Row | None:
    """The earlier import of the file with SHA-256 ``digest`` whose records are all still
    stored, or None. Its rows passed every check then; a record checked against a later
    ``today`` cannot fail it, as the file's dates do not move."""
    batch = conn.execute(
        select(ImportBatch.id, ImportBatch.rows_read, ImportBatch.rows_added)
        .where(ImportBatch.kind == "births", ImportBatch.sha256 == digest)
        .order_by(ImportBatch.id.desc())
        .limit(1)
    ).first()
    if batch is None:
        return None
    kept = conn.scalar(
        select(func.count()).select_from(BirthRecord).where(BirthRecord.batch_id == batch.id)
    )
    return batch if kept == batch.rows_added else None


def _months(conn: Connection, tally: BirthTally) -> tuple[tuple[str, int, int], ...]:
    """The (unit, year, month) of the staged records, in order: from the tally if it counted
    them, else from the rows."""
    if tally.usable:
        return tally.months()
    born = STAGE.c.birth_date
    unit, year, month = STAGE.c.unit_code, extract("year", born), extract("month", born)
    query = select(unit, year, month).distinct().order_by(unit, year, month)
    return tuple((u, int(y), int(m)) for u, y, m in conn.execute(query))


def _record_import(conn: Connection, path: Path, result: BirthImportResult, actor: str) -> int:
    """Add the ``import_batches`` row and its audit entry; return the batch id."""
    key = conn.execute(
        insert(ImportBatch).values(
            kind="births",
            source=str(path)[-500:],
            sha256=result.sha256,
            rows_read=result.rows_read,
            rows_added=result.rows_added,
            imported_by=actor,
        )
    ).inserted_primary_key
    assert key is not None  # a single-row INSERT always has one
    batch_id: int = key[0]
    record_change(
        conn,
        actor=actor,
        action="import",
        table="birth_records",
        key=f"import_batch:{batch_id}",
        after={
            "file": path.name,
            "sha256": result.sha256,
            "rows_read": result.rows_read,
            "rows_added": result.rows_added,
            "rows_skipped": result.rows_skipped,
        },
    )
    return batch_id


def import_births(
    engine: Engine,
    path: str | Path,
    *,
    actor: str = SYSTEM_ACTOR,
    dry_run: bool = False,
    today: date | None = None,
) -> BirthImportResult:
    """Validate the whole birth-record file at ``path`` (CSV or Parquet), then add its new
    records, their ``birth_aggregates`` counts, an ``import_batches`` row and an audit entry in
    one transaction.

    Raises :class:`ImportRefused` (the first 50 problems by row and column, and the total)
    when anything is wrong; nothing is written then. ``dry_run`` validates and counts what
    would be added without writing. ``today`` (default: today in Vietnam) bounds birth dates.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportRefused(
            [row_error(None, None, (f"no such file: {path}", f"không có tệp: {path}"))]
        )
    started = time.perf_counter()
    arrow_without_pandas()
    digest = file_sha256(path)
    log = ErrorLog(COLUMNS)
    with engine.connect() as conn:
        earlier = _same_file_stored(conn, digest)
        conn.rollback()
        if earlier is not None:
            rows = earlier.rows_read
            return BirthImportResult(rows, 0, rows, None, digest, dry_run, earlier.id)
        try:
            with conn.begin() as tx:
                keys_deferred = defer_key_checks(conn)
                refs = birth_store.load_references(conn, today or vietnam_today())
                create_stage(conn)
                rows_read, tally = _stage_file(conn, path, refs, log)
                skipped = birth_store.compare_with_stored(conn, log)
                if log:
                    logger.info(
                        "birth import refused",
                        extra={"file": path.name, "rows_read": rows_read, "problems": log.total},
                    )
                    raise log.refusal()
                added = rows_read - skipped
                result = BirthImportResult(
                    rows_read,
                    added,
                    skipped,
                    None,
                    digest,
                    dry_run,
                    months=_months(conn, tally),
                )
                if dry_run or added == 0:
                    tx.rollback()
                    return result
                batch_id = _record_import(conn, path, result, actor)
                with birth_store.bulk_load(conn, added) as bulk:
                    birth_store.write_new(
                        conn,
                        batch_id,
                        skipped=skipped,
                        counts_staged=tally.usable,
                        counts_repeat=tally.repeats_keys,
                        exclusive=bulk.exclusive,
                        unindexed=bulk.unindexed,
                    )
                if keys_deferred:
                    check_new_units(conn, {unit for unit, _, _ in result.months})
                # cached answers about these units and years (and those above) are stale
                c = COUNTS.c
                touched = (
                    conn.execute(select(c.unit_code, c.year, c.month).distinct()).tuples().all()
                )
                bump_units(conn, {(u, y) for u, y, _ in touched})
                refresh_birth_months(conn, touched)
                refresh_birth_rollups(conn, {(u, y) for u, y, _ in touched})
        finally:
            # Temporary tables live as long as the connection, which the pool keeps. On
            # SQLite, dropping ten million staged rows frees them page by page, for seconds:
            # that connection is closed instead, which deletes its temporary file at once.
            if conn.dialect.name == "sqlite":
                conn.invalidate()
            else:
                drop_stage(conn)
                conn.commit()
    birth_store.refresh_statistics(engine, added)
    record_import("births", added, time.perf_counter() - started)
    logger.info(
        "births imported",
        extra={"file": path.name, "rows_read": rows_read, "added": added, "skipped": skipped},
    )
    return dataclasses.replace(result, batch_id=batch_id)
