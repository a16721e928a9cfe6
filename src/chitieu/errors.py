"""Errors the services raise when they refuse a request, whatever asked: the API, a page, the
CLI or an import. Each names a kind of refusal, never an HTTP status; the edges translate them
(:mod:`chitieu.api.errors` maps each kind to its status once).

    DomainError(message, *, code=None, details=None)
        InvalidInput   a value, period, status or unit in the request is not acceptable
        NotAllowed     the caller may not do this (outside their unit, their role, a lock)
        NotFound       what the request names does not exist
        StateConflict  the request contradicts what is stored (e.g. the value exists already)

``code`` is a stable machine name the API shows (``validation``, ``forbidden``, ``locked``,
``not_found``, ``exists``…); ``details`` is anything JSON can carry that helps the caller;
``key`` (with its ``values``) names the message catalogue's text for people reading a page, who
get it in the page's language alone (API clients get ``message``).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal by a service: ``message`` for people, ``code`` for programs."""

    default_code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        key: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details
        self.key = key
        self.values = values or {}


class InvalidInput(DomainError):
    default_code = "validation"


class NotAllowed(DomainError):
    default_code = "forbidden"


class NotFound(DomainError):
    default_code = "not_found"


class StateConflict(DomainError):
    default_code = "conflict"
