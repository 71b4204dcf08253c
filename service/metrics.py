"""Prometheus metrics of the service (one registry per app; merged across ``--workers``)."""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# The *_created series double the output for no use here.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    """The counters the service keeps.

    >>> metrics = Metrics()
    >>> metrics.articles_indexed.inc()
    >>> b"redite_articles_indexed_total 1.0" in metrics.render()
    True
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "redite_http_requests",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "redite_http_request_seconds",
            "Time to answer an HTTP request, by route.",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.articles_indexed = Counter(
            "redite_articles_indexed", "Articles written to the index.", registry=self.registry
        )
        self.articles_matched = Counter(
            "redite_articles_matched",
            "Articles matched against the index (indexed or not).",
            registry=self.registry,
        )
        self.matches = Counter(
            "redite_matches", "Matches reported, by kind.", ["kind"], registry=self.registry
        )
        self.hot_buckets = Counter(
            "redite_hot_buckets_skipped",
            "Looked-up buckets over the cap, skipped as furniture shared by too many pages.",
            registry=self.registry,
        )
        self.capped_postings = Counter(
            "redite_postings_capped",
            "Postings not written because their bucket was already full (hot).",
            registry=self.registry,
        )
        self.store_errors = Counter(
            "redite_store_errors",
            "Requests answered 503 because the store was unreachable.",
            registry=self.registry,
        )
        self.expired = Counter(
            "redite_articles_expired",
            "Articles removed by retention.",
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "redite_http_requests_in_flight",
            "Requests being answered.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def render(self) -> bytes:
        """The Prometheus text format; all workers' figures when run with ``--workers``."""
        if os.environ.get(MULTIPROCESS_ENV):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)
