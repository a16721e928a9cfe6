"""DHIS2 ``dataValueSets`` and ADX in and out: the framework-free functions behind
``GET/POST /api/dataValueSets`` and ``chitieu import dhis2`` / ``chitieu export dhis2``.

Import: read the payload as a stream (JSON, CSV, XML or ADX), settle the options (request and
payload, in DHIS2's precedence: :mod:`chitieu.exchange.options`), translate identifiers
through the mapping file, then hand the values to the import core
(:func:`chitieu.reporting.imports.import_values`), which writes them in batches — all or
nothing (atomic, chitieu's rule and the CLI's default) or the good ones (partial, DHIS2's
default on its HTTP API).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from typing import Any, BinaryIO

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chitieu.exchange.adx import read_adx
from chitieu.exchange.compressed import (
    DEFAULT_INFLATED_LIMIT,
    ZIP_MAGIC,
    inflated,
    is_compressed,
)
from chitieu.exchange.crosswalk import SPLIT_RULES
from chitieu.exchange.dxf import read_csv, read_json, read_xml
from chitieu.exchange.formats import FORMATS, MEDIA_TYPES, detect_format
from chitieu.exchange.mapping import (
    Dhis2Mapping,
    IdScheme,
    read_mapping,
)
from chitieu.exchange.old_codes import NEW_UNITS, OldCodeWatch, map_old_values_warn
from chitieu.exchange.options import ImportOptions, RequestOptions
from chitieu.exchange.payload import Payload, PayloadError, RawValue, as_stream
from chitieu.exchange.prefetch import Recorded
from chitieu.exchange.prefetch import read_ahead as read_ahead_values
from chitieu.exchange.prefetch_process import can_fork, read_ahead_in_process
from chitieu.exchange.translate import (
    header_conflicts,
    resolve_unit,
    to_values,
    unit_names,
    unit_names_all,
    unit_uids,
    unit_uids_all,
)
from chitieu.ingest.prefetch import quick_switches
from chitieu.reporting import summary as sm
from chitieu.reporting.imports import ImportSource, Outcome, ValueIn, import_values
from chitieu.reporting.period_rules import DataSetRule, PeriodRules
from chitieu.reporting.periods import Editor
from chitieu.reporting.summary import Conflict, ImportSummary
from chitieu.store.models import Unit

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "detect_format",
    "import_datavalueset",
    "read_payload",
    "resolve_unit",
    "to_values",
    "unit_names",
    "unit_uids",
]

#: Payloads from this size up are read in a forked process when the importing process runs a
#: single thread (:mod:`chitieu.exchange.prefetch_process`): a fork costs milliseconds.
FORK_FROM_BYTES = 1 << 20
#: Otherwise, the databases an import reads its payload ahead for, in a second thread, by
#: default (see ``read_ahead``): PostgreSQL, whose server works on the rows sent while the importing
#: process waits. SQLite works inside the importing process, holding the interpreter for most
#: of it: reading ahead gained nothing there (measured).
READ_AHEAD = frozenset({"postgresql"})
_READERS = {"json": read_json, "csv": read_csv, "xml": read_xml, "adx": read_adx}


def read_payload(
    payload: bytes | BinaryIO,
    fmt: str,
    header: dict[str, str] | None = None,
    *,
    first_row_is_header: bool = True,
) -> Payload:
    """A streaming reader of ``payload`` in format ``fmt`` (``header``: set fields already
    known from an earlier pass); :class:`PayloadError` when the format is unknown."""
    if fmt not in _READERS:
        raise PayloadError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    stream = as_stream(payload)
    if fmt == "csv":
        return read_csv(stream, header, first_row_is_header=first_row_is_header)
    return _READERS[fmt](stream, header)


class _ReadAgain(Exception):
    """The payload's set fields came after its values: read it again with them known."""

    def __init__(self, header: dict[str, str]) -> None:
        super().__init__("header after the values")
        self.header = header


def period_rules(mapping: Dhis2Mapping, today: date) -> PeriodRules:
    """The allowed periods of each element, from the data sets of the mapping file."""
    return PeriodRules(
        today,
        {e: [DataSetRule(*r) for r in rules] for e, rules in mapping.data_set_rules().items()},
    )


def import_datavalueset(
    engine: Engine,
    payload: bytes | BinaryIO,
    content_type: str | None = None,
    *,
    actor: str,
    dry_run: bool = False,
    fmt: str | None = None,
    id_scheme: str | None = None,
    data_element_id_scheme: str | None = None,
    org_unit_id_scheme: str | None = None,
    category_option_combo_id_scheme: str | None = None,
    data_set_id_scheme: str | None = None,
    import_strategy: str | None = None,
    allowed_unit: str | None = None,
    editor: Editor = Editor(),
    mapping: Dhis2Mapping | None = None,
    filename: str | None = None,
    old_units: str | None = None,
    atomic: bool = True,
    today: date | None = None,
    first_row_is_header: bool = True,
    read_ahead: bool | str | None = None,
    inflated_limit: int = DEFAULT_INFLATED_LIMIT,
) -> ImportSummary:
    """Import a DHIS2 data value set or ADX message (bytes, or a seekable binary stream),
    plain or compressed as DHIS2 exports it (gzip, or a zip archive of one file: inflated
    first, to at most ``inflated_limit`` bytes).

    ``atomic`` (the default, chitieu's rule): any refused value refuses the whole payload;
    ``atomic=False`` is DHIS2's partial import (WARNING, the good values written).
    ``allowed_unit`` is the caller's scope: values for units outside it are conflicts.
    ``old_units`` (a split rule, ``"seat"`` or ``"equal"``) reads org units as pre-2025 codes
    and maps them onto today's units first (:mod:`chitieu.exchange.crosswalk`); ``"none"``
    says they are 2025 codes; without it, values before July 2025 keyed by codes that named
    other communes before the reform are imported as 2025 codes with a WARNING naming them.
    ``today`` judges future periods. ``read_ahead``: read the payload while the database works,
    in a forked process (``"process"``, :mod:`chitieu.exchange.prefetch_process`) or a second
    thread (``"thread"``, :mod:`chitieu.exchange.prefetch`); True: the process where
    :func:`~chitieu.exchange.prefetch_process.can_fork`, else the thread; False: neither;
    default: the process for payloads from :data:`FORK_FROM_BYTES` where it can fork, else the
    thread on the databases in :data:`READ_AHEAD`. The summary and the stored rows are the
    same either way.
    Never raises for bad input: an unreadable payload gives an ``ERROR`` summary too."""
    request = RequestOptions(
        dry_run=dry_run,
        import_strategy=import_strategy,
        id_scheme=id_scheme,
        data_element_id_scheme=data_element_id_scheme,
        org_unit_id_scheme=org_unit_id_scheme,
        category_option_combo_id_scheme=category_option_combo_id_scheme,
        data_set_id_scheme=data_set_id_scheme,
        atomic=atomic,
        today=today,
        first_row_is_header=first_row_is_header,
    )
    stream = as_stream(payload)
    start = stream.tell()
    magic = stream.read(len(ZIP_MAGIC))
    stream.seek(start)
    inflated_file: BinaryIO | None = None
    if is_compressed(magic):
        try:
            inflated_file, filename = inflated(stream, filename, inflated_limit)
        except PayloadError as exc:
            why = [Conflict("payload", str(exc), None, "payload")]
            return sm.refused(why, 0, dry_run=request.dry_run)
        stream = as_stream(inflated_file)  # past a byte order mark
    with inflated_file or nullcontext():
        head = stream.read(4096)
        fmt = fmt or detect_format(content_type, head, filename)
        digest = _sha256(stream)
        ahead = _read_ahead_mode(engine.dialect.name, read_ahead, _size(stream))
        mapping = mapping or read_mapping()
        header: dict[str, str] = {}
        for _ in range(2):
            try:
                return _import_once(
                    engine,
                    stream,
                    fmt,
                    header,
                    request,
                    mapping,
                    actor,
                    allowed_unit,
                    editor,
                    old_units,
                    ImportSource(fmt, filename or f"{fmt} payload", digest),
                    read_ahead=ahead,
                )
            except _ReadAgain as again:
                header = again.header
        raise AssertionError("unreachable: the second pass knows the whole header")


def _read_ahead_mode(dialect: str, read_ahead: bool | str | None, size: int) -> str | None:
    """How the payload is read ahead: ``"process"``, ``"thread"`` or None (not at all)."""
    if read_ahead in ("process", "thread"):
        return str(read_ahead)
    if read_ahead is True or read_ahead == "on":
        return "process" if can_fork() else "thread"
    if read_ahead is None and size >= FORK_FROM_BYTES and can_fork():
        return "process"
    if read_ahead is None and dialect in READ_AHEAD:
        return "thread"
    return None


def _size(stream: BinaryIO) -> int:
    size = stream.seek(0, 2)
    stream.seek(0)
    return size


def _sha256(stream: BinaryIO) -> str:
    stream.seek(0)
    h = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        h.update(block)
    stream.seek(0)
    return h.hexdigest()


def _import_once(
    engine: Engine,
    stream: BinaryIO,
    fmt: str,
    known_header: dict[str, str],
    request: RequestOptions,
    mapping: Dhis2Mapping,
    actor: str,
    allowed_unit: str | None,
    editor: Editor,
    old_units: str | None,
    source: ImportSource,
    *,
    read_ahead: str | None = None,
) -> ImportSummary:
    outcome = Outcome()
    try:
        parsed = read_payload(
            stream, fmt, known_header, first_row_is_header=request.first_row_is_header
        )
        parsed.problems = outcome.conflicts
        parsed.rejected = outcome.rejected
        raws = _primed(parsed.values)  # reads the header that precedes the values
        options = ImportOptions.resolve(fmt, request, parsed.header)
    except (PayloadError, ValueError) as exc:
        why = [Conflict("payload", str(exc), None, "payload")]
        return sm.refused(why, 0, dry_run=request.dry_run)
    if any(c.location == "header" for c in outcome.conflicts):
        outcome.fatal = True
    with Session(engine) as db:
        by_name = options.schemes.org_unit is IdScheme.NAME
        names = unit_names_all(db) if by_name else {}
        uids = {} if by_name else unit_uids_all(db)

        def unit_exists(ident: str) -> bool:
            unit = resolve_unit(ident, options.schemes.org_unit, mapping, names, uids)
            return isinstance(unit, list) or db.get(Unit, unit) is not None

        # a pre-2025 code is mapped to its 2025 unit later, value by value
        judged = unit_exists if old_units not in SPLIT_RULES else None
        for c in header_conflicts(parsed, mapping, options.schemes, judged):
            outcome.add(c)
            outcome.fatal = True
    watch = OldCodeWatch() if old_units not in (*SPLIT_RULES, NEW_UNITS) else None

    def translated(out: Outcome) -> Iterator[ValueIn]:
        return to_values(
            _guarded(raws, out), parsed.header, mapping, options.schemes, names, out, uids, watch
        )

    def adopt_reader_end(end: tuple[int, dict[str, str], dict[str, str] | None]) -> None:
        """What the forked reader knew at the end: the values it counted, a late header, the
        ambiguous old codes it saw."""
        parsed.count, parsed.late_header, found = end
        if watch is not None and found is not None:
            watch.found = found

    values: Iterable[ValueIn]
    if outcome.fatal:  # the set itself is refused: its values are counted, not checked
        values = _counted(_guarded(raws, outcome))
    elif read_ahead is not None:
        log: list = []
        parsed.problems = Recorded(log, "problem")
        parsed.rejected = Recorded(log, "reject")
        if read_ahead == "process":
            values = read_ahead_in_process(
                translated,
                log,
                outcome,
                final=lambda: (parsed.count, parsed.late_header, watch and watch.found),
                adopt=adopt_reader_end,
            )
        else:
            values = read_ahead_values(translated, log, outcome)
    else:
        values = translated(outcome)
    extra: dict[str, Any] = {}
    if old_units in SPLIT_RULES:
        values, report = map_old_values_warn(list(values), old_units, outcome)
        extra["crosswalk"] = report.to_dict()

    def finish() -> None:
        late = {k: v for k, v in parsed.late_header.items() if known_header.get(k) != v}
        if late:
            raise _ReadAgain({**parsed.header, **late})
        if watch is not None:
            watch.report(outcome, extra)

    switches = quick_switches() if read_ahead == "thread" else nullcontext()
    with switches, _closing(values):
        summary = import_values(
            engine,
            values,
            actor=actor,
            dry_run=options.dry_run,
            strategy=options.strategy,
            allowed_unit=allowed_unit,
            editor=editor,
            source=source,
            atomic=options.atomic,
            rules=period_rules(mapping, options.today),
            outcome=outcome,
            count_total=lambda: parsed.count,
            finish=finish,
        )
    summary.import_options = options.to_dict()
    summary.extra.update(extra)
    return summary


@contextmanager
def _closing(values: Iterable[ValueIn]) -> Iterator[None]:
    """Close a generator of values when the import ends (a reader running ahead stops)."""
    try:
        yield
    finally:
        close = getattr(values, "close", None)
        if close is not None:
            close()


def _primed(values: Iterator[RawValue]) -> Iterator[RawValue]:
    """Read up to the first value now (so the header before it is known); the same values."""
    first = next(values, None)
    return values if first is None else itertools.chain((first,), values)


def _counted(values: Iterator[RawValue]) -> Iterator[ValueIn]:
    """Read every value of a refused set (the payload counts them), yielding none."""
    for _ in values:
        pass
    yield from ()


def _guarded(values: Iterator[RawValue], outcome: Outcome) -> Iterator[RawValue]:
    """The values; a payload that turns out unreadable part-way becomes a fatal conflict."""
    try:
        yield from values
    except PayloadError as exc:
        outcome.add(Conflict("payload", str(exc), None, "payload"))
        outcome.fatal = True
