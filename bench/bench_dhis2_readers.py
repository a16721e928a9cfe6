"""Reading and translating DHIS2 payloads alone: from the payload's bytes to the ``ValueIn``
rows handed to the import core, for JSON, CSV and ADX, beside a baseline version of the
readers run in the same process (so a busy machine weighs on both alike).

The baseline is the exchange readers (``payload``, ``dxf``, ``adx``, ``translate``) as they
were at a git revision (default: the commit before the readers were reworked), loaded from
``git show`` into modules of their own. The payloads are the ones ``bench_dhis2_stream.py``
writes (the commune monthly report of every 2025 commune over consecutive months; JSON with
UIDs, CSV and ADX with codes). Each figure is CPU seconds of this process per million
values (``time.process_time``; single-threaded), best of ``--repeat`` runs, with the load
average beside it. ``--check`` also compares both versions' values, conflicts and rejected
indexes on the same payloads (and on a set of payloads with quirks) before timing.

    PYTHONPATH=src .venv/bin/python bench/bench_dhis2_readers.py [--values 1000000]
        [--formats json,csv,adx,xml] [--baseline REV] [--repeat 2] [--check]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).parent))
from bench_dhis2_stream import fresh, rows, write_payloads

from chitieu.exchange.mapping import read_mapping
from chitieu.exchange.options import ImportOptions, RequestOptions
from chitieu.exchange.translate import unit_uids_all
from chitieu.reporting.imports import Outcome

BASELINE = "f554071"  # main before the readers were reworked
ROOT = Path(__file__).resolve().parent.parent
MODULES = ("payload", "dxf", "adx", "translate")


def load_baseline(rev: str) -> dict[str, types.ModuleType]:
    """The exchange readers at ``rev`` as modules ``_base_<name>`` importing each other."""
    out: dict[str, types.ModuleType] = {}
    for name in MODULES:
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:src/chitieu/exchange/{name}.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for other in MODULES:
            text = text.replace(f"chitieu.exchange.{other} ", f"_base_{other} ")
        mod = types.ModuleType(f"_base_{name}")
        sys.modules[mod.__name__] = mod
        exec(compile(text, f"<{rev}:{name}.py>", "exec"), mod.__dict__)
        out[name] = mod
    return out


def baseline_values(
    base: dict[str, types.ModuleType],
    fmt: str,
    stream: Any,
    mapping: Any,
    uids: dict[str, str],
    request: RequestOptions,
    outcome: Outcome,
) -> Iterator[Any]:
    """What the import made of a payload before: read, prime, resolve options, translate."""
    readers = {
        "json": base["dxf"].read_json,
        "csv": base["dxf"].read_csv,
        "xml": base["dxf"].read_xml,
        "adx": base["adx"].read_adx,
    }
    p = readers[fmt](stream, {})
    p.problems = outcome.conflicts
    p.rejected = outcome.rejected
    first = next(p.values, None)
    raws = p.values if first is None else _chain(first, p.values)
    options = ImportOptions.resolve(fmt, request, p.header)
    yield from base["translate"].to_values(
        raws, p.header, mapping, options.schemes, {}, outcome, uids
    )


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def current_values(
    fmt: str,
    stream: Any,
    mapping: Any,
    uids: dict[str, str],
    request: RequestOptions,
    outcome: Outcome,
) -> Iterator[Any]:
    """What the import makes of a payload now (the same steps as ``dhis2._import_once``)."""
    from chitieu.exchange import adx, dxf, payload, translate

    mods = {"payload": payload, "dxf": dxf, "adx": adx, "translate": translate}
    return baseline_values(mods, fmt, stream, mapping, uids, request, outcome)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(make: Any, path: Path) -> tuple[float, int]:
    """CPU seconds to take every value of ``make(stream, outcome)`` from ``path``."""
    with path.open("rb") as stream:
        outcome = Outcome()
        t = time.process_time()
        n = 0
        for _ in make(stream, outcome):
            n += 1
        return time.process_time() - t, n


def same(a: Any, b: Any, path: Path) -> None:
    """Both versions give the same values, conflicts and rejected indexes for ``path``."""
    with path.open("rb") as s1, path.open("rb") as s2:
        o1, o2 = Outcome(), Outcome()
        for k, (x, y) in enumerate(zip(a(s1, o1), b(s2, o2), strict=True)):
            if x != y:
                raise SystemExit(f"{path.name}: value {k} differs: {x} != {y}")
        if o1.conflicts != o2.conflicts or o1.rejected != o2.rejected:
            raise SystemExit(f"{path.name}: conflicts differ")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--formats", default="json,csv,adx")
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--golden", help="write the baseline's answers on the quirk payloads")
    a = parser.parse_args()
    base = load_baseline(a.baseline)
    if a.golden or a.check:
        quirks(base, a.golden)
        if a.golden:
            return
    mapping = read_mapping()
    print(f"load average before: {load()}; baseline {a.baseline}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'seed.db'}"
        data = rows(url, a.values)
        files = write_payloads(data, folder)
        del data
        xml = folder / "set.xml"
        if "xml" in a.formats:
            _write_xml(files["json"], xml)
        files["xml"] = xml
        engine = fresh(f"sqlite:///{folder / 'units.db'}")
        with Session(engine) as db:
            uids = unit_uids_all(db)
        engine.dispose()
        for fmt in a.formats.split(","):
            request = RequestOptions(id_scheme="code" if fmt != "json" else None)

            def old(s: Any, o: Outcome, fmt: str = fmt, r: RequestOptions = request) -> Any:
                return baseline_values(base, fmt, s, mapping, uids, r, o)

            def new(s: Any, o: Outcome, fmt: str = fmt, r: RequestOptions = request) -> Any:
                return current_values(fmt, s, mapping, uids, r, o)

            if a.check:
                same(old, new, files[fmt])
            t_old = t_new = float("inf")
            n = 0
            for _ in range(a.repeat):
                s, n = run(old, files[fmt])
                t_old = min(t_old, s)
                s, n = run(new, files[fmt])
                t_new = min(t_new, s)
            per = 1e6 / n
            print(
                f"{fmt:4}: {n} values; CPU s per million: baseline {t_old * per:.2f}, "
                f"now {t_new * per:.2f} ({t_new / t_old:.2f}x; "
                f"{n / t_new:,.0f} values per CPU s); load {load()}"
            )


def quirks(base: dict[str, types.ModuleType], golden: str | None) -> None:
    """The quirk payloads of the tests read by the baseline: written to ``golden``, or
    compared with what the current readers give."""
    import json

    sys.path.insert(0, str(ROOT / "tests" / "exchange"))
    from reader_quirks import PAYLOADS, describe

    from chitieu.exchange import adx, dxf, translate

    current = {"dxf": dxf, "adx": adx, "translate": translate}
    answers = {}
    for name, (fmt, payload, header, first) in sorted(PAYLOADS.items()):
        answers[name] = describe(base, fmt, payload, header, first)
        if not golden and answers[name] != describe(current, fmt, payload, header, first):
            raise SystemExit(f"quirk payload {name}: the readers differ from the baseline")
    if golden:
        text = json.dumps(answers, ensure_ascii=False, indent=1, sort_keys=True)
        Path(golden).write_text(text + "\n", encoding="utf-8")


def _write_xml(json_path: Path, out: Path) -> None:
    """The JSON payload's values as DXF 2 XML (attributes), for the XML reader."""
    import json

    with json_path.open() as f, out.open("w") as w:
        w.write('<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">\n')
        for line in f:
            line = line.strip().lstrip(",")
            if not line.startswith("{") or line.startswith('{"dataValues"'):
                continue
            item = json.loads(line)
            attrs = " ".join(f'{k}="{v}"' for k, v in item.items())
            w.write(f"<dataValue {attrs}/>\n")
        w.write("</dataValueSet>\n")


if __name__ == "__main__":
    main()
