"""Limits an XLSX file must keep before openpyxl is allowed to open it.

An XLSX is a zip of XML parts; a few megabytes can unpack to gigabytes (a "zip bomb"), and
openpyxl holds every cell in memory. :func:`check_workbook` reads only the zip's directory
and then streams the worksheets to count their cells, so a hostile file is refused in
bounded memory and time, with the reason, before any workbook is built:

* at most :data:`MAX_MEMBERS` parts, :data:`MAX_PART_BYTES` per part and
  :data:`MAX_TOTAL_BYTES` in all, uncompressed (as the directory declares them; zipfile never
  unpacks more than that, and a part that holds more fails its checksum);
* at most :data:`MAX_RATIO` uncompressed bytes per compressed byte for any part over 1 MB;
* at most :data:`MAX_CELLS` cells in all worksheets; and the whole check within
  :data:`MAX_SECONDS`.

A real template — every commune of a province, a few dozen figures each — is a few thousand
cells and well under 1 MB unpacked; the country's 3,300 communes are about 100,000 cells.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from pathlib import Path

MAX_MEMBERS = 200
MAX_PART_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 40 * 1024 * 1024
MAX_RATIO = 100
MAX_CELLS = 200_000
MAX_SECONDS = 20.0
_CHUNK = 1024 * 1024
_CELL_TAGS = (b"<c ", b"<c>")


class WorkbookTooLarge(ValueError):
    """The file breaks one of the limits; the message says which, in both languages."""


def _refuse(vi: str, en: str) -> WorkbookTooLarge:
    return WorkbookTooLarge(f"{vi} / {en}")


def _count_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo, deadline: float) -> int:
    """Cells in one worksheet part, streamed; also enforces the part's real size."""
    cells = read = 0
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            read += len(chunk)
            if read > MAX_PART_BYTES:
                raise _refuse(
                    f"phần {info.filename} giải nén vượt {MAX_PART_BYTES // 2**20} MB",
                    f"part {info.filename} unpacks to more than {MAX_PART_BYTES // 2**20} MB",
                )
            window = tail + chunk
            cells += sum(window.count(tag) for tag in _CELL_TAGS)
            tail = window[-2:]  # shorter than a tag: no tag is counted twice
            if cells > MAX_CELLS:
                raise _refuse(
                    f"tệp có hơn {MAX_CELLS:,} ô".replace(",", "."),
                    f"the workbook has more than {MAX_CELLS:,} cells",
                )
            if time.monotonic() > deadline:
                raise _refuse(
                    f"đọc tệp quá {MAX_SECONDS:.0f} giây", f"reading took over {MAX_SECONDS:.0f} s"
                )
    return cells


def check_workbook(path: Path | str) -> int:
    """The number of worksheet cells in the XLSX at ``path``, or :class:`WorkbookTooLarge`
    when it breaks a limit. Files that are no zip at all pass (openpyxl reports them)."""
    deadline = time.monotonic() + MAX_SECONDS
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return 0
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse(
                f"tệp có {len(members)} phần (tối đa {MAX_MEMBERS})",
                f"the file has {len(members)} parts (at most {MAX_MEMBERS})",
            )
        total = 0
        for info in members:
            total += info.file_size
            if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
                raise _refuse(
                    f"tệp giải nén vượt {MAX_TOTAL_BYTES // 2**20} MB (nghi là bom nén)",
                    f"the file unpacks to more than {MAX_TOTAL_BYTES // 2**20} MB (a zip bomb?)",
                )
            if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(1, info.compress_size):
                raise _refuse(
                    f"phần {info.filename} nén hơn {MAX_RATIO} lần (nghi là bom nén)",
                    f"part {info.filename} is compressed more than {MAX_RATIO}-fold (a zip bomb?)",
                )
        sheets = [
            info
            for info in members
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        ]
        try:
            return sum(_count_cells(archive, info, deadline) for info in sheets)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            # e.g. a directory that understates a part's size: zipfile stops at the declared
            # size and the checksum fails
            raise _refuse("tệp Excel hỏng", f"corrupt workbook ({exc})") from None
