"""Catalogue indicators computed from the store, with intervals: see :mod:`.service`."""

from chitieu.indicators.service import (
    IndicatorValue,
    indicator_by_children,
    indicator_series,
    indicator_value,
)

__all__ = ["IndicatorValue", "indicator_by_children", "indicator_series", "indicator_value"]
