"""Catalogue indicators computed from the store, with intervals: see :mod:`.service`."""

from chitieu.indicators.children import (
    ChildrenPanel,
    children_by_year,
    indicator_by_children,
    pooled_by_children,
)
from chitieu.indicators.service import IndicatorValue, indicator_series, indicator_value

__all__ = [
    "ChildrenPanel",
    "IndicatorValue",
    "children_by_year",
    "indicator_by_children",
    "indicator_series",
    "indicator_value",
    "pooled_by_children",
]
