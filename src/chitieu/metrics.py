"""Prometheus metrics: what an operator watches (request latency by route, database pool use,
cache hits, import rates), exposed at ``/metrics`` by the web app.

Under several worker processes each keeps its own counters; when ``PROMETHEUS_MULTIPROC_DIR``
names a directory (``chitieu serve`` sets one for several workers), every process writes its
figures there and ``/metrics`` adds them up, so any worker answers for all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

#: Dashboard sections answer in 5–300 ms; a national cold read may take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "chitieu_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
CACHE_LOOKUPS = Counter(
    "chitieu_cache_lookups_total",
    "Response-cache lookups, by cache and result (hit, stale: an earlier answer served while"
    " it is rebuilt, or miss).",
    ["cache", "result"],
)
IMPORTED_ROWS = Counter(
    "chitieu_import_rows_total",
    "Rows written by imports, by kind (births, dhis2, excel).",
    ["kind"],
)
IMPORT_SECONDS = Counter(
    "chitieu_import_seconds_total",
    "Wall time spent in imports, by kind; rows over seconds is the import rate.",
    ["kind"],
)


class PoolCollector(Collector):
    """The database pool's state, read when Prometheus scrapes (nothing to keep current)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.engine.pool
        for name, attribute, help_text in (
            ("chitieu_db_pool_checked_out", "checkedout", "Connections in use."),
            ("chitieu_db_pool_size", "size", "Connections the pool keeps."),
            ("chitieu_db_pool_overflow", "overflow", "Connections beyond the pool's size."),
        ):
            read = getattr(pool, attribute, None)
            if read is None:
                continue
            family = GaugeMetricFamily(name, help_text, labels=["pid"])
            family.add_metric([str(os.getpid())], float(read()))
            yield family


def record_import(kind: str, rows: int, seconds: float) -> None:
    IMPORTED_ROWS.labels(kind).inc(rows)
    IMPORT_SECONDS.labels(kind).inc(seconds)


def record_cache(cache: str, hit: bool, stale: bool = False) -> None:
    CACHE_LOOKUPS.labels(cache, "stale" if stale else "hit" if hit else "miss").inc()


def exposition(engine: Engine | None = None) -> bytes:
    """Every metric in Prometheus' text format: this process's, or all workers' when
    ``PROMETHEUS_MULTIPROC_DIR`` is set; plus this process's pool when ``engine`` is given."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        text = generate_latest(shared)
    else:
        from prometheus_client import REGISTRY

        text = generate_latest(REGISTRY)
    if engine is not None:
        pool = CollectorRegistry()
        pool.register(PoolCollector(engine))
        text += generate_latest(pool)
    return text
