"""The formats of a DHIS2 data value set (JSON, CSV, XML) and of an ADX message: their names,
their media types, and telling a payload's format from what comes with it."""

from __future__ import annotations

from chitieu.exchange.adx import ADX_NS
from chitieu.exchange.payload import UTF8_BOM

FORMATS = ("json", "csv", "xml", "adx")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "application/csv",
    "xml": "application/xml",
    "adx": "application/adx+xml",
}


def detect_format(
    content_type: str | None = None, payload: bytes = b"", filename: str | None = None
) -> str:
    """The payload's format from its media type, else its file name, else its first bytes.

    XML is told apart from ADX by the ADX namespace."""
    ct = (content_type or "").split(";")[0].strip().lower()
    name = (filename or "").lower()
    looks_adx = ADX_NS.encode() in payload[:4096]
    if "adx" in ct or name.endswith(".adx") or name.endswith(".adx.xml"):
        return "adx"
    if "json" in ct or name.endswith(".json"):
        return "json"
    if "csv" in ct or name.endswith(".csv"):
        return "csv"
    if "xml" in ct or name.endswith(".xml"):
        return "adx" if looks_adx else "xml"
    head = payload.removeprefix(UTF8_BOM).lstrip()[:1]
    if head == b"{":
        return "json"
    if head == b"<":
        return "adx" if looks_adx else "xml"
    return "csv"
