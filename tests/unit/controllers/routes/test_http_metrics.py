"""Requests per service counted from the access log: by status class, with their durations,
and every routed service's series at 0 before its first request."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from controllers.routes.access_logs import parse_access_line
from controllers.routes.http_metrics import HttpMetrics
from tests.unit.controllers.routes.test_access_logs import API, ROUTES, WEB, access


def exposed(metrics: HttpMetrics) -> str:
    registry = CollectorRegistry()
    for collector in metrics.collectors:
        registry.register(collector)
    return generate_latest(registry).decode()


def test_routed_services_start_at_zero_and_count_by_status_class() -> None:
    metrics = HttpMetrics()
    metrics.known(ROUTES)
    text = exposed(metrics)
    assert f'zane_http_requests_total{{code="5xx",service_id="{WEB}"}} 0.0' in text
    assert f'zane_http_requests_total{{code="2xx",service_id="{API}"}} 0.0' in text

    lines = [
        parse_access_line(access("a.example.com", "/api/x", status), ROUTES)
        for status in (200, 201, 503, 404)
    ]
    metrics.count([line for line in lines if line is not None])
    text = exposed(metrics)
    assert f'zane_http_requests_total{{code="2xx",service_id="{API}"}} 2.0' in text
    assert f'zane_http_requests_total{{code="5xx",service_id="{API}"}} 1.0' in text
    assert f'zane_http_requests_total{{code="4xx",service_id="{API}"}} 1.0' in text
    assert f'zane_http_request_duration_seconds_count{{service_id="{API}"}} 4.0' in text
    assert f'zane_http_request_duration_seconds_bucket{{le="0.005",service_id="{API}"}} 4.0' in text
