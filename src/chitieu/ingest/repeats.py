"""Birth ids used on more than one row of a file, found in memory that does not grow with it.

Keeping every id (or even every id's hash) until the end costs memory in proportion to the
file: 8–30 bytes a record, gigabytes for a national backfill. Instead the ids' 64-bit hashes
go through a Bloom filter (two bits an id; 16 bits an expected id, rounded up to a power of
two; at most :data:`MAX_FILTER_BYTES`): a row whose two bits were both set already *may*
repeat an earlier id, and only those rows' ids are kept — between 1 row in 70 and 1 in 270
while the filter is sized to the file (a 10-million-row CSV: a 32 MB filter and some 56,000
suspects). At the end the suspects are joined
once with the staged rows and the refused rows' ids; ids on two or more rows are the repeats,
each reported on its later rows with the row it first appeared on.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, select, union_all

from chitieu.ingest.birth_staging import REFUSED_IDS, STAGE, SUSPECTS, stage
from chitieu.ingest.error_log import ErrorLog
from chitieu.ingest.errors import RowError, row_error

#: The filter's largest size: 128 MiB holds 2^30 bits, room for 67 million ids at 16 bits each
#: (past that the false alarms grow, and so does the join that sorts them out, not memory).
MAX_FILTER_BYTES = 128 << 20
MIN_FILTER_BITS = 1 << 16
BITS_PER_ID = 16


def filter_bits(expected_rows: int) -> int:
    """A power of two of at least :data:`BITS_PER_ID` bits an expected row, within bounds."""
    wanted = max(MIN_FILTER_BITS, BITS_PER_ID * max(expected_rows, 1))
    bits = 1 << (wanted - 1).bit_length()
    return min(bits, MAX_FILTER_BYTES * 8)


class RepeatFinder:
    """Feed it every batch's ids (:meth:`add`), then ask which repeat (:meth:`report`)."""

    def __init__(self, expected_rows: int) -> None:
        self._mask = np.uint64(filter_bits(expected_rows) - 1)
        self._bits = np.zeros((int(self._mask) + 1) // 8, dtype=np.uint8)
        self._suspects: list[pa.Array] = []

    @property
    def filter_bytes(self) -> int:
        return self._bits.nbytes

    def _positions(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = hashes.view(np.uint64)
        return h & self._mask, (h >> np.uint64(32)) & self._mask

    def _seen(self, position: np.ndarray) -> np.ndarray:
        byte = self._bits[position >> np.uint64(3)]
        return ((byte >> (position & np.uint64(7)).astype(np.uint8)) & 1).astype(bool)

    def _mark(self, position: np.ndarray) -> None:
        bit = np.left_shift(1, (position & np.uint64(7)).astype(np.uint8)).astype(np.uint8)
        # ``.at`` applies every OR, also where two rows of the batch share a byte.
        np.bitwise_or.at(self._bits, position >> np.uint64(3), bit)

    def add(self, ids: pa.Array, hashes: np.ndarray) -> None:
        """One batch: ``ids`` and their 64-bit ``hashes``, in the same order."""
        if len(hashes) == 0:
            return
        first, second = self._positions(hashes)
        suspect = self._seen(first) & self._seen(second)
        # Repeats inside the batch itself: the filter is marked only after the lookup.
        distinct, counts = np.unique(hashes, return_counts=True)
        if (counts > 1).any():
            suspect |= np.isin(hashes, distinct[counts > 1])
        self._mark(first)
        self._mark(second)
        if suspect.any():
            self._suspects.append(ids.filter(pa.array(suspect)))

    def report(self, conn: Connection, log: ErrorLog) -> None:
        """Record in ``log`` every row whose id appeared on an earlier row: the suspects are
        staged and joined once with the staged rows and the refused rows' ids."""
        if not self._suspects:
            return
        suspects = pa.chunked_array(self._suspects, pa.string()).unique()
        stage(conn, SUSPECTS, pa.table({"birth_id": suspects}))
        occurrences = union_all(
            *(
                select(t.c.birth_id, t.c.row_no).join(SUSPECTS, SUSPECTS.c.birth_id == t.c.birth_id)
                for t in (STAGE, REFUSED_IDS)
            )
        )
        rows_of: dict[str, list[int]] = {}
        for birth_id, row in conn.execute(occurrences):
            rows_of.setdefault(birth_id, []).append(row)
        repeats: list[tuple[int, str, int]] = []  # (row, id, first row)
        for birth_id, rows in rows_of.items():
            if len(rows) > 1:
                first, *later = sorted(rows)
                repeats += [(row, birth_id, first) for row in later]
        if not repeats:
            return
        repeats.sort()
        errors: list[RowError] = [
            row_error(
                row,
                "birth_id",
                (
                    f"duplicate birth_id (first on row {first})",
                    f"mã ca sinh trùng (đã có ở dòng {first})",
                ),
                birth_id,
            )
            for row, birth_id, first in repeats[: log.limit]
        ]
        log.add(errors, count=len(repeats))
