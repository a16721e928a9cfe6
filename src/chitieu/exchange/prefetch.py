"""A payload read ahead of its import, in a thread of its own.

Reading and translating a payload is Python work; checking and writing it waits much of its
time on the database (on PostgreSQL, the server's work on the rows sent). :func:`read_ahead`
runs the reader in a second thread, so the next values are being read while the database
works on the last ones, and hands the values over in chunks through a bounded queue (memory
stays bounded: at most :data:`DEPTH` chunks wait).

What the reader records while it reads (problems, refused indexes, conflicts, an unreadable
end) is not written to the import's :class:`~chitieu.reporting.imports.Outcome` from the
reading thread: it is logged beside the values and replayed on the outcome, in the same
order, when the import takes the value that followed it. The import therefore sees exactly
what it would have seen reading the payload itself: the same conflicts in the same order,
the same refusals at the same point, whichever thread ran ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from chitieu.ingest.prefetch import prefetch
from chitieu.reporting.imports import Outcome
from chitieu.reporting.summary import Conflict

T = TypeVar("T")

#: Values handed over at a time, and chunks that may wait in the queue.
CHUNK = 1000
DEPTH = 8

_Op = tuple[Any, ...]


class _Ops:
    """What the reader recorded before the next value (or the end)."""

    __slots__ = ("ops",)

    def __init__(self, ops: list[_Op]) -> None:
        self.ops = ops


class Recorded(list[Any]):
    """A list the reader appends to (a payload's ``problems`` or ``rejected``): each item is
    logged for replay instead of kept."""

    def __init__(self, log: list[_Op], kind: str) -> None:
        super().__init__()
        self._log = log
        self._kind = kind

    def append(self, item: Any) -> None:
        self._log.append((self._kind, item))


class RecordingOutcome(Outcome):
    """The outcome the reading thread writes to: every ``add`` is logged for replay."""

    def __init__(self, log: list[_Op]) -> None:
        super().__init__()
        self._log = log

    def add(self, c: Conflict, *, rejects: bool = True) -> None:
        self._log.append(("add", c, rejects))


def replay(ops: Iterable[_Op], outcome: Outcome) -> None:
    """Apply logged operations to ``outcome`` as the reader would have applied them."""
    for op in ops:
        kind = op[0]
        if kind == "problem":
            outcome.conflicts.append(op[1])
        elif kind == "reject":
            outcome.rejected.append(op[1])
        elif kind == "add":
            outcome.add(op[1], rejects=op[2])
        else:  # "fatal"
            outcome.fatal = True


def read_ahead(
    make: Callable[[RecordingOutcome], Iterable[T]],
    log: list[_Op],
    outcome: Outcome,
) -> Iterator[T]:
    """The values of ``make(recording)`` read in a thread of its own; what the reader logs
    in ``log`` (through ``recording`` or :class:`Recorded` lists sharing ``log``) is replayed
    on ``outcome`` as the values are taken. The thread starts at the first value asked for
    and stops when the iterator is exhausted or closed."""
    recording = RecordingOutcome(log)
    chunks = prefetch(read_in_chunks(make(recording), log, recording), depth=DEPTH)
    try:
        for chunk in chunks:
            for v in chunk:
                if type(v) is _Ops:
                    replay(v.ops, outcome)
                else:
                    yield v
    finally:
        chunks.close()


def read_in_chunks(source: Iterable[T], log: list[_Op], recording: Outcome) -> Iterator[list[Any]]:
    """``source``'s values in lists of :data:`CHUNK`, each value preceded by what the reader
    logged before it; what it logged before failing comes ahead of the failure."""
    buf: list[Any] = []

    def take_log() -> None:
        if log:
            buf.append(_Ops(log.copy()))
            log.clear()

    try:
        for v in source:
            take_log()
            buf.append(v)
            if len(buf) >= CHUNK:
                yield buf
                buf = []
        if recording.fatal:
            log.append(("fatal",))
    except Exception:
        take_log()
        yield buf
        raise
    take_log()
    yield buf
