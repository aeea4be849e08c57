"""HTTP per service, counted from the access log as it is forwarded: requests by status class
and their durations (a histogram, for p50/p95/p99), on the controller's /metrics."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from prometheus_client import Counter, Histogram
from prometheus_client.registry import Collector

from .access_logs import AccessLine
from .entries import RouteEntry, Upstream

# Seconds: from a cached answer to a slow report.
CODES = ("2xx", "3xx", "4xx", "5xx")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HttpMetrics:
    def __init__(self) -> None:
        self.requests = Counter(
            "zane_http_requests",
            "Requests served through the proxy, by service and status class.",
            ["service_id", "code"],
            registry=None,
        )
        self.duration = Histogram(
            "zane_http_request_duration_seconds",
            "How long the proxy took to answer, by service.",
            ["service_id"],
            buckets=BUCKETS,
            registry=None,
        )

        self._known: set[UUID] = set()

    def known(self, routes: Sequence[RouteEntry]) -> None:
        """Every routed service's series at 0 before its first request: a rate needs a
        sample before the increase, so a first burst (a first 5xx) is not lost."""
        for entry in routes:
            destination = entry.destination
            if not isinstance(destination, Upstream) or destination.service_id is None:
                continue
            if destination.service_id in self._known:
                continue
            self._known.add(destination.service_id)
            service = str(destination.service_id)
            for code in CODES:
                self.requests.labels(service_id=service, code=code)
            self.duration.labels(service_id=service)

    @property
    def collectors(self) -> Sequence[Collector]:
        return (self.requests, self.duration)

    def count(self, lines: Sequence[AccessLine]) -> None:
        for line in lines:
            service = str(line.service_id)
            status = line.fields.get("status", "")
            code = f"{status[0]}xx" if len(status) == 3 and status.isdigit() else "other"
            self.requests.labels(service_id=service, code=code).inc()
            seconds = float(line.fields.get("duration_ms", "0") or 0) / 1000
            self.duration.labels(service_id=service).observe(seconds)
