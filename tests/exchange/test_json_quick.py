"""The quick JSON reader (the standard library's C decoder, a value at a time) gives what the
exact one (ijson's events) gives on any document: generated data value sets written with
varied spacing, numbers, escapes and nesting, cut short or with bytes spliced in (where the
quick reader hands over to the exact one part-way), and payloads larger than its window. An
integer too long for Python is refused, where ijson's C backend would crash the process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chitieu.exchange import dxf_json
from chitieu.exchange.payload import Payload, PayloadError

from .test_fuzz_exchange import json_docs, mixed_docs


def _read(reader: Any, payload: bytes, header: dict[str, str]) -> dict[str, Any]:
    p = Payload("json", header=dict(header))
    values, error = [], None
    try:
        values = list(reader(io.BytesIO(payload), p, dict(header)))
    except PayloadError as exc:
        error = str(exc)
    return {
        "values": values,
        "problems": p.problems,
        "rejected": p.rejected,
        "count": p.count,
        "header": p.header,
        "late": p.late_header,
        "error": error,
    }


def _same(payload: bytes, header: dict[str, str] | None = None) -> None:
    quick = _read(dxf_json._json_values, payload, header or {})
    exact = _read(dxf_json.json_events, payload, header or {})
    assert quick == exact


spacing = st.sampled_from([None, 0, 2, "\t"])
separators = st.sampled_from([(",", ":"), (", ", ": "), (" ,\r\n", " :\n ")])
cuts = st.one_of(st.none(), st.integers(0, 400))
splices = st.one_of(
    st.none(),
    st.tuples(
        st.integers(0, 400),
        st.sampled_from([b"\x0c", b"NaN", b"\\ud800", b"\xff", b"\xef\xbb\xbf", b"}", b",", b"1"]),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=st.one_of(json_docs, mixed_docs),
    indent=spacing,
    seps=separators,
    ascii_only=st.booleans(),
    cut=cuts,
    splice=splices,
    header=st.sampled_from([{}, {"period": "202401"}, {"orgUnit": "00070", "dataSet": "x"}]),
)
def test_quick_reader_gives_what_the_exact_one_gives(
    doc: Any, indent: Any, seps: Any, ascii_only: bool, cut: Any, splice: Any, header: Any
) -> None:
    payload = json.dumps(doc, indent=indent, separators=seps, ensure_ascii=ascii_only).encode()
    if splice is not None:
        at, extra = splice
        payload = payload[:at] + extra + payload[at:]
    if cut is not None:
        payload = payload[:cut]
    _same(payload, header)


def test_across_many_blocks_and_values_larger_than_the_window(monkeypatch: Any) -> None:
    monkeypatch.setattr(dxf_json, "BLOCK", 7)
    monkeypatch.setattr(dxf_json, "MAX_ITEM", 64)
    values = [
        {"dataElement": "LIVE_BIRTHS", "period": "202401", "orgUnit": "00070", "value": str(i)}
        for i in range(40)
    ]
    values[7]["comment"] = "x" * 200  # longer than the window: the exact reader takes over
    doc = {"period": "202402", "dataValues": values, "orgUnit": "00073"}
    for indent in (None, 1):
        payload = json.dumps(doc, indent=indent).encode()
        _same(payload)
        _same(payload + b"  \n")
        _same(payload[:-3])
        _same(b" \n" + payload.replace(b'"value"', b'"value" ', 5))
    values[7]["comment"] = "short \\u00e9 \u00e9"
    _same(json.dumps({"dataValues": values}, indent=1).encode())


def test_an_integer_too_long_for_python_is_refused() -> None:
    payload = b'{"dataValues": [{"dataElement": "LIVE_BIRTHS", "value": 1' + b"0" * 5000 + b"}]}"
    p = Payload("json")
    try:
        list(dxf_json._json_values(io.BytesIO(payload), p, {}))
    except PayloadError as exc:
        assert "malformed JSON" in str(exc) and "4300" in str(exc)
    else:
        raise AssertionError("an integer of 5,000 digits was read")


def test_a_huge_integer_is_refused_by_the_exact_reader_too() -> None:
    """ijson's C backend crashes the process (or fails with a SystemError) on an integer of
    4,300 digits or more: such a run never reaches it, even after the quick reader has handed
    over (here: at an escaped lone surrogate). Run in a child process, which a crash would
    kill, not the test run."""
    script = (
        "from chitieu.exchange.dhis2 import read_payload\n"
        'v = \'"dataElement": "A", "period": "202401", "orgUnit": "00070"\'\n'
        'doc = (\'{"dataValues": [{\' + v + \', "comment": "\\\\ud800", "value": "1"}, {\'\n'
        "       + v + ', \"value\": ' + '9' * 5000 + '}]}').encode()\n"
        "p = read_payload(doc, 'json')\n"
        "try:\n"
        "    list(p.values)\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("PayloadError malformed JSON: a number of 4300 digits")
