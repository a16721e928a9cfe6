"""Catalogue indicators computed from the store, with intervals: see :mod:`.service`."""

from chitieu.indicators.service import (
    ChildrenPanel,
    IndicatorValue,
    children_by_year,
    indicator_by_children,
    indicator_series,
    indicator_value,
    pooled_by_children,
)

__all__ = [
    "ChildrenPanel",
    "IndicatorValue",
    "children_by_year",
    "indicator_by_children",
    "indicator_series",
    "indicator_value",
    "pooled_by_children",
]
