"""The catalogue: data elements and indicators declared in ``data/catalog.yaml``."""

from chitieu.catalog.load import (
    Catalog,
    CatalogError,
    UnknownCodeError,
    load_catalog,
    parse_catalog,
    read_catalog,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "UnknownCodeError",
    "load_catalog",
    "parse_catalog",
    "read_catalog",
]
