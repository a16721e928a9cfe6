"""chitieu: track Vietnam's health and population targets (chỉ tiêu) honestly."""

__version__ = "0.1.0"
