"""A payload read ahead of its import in a process of its own, on the other core.

The thread of :mod:`chitieu.exchange.prefetch` overlaps reading with the database's own work,
but both threads share one interpreter: on SQLite, which works inside the importing process,
and for every format whose reading is heavier than its writing, it gains little. Here the
reader runs in a forked child: it reads and translates the payload, and sends the values over
a pipe in chunks, as plain tuples (cheaper to pickle and unpickle than objects), with what it
recorded before each value. The importing process rebuilds the values and replays the records
on its :class:`~chitieu.reporting.imports.Outcome`, so it sees exactly what it would have seen
reading the payload itself. The pipe's buffer bounds what waits: the child blocks until the
import takes the next chunk.

A fork copies only the thread that calls it, so it is used only from a process that runs one
thread (the command line; see :func:`can_fork`). The child touches no database connection
and leaves with ``os._exit``, so nothing the parent holds (pooled connections, temporary
files) is closed or finalised by it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import fields
from operator import attrgetter
from typing import Any

from chitieu.exchange.payload import PayloadError
from chitieu.exchange.prefetch import RecordingOutcome, read_in_chunks, replay
from chitieu.reporting.imports import Outcome
from chitieu.reporting.validate import ValueIn

_FIELDS = attrgetter(*(f.name for f in fields(ValueIn)))
_PROTOCOL = pickle.HIGHEST_PROTOCOL


def can_fork() -> bool:
    """Whether a reader may be forked here: the platform forks, and this process runs a single
    thread (a fork in a threaded server could copy a lock another thread holds)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def read_ahead_in_process(
    make: Callable[[RecordingOutcome], Iterator[ValueIn]],
    log: list,
    outcome: Outcome,
    *,
    final: Callable[[], Any],
    adopt: Callable[[Any], None],
) -> Iterator[ValueIn]:
    """The values of ``make(recording)``, read in a forked child process; what the reader logs
    in ``log`` is replayed on ``outcome`` as the values are taken (as
    :func:`chitieu.exchange.prefetch.read_ahead` does in a thread). Once the values are
    exhausted, ``final()`` — evaluated in the child, picklable — is handed to ``adopt`` in
    this process: the reader's own state at the end (its count of values, a header met late).
    An exception of the reader is raised here, after the values it read before it."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    _widen(send)
    child = ctx.Process(
        target=_produce, args=(make, log, final, send), name="chitieu-reader", daemon=True
    )
    child.start()
    send.close()
    try:
        while True:
            try:
                kind, body = pickle.loads(receive.recv_bytes())
            except EOFError:
                raise PayloadError("the payload's reader stopped unexpectedly") from None
            if kind == "values":
                for item in body:
                    if type(item) is tuple:
                        yield ValueIn(*item)
                    else:
                        replay(item, outcome)
            elif kind == "end":
                adopt(body)
                return
            else:
                raise body
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()


#: How much the reader may send before the import takes it (bytes): a few dozen chunks, so
#: that a reader that got a core while the import was busy has run ahead when it is not.
PIPE_BYTES = 1 << 20


def _widen(end: Any) -> None:
    """Give the pipe :data:`PIPE_BYTES` of buffer where Linux allows (64 KiB otherwise)."""
    try:
        import fcntl  # Unix only
    except ImportError:
        return
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if set_size is not None:
        with suppress(OSError):  # above the system's pipe-max-size: keep the default
            fcntl.fcntl(end.fileno(), set_size, PIPE_BYTES)


def _produce(make: Callable, log: list, final: Callable[[], Any], send: Any) -> None:
    """The child: read, send chunks of tuples and records, then the end state or the error."""
    try:
        recording = RecordingOutcome(log)
        for chunk in read_in_chunks(make(recording), log, recording):
            body = [_FIELDS(v) if type(v) is ValueIn else v.ops for v in chunk]
            send.send_bytes(pickle.dumps(("values", body), _PROTOCOL))
        send.send_bytes(pickle.dumps(("end", final()), _PROTOCOL))
    except BaseException as exc:  # handed to the importing process, raised there
        try:
            message = pickle.dumps(("error", exc), _PROTOCOL)
        except Exception:
            message = pickle.dumps(("error", PayloadError(str(exc))), _PROTOCOL)
        with suppress(OSError):  # the import stopped reading
            send.send_bytes(message)
    finally:
        os._exit(0)
