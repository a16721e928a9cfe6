"""The readers (JSON, CSV, XML, ADX) and the translation give, on payloads with the quirks
DHIS2 clients send, exactly what they gave before they were reworked for speed: the same
values, conflicts (text, code, index, location, in the same order), rejected indexes, count,
header and late header, and the same refusal of an unreadable payload. The expected answers
(``reader_quirks.json``) were written by the earlier readers; see ``reader_quirks.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chitieu.exchange import adx, dxf, translate

from .reader_quirks import PAYLOADS, describe

EXPECTED = json.loads((Path(__file__).parent / "reader_quirks.json").read_text(encoding="utf-8"))
MODULES = {"dxf": dxf, "adx": adx, "translate": translate}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_reader_gives_what_it_gave(name: str) -> None:
    fmt, payload, header, first = PAYLOADS[name]
    got = json.loads(json.dumps(describe(MODULES, fmt, payload, header, first)))
    assert got == EXPECTED[name]


def test_every_payload_has_its_expected_answer() -> None:
    assert sorted(EXPECTED) == sorted(PAYLOADS)
