"""Parse and check one batch of birth records, vectorised over the batch (Arrow compute).

Each rule yields a mask over the batch; the rows it marks become :class:`RowError` entries
(row number, column, reason, value as read). Rows that pass every per-row rule come back typed,
with the aggregate keys (year, month, capped order and earlier children) already derived.
Checks that need other rows (a duplicate id) or the database (a stored id with other content)
are made by :mod:`chitieu.ingest.births` over all rows at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chitieu.ingest.birth_reader import RawBatch
from chitieu.ingest.error_log import ErrorLog
from chitieu.ingest.errors import RowError, row_error

#: A reason in English and in Vietnamese.
Reason = tuple[str, str]

#: A mother's age at the birth (birth year minus her year of birth) must lie in this range.
MOTHER_MIN_AGE, MOTHER_MAX_AGE = 12, 60
#: Aggregates keep birth order up to 4 (4 = 4th or later) and earlier boys/girls up to 2 (2+).
ORDER_CAP, PREV_CAP = 4, 2
MAX_ID_LENGTH = 64
COMMUNE_CODE_LENGTH = 5

_INT_PATTERN = r"^[+-]?[0-9]{1,9}$"
_INT_LIMIT = 999_999_999  # nine digits, as the text pattern allows: fits the int32 columns
_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

#: Schema of a checked batch, as staged for the database.
CHECKED_SCHEMA = pa.schema(
    [
        ("row_no", pa.int64()),
        ("birth_id", pa.string()),
        ("birth_date", pa.date32()),
        ("unit_code", pa.string()),
        ("sex", pa.string()),
        ("birth_order", pa.int32()),
        ("prev_boys", pa.int32()),
        ("prev_girls", pa.int32()),
        ("mother_birth_year", pa.int32()),
        ("facility_code", pa.string()),
    ]
)
#: The key of ``birth_aggregates``; order and earlier children capped (ORDER_CAP, PREV_CAP).
AGGREGATE_KEY = ("unit_code", "year", "month", "sex", "birth_order", "prev_boys", "prev_girls")


@dataclass(frozen=True, slots=True)
class References:
    """What the rows are checked against: the database's units and facilities, and today."""

    communes: pa.Array  # codes of units at commune level
    other_units: pa.Array  # codes of the country and provinces (known, but not communes)
    facilities: pa.Array
    today: date


@dataclass(frozen=True, slots=True)
class CheckedBatch:
    """The rows of a batch that passed, typed (``CHECKED_SCHEMA``), and every row's id."""

    valid: pa.RecordBatch
    ids: pa.Array  # birth_id of every row with one, for the duplicate check
    id_hashes: np.ndarray  # their hashes (int64)
    refused_ids: pa.Table  # row_no and birth_id of the refused rows that have an id


def _text(batch: pa.RecordBatch, name: str) -> pa.Array:
    if name not in batch.schema.names:
        return pa.array([""] * batch.num_rows, pa.string())
    arr = batch.column(name)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return pc.fill_null(arr.cast(pa.string()), "")


def _integers(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(values, bad mask): values are int64, null where the input is not an integer."""
    if pa.types.is_integer(arr.type):
        values = arr.cast(pa.int64())
        fits = pc.fill_null(pc.less_equal(pc.abs(values), _INT_LIMIT), False)
        return pc.if_else(fits, values, None), pc.invert(fits)
    if pa.types.is_floating(arr.type):
        whole = pc.and_(pc.is_finite(arr), pc.equal(pc.floor(arr), arr))
        whole = pc.and_(whole, pc.less_equal(pc.abs(arr), _INT_LIMIT))
        whole = pc.fill_null(whole, False)
        values = pc.if_else(whole, arr, None).cast(pa.int64())
        return values, pc.invert(whole)
    text = pc.fill_null(arr.cast(pa.string()), "")
    ok = pc.match_substring_regex(text, _INT_PATTERN)
    values = pc.if_else(ok, text, None).cast(pa.int64())
    return values, pc.invert(ok)


def _dates(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(date32 values, bad mask). Text must be an existing calendar date ``YYYY-MM-DD``."""
    if pa.types.is_date(arr.type) or pa.types.is_timestamp(arr.type):
        values = arr.cast(pa.date32())
        return values, pc.is_null(values)
    text = pc.fill_null(arr.cast(pa.string()), "")
    shaped = pc.match_substring_regex(text, _DATE_PATTERN)
    parsed = pc.strptime(pc.if_else(shaped, text, None), "%Y-%m-%d", "s", error_is_null=True)
    values = parsed.cast(pa.date32())
    # strptime rolls 2024-02-30 over to 2024-03-01: a date must print back as it was written.
    same = pc.fill_null(pc.equal(values.cast(pa.string()), text), False)
    return pc.if_else(same, values, None), pc.invert(same)


class _Rules:
    """Applies masks to a batch and reports the rows they mark, in row order."""

    def __init__(self, raw: RawBatch, log: ErrorLog) -> None:
        self.raw = raw
        self.log = log
        self.bad = np.zeros(raw.batch.num_rows, dtype=bool)
        self.found: list[RowError] = []
        self.count = 0

    def flag(
        self,
        mask: pa.Array | np.ndarray,
        column: str,
        reason: Reason | Callable[[int], Reason],
        shown: pa.Array | None = None,
    ) -> None:
        """Mark rows where ``mask`` is true as bad; ``reason`` (English, Vietnamese) may
        depend on the row index."""
        m = mask if isinstance(mask, np.ndarray) else pc.fill_null(mask, False).to_numpy(False)
        hits = np.flatnonzero(m)
        if not len(hits):
            return
        self.bad |= m
        self.count += len(hits)
        if self.log.room == 0:
            return  # earlier rows already fill the list; this batch only adds to the count
        values = shown if shown is not None else self.raw.batch.column(column)
        for i in hits[: self.log.room].tolist():
            value = values[i].as_py()
            self.found.append(
                row_error(
                    self.raw.first_row + i,
                    column,
                    reason(i) if callable(reason) else reason,
                    None if value is None else str(value),
                )
            )

    def commit(self) -> None:
        self.log.add(self.found, count=self.count)


def check_batch(raw: RawBatch, refs: References, log: ErrorLog) -> CheckedBatch:
    """Apply every per-row rule to ``raw``; record problems in ``log``; return the good rows."""
    batch = raw.batch
    n = batch.num_rows
    rules = _Rules(raw, log)

    birth_id = _text(batch, "birth_id")
    rules.flag(pc.equal(birth_id, ""), "birth_id", ("birth_id is missing", "thiếu mã ca sinh"))
    rules.flag(
        pc.greater(pc.utf8_length(birth_id), MAX_ID_LENGTH),
        "birth_id",
        (f"longer than {MAX_ID_LENGTH} characters", f"dài quá {MAX_ID_LENGTH} ký tự"),
    )

    birth_date, bad_date = _dates(batch.column("birth_date"))
    rules.flag(
        bad_date,
        "birth_date",
        ("not a date written YYYY-MM-DD", "không phải ngày viết theo dạng YYYY-MM-DD"),
    )
    today = pa.scalar(refs.today, pa.date32())
    rules.flag(
        pc.greater(birth_date, today),
        "birth_date",
        (
            f"in the future (today is {refs.today})",
            f"ngày trong tương lai (hôm nay là {refs.today})",
        ),
    )

    unit = _text(batch, "unit_code")
    is_commune = pc.is_in(unit, value_set=refs.communes)
    is_other = pc.is_in(unit, value_set=refs.other_units)
    rules.flag(pc.equal(unit, ""), "unit_code", ("unit_code is missing", "thiếu mã đơn vị"))
    unknown = pc.and_(pc.not_equal(unit, ""), pc.invert(pc.or_(is_commune, is_other)))
    # A spreadsheet that turned 00070 into 70 is the usual cause: say so.
    padded = pc.utf8_lpad(unit, COMMUNE_CODE_LENGTH, "0")
    zeros_lost = pc.and_(unknown, pc.is_in(padded, value_set=refs.communes))
    rules.flag(
        pc.and_(unknown, pc.invert(zeros_lost)),
        "unit_code",
        ("unknown unit code (not in the units table)", "mã đơn vị không có trong danh mục"),
    )
    rules.flag(
        zeros_lost,
        "unit_code",
        lambda i: (
            f"unknown unit code: leading zeros lost? ({padded[i]} is a commune; codes "
            "are zero-padded text)",
            f"mã đơn vị không có trong danh mục: mất số 0 ở đầu? ({padded[i]} là mã xã; mã "
            "là chuỗi ký tự có số 0 đứng đầu)",
        ),
    )
    rules.flag(
        is_other,
        "unit_code",
        (
            "not a commune: births belong to a commune or ward",
            "không phải mã xã: ca sinh phải ghi cho xã, phường, đặc khu",
        ),
    )

    sex = _text(batch, "sex")
    rules.flag(
        pc.invert(pc.is_in(sex, value_set=pa.array(["M", "F"]))),
        "sex",
        ("must be M or F", "phải là M (nam) hoặc F (nữ)"),
    )

    order, bad_order = _integers(batch.column("birth_order"))
    boys, bad_boys = _integers(batch.column("prev_boys"))
    girls, bad_girls = _integers(batch.column("prev_girls"))
    mother, bad_mother = _integers(batch.column("mother_birth_year"))
    for name, bad in (
        ("birth_order", bad_order),
        ("prev_boys", bad_boys),
        ("prev_girls", bad_girls),
        ("mother_birth_year", bad_mother),
    ):
        rules.flag(bad, name, ("not a whole number", "không phải số nguyên"))
    rules.flag(pc.less(order, 1), "birth_order", ("must be at least 1", "phải từ 1 trở lên"))
    rules.flag(pc.less(boys, 0), "prev_boys", ("must not be negative", "không được âm"))
    rules.flag(pc.less(girls, 0), "prev_girls", ("must not be negative", "không được âm"))

    earlier = pc.add(boys, girls)
    mismatch = pc.and_(
        pc.and_(
            pc.greater_equal(order, 1),
            pc.and_(pc.greater_equal(boys, 0), pc.greater_equal(girls, 0)),
        ),
        pc.not_equal(earlier, pc.subtract(order, 1)),
    )
    shown_prev = pc.binary_join_element_wise(boys.cast(pa.string()), girls.cast(pa.string()), "+")
    order_np = order.to_numpy(zero_copy_only=False)
    rules.flag(
        mismatch,
        "prev_girls",
        lambda i: (
            f"prev_boys + prev_girls must equal birth_order - 1 = {int(order_np[i]) - 1}",
            f"prev_boys + prev_girls phải bằng birth_order - 1 = {int(order_np[i]) - 1}",
        ),
        shown_prev,
    )

    year = pc.year(birth_date)
    age = pc.subtract(year, mother)
    age_np = pc.fill_null(age, 0).to_numpy(zero_copy_only=False)
    rules.flag(
        pc.less(age, MOTHER_MIN_AGE),
        "mother_birth_year",
        lambda i: (
            f"mother aged {age_np[i]} at the birth: younger than {MOTHER_MIN_AGE}",
            f"mẹ {age_np[i]} tuổi khi sinh: dưới {MOTHER_MIN_AGE} tuổi",
        ),
    )
    rules.flag(
        pc.greater(age, MOTHER_MAX_AGE),
        "mother_birth_year",
        lambda i: (
            f"mother aged {age_np[i]} at the birth: older than {MOTHER_MAX_AGE}",
            f"mẹ {age_np[i]} tuổi khi sinh: trên {MOTHER_MAX_AGE} tuổi",
        ),
    )

    facility = _text(batch, "facility_code")
    given = pc.not_equal(facility, "")
    rules.flag(
        pc.and_(given, pc.invert(pc.is_in(facility, value_set=refs.facilities))),
        "facility_code",
        ("unknown facility code", "mã cơ sở y tế không có trong danh mục"),
    )
    rules.commit()

    rows = pa.array(np.arange(raw.first_row, raw.first_row + n, dtype=np.int64))
    has_id = pc.not_equal(birth_id, "")
    keep = pa.array(~rules.bad)
    valid = pa.RecordBatch.from_arrays(
        [
            rows,
            birth_id,
            birth_date,
            unit,
            sex,
            order,
            boys,
            girls,
            mother,
            pc.if_else(given, facility, None),
        ],
        names=CHECKED_SCHEMA.names,
    ).filter(keep)
    # Cast after filtering: a rejected row may hold a number too large for the column type.
    valid = valid.cast(CHECKED_SCHEMA)
    ids = birth_id.filter(has_id)
    # Python's string hash (64-bit SipHash): the same in every thread of this process.
    hashes = np.fromiter(map(hash, ids.to_pylist()), dtype=np.int64, count=len(ids))
    refused = pc.and_(has_id, pc.invert(keep))
    refused_ids = pa.table({"row_no": rows.filter(refused), "birth_id": birth_id.filter(refused)})
    return CheckedBatch(valid, ids, hashes, refused_ids)
