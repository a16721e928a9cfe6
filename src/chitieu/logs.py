"""Application logs: configured once when the app or the CLI starts, written by one logger per
module (``log = logging.getLogger(__name__)``).

    configure_logging("json")          # JSON lines on stderr (CHITIEU_LOG_FORMAT=json)
    configure_logging("text", "DEBUG") # plain lines, the default

Every line carries ``request_id``, ``user`` and ``unit`` when it is written while a request is
being served (``None`` outside one): :func:`request_scope` opens a request's context and
:func:`bind_user` records who is signed in, so a line logged deep inside a service is tied to the
request that caused it. Fields passed as ``extra={...}`` become JSON keys (and ``key=value`` at
the end of a plain line).

These are operational logs. Who changed which data is the audit log, a table in the database
(:mod:`chitieu.store.audit`), not these lines.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

LOG_FORMATS = ("text", "json")
#: The fields every line carries about the request it was written for.
REQUEST_FIELDS = ("request_id", "user", "unit")

#: The request being served in this context: one dict per request, shared (not copied) by the
#: worker threads FastAPI runs dependencies and handlers in, so a user bound in one of them is
#: seen by the lines written after it, the access line included.
_request: ContextVar[dict[str, str | None] | None] = ContextVar("chitieu_request", default=None)

#: Attributes every LogRecord has; anything else on a record came from ``extra``.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_HANDLER_NAME = "chitieu"


@contextmanager
def request_scope(request_id: str) -> Iterator[dict[str, str | None]]:
    """Tie the lines written inside the block to the request ``request_id``."""
    fields: dict[str, str | None] = {"request_id": request_id, "user": None, "unit": None}
    token = _request.set(fields)
    try:
        yield fields
    finally:
        _request.reset(token)


def bind_user(username: str, unit_code: str) -> None:
    """Record the signed-in user of the request being served (no-op outside a request)."""
    fields = _request.get()
    if fields is not None:
        fields["user"] = username
        fields["unit"] = unit_code


class RequestFields(logging.Filter):
    """Puts the request's id, user and unit on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _request.get() or {}
        for name in REQUEST_FIELDS:
            setattr(record, name, fields.get(name))
        return True


class TextFormatter(logging.Formatter):
    """``2026-12-06T08:30:00Z INFO chitieu.app [req user unit] message key=value``."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s %(unit)s] %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%SZ",
        )
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {
            k: v
            for k, v in vars(record).items()
            if k not in _RECORD_ATTRS and k not in REQUEST_FIELDS
        }
        return line + "".join(f" {k}={v}" for k, v in extra.items())


def _json_formatter() -> logging.Formatter:
    formatter = JsonFormatter(
        ["asctime", "levelname", "name", "message", *REQUEST_FIELDS],
        datefmt="%Y-%m-%dT%H:%M:%SZ",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )
    formatter.converter = time.gmtime
    return formatter


class _Stderr(logging.StreamHandler[Any]):
    """Writes to whatever ``sys.stderr`` is when a line is written (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(log_format: str = "text", level: str | int = "INFO") -> None:
    """Send every logger's lines to stderr as ``log_format`` (``text`` or ``json``) from
    ``level`` up. Calling it again replaces chitieu's handler, so it is safe to call at each
    start-up (the app factory and the CLI both do)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestFields())
    handler.setFormatter(_json_formatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
