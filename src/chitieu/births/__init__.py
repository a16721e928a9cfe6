"""Birth counts read from ``birth_aggregates`` (kept current by the birth-record import)."""

from chitieu.births.counts import AGGREGATE_KEYS, birth_counts, commune_sex_counts

__all__ = ["AGGREGATE_KEYS", "birth_counts", "commune_sex_counts"]
