"""Read the catalogue file, validate it, and keep ``data_elements`` in step with it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from chitieu.catalog.schema import CatalogFile, Element, Indicator, cross_check
from chitieu.catalog.sync import sync_rows
from chitieu.catalog.yamlfile import DataFileError, pydantic_errors, read_yaml
from chitieu.store.models import DataElement

DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog.yaml"


class CatalogError(DataFileError):
    """The catalogue file is malformed (bad structure, duplicate or unknown codes)."""


class UnknownCodeError(KeyError):
    """A data element or indicator code that the catalogue does not declare."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class Catalog:
    """The validated catalogue: data elements and indicators by code, in file order."""

    elements: dict[str, Element]
    indicators: dict[str, Indicator]

    def element(self, code: str) -> Element:
        try:
            return self.elements[code]
        except KeyError:
            raise UnknownCodeError(f"unknown data element {code!r}") from None

    def indicator(self, code: str) -> Indicator:
        try:
            return self.indicators[code]
        except KeyError:
            known = ", ".join(self.indicators)
            raise UnknownCodeError(f"unknown indicator {code!r} (known: {known})") from None


def parse_catalog(raw: Any, path: Path | str = "<catalogue>") -> Catalog:
    """Validate the parsed YAML ``raw``; raise :class:`CatalogError` listing every problem."""
    try:
        parsed = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(path, pydantic_errors(exc, raw)) from None
    errors = cross_check(parsed)
    if errors:
        raise CatalogError(path, errors)
    return Catalog(
        elements={e.code: e for e in parsed.elements},
        indicators={i.code: i for i in parsed.indicators},
    )


@cache
def _read_cached(path: Path, mtime_ns: int) -> Catalog:
    return parse_catalog(read_yaml(path, CatalogError), path)


def read_catalog(path: Path | str | None = None) -> Catalog:
    """The catalogue at ``path`` (default: the packaged ``data/catalog.yaml``), validated.

    Cached per file version, so callers may ask for it freely."""
    p = Path(path) if path is not None else DEFAULT_CATALOG
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        raise CatalogError(p, [f"cannot read: {exc.strerror}"]) from None
    return _read_cached(p.resolve(), mtime)


def _element_row(el: Element) -> dict[str, Any]:
    return {
        "code": el.code,
        "name_vi": el.name_vi,
        "name_en": el.name_en,
        "value_type": el.value_type,
        "disaggregations": el.disaggregation_codes,
    }


def load_catalog(db: Session, path: Path | str | None = None) -> int:
    """Insert or update ``data_elements`` from the catalogue; return how many rows changed.

    Validates the whole file first (nothing is written if it is malformed). Idempotent: a
    second run changes nothing. Each change is audited in the caller's transaction. Elements no
    longer in the file are kept, since data values may still refer to them."""
    catalog = read_catalog(path)
    rows = [_element_row(el) for el in catalog.elements.values()]
    return sync_rows(db, DataElement, ["code"], rows)
