"""Compressed DHIS2 payloads: a gzip file or a zip archive of one file, as DHIS2 exports them
(``dataValueSets.json.gz``, ``.csv.zip``), imported like the plain payload, told apart by
their first bytes; a broken or oversized archive is refused and writes nothing."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest
from tests.exchange.test_dhis2_formats import DOCS, EXPECTED

from chitieu.exchange.dhis2 import import_datavalueset

NAMES = {"json": "set.json", "csv": "set.csv", "xml": "set.xml", "adx": "set.adx"}


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _imp(engine, body: bytes, **kw):  # type: ignore[no-untyped-def]
    return import_datavalueset(engine, body, actor="t", old_units="none", **kw)


@pytest.mark.parametrize("fmt", list(DOCS))
@pytest.mark.parametrize("packed", ["gzip", "zip"])
def test_a_compressed_payload_imports_as_the_plain_one(sdb, values_of, fmt, packed):
    plain = DOCS[fmt][0]
    if packed == "gzip":
        body, name = gzip.compress(plain), NAMES[fmt] + ".gz"
    else:
        body, name = _zip({NAMES[fmt]: plain}), NAMES[fmt] + ".zip"
    # the format told by the inner file's name, and (CSV aside) by its first bytes alone
    for filename in (name, None) if fmt != "csv" else (name,):
        s = _imp(sdb, body, filename=filename)
        assert s.status == "SUCCESS", [str(c) for c in s.conflicts]
        assert values_of(sdb) == EXPECTED


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (gzip.compress(DOCS["json"][0])[:-8], "the gzip file ends early"),
        (b"\x1f\x8b\x08\x00garbage-not-deflate", "the gzip file is broken"),
        (_zip({"a.json": DOCS["json"][0], "b.json": DOCS["json"][0]}), "exactly one data file"),
        (b"PK\x03\x04" + b"\x00" * 40, "the zip archive is broken"),
        (gzip.compress(DOCS["json"][0] + b" " * 5000), "inflates past 4000 bytes"),
        (_zip({"set.json": DOCS["json"][0] + b" " * 5000}), "inflates past 4000 bytes"),
    ],
)
def test_a_broken_or_oversized_archive_is_refused_and_writes_nothing(sdb, counts, body, why):
    before = counts(sdb)
    s = _imp(sdb, body, inflated_limit=4000, atomic=False)
    assert s.status == "ERROR" and why in s.conflicts[0].value
    assert counts(sdb) == before
