"""Stream a birth-record file (CSV or Parquet) in batches, never loading it whole.

Every CSV column is read as text, so a zero-padded unit code such as ``00070`` stays ``00070``;
the values are parsed and checked afterwards (:mod:`chitieu.ingest.birth_rows`), where each
problem can be tied to its row. UTF-8 with or without a byte-order mark, and Windows line
endings, are read as they are.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv

from chitieu.ingest.errors import ImportRefused, RowError, row_error

REQUIRED_COLUMNS = (
    "birth_id",
    "birth_date",
    "unit_code",
    "sex",
    "birth_order",
    "prev_boys",
    "prev_girls",
    "mother_birth_year",
)
OPTIONAL_COLUMNS = ("facility_code",)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: Columns that hold codes: they must arrive as text, or leading zeros are already lost.
TEXT_COLUMNS = ("birth_id", "unit_code", "sex", "facility_code")

#: Bytes per CSV block. Arrow's CSV parser holds some 30 times a block's size while it parses
#: one (about 125 MB for 4 MB blocks, 35 MB for 1 MB ones), so blocks are small, and
#: :data:`CSV_BLOCKS_PER_BATCH` of them make a batch (about 80,000 rows), whose checks cost
#: less per row than small ones'. Parquet is read in batches of about as many rows.
CSV_BLOCK_BYTES = 1 << 20
CSV_BLOCKS_PER_BATCH = 4
PARQUET_BATCH_ROWS = 80_000


@dataclass(frozen=True, slots=True)
class RawBatch:
    """A slice of the file: ``first_row`` is the 1-based row number of its first data row."""

    first_row: int
    batch: pa.RecordBatch


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class _PandasAbsent:
    """An import hook that finds no pandas (see :func:`arrow_without_pandas`)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError("pandas is not used here", name=name)


def arrow_without_pandas() -> None:
    """Keep pyarrow from importing pandas for a birth import.

    The first time pyarrow converts a Python value (``pa.array``, ``pa.scalar``, a compute
    call with a Python operand) it looks for pandas and, where it is installed, imports it:
    some 60 MB of resident memory that an import never uses (pandas is a dependency of the
    tests only, not of chitieu). Unless pandas is imported already, this makes that first look
    find it absent, which pyarrow then remembers; a later ``import pandas`` works as always,
    and so do pyarrow's own conversions to and from pandas, which import it when asked."""
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _PandasAbsent)
    try:
        pa.scalar(0)  # pyarrow's first look for pandas
    finally:
        sys.meta_path.remove(_PandasAbsent)


def _is_parquet(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def _check_header(names: list[str]) -> None:
    problems: list[RowError] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(
                row_error(0, name, ("column appears twice in the header", "cột có hai lần"))
            )
        seen.add(name)
        if name not in COLUMNS:
            problems.append(
                row_error(
                    0,
                    name,
                    (
                        f"unknown column (expected: {', '.join(COLUMNS)})",
                        f"cột không biết (cần các cột: {', '.join(COLUMNS)})",
                    ),
                    name,
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(
                row_error(0, name, ("required column is missing", "thiếu cột bắt buộc"))
            )
    if problems:
        raise ImportRefused(problems)


def _iter_csv(path: Path) -> Iterator[pa.RecordBatch]:
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(COLUMNS, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        reason = (f"not a readable CSV file: {exc}", f"không đọc được tệp CSV: {exc}")
        raise ImportRefused([row_error(None, None, reason)]) from None
    _check_header(reader.schema.names)
    blocks: list[pa.RecordBatch] = []
    while True:
        try:
            blocks.append(reader.read_next_batch())
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            # Arrow names the CSV line (counting the header as line 1) in its message.
            reason = (f"CSV cannot be parsed: {exc}", f"tệp CSV sai cấu trúc: {exc}")
            raise ImportRefused([row_error(None, None, reason)]) from None
        if len(blocks) == CSV_BLOCKS_PER_BATCH:
            yield _one_batch(blocks)
            blocks = []
    if blocks:
        yield _one_batch(blocks)


def _one_batch(blocks: list[pa.RecordBatch]) -> pa.RecordBatch:
    """The rows of ``blocks`` as one batch, each column in one piece."""
    if len(blocks) == 1:
        return blocks[0]
    table = pa.Table.from_batches(blocks).combine_chunks()
    return pa.RecordBatch.from_arrays([c.chunk(0) for c in table.columns], schema=table.schema)


def _iter_parquet(path: Path) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq  # some 13 MB of libraries a CSV file does not need

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        reason = (f"not a readable Parquet file: {exc}", f"không đọc được tệp Parquet: {exc}")
        raise ImportRefused([row_error(None, None, reason)]) from None
    schema = pf.schema_arrow
    _check_header(schema.names)
    wrong = [
        row_error(
            0,
            name,
            (
                f"stored as {schema.field(name).type}: codes are zero-padded text (e.g. 00070), "
                "write this column as a string column",
                f"cột lưu dạng {schema.field(name).type}: mã là chuỗi ký tự có số 0 đứng đầu "
                "(ví dụ 00070), hãy ghi cột này dạng chuỗi",
            ),
        )
        for name in TEXT_COLUMNS
        if name in schema.names
        and not pa.types.is_string(schema.field(name).type)
        and not pa.types.is_large_string(schema.field(name).type)
        and not pa.types.is_dictionary(schema.field(name).type)
        and not pa.types.is_null(schema.field(name).type)
    ]
    if wrong:
        raise ImportRefused(wrong)
    yield from pf.iter_batches(batch_size=PARQUET_BATCH_ROWS)


def iter_raw_batches(path: Path) -> Iterator[RawBatch]:
    """Yield the file in batches with their first row number (data rows count from 1).

    Raises :class:`ImportRefused` for an unreadable file or a header with unknown, missing or
    repeated columns, before any row is read.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportRefused(
            [row_error(None, None, (f"no such file: {path}", f"không có tệp: {path}"))]
        )
    batches = _iter_parquet(path) if _is_parquet(path) else _iter_csv(path)
    first_row = 1
    for batch in batches:
        if batch.num_rows:
            yield RawBatch(first_row, batch)
            first_row += batch.num_rows
