"""Produce the next items of an iterator in a background thread while the caller works.

Reading and checking a batch (Arrow kernels, which release the GIL) then overlaps with writing
the previous one to the database (SQLite steps and PostgreSQL's COPY also release it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
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
