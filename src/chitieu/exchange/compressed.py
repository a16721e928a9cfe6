"""Compressed payloads, as DHIS2 writes and reads them: a gzip file (``dataValueSets.json.gz``)
or a zip archive holding one file (``dataValueSets.json.zip``), told apart from plain text by
their first bytes, as DHIS2 tells them apart on import.

The content is inflated once into a temporary file (in memory while small), bounded so that a
small archive cannot fill the disk, and read from there like any other payload.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
import zlib
from typing import IO, BinaryIO

from chitieu.exchange.payload import PayloadError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
#: Largest inflated payload by default (bytes): as large as the HTTP import's upload limit.
DEFAULT_INFLATED_LIMIT = 1024 * 1024 * 1024
_IN_MEMORY = 8 * 1024 * 1024  # bytes kept in memory before the temporary file moves to disk
_STEP = 1 << 20  # bytes inflated per step


def is_compressed(head: bytes) -> bool:
    return head.startswith((GZIP_MAGIC, ZIP_MAGIC))


def inflated(
    stream: BinaryIO, filename: str | None, limit: int = DEFAULT_INFLATED_LIMIT
) -> tuple[BinaryIO, str | None]:
    """The content of a compressed ``stream`` (at its start) in a rewound temporary file, and
    the name that tells its format: ``x.json.gz`` gives ``x.json``; a zip archive gives its
    file's name. :class:`PayloadError` for a broken archive, a zip that does not hold exactly
    one file, or content past ``limit`` bytes."""
    stream.seek(0)
    if stream.read(len(ZIP_MAGIC)) == ZIP_MAGIC:
        stream.seek(0)
        return _unzipped(stream, limit)
    stream.seek(0)
    name = filename[: -len(".gz")] if filename and filename.lower().endswith(".gz") else None
    return _gunzipped(stream, limit), name


def _spool() -> BinaryIO:
    return tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # type: ignore[return-value]


class TooLarge(Exception):
    """Inflated data went past the limit."""


class Inflater:
    """Inflates gzip data fed in chunks into ``out``, at most ``limit`` bytes in all: each
    step inflates at most a mebibyte, so a small bomb is stopped as soon as it passes the
    limit. :meth:`feed` raises :class:`TooLarge` past it and ``zlib.error`` for broken data."""

    def __init__(self, out: BinaryIO, limit: int) -> None:
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._out, self._limit, self._written = out, limit, 0

    def feed(self, chunk: bytes) -> None:
        data = chunk
        while data:
            part = self._inflate.decompress(data, _STEP)
            self._written += len(part)
            if self._written > self._limit:
                raise TooLarge(self._limit)
            self._out.write(part)
            data = self._inflate.unconsumed_tail

    @property
    def complete(self) -> bool:
        """Whether the gzip stream has ended."""
        return self._inflate.eof


def _too_large(limit: int) -> PayloadError:
    return PayloadError(f"the payload inflates past {limit} bytes")


def _gunzipped(stream: BinaryIO, limit: int) -> BinaryIO:
    out = _spool()
    inflater = Inflater(out, limit)
    try:
        while block := stream.read(_STEP):
            inflater.feed(block)
        if not inflater.complete:
            raise PayloadError("the gzip file ends early")
    except TooLarge:
        out.close()
        raise _too_large(limit) from None
    except zlib.error as exc:
        out.close()
        raise PayloadError(f"the gzip file is broken: {exc}") from None
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _unzipped(stream: BinaryIO, limit: int) -> tuple[BinaryIO, str]:
    try:
        archive = zipfile.ZipFile(stream)
        files = [m for m in archive.infolist() if not m.is_dir()]
        if len(files) != 1:
            names = ", ".join(m.filename for m in files[:5]) or "none"
            raise PayloadError(f"a zip archive must hold exactly one data file (it holds {names})")
        (member,) = files
        if member.file_size > limit:
            raise _too_large(limit)
        out = _spool()
        try:
            with archive.open(member) as source:
                # The declared size can lie: copy at most one byte more than the limit.
                shutil.copyfileobj(_Bounded(source, limit + 1), out)
            if out.tell() > limit:
                raise _too_large(limit)
        except BaseException:
            out.close()
            raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise PayloadError(f"the zip archive is broken: {exc}") from None
    out.seek(0)
    return out, member.filename


class _Bounded:
    """A reader that stops after ``left`` bytes."""

    def __init__(self, source: IO[bytes], left: int) -> None:
        self._source, self._left = source, left

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size < 0 else min(size, self._left)
        data = self._source.read(size)
        self._left -= len(data)
        return data
