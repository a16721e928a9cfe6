"""Births by aggregate key over a whole file, counted in memory that does not grow with it.

Each checked row's ``birth_aggregates`` key (commune, year, month, sex, capped birth order and
earlier boys and girls) is packed into one 64-bit integer (:func:`pack_keys`, in the reading
thread); the running table is a pair of sorted NumPy arrays, keys and births, 16 bytes a key.
When it holds :data:`KEYS_IN_MEMORY` keys it is written to the counts staging table and
emptied, so a file whose keys hardly repeat (national records spread over thousands of communes
and months) costs at most that much memory, and the staging table then holds a key once per
write (:attr:`BirthTally.repeats_keys`). Counting in SQL from the staged rows instead costs a
sort of every record: about a fifth of the whole import's time at ten million records.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from chitieu.ingest.birth_rows import ORDER_CAP, PREV_CAP
from chitieu.ingest.birth_staging import COUNTS, stage

#: Keys held before the table is written out: 16 MB (and as much again while merging).
KEYS_IN_MEMORY = 1 << 20

# Bit fields of a packed key, lowest first: earlier girls, earlier boys (0–2, two bits each),
# birth order (1–4, three bits), sex (F 0, M 1), month (1–12, four bits), year (0–16383,
# fourteen bits), then the commune's position in the sorted commune codes. Keys sort as the
# aggregate table's primary key does, so the counts are written in that order.
_GIRLS, _BOYS, _ORDER, _SEX, _MONTH, _YEAR, _UNIT = 0, 2, 4, 7, 8, 12, 26
_MAX_YEAR = (1 << (_UNIT - _YEAR)) - 1


def pack_keys(valid: pa.RecordBatch, communes: pa.Array) -> np.ndarray | None:
    """The packed aggregate key of every row of ``valid`` (checked rows, every unit one of
    ``communes``; in code order, keys sort as the table's key does). None when a year falls
    outside what a key holds."""
    if valid.num_rows == 0:
        return np.zeros(0, dtype=np.int64)

    def ints(arr: pa.Array) -> np.ndarray:
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.int64)

    born = valid.column("birth_date")
    year = ints(pc.year(born))
    if year.min() < 0 or year.max() > _MAX_YEAR:
        return None
    unit = ints(pc.index_in(valid.column("unit_code"), value_set=communes))
    male = ints(pc.equal(valid.column("sex"), "M").cast(pa.int64()))
    return (
        (unit << _UNIT)
        | (year << _YEAR)
        | (ints(pc.month(born)) << _MONTH)
        | (male << _SEX)
        | (np.minimum(ints(valid.column("birth_order")), ORDER_CAP) << _ORDER)
        | (np.minimum(ints(valid.column("prev_boys")), PREV_CAP) << _BOYS)
        | (np.minimum(ints(valid.column("prev_girls")), PREV_CAP) << _GIRLS)
    )


def unpack_keys(keys: np.ndarray, births: np.ndarray, communes: pa.Array) -> pa.Table:
    """The counts table (aggregate key columns, then ``births``) of packed ``keys``."""

    def field(shift: int, bits: int) -> pa.Array:
        return pa.Array.from_buffers(
            pa.int32(),
            len(keys),
            [None, pa.py_buffer(((keys >> shift) & ((1 << bits) - 1)).astype(np.int32))],
        )

    male = ((keys >> _SEX) & 1).astype(bool)
    unit = pa.Array.from_buffers(
        pa.int32(), len(keys), [None, pa.py_buffer((keys >> _UNIT).astype(np.int32))]
    )
    sexes = pa.Array.from_buffers(
        pa.bool_(), len(keys), [None, pa.py_buffer(np.packbits(male, bitorder="little"))]
    )
    return pa.table(
        {
            "unit_code": communes.take(unit),
            "year": field(_YEAR, _UNIT - _YEAR),
            "month": field(_MONTH, _YEAR - _MONTH),
            "sex": pc.if_else(sexes, "M", "F"),
            "birth_order": field(_ORDER, 3),
            "prev_boys": field(_BOYS, 2),
            "prev_girls": field(_GIRLS, 2),
            "births": pa.Array.from_buffers(
                pa.int64(), len(keys), [None, pa.py_buffer(births.astype(np.int64))]
            ),
        }
    )


class BirthTally:
    """Births by packed key over the batches seen so far (:meth:`add`), written to the counts
    staging table whenever :data:`KEYS_IN_MEMORY` keys are held, and at :meth:`finish`.

    ``usable`` turns False for good if a batch could not be packed: the caller then counts the
    staged rows in SQL."""

    def __init__(self, conn: Connection, communes: pa.Array) -> None:
        self._conn = conn
        self._communes = communes
        self._keys = np.zeros(0, dtype=np.int64)
        self._births = np.zeros(0, dtype=np.int64)
        self._writes = 0
        self._months = np.zeros(0, dtype=np.int64)  # packed keys >> _MONTH, sorted, distinct
        self.usable = True

    @property
    def repeats_keys(self) -> bool:
        """Whether the staged counts may hold a key more than once (written more than once)."""
        return self._writes > 1

    def add(self, keys: np.ndarray | None) -> None:
        if not self.usable:
            return
        if keys is None:
            self.usable = False
            self._keys = self._births = np.zeros(0, dtype=np.int64)
            return
        if len(keys) == 0:
            return
        batch_keys, batch_births = np.unique(keys, return_counts=True)
        at = np.searchsorted(self._keys, batch_keys)
        found = at < len(self._keys)
        found[found] = self._keys[at[found]] == batch_keys[found]
        self._births[at[found]] += batch_births[found]
        new = ~found
        if new.any():
            self._keys = np.insert(self._keys, at[new], batch_keys[new])
            self._births = np.insert(self._births, at[new], batch_births[new])
        if len(self._keys) >= KEYS_IN_MEMORY:
            self._write()

    def _write(self) -> None:
        if len(self._keys):
            stage(self._conn, COUNTS, unpack_keys(self._keys, self._births, self._communes))
            self._writes += 1
            self._months = np.union1d(self._months, np.unique(self._keys >> _MONTH))
        self._keys = self._births = np.zeros(0, dtype=np.int64)

    def months(self) -> tuple[tuple[str, int, int], ...]:
        """The (unit, year, month) of the births counted, in order (after :meth:`finish`)."""
        month_bits = _YEAR - _MONTH
        units = self._communes.take(
            pa.array((self._months >> (_UNIT - _MONTH)).astype(np.int32))
        ).to_pylist()
        years = ((self._months >> month_bits) & _MAX_YEAR).tolist()
        months = (self._months & ((1 << month_bits) - 1)).tolist()
        return tuple(zip(units, years, months, strict=True))

    def finish(self) -> None:
        """Write what is held to the counts staging table (if the counts are usable)."""
        if self.usable:
            self._write()
