"""Produce the next items of an iterator in a background thread while the caller works.

Reading and checking a batch (Arrow kernels, which release the GIL) then overlaps with writing
the previous one to the database (SQLite steps and PostgreSQL's COPY also release it).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def prefetch(items: Iterable[T], depth: int = 2) -> Generator[T, None, None]:
    """Yield ``items`` in order, computed up to ``depth`` ahead in a worker thread.

    An exception raised while producing an item is raised here, at that item. If the caller
    stops early (an exception, or ``close()``), the worker stops after its current item.
    """
    # An item travels wrapped in a 1-tuple; an exception stands for itself; None ends the run.
    buffer: queue.Queue[tuple[T] | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[T] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                buffer.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item,)):
                    return
            put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    worker = threading.Thread(target=work, name="chitieu-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            message = buffer.get()
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            yield message[0]
    finally:
        stop.set()
        worker.join()


#: The interpreter's switch interval while two threads of an import share the work (seconds):
#: a thread back from a wait (on the database, on a socket) takes its turn after at most this
#: long instead of Python's default 5 ms.
SWITCH_INTERVAL = 0.0005


_switches_lock = threading.Lock()
_switches: list[float] = []  # the interval before the first import in progress set it


@contextmanager
def quick_switches() -> Iterator[None]:
    """Run with the interpreter's switch interval at most :data:`SWITCH_INTERVAL`; the interval
    set before comes back when the last of the imports in progress ends."""
    with _switches_lock:
        _switches.append(sys.getswitchinterval())
        sys.setswitchinterval(min(_switches[0], SWITCH_INTERVAL))
    try:
        yield
    finally:
        with _switches_lock:
            before = _switches.pop()
            if not _switches:
                sys.setswitchinterval(before)
