"""An import's writes, batch by batch, in a second thread while the next batch is checked.

Most of a batch's write is the database's own work: on PostgreSQL the server's, on the rows
sent (inserts, their indexes and keys, the audit entries); on SQLite the library's, inside
statements that each write a whole batch without holding the interpreter's lock. The
importing process only waits for it. Checking the next batch needs no database
(:func:`chitieu.reporting.validate.check_batch` once the state knows every unit), so it runs
meanwhile. A batch's write starts only once the next batch has read the periods the write does
not touch (the same before and after it), and the next batch's decisions are made while it
runs; the periods both touch are read after it ends. So every batch still sees the ones
before it, in the same transaction, in the same order
(:func:`chitieu.reporting.validate.plan_checked`). What a write needs that is not the database
(its rows, their JSON text) is made by the planning thread
(:func:`chitieu.reporting.write.plan_write`): the two threads share one interpreter lock, and
the writer holds it least when it only runs statements.

Only one write is ever in flight, and the connection is never used by both threads at once:
:meth:`BatchWriter.wait` hands it back. An error of a write is raised by the next ``wait``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress

from chitieu.ingest.prefetch import quick_switches


class BatchWriter:
    """Runs each submitted write in its own thread (``threaded``) or at once."""

    def __init__(self, pool: ThreadPoolExecutor | None) -> None:
        self._pool = pool
        self._pending: Future[None] | None = None

    @property
    def threaded(self) -> bool:
        return self._pool is not None

    def submit(self, write: Callable[[], None]) -> None:
        """Start ``write`` (after the one in flight ends); at once when not threaded."""
        if self._pool is None:
            write()
            return
        self.wait()
        self._pending = self._pool.submit(write)

    def wait(self) -> None:
        """Wait for the write in flight, raising its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()


class DeferredWrite:
    """A planned batch's write, started only once the next batch has read the periods it does
    not touch (:func:`~chitieu.reporting.validate.plan_checked`'s ``before``), so that those
    reads and the next batch's decisions are not held up by it."""

    def __init__(
        self, writer: BatchWriter, write: Callable[[], None], pairs: set[tuple[str, str]]
    ) -> None:
        self._writer, self._write, self._started = writer, write, False
        #: Every (unit, period) the write touches.
        self.pairs = pairs

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._writer.submit(self._write)

    def wait(self) -> None:
        self.start()
        self._writer.wait()


@contextmanager
def batch_writer(threaded: bool) -> Iterator[BatchWriter]:
    """A :class:`BatchWriter`; on leaving, the write in flight has ended (its error raised,
    unless another is already on its way), so the caller's transaction can end."""
    if not threaded:
        yield BatchWriter(None)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="chitieu-writer") as pool, quick_switches():
        writer = BatchWriter(pool)
        try:
            yield writer
            writer.wait()
        finally:
            with suppress(Exception):  # already failing: the first error is the one to raise
                writer.wait()
