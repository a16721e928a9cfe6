"""Request ids, for the API and the pages alike.

    install_request_logging(app)

Every request gets an id: the client's ``X-Request-ID`` when it is a sane token (letters,
digits, ``-_.:``, at most 64 characters), else a new one; the response echoes it in
``X-Request-ID``. Lines logged while the request is served carry that id and, once the user is
known, their username and unit (:mod:`chitieu.logs`); the access line is written by
:class:`chitieu.api.request_metrics.RequestMetrics`, which times the request.
"""

from __future__ import annotations

import re

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def sane_request_id(value: str) -> bool:
    """True for an id safe to log and echo (no spaces, quotes or control characters)."""
    return _SANE_ID.fullmatch(value) is not None


def install_request_logging(app: FastAPI) -> None:
    """Give every request of ``app`` an id, outside every other middleware so that every line
    logged for the request carries it."""
    app.add_middleware(
        CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER, validator=sane_request_id
    )
