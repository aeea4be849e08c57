"""A service's charts: the queries name only the service's id, rates span a few scrapes, and
series are laid on the shared timestamps (a missing step or a NaN is no value)."""

from __future__ import annotations

import uuid

from api.charts import aligned
from api.routers.metrics import queries
from zaneops.adapters.prometheus import Series


def test_every_query_selects_the_service_and_rates_span_at_least_a_minute() -> None:
    service = uuid.uuid4()
    found = queries(service, 15)
    assert all(f'service_id="{service}"' in q.promql for q in found)
    assert all("[60s]" in q.promql for q in found if "rate(" in q.promql)
    charts = {q.chart for q in found}
    assert charts == {"CPU", "Memory", "Network", "Disk", "Requests", "Latency", "Restarts"}
    assert all("[7200s]" in q.promql for q in queries(service, 1800) if "rate(" in q.promql)


def test_series_are_laid_on_the_shared_timestamps() -> None:
    series = Series(labels={}, points=[(100.0, 1.5), (130.0, float("nan")), (145.0, 2.0)])
    assert aligned(series, [100.0, 115.0, 130.0, 145.0]) == [1.5, None, None, 2.0]


def test_with_several_replicas_cpu_and_memory_also_have_a_line_per_replica() -> None:
    service = uuid.uuid4()
    assert not [q for q in queries(service, 15, replicas=1) if q.by == "slot"]
    per_replica = [q for q in queries(service, 15, replicas=3) if q.by == "slot"]
    assert [(q.chart, q.label) for q in per_replica] == [
        ("CPU", "replica "),
        ("Memory", "replica "),
    ]
    assert all(f'service_id="{service}"' in q.promql for q in per_replica)
