"""Static files, with Brotli-compressed copies for the browsers that accept them.

The chart library is the largest download of a first visit (650 KB; 222 KB gzipped on the fly,
183 KB as Brotli at its best level, which is too slow to run per request: about a second).
``scripts/compress-static`` writes ``name.br`` beside each large static file once; here a
request whose ``Accept-Encoding`` names ``br`` gets that copy with ``Content-Encoding: br``,
everyone else the file itself (gzipped by the app's middleware as before).
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

#: Static files at least this large (and of a text type) get a ``.br`` copy.
COMPRESS_MIN_BYTES = 32 * 1024
TEXT_SUFFIXES = (".js", ".css", ".svg", ".json")


def compressible(directory: Path) -> list[Path]:
    """The static files under ``directory`` that should have a ``.br`` copy beside them."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.suffix in TEXT_SUFFIXES and p.stat().st_size >= COMPRESS_MIN_BYTES
    )


def accepts_brotli(accept_encoding: str) -> bool:
    """True when an ``Accept-Encoding`` value lists ``br`` without refusing it (``br;q=0``)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() == "br":
            q = params.strip().removeprefix("q=")
            return not (params and q.replace(".", "", 1).isdigit() and float(q) == 0)
    return False


class PrecompressedStaticFiles(StaticFiles):
    """:class:`StaticFiles` that answers with ``name.br`` where it exists and ``br`` is
    accepted (the same media type, ``Content-Encoding: br``, ``Vary: Accept-Encoding``)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code != 200 or not isinstance(response, FileResponse):
            return response
        compressed = Path(response.path).with_name(Path(response.path).name + ".br")
        if not compressed.is_file():
            return response
        if not accepts_brotli(Headers(scope=scope).get("accept-encoding", "")):
            response.headers["Vary"] = "Accept-Encoding"
            return response
        return FileResponse(
            compressed,
            media_type=response.media_type,
            headers={"Content-Encoding": "br", "Vary": "Accept-Encoding"},
        )
