"""Administrative units (country › province › commune) and the facilities under them."""

from chitieu.units.names import fold

COUNTRY_CODE = "VN"

__all__ = ["COUNTRY_CODE", "fold"]
