"""A service's charts: CPU, memory against its limit, network, disk and HTTP (requests by status
class, latency percentiles) over a time window, read from Prometheus by the API (the browser
never reaches the store), with the service's deployments as markers on the time axis."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser
from api.charts import Chart, Frame, Line, Window, aligned
from api.crud import load
from zaneops.adapters.prometheus import Prometheus
from zaneops.specs import ServiceSpec
from zaneops.specs.kinds import Kind

router = APIRouter(tags=["metrics"])
MARKERS = 100


class Marker(BaseModel):
    at: float = Field(description="Unix seconds.")
    label: str
    deployment_id: UUID


class ServiceMetrics(BaseModel):
    enabled: bool = Field(description="False: this platform runs without its metrics store.")
    window: Window
    step_seconds: int
    timestamps: list[float] = Field(description="Unix seconds, shared by every line.")
    charts: list[Chart]
    deployments: list[Marker]


@dataclass(frozen=True)
class LineQuery:
    chart: str
    label: str
    promql: str
    by: str | None = None  # a label whose values become lines (e.g. the status class)


def queries(service_id: UUID, step: int, replicas: int = 1) -> list[LineQuery]:
    """PromQL for each line. The id is a UUID (validated), the only value put in a query. With
    several replicas, CPU and memory also have a line per replica (task slot)."""
    sel = f'{{service_id="{service_id}"}}'
    seconds = max(60, 4 * step)
    window = f"{seconds}s"  # a rate needs a few scrapes (every 15 s)
    latency = f"sum by (le) (rate(zane_http_request_duration_seconds_bucket{sel}[{window}]))"
    per_replica = [
        LineQuery(
            "CPU",
            "replica ",
            f"sum by (slot) (rate(zane_container_cpu_seconds_total{sel}[{window}]))",
            "slot",
        ),
        LineQuery(
            "Memory", "replica ", f"sum by (slot) (zane_container_memory_bytes{sel})", "slot"
        ),
    ]
    return [*_summed(sel, window, seconds, latency), *(per_replica if replicas > 1 else [])]


def _summed(sel: str, window: str, seconds: int, latency: str) -> list[LineQuery]:
    return [
        LineQuery("CPU", "used", f"sum(rate(zane_container_cpu_seconds_total{sel}[{window}]))"),
        LineQuery("Memory", "used", f"sum(zane_container_memory_bytes{sel})"),
        LineQuery(
            "Network", "in", f"sum(rate(zane_container_network_receive_bytes_total{sel}[{window}]))"
        ),
        LineQuery(
            "Network",
            "out",
            f"sum(rate(zane_container_network_transmit_bytes_total{sel}[{window}]))",
        ),
        LineQuery(
            "Disk", "read", f"sum(rate(zane_container_disk_read_bytes_total{sel}[{window}]))"
        ),
        LineQuery(
            "Disk", "written", f"sum(rate(zane_container_disk_write_bytes_total{sel}[{window}]))"
        ),
        LineQuery(
            "Requests", "", f"sum by (code) (rate(zane_http_requests_total{sel}[{window}]))", "code"
        ),
        LineQuery(
            "Restarts",
            f"in {_span(seconds)}",
            # Exact, unlike increase() (which extrapolates): every series starts at 0, and a
            # counter reset (the exporter restarted) counts nothing rather than negative.
            f"clamp_min(sum(zane_container_restarts_total{sel})"
            f" - (sum(zane_container_restarts_total{sel} offset {window}) or vector(0)), 0)",
        ),
        LineQuery("Latency", "p50", f"histogram_quantile(0.5, {latency})"),
        LineQuery("Latency", "p95", f"histogram_quantile(0.95, {latency})"),
        LineQuery("Latency", "p99", f"histogram_quantile(0.99, {latency})"),
    ]


def _span(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


UNITS: dict[str, Any] = {
    "CPU": "cores",
    "Memory": "bytes",
    "Network": "bytes/s",
    "Disk": "bytes/s",
    "Requests": "requests/s",
    "Latency": "seconds",
    "Restarts": "count",
}


def limits(spec: ServiceSpec) -> dict[str, float | None]:
    """Each container's limit times the replicas: the charts sum the containers."""
    resources = spec.resources
    if resources is None:
        return {}
    replicas = max(1, spec.replicas)
    cpu, memory = resources.cpu_limit, resources.memory_limit
    return {
        "CPU": cpu * replicas if cpu else None,
        "Memory": float(memory * replicas) if memory else None,
    }


@router.get(
    "/services/{id}/metrics",
    response_model=ServiceMetrics,
    operation_id="get_service_metrics",
    summary="A service's charts over a window (summed over its containers)",
    responses={503: {"description": "The metrics store cannot be reached"}},
)
async def service_metrics(
    ctx: Ctx,
    _: CurrentUser,
    service_id: Annotated[UUID, Path(alias="id")],
    window: Annotated[Window, Query(description="How far back.")] = "1h",
) -> Any:
    service = await load(ctx, Kind.SERVICES, service_id)
    frame = Frame.ending_now(window)
    if ctx.metrics is None:  # not an error: nothing to chart (no ZANE_API_METRICS_URL)
        return ServiceMetrics(
            enabled=False,
            window=window,
            step_seconds=frame.step,
            timestamps=[],
            charts=[],
            deployments=[],
        )
    spec = service.spec_as(ServiceSpec)
    charts = await _charts(ctx.metrics, service_id, frame, spec.replicas)
    for chart in charts:
        chart.limit = limits(spec).get(chart.name)
    markers = await _deployments(ctx, service_id, frame.start)
    return ServiceMetrics(
        enabled=True,
        window=window,
        step_seconds=frame.step,
        timestamps=frame.timestamps,
        charts=charts,
        deployments=markers,
    )


async def _charts(store: Prometheus, service_id: UUID, frame: Frame, replicas: int) -> list[Chart]:
    charts: dict[str, Chart] = {}
    ts = frame.timestamps
    asked = queries(service_id, frame.step, replicas)
    answers = await asyncio.gather(
        *(store.query_range(q.promql, frame.start, frame.end, frame.step) for q in asked)
    )
    for query, found in zip(asked, answers, strict=True):
        chart = charts.setdefault(
            query.chart, Chart(name=query.chart, unit=UNITS[query.chart], lines=[])
        )
        if query.by is None:
            values = aligned(found[0], ts) if found else [None] * len(ts)
            chart.lines.append(Line(label=query.label, values=values))
            continue
        for series in sorted(found, key=lambda s: _in_order(s.labels.get(query.by or "", ""))):
            label = query.label + series.labels.get(query.by, "?")
            chart.lines.append(Line(label=label, values=aligned(series, ts)))
    return list(charts.values())


def _in_order(value: str) -> tuple[int, str]:
    """Replica 2 before replica 10; status classes as they read."""
    return len(value), value


async def _deployments(ctx: Any, service_id: UUID, since: float) -> list[Marker]:
    rows = await ctx.store.page(Kind.DEPLOYMENTS, service_id, None, MARKERS)
    return [
        Marker(
            at=row.created_at.timestamp(),
            label=f"{row.spec.get('trigger', 'deploy')} {str(row.id)[:8]}",
            deployment_id=row.id,
        )
        for row in rows
        if row.created_at.timestamp() >= since
    ]
