"""The SQL side of a birth import: reference codes, comparison with stored records, writing.

Everything here runs on the import's connection, inside its transaction, over the staging
tables of :mod:`chitieu.ingest.birth_staging`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
from sqlalchemy import (
    Connection,
    Engine,
    case,
    exists,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite

from chitieu.ingest.birth_months import refresh_birth_months
from chitieu.ingest.birth_rollups import refresh_birth_rollups
from chitieu.ingest.birth_rows import AGGREGATE_KEY, ORDER_CAP, PREV_CAP, References
from chitieu.ingest.birth_staging import COUNTS, STAGE
from chitieu.ingest.error_log import ErrorLog
from chitieu.ingest.errors import RowError, row_error
from chitieu.store.models import BirthAggregate, BirthRecord, BirthYearAggregate, Facility, Unit

RECORDS = BirthRecord.__table__
AGGREGATES = BirthAggregate.__table__
YEAR_AGGREGATES = BirthYearAggregate.__table__
#: The key of the yearly rollup: the aggregate key without the month.
YEAR_KEY = tuple(k for k in AGGREGATE_KEY if k != "month")
_MONTH = AGGREGATE_KEY.index("month")
#: The stored fields an incoming record must match to count as "already imported".
COMPARED = (
    "birth_date",
    "unit_code",
    "sex",
    "birth_order",
    "prev_boys",
    "prev_girls",
    "mother_birth_year",
    "facility_code",
)
#: PostgreSQL checks a foreign key with a trigger per inserted row (about 6 µs each here);
#: re-adding the constraint checks the whole table in one join (about 0.3 µs a row). Past
#: this share of new rows, and this many, the import drops and re-adds the constraints, as
#: PostgreSQL's manual advises for bulk loads ("Populating a Database", 14.4).
BULK_FK_SHARE = 0.05
BULK_FK_MIN_ROWS = 20_000
#: From this many new rows per stored one, a bulk load drops the records' indexes and builds
#: them again afterwards (a build sorts the stored rows too: it pays when they are few).
BULK_INDEX_SHARE = 1.0


def load_references(conn: Connection, today: date) -> References:
    """The unit and facility codes rows are checked against, as Arrow arrays; the communes in
    code order (:func:`chitieu.ingest.birth_tally.pack_keys` numbers them so)."""
    is_commune = Unit.level == "commune"

    def codes(query) -> pa.Array:
        return pa.array(conn.scalars(query).all(), pa.string())

    return References(
        communes=codes(select(Unit.code).where(is_commune).order_by(Unit.code)),
        other_units=codes(select(Unit.code).where(~is_commune)),
        facilities=codes(select(Facility.code)),
        today=today,
    )


def compare_with_stored(conn: Connection, log: ErrorLog) -> int:
    """Compare staged rows with stored records of the same id. Returns how many are stored
    identically (to be skipped); an id stored with other content is a conflict in ``log``."""
    if not conn.scalar(select(exists().select_from(RECORDS))):
        return 0  # an empty store cannot conflict; saves a lookup per row
    joined = STAGE.join(RECORDS, RECORDS.c.birth_id == STAGE.c.birth_id)
    differs = or_(*(STAGE.c[c].is_distinct_from(RECORDS.c[c]) for c in COMPARED))
    matched, conflicts = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((differs, 1), else_=0)), 0)).select_from(
            joined
        )
    ).one()
    if conflicts:
        pairs = [col for c in COMPARED for col in (STAGE.c[c], RECORDS.c[c])]
        query = (
            select(STAGE.c.row_no, STAGE.c.birth_id, *pairs)
            .select_from(joined)
            .where(differs)
            .order_by(STAGE.c.row_no)
            .limit(log.limit)
        )
        log.add((_conflict(r) for r in conn.execute(query)), count=conflicts)
    return matched - conflicts


def _conflict(r) -> RowError:
    values = r[2:]
    diffs = [
        (c, values[2 * i], values[2 * i + 1])
        for i, c in enumerate(COMPARED)
        if values[2 * i] != values[2 * i + 1]
    ]
    detail = "; ".join(f"{c}: stored {_show(old)}, file {_show(new)}" for c, new, old in diffs)
    detail_vi = "; ".join(
        f"{c}: đã lưu {_show(old, 'trống')}, trong tệp {_show(new, 'trống')}"
        for c, new, old in diffs
    )
    column, new, _ = diffs[0]
    return row_error(
        r.row_no,
        column,
        (
            f"birth_id {r.birth_id} is already stored with other content ({detail})",
            f"mã ca sinh {r.birth_id} đã lưu với nội dung khác ({detail_vi})",
        ),
        None if new is None else str(new),
    )


def _show(value: object, empty: str = "empty") -> str:
    return empty if value is None else str(value)


def _adding(conn: Connection, table, key: Sequence[str], counts=None, *, merge: bool = True):
    """INSERT … ON CONFLICT DO UPDATE (SQLite ≥ 3.24 and PostgreSQL) adding births per ``key``:
    from the select ``counts`` (key columns then births), or from rows given on execution.
    ``merge=False``: a plain INSERT, for a table known to hold none of the keys."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    upsert = dialect_insert(table)
    if counts is not None:
        upsert = upsert.from_select([*key, "births"], counts)
    if not merge:
        return upsert
    return upsert.on_conflict_do_update(
        index_elements=list(key), set_={"births": table.c.births + upsert.excluded.births}
    )


def _yearly(counts):
    """``counts`` (a select of :data:`AGGREGATE_KEY` then births) summed over the months."""
    c = counts.subquery()
    key = [c.c[i] for i, _ in enumerate(AGGREGATE_KEY) if i != _MONTH]
    # SQLite needs a WHERE clause in INSERT … SELECT … ON CONFLICT (a parsing ambiguity).
    return select(*key, func.sum(c.c[len(AGGREGATE_KEY)])).where(true()).group_by(*key)


def _upsert_counts(
    conn: Connection,
    counts,
    *,
    repeat: bool = False,
    exclusive: bool = False,
    unindexed: Collection[str] = (),
) -> None:
    """Add ``counts`` (a select of :data:`AGGREGATE_KEY` then births) to ``birth_aggregates``
    and, summed over the months, to its yearly rollup ``birth_year_aggregates``. ``repeat``:
    a key may come in several rows, which are summed first (the yearly sum does so anyway).

    The monthly counts go in key order: each index insert lands next to the previous one (on
    PostgreSQL about a tenth less work for a million keys). ``exclusive``: the transaction
    holds these tables exclusively (:func:`bulk_load`), so one found empty stays empty until
    the INSERT, which then needs no conflict check; a table named in ``unindexed`` is empty
    and has no index until the load ends, so its rows go in any order."""
    columns = list(counts.selected_columns)
    by_key = columns[: len(AGGREGATE_KEY)]
    monthly = counts
    if repeat:
        monthly = select(*by_key, func.sum(columns[-1])).where(true()).group_by(*by_key)
    for table, key, rows in (
        (AGGREGATES, AGGREGATE_KEY, monthly),
        (YEAR_AGGREGATES, YEAR_KEY, _yearly(counts)),
    ):
        if table.name in unindexed:
            conn.execute(_adding(conn, table, key, rows, merge=False))
            continue
        if rows is monthly:
            rows = rows.order_by(*by_key)
        empty = exclusive and not conn.scalar(select(exists().select_from(table)))
        conn.execute(_adding(conn, table, key, rows, merge=not empty))


def add_aggregates(conn: Connection, rows: Sequence[dict]) -> None:
    """Add birth counts given as rows (dicts of :data:`AGGREGATE_KEY` and ``births``) to
    ``birth_aggregates`` and its yearly rollup, for writers that have counts rather than
    records (fixtures, generated data)."""
    if not rows:
        return
    yearly: dict[tuple, int] = {}
    for r in rows:
        k = tuple(r[c] for c in YEAR_KEY)
        yearly[k] = yearly.get(k, 0) + r["births"]
    conn.execute(
        _adding(conn, AGGREGATES, AGGREGATE_KEY),
        [{k: r[k] for k in (*AGGREGATE_KEY, "births")} for r in rows],
    )
    conn.execute(
        _adding(conn, YEAR_AGGREGATES, YEAR_KEY),
        [{**dict(zip(YEAR_KEY, k, strict=True)), "births": n} for k, n in yearly.items()],
    )
    refresh_birth_months(conn, {(r["unit_code"], r["year"], r["month"]) for r in rows})
    refresh_birth_rollups(conn, {(r["unit_code"], r["year"]) for r in rows})


def recount_year_aggregates():
    """The yearly rollup as recounted from ``birth_aggregates`` (what the table must hold)."""
    a = AGGREGATES.c
    key = [a[k] for k in YEAR_KEY]
    return select(*key, func.sum(a.births)).group_by(*key)


def _counts_of_staged_rows(new_only: bool):
    """Counts by aggregate key of the staged rows (only those not stored yet if ``new_only``),
    computed in SQL: when some staged rows are skipped, the counts made while reading overstate
    what is added; when the file's keys hardly repeat, none were kept while reading."""
    s = STAGE.c
    key = (
        s.unit_code,
        extract("year", s.birth_date),
        extract("month", s.birth_date),
        s.sex,
        case((s.birth_order > ORDER_CAP, ORDER_CAP), else_=s.birth_order),
        case((s.prev_boys > PREV_CAP, PREV_CAP), else_=s.prev_boys),
        case((s.prev_girls > PREV_CAP, PREV_CAP), else_=s.prev_girls),
    )
    new = ~exists().where(RECORDS.c.birth_id == s.birth_id) if new_only else true()
    return select(*key, func.count()).where(new).group_by(*key)


def write_new(
    conn: Connection,
    batch_id: int,
    *,
    skipped: int,
    counts_staged: bool,
    counts_repeat: bool = False,
    exclusive: bool = False,
    unindexed: Collection[str] = (),
) -> None:
    """Add the staged rows not stored yet to ``birth_records`` (with ``batch_id``) and their
    births to ``birth_aggregates`` and its yearly rollup. With ``skipped == 0`` every staged
    row is new, and the counts staged while reading are used if ``counts_staged`` (summed by
    key first if ``counts_repeat``: they may hold a key more than once); otherwise the staged
    rows are counted in SQL. Rows go in key order, so that each index insert lands next to
    the one before, except into a table named in ``unindexed`` (:class:`BulkLoad`)."""
    s = STAGE.c
    if skipped or not counts_staged:
        # Counted once into COUNTS, read twice (by month, by year). Counts first: once the
        # records are in, "not stored yet" selects nothing.
        conn.execute(COUNTS.delete())
        conn.execute(
            insert(COUNTS).from_select(
                [*AGGREGATE_KEY, "births"], _counts_of_staged_rows(new_only=bool(skipped))
            )
        )
    # SQLite needs a WHERE clause in INSERT … SELECT … ON CONFLICT (a parsing ambiguity).
    counted = select(*(COUNTS.c[k] for k in AGGREGATE_KEY), COUNTS.c.births).where(true())
    repeat = counts_repeat and counts_staged and not skipped
    _upsert_counts(conn, counted, repeat=repeat, exclusive=exclusive, unindexed=unindexed)
    new = ~exists().where(RECORDS.c.birth_id == s.birth_id) if skipped else true()
    fields = ["birth_id", *COMPARED]
    # Inserting in key order keeps the primary-key index appends local.
    rows = select(*(s[f] for f in fields), literal(batch_id)).where(new)
    if RECORDS.name not in unindexed:
        rows = rows.order_by(s.birth_id)
    conn.execute(insert(RECORDS).from_select([*fields, "batch_id"], rows))


def refresh_statistics(engine: Engine, added: int) -> None:
    """After a large load on PostgreSQL, gather the birth tables' planner statistics at once
    (a sample, about a second for millions of rows) rather than leave plans on stale counts
    until autovacuum comes round, whose pass would then run under the first users' queries."""
    if engine.dialect.name != "postgresql" or added < BULK_FK_MIN_ROWS:
        return
    with engine.connect() as conn:
        conn.execute(text("ANALYZE birth_records, birth_aggregates, birth_year_aggregates"))
        conn.commit()


@dataclass(frozen=True, slots=True)
class BulkLoad:
    """What :func:`bulk_load` did: whether the birth tables are held exclusively by the
    transaction, and which of them are without their indexes until the load ends."""

    exclusive: bool = False
    unindexed: frozenset[str] = frozenset()


def _drop_indexes(conn: Connection, table: str) -> list[str]:
    """Drop the primary key and the other indexes of ``table``; return the statements that
    make them again, as they were."""
    keys = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'p'"
        ),
        {"t": table},
    ).all()
    indexes = conn.execute(
        text(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = CAST(:t AS regclass) AND NOT indisprimary"
        ),
        {"t": table},
    ).all()
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    for name, _ in keys:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    return [
        *(f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d in keys),
        *(definition for _, definition in indexes),
    ]


@contextmanager
def bulk_load(conn: Connection, adding: int) -> Iterator[BulkLoad]:
    """Make a large load into ``birth_records``/``birth_aggregates`` cheap on PostgreSQL.

    When ``adding`` rows is a large share of the stored ones, the tables' foreign keys are
    dropped and re-created afterwards (re-creation checks every row, so the guarantee is
    unchanged; dropping them locks these tables and the ones they refer to, ``units`` and
    ``import_batches``, exclusively until the transaction ends). Then the primary keys and
    indexes of the aggregate tables if they are empty, and of the records if the new rows are
    at least as many as the stored ones (:data:`BULK_INDEX_SHARE`), go too and are built again
    at the end, one sort each, instead of an index insert per row (a primary key built again
    checks every key once more). Sorting gets more memory for this transaction only. SQLite
    needs none of this."""
    if conn.dialect.name != "postgresql":
        yield BulkLoad()
        return
    conn.execute(text("SET LOCAL work_mem = '128MB'"))
    # The planner's row estimate is enough to choose (and needs no scan of a large table).
    stored = conn.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = 'birth_records'::regclass")
    )
    stored = max(stored or 0, 0)
    if adding < BULK_FK_MIN_ROWS or adding < BULK_FK_SHARE * stored:
        yield BulkLoad()
        return
    constraints = conn.execute(
        text(
            "SELECT conrelid::regclass::text AS tbl, conname, "
            "pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid IN ('birth_records'::regclass, 'birth_aggregates'::regclass, "
            "'birth_year_aggregates'::regclass)"
        )
    ).all()
    for c in constraints:
        conn.execute(text(f'ALTER TABLE {c.tbl} DROP CONSTRAINT "{c.conname}"'))
    # ALTER TABLE took an ACCESS EXCLUSIVE lock on every table whose constraint it dropped.
    exclusive = {c.tbl for c in constraints} >= {
        "birth_records",
        "birth_aggregates",
        "birth_year_aggregates",
    }
    unindexed: list[str] = []
    if exclusive:
        if adding >= BULK_INDEX_SHARE * stored:
            unindexed.append(RECORDS.name)
        for table in (AGGREGATES, YEAR_AGGREGATES):
            if not conn.scalar(select(exists().select_from(table))):
                unindexed.append(table.name)
    again = [statement for table in unindexed for statement in _drop_indexes(conn, table)]
    if again:
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    yield BulkLoad(exclusive, frozenset(unindexed))
    for statement in again:
        conn.execute(text(statement))
    for c in constraints:
        conn.execute(text(f'ALTER TABLE {c.tbl} ADD CONSTRAINT "{c.conname}" {c.definition}'))
