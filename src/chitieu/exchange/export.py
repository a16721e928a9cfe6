"""Export stored data values as DHIS2 ``dataValueSets`` (JSON, CSV, XML) or ADX, streamed.

Exporting what was imported gives the same set of values: identifiers are written back under
the id scheme asked for (through the same mapping file), periods in their canonical DHIS2
spelling (ADX: ISO start/duration), values as DHIS2 writes them (counts without decimals),
follow-up flags and comments as stored; with ``includeDeleted`` the deleted values too,
marked ``deleted``. Rows stream from the database to the writer in batches, so an export of
any size needs little memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chitieu.catalog.periods import parse_period
from chitieu.exchange.adx import write_adx
from chitieu.exchange.dxf_write import OutValue, write_csv, write_json, write_xml
from chitieu.exchange.formats import FORMATS, MEDIA_TYPES
from chitieu.exchange.mapping import DEFAULT_DISAGGREGATION, Dhis2Mapping, IdScheme, read_mapping
from chitieu.exchange.query import StoredValue, format_value, query_values
from chitieu.exchange.translate import unit_names, unit_uids
from chitieu.store.models import Unit


def _stamp(t: datetime | None) -> str | None:
    return t.isoformat(timespec="milliseconds") if t else None


def _out(
    v: StoredValue,
    mapping: Dhis2Mapping,
    fmt: str,
    de_scheme: IdScheme,
    ou_scheme: IdScheme,
    coc_scheme: IdScheme,
    ds_scheme: IdScheme,
    data_set: str | None,
    unit_uids: dict[str, str],
) -> OutValue:
    adx = fmt == "adx"
    default = v.disaggregation == DEFAULT_DISAGGREGATION
    categories = () if default else tuple(mapping.coc_options.get(v.disaggregation, {}).items())
    coc = "" if adx and default else mapping.coc_id(v.disaggregation, coc_scheme)
    ds = data_set or mapping.data_set_of(v.element)
    return OutValue(
        data_element=mapping.element_id(v.element, de_scheme),
        period=v.period,
        org_unit=mapping.unit_id(v.unit, ou_scheme, v.unit_name, unit_uids.get(v.unit)),
        category_option_combo=coc,
        attribute_option_combo=mapping.coc_id(DEFAULT_DISAGGREGATION, coc_scheme),
        value=format_value(v.value, v.value_type),
        stored_by=v.stored_by,
        created=_stamp(v.created),
        last_updated=_stamp(v.last_updated),
        comment=v.comment,
        followup=bool(v.followup),
        deleted=v.deleted,
        categories=categories if adx else (),
        data_set=mapping.data_set_id(ds, ds_scheme),
    )


def iter_export(
    db: Session,
    units: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
    elements: Sequence[str] | None = None,
    fmt: str = "json",
    id_scheme: str | None = None,
    *,
    children: bool = False,
    start_date: date | None = None,
    end_date: date | None = None,
    data_set: str | None = None,
    data_element_id_scheme: str | None = None,
    org_unit_id_scheme: str | None = None,
    category_option_combo_id_scheme: str | None = None,
    include_deleted: bool = False,
    last_updated: datetime | None = None,
    limit: int | None = None,
    mapping: Dhis2Mapping | None = None,
) -> Iterator[bytes]:
    """Stored values as a DHIS2 payload in ``fmt`` (json | csv | xml | adx), in chunks.

    ``units``, ``periods``, ``elements`` are chitieu codes (periods in any DHIS2 spelling);
    None selects all. ``data_set`` (a chitieu data set code from the mapping) limits the
    elements to that data set's. ``id_scheme`` defaults to ``uid`` (``code`` for ADX); org
    units are written as their UIDs only when the UID scheme is asked for by name (here
    ``id_scheme`` or ``org_unit_id_scheme``; the HTTP export asks for it by default, as DHIS2
    does), so chitieu's own exports keep writing unit codes by default.
    ``ValueError`` for an unknown format, scheme, data set or period (raised at once)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    mapping = mapping or read_mapping()
    base = IdScheme.parse(id_scheme, IdScheme.CODE if fmt == "adx" else IdScheme.UID)
    de_scheme = IdScheme.parse(data_element_id_scheme, base)
    ou_scheme = IdScheme.parse(org_unit_id_scheme, base)
    coc_scheme = IdScheme.parse(category_option_combo_id_scheme, base)
    named_uid = ou_scheme is IdScheme.UID and bool(org_unit_id_scheme or id_scheme)
    unit_uids = (
        {code: uid for code, uid in db.execute(select(Unit.code, Unit.uid)).tuples() if uid}
        if named_uid
        else {}
    )
    if data_set is not None:
        if data_set not in mapping.data_sets:
            raise ValueError(f"unknown data set {data_set!r}")
        in_set = mapping.data_sets[data_set].elements
        elements = [e for e in (elements or in_set) if e in in_set]
    rows = query_values(
        db,
        units=units,
        children=children,
        periods=periods,
        start=start_date,
        end=end_date,
        elements=elements,
        include_deleted=include_deleted,
        last_updated=last_updated,
        limit=limit,
    )
    out = (
        _out(v, mapping, fmt, de_scheme, ou_scheme, coc_scheme, base, data_set, unit_uids)
        for v in rows
    )
    header = {"dataSet": mapping.data_set_id(data_set, base)} if data_set else None
    if fmt == "json":
        return write_json(out, header)
    if fmt == "csv":
        return write_csv(out)
    if fmt == "xml":
        return write_xml(out, header)
    return write_adx(out)


def export_datavalues(db: Session, *args: Any, **kwargs: Any) -> bytes:
    """:func:`iter_export` as one ``bytes`` (for small exports and tests)."""
    return b"".join(iter_export(db, *args, **kwargs))


_DURATION = re.compile(r"(\d{1,9})([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """DHIS2's ``lastUpdatedDuration`` (``30m``, ``12h``, ``10d``); ``ValueError`` otherwise."""
    m = _DURATION.fullmatch(text.strip().lower())
    if not m:
        raise ValueError(f"lastUpdatedDuration must be like 30m, 12h or 10d, not {text!r}")
    return timedelta(seconds=int(m.group(1)) * _SECONDS[m.group(2)])


def _lookup_unit(
    mapping: Dhis2Mapping,
    ident: str,
    first: IdScheme,
    names: dict[str, list[str]],
    known: set[str],
    uids: dict[str, str],
) -> str:
    """An org unit named in a request: a mapped identifier (under ``first``, then any
    scheme), else a unit's UID, else a chitieu code, else a unit name; ``ValueError`` for an
    ambiguous name."""
    for scheme in (first, *IdScheme):
        code = mapping.mapped_unit(ident, scheme)
        if code is not None:
            return code
    if ident in uids:
        return uids[ident]
    if ident in known or ident not in names:
        return ident
    codes = names[ident]
    if len(codes) > 1:
        raise ValueError(f"organisation unit name {ident!r} is ambiguous")
    return codes[0]


def _lookup_data_set(mapping: Dhis2Mapping, ident: str, first: IdScheme) -> str | None:
    """A data set named in a request: under ``first`` (the input id scheme), else under any
    scheme, else as a chitieu code."""
    for scheme in (first, *IdScheme):
        code = mapping.data_set_code(ident, scheme)
        if code is not None:
            return code
    return ident if ident in mapping.data_sets else None


def export_datavalueset(
    engine: Engine,
    *,
    data_set: Sequence[str] = (),
    period: Sequence[str] = (),
    start_date: date | None = None,
    end_date: date | None = None,
    org_unit: Sequence[str] = (),
    children: bool = False,
    fmt: str = "json",
    id_scheme: str | None = None,
    data_element_id_scheme: str | None = None,
    org_unit_id_scheme: str | None = None,
    input_id_scheme: str | None = None,
    data_element: Sequence[str] = (),
    include_deleted: bool = False,
    last_updated: datetime | None = None,
    last_updated_duration: str | None = None,
    limit: int | None = None,
    allowed_unit: str | None = None,
    mapping: Dhis2Mapping | None = None,
    now: datetime | None = None,
) -> tuple[Iterator[bytes], str]:
    """``GET /api/dataValueSets``: the payload as a stream of chunks, and its media type.

    Parameters carry DHIS2's names and meanings. Identifiers in ``org_unit``, ``data_set``
    and ``data_element`` are read under the input id scheme (``inputIdScheme``, default UID;
    a data set is also found under any other scheme), never under the output ``idScheme``.
    As in DHIS2, at least one ``period``, a ``start_date``/``end_date`` pair or a
    ``last_updated``/``last_updated_duration`` is required, and at least one ``org_unit``
    (``ValueError`` otherwise, raised before anything streams); no ``data_set`` means every
    element. ``allowed_unit`` is the caller's scope: asking for a unit outside it raises
    ``PermissionError``."""
    mapping = mapping or read_mapping()
    adx = fmt == "adx"
    inp = IdScheme.parse(input_id_scheme, IdScheme.UID)
    if last_updated_duration:
        last_updated = (now or datetime.now(UTC).replace(tzinfo=None)) - parse_duration(
            last_updated_duration
        )
    if not period and not (start_date and end_date) and last_updated is None:
        raise ValueError(
            "At least one period, start and end dates, or lastUpdated must be specified"
        )
    if period and (start_date or end_date):
        raise ValueError("Both periods and start/end date cannot be specified")
    if start_date and end_date and start_date > end_date:
        raise ValueError("Start date must be before end date")
    if not org_unit:
        raise ValueError("At least one organisation unit must be specified")
    if limit is not None and limit < 0:
        raise ValueError("limit must be zero or more")
    with Session(engine) as db:
        names = unit_names(db, set(org_unit))
        uids = unit_uids(db, set(org_unit))
        known = set(db.scalars(select(Unit.code).where(Unit.code.in_(list(org_unit)))))
        units = [_lookup_unit(mapping, ident, inp, names, known, uids) for ident in org_unit]
        _check_scope(db, units, allowed_unit)
    sets = []
    for d in data_set:
        code = _lookup_data_set(mapping, d, inp)
        if code is None:
            raise ValueError(f"Data set not found: {d}")
        sets.append(code)
    elements = [_element(mapping, e, inp) for e in data_element] or None
    if sets:
        listed = {e for d in sets for e in mapping.data_sets[d].elements}
        elements = [e for e in (elements or listed) if e in listed]
    if period:
        for p in period:
            parse_period(p)  # refuse a bad period now, not mid-stream

    def chunks() -> Iterator[bytes]:
        with Session(engine) as db:
            yield from iter_export(
                db,
                units,
                list(period) or None,
                elements,
                fmt,
                id_scheme,
                children=children,
                start_date=start_date,
                end_date=end_date,
                data_set=sets[0] if len(sets) == 1 else None,
                data_element_id_scheme=data_element_id_scheme,
                # as DHIS2: org units as UIDs unless a scheme says otherwise (ADX: codes)
                org_unit_id_scheme=org_unit_id_scheme or id_scheme or ("code" if adx else "uid"),
                include_deleted=include_deleted,
                last_updated=last_updated,
                limit=limit,
                mapping=mapping,
            )

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    IdScheme.parse(id_scheme, IdScheme.UID)
    return chunks(), MEDIA_TYPES[fmt]


def _element(mapping: Dhis2Mapping, ident: str, scheme: IdScheme) -> str:
    """The element a ``dataElement`` selector names; ``ValueError`` for none (an unknown
    element must not answer with an empty export)."""
    for s in (scheme, IdScheme.UID, IdScheme.CODE):
        code = mapping.element_code(ident, s)
        if code in mapping.elements:
            return code
    raise ValueError(f"Data element not found: {ident}")


def _check_scope(db: Session, units: Sequence[str], allowed_unit: str | None) -> None:
    if allowed_unit is None:
        return
    scope = db.scalar(select(Unit.path).where(Unit.code == allowed_unit))
    stmt = select(Unit.code, Unit.path).where(Unit.code.in_(list(units)))
    paths = {code: path for code, path in db.execute(stmt)}
    for code in units:
        path = paths.get(code)
        if path is None:
            raise ValueError(f"Organisation unit not found: {code}")
        if scope is None or not (path == scope or path.startswith(scope + "/")):
            raise PermissionError(f"Organisation unit {code} is outside your unit {allowed_unit}")
