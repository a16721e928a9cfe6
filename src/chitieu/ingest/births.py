"""Import birth records (CSV or Parquet) in one transaction, keeping the aggregates current.

The file is streamed in batches (:mod:`chitieu.ingest.birth_reader`); each batch is checked
row by row with vectorised rules (:mod:`chitieu.ingest.birth_rows`), and its good rows and
their counts by aggregate key go to temporary staging tables
(:mod:`chitieu.ingest.birth_staging`). Checks across the whole file (an id used twice) and
against the database (an id stored with other content, :mod:`chitieu.ingest.birth_store`)
follow. Only when nothing is wrong are the new records, their ``birth_aggregates`` counts, an
``ImportBatch`` and an audit entry written, all in the same transaction; otherwise
:class:`~chitieu.ingest.errors.ImportRefused` is raised and nothing is written.

Records already stored with identical content are skipped, so importing a file twice adds
nothing the second time (and then records no batch either: nothing changes).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, Engine, insert

from chitieu.ingest import birth_store
from chitieu.ingest.birth_reader import COLUMNS, file_sha256, iter_raw_batches
from chitieu.ingest.birth_rows import References, check_batch, merge_counts
from chitieu.ingest.birth_staging import COUNTS, STAGE, create_stage, drop_stage, stage
from chitieu.ingest.error_log import ErrorLog
from chitieu.ingest.errors import ImportRefused, RowError, row_error
from chitieu.ingest.prefetch import prefetch
from chitieu.metrics import record_import
from chitieu.store.audit import SYSTEM_ACTOR, record_change
from chitieu.store.models import ImportBatch

# ``log`` names the import's ErrorLog below.
logger = logging.getLogger(__name__)

#: Vietnam keeps UTC+7 all year; "a date in the future" is judged by the local calendar.
VIETNAM_TZ = timezone(timedelta(hours=7))


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


def vietnam_today() -> date:
    return datetime.now(VIETNAM_TZ).date()


def find_duplicates(
    ids: list[pa.Array], rows: list[np.ndarray], hashes: list[np.ndarray], log: ErrorLog
) -> None:
    """Record in ``log`` every row whose birth_id appeared on an earlier row.

    Sorting the ids' 64-bit hashes finds candidate repeats in 24 bytes a row (a hash table of
    the ids themselves needs about ten times that); candidates are then compared as text, so a
    hash collision is never reported as a duplicate."""
    if not hashes:
        return
    all_hashes, all_rows = np.concatenate(hashes), np.concatenate(rows)
    order = np.argsort(all_hashes, kind="stable")
    sorted_hashes = all_hashes[order]
    same = sorted_hashes[1:] == sorted_hashes[:-1]
    if not same.any():
        return  # the usual case
    candidates = np.unique(np.concatenate([order[1:][same], order[:-1][same]]))
    texts = pa.chunked_array(ids, pa.string()).take(candidates).to_pylist()
    first_row: dict[str, int] = {}
    repeats: list[RowError] = []
    count = 0
    for text, row in zip(texts, all_rows[candidates].tolist(), strict=True):
        if text not in first_row:
            first_row[text] = row
            continue
        count += 1
        if len(repeats) < log.limit:
            reason = (
                f"duplicate birth_id (first on row {first_row[text]})",
                f"mã ca sinh trùng (đã có ở dòng {first_row[text]})",
            )
            repeats.append(row_error(row, "birth_id", reason, text))
    if count:
        log.add(repeats, count=count)


def _stage_file(
    conn: Connection, path: Path, refs: References, log: ErrorLog
) -> tuple[int, list[pa.Table]]:
    """Read, check and stage every batch of ``path``, then look for ids used twice.

    Returns the number of rows read and each batch's counts by aggregate key."""
    rows_read, ids, id_rows, id_hashes, counts = 0, [], [], [], []
    # The next batch is read and checked in a worker thread while this one is staged.
    checked_batches = (
        (raw.batch.num_rows, check_batch(raw, refs, log)) for raw in iter_raw_batches(path)
    )
    for n, checked in prefetch(checked_batches):
        rows_read += n
        ids.append(checked.ids)
        id_rows.append(checked.id_rows)
        id_hashes.append(checked.id_hashes)
        counts.append(checked.counts)
        stage(conn, STAGE, checked.valid)
    if rows_read == 0:
        log.add([row_error(None, None, ("the file holds no records", "tệp không có bản ghi nào"))])
    find_duplicates(ids, id_rows, id_hashes, log)
    return rows_read, counts


def _record_import(conn: Connection, path: Path, result: BirthImportResult, actor: str) -> int:
    """Add the ``import_batches`` row and its audit entry; return the batch id."""
    batch_id = conn.execute(
        insert(ImportBatch).values(
            kind="births",
            source=str(path)[-500:],
            sha256=result.sha256,
            rows_read=result.rows_read,
            rows_added=result.rows_added,
            imported_by=actor,
        )
    ).inserted_primary_key[0]
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
    digest = file_sha256(path)
    log = ErrorLog(COLUMNS)
    with engine.connect() as conn:
        try:
            with conn.begin() as tx:
                refs = birth_store.load_references(conn, today or vietnam_today())
                create_stage(conn)
                rows_read, counts = _stage_file(conn, path, refs, log)
                skipped = birth_store.compare_with_stored(conn, log)
                if log:
                    logger.info(
                        "birth import refused",
                        extra={"file": path.name, "rows_read": rows_read, "problems": log.total},
                    )
                    raise log.refusal()
                added = rows_read - skipped
                result = BirthImportResult(rows_read, added, skipped, None, digest, dry_run)
                if dry_run or added == 0:
                    tx.rollback()
                    return result
                if not skipped:
                    stage(conn, COUNTS, merge_counts(counts))
                del counts
                batch_id = _record_import(conn, path, result, actor)
                with birth_store.bulk_load(conn, added):
                    birth_store.write_new(conn, batch_id, skipped=skipped)
        finally:
            # Temporary tables live as long as the connection, which the pool keeps.
            drop_stage(conn)
            conn.commit()
    birth_store.refresh_statistics(engine, added)
    record_import("births", added, time.perf_counter() - started)
    logger.info(
        "births imported",
        extra={"file": path.name, "rows_read": rows_read, "added": added, "skipped": skipped},
    )
    return dataclasses.replace(result, batch_id=batch_id)
