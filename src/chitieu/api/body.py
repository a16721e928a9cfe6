"""Request bodies read as streams into a temporary file: size-limited, gzip decoded.

For large uploads (DHIS2 data value sets): the body never sits in memory whole (a spooled
temporary file moves to disk past a few MiB), a ``Content-Encoding: gzip`` body is
decompressed on the fly, and both the bytes received and the bytes decompressed are bounded
(a small gzip bomb is refused as soon as it inflates past the limit).
"""

from __future__ import annotations

import tempfile
import zlib
from typing import BinaryIO

from fastapi import Request

from chitieu.api.errors import ApiError
from chitieu.exchange.compressed import Inflater, TooLarge

_IN_MEMORY = 8 * 1024 * 1024  # bytes kept in memory before the spool moves to disk


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the payload is larger than {limit} bytes")


async def spool_body(request: Request, limit: int) -> BinaryIO:
    """The request body (decompressed) in a rewound temporary file; 413 past ``limit`` bytes,
    415 for a content encoding other than gzip, 400 for a broken gzip stream."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", ""):
        raise ApiError(415, f"Content-Encoding {encoding!r} is not supported (use gzip)")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    out = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 - handed to caller
    inflater = Inflater(out, limit) if encoding in ("gzip", "x-gzip") else None  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise _too_large(limit)
            if inflater is None:
                out.write(chunk)
                continue
            try:
                inflater.feed(chunk)
            except TooLarge:
                raise _too_large(limit) from None
            except zlib.error as exc:
                raise ApiError(400, f"the gzip body is broken: {exc}") from None
        if inflater is not None and not inflater.complete and received:
            raise ApiError(400, "the gzip body ends early")
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out  # type: ignore[return-value]
