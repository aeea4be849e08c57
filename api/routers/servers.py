"""The servers' charts (CPU, memory, disks, load, network of each node, from its node exporter)
and the heaviest services of the whole platform, read from Prometheus by the API."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser
from api.charts import Chart, Frame, Line, Window, aligned
from api.server_queries import (
    DISK_QUERIES,
    HEAVIEST,
    LINES,
    SEEN_WITHIN,
    NodeLine,
    heaviest_queries,
    snapshot_queries,
)
from zaneops.adapters.prometheus import Prometheus
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["metrics"])


class Disk(BaseModel):
    device: str
    mountpoint: str
    size_bytes: float
    used_bytes: float


class Server(BaseModel):
    name: str = Field(description="The node's hostname.")
    up: bool = Field(description="False: its exporter has not answered in the last minute.")
    cores: int | None
    memory_bytes: float | None
    memory_used_bytes: float | None
    cpu_used_cores: float | None = Field(description="Over the last minute.")
    load1: float | None
    disks: list[Disk]
    charts: list[Chart]


class ServersMetrics(BaseModel):
    enabled: bool = Field(description="False: this platform runs without its metrics store.")
    window: Window
    step_seconds: int
    timestamps: list[float] = Field(description="Unix seconds, shared by every line.")
    servers: list[Server]


class HeavyService(BaseModel):
    service_id: UUID
    project: str
    environment: str
    service: str
    cpu_now_cores: float = Field(description="Its containers' CPU over the last minute.")
    cpu_cores: float = Field(
        description="Its containers' CPU averaged over the window (0 while it did not run)."
    )
    memory_bytes: float = Field(description="Its containers' memory now.")
    memory_peak_bytes: float = Field(description="The most its containers used in the window.")


class HeaviestServices(BaseModel):
    enabled: bool
    window: Window
    services: list[HeavyService] = Field(description="Heaviest first: by CPU now, then memory.")


@router.get(
    "/servers/metrics",
    response_model=ServersMetrics,
    operation_id="get_servers_metrics",
    summary="Each server's charts and figures now (nodes seen in the last hour)",
    responses={503: {"description": "The metrics store cannot be reached"}},
)
async def servers_metrics(
    ctx: Ctx,
    _: CurrentUser,
    window: Annotated[Window, Query(description="How far back.")] = "1h",
) -> Any:
    frame = Frame.ending_now(window)
    if ctx.metrics is None:
        return ServersMetrics(
            enabled=False, window=window, step_seconds=frame.step, timestamps=[], servers=[]
        )
    servers = await _servers(ctx.metrics, frame)
    return ServersMetrics(
        enabled=True,
        window=window,
        step_seconds=frame.step,
        timestamps=frame.timestamps,
        servers=servers,
    )


async def _servers(store: Prometheus, frame: Frame) -> list[Server]:
    asked = snapshot_queries()
    seen, *figures = await asyncio.gather(
        store.vector(SEEN_WITHIN), *(store.vector(q) for q in asked.values())
    )
    now = {name: _by_node(found) for name, found in zip(asked, figures, strict=True)}
    disks = await _disks(store)
    charts = await _charts(store, frame)
    names = sorted({labels.get("nodename", "") for labels, _ in seen} - {""})
    return [
        Server(
            name=name,
            up=name in now["up"],
            cores=int(now["cores"][name]) if name in now["cores"] else None,
            memory_bytes=now["memory_total"].get(name),
            memory_used_bytes=now["memory_used"].get(name),
            cpu_used_cores=now["cpu_used"].get(name),
            load1=now["load1"].get(name),
            disks=disks.get(name, []),
            charts=_limited(_every_chart(charts.get(name, {})), now, name),
        )
        for name in names
    ]


def _by_node(found: list[tuple[dict[str, str], float]]) -> dict[str, float]:
    return {labels["nodename"]: value for labels, value in found if "nodename" in labels}


async def _disks(store: Prometheus) -> dict[str, list[Disk]]:
    """Each device once (mounted several times: its shortest mount point)."""
    size, avail = await asyncio.gather(*(store.vector(q) for q in DISK_QUERIES))
    free = {(lab["nodename"], lab["device"]): v for lab, v in avail if "nodename" in lab}
    best: dict[tuple[str, str], Disk] = {}
    for labels, total in size:
        key = (labels.get("nodename", ""), labels.get("device", ""))
        mountpoint = labels.get("mountpoint", "")
        if key not in free or (key in best and len(best[key].mountpoint) <= len(mountpoint)):
            continue
        best[key] = Disk(
            device=key[1], mountpoint=mountpoint, size_bytes=total, used_bytes=total - free[key]
        )
    by_node: dict[str, list[Disk]] = {}
    for (node, _), disk in sorted(best.items()):
        by_node.setdefault(node, []).append(disk)
    return by_node


async def _charts(store: Prometheus, frame: Frame) -> dict[str, dict[str, Chart]]:
    """Every node's charts from one range query per line (split by the nodename label)."""
    answers = await asyncio.gather(
        *(
            store.query_range(line.promql(frame), frame.start, frame.end, frame.step)
            for line in LINES
        )
    )
    charts: dict[str, dict[str, Chart]] = {}
    for line, found in zip(LINES, answers, strict=True):
        for series in found:
            node = series.labels.get("nodename")
            if node is None:
                continue
            chart = charts.setdefault(node, {}).setdefault(
                line.chart, Chart(name=line.chart, unit=line.unit, lines=[])
            )
            chart.lines.append(
                Line(label=_label(line, series.labels), values=aligned(series, frame.timestamps))
            )
    return charts


def _every_chart(found: dict[str, Chart]) -> list[Chart]:
    """Every chart, in order, those with nothing measured yet too (empty)."""
    units = {line.chart: line.unit for line in LINES}
    return [
        found.get(name) or Chart(name=name, unit=unit, lines=[]) for name, unit in units.items()
    ]


def _label(line: NodeLine, labels: dict[str, str]) -> str:
    return labels.get(line.by, "?") if line.by else line.label


def _limited(charts: list[Chart], now: dict[str, dict[str, float]], node: str) -> list[Chart]:
    limits = {"CPU": now["cores"].get(node), "Memory": now["memory_total"].get(node)}
    return [chart.model_copy(update={"limit": limits.get(chart.name)}) for chart in charts]


@router.get(
    "/metrics/heaviest",
    response_model=HeaviestServices,
    operation_id="get_heaviest_services",
    summary="The services using the most CPU or memory over a window, on every server",
    responses={503: {"description": "The metrics store cannot be reached"}},
)
async def heaviest_services(
    ctx: Ctx,
    _: CurrentUser,
    window: Annotated[Window, Query(description="How far back.")] = "1h",
) -> Any:
    if ctx.metrics is None:
        return HeaviestServices(enabled=False, window=window, services=[])
    answers = await asyncio.gather(
        *(ctx.metrics.vector(q) for q in heaviest_queries(Frame.ending_now(window)))
    )
    names = ("cpu_now", "cpu", "memory", "peak")
    figures = dict(zip(names, map(_by_service, answers), strict=True))
    ids = {*figures["cpu_now"], *figures["memory"]}
    places = await _places(ctx, ids)
    found = [
        HeavyService(
            service_id=service_id,
            project=place[0],
            environment=place[1],
            service=place[2],
            cpu_now_cores=figures["cpu_now"].get(service_id, 0.0),
            cpu_cores=figures["cpu"].get(service_id, 0.0),
            memory_bytes=figures["memory"].get(service_id, 0.0),
            memory_peak_bytes=figures["peak"].get(service_id, 0.0),
        )
        for service_id, place in places.items()
    ]
    found.sort(key=lambda s: (s.cpu_now_cores, s.memory_bytes), reverse=True)
    return HeaviestServices(enabled=True, window=window, services=found[:HEAVIEST])


def _by_service(found: list[tuple[dict[str, str], float]]) -> dict[UUID, float]:
    by_id: dict[UUID, float] = {}
    for labels, value in found:
        try:
            by_id[UUID(labels.get("service_id", ""))] = value
        except ValueError:
            continue  # not one of ours: never named
    return by_id


async def _places(ctx: Any, ids: set[UUID]) -> dict[UUID, tuple[str, str, str]]:
    """project, environment and service slugs of the live services among ids."""
    rows: dict[tuple[Kind, UUID], StoredObject | None] = {}

    async def row(kind: Kind, row_id: UUID | None) -> StoredObject | None:
        if row_id is None:
            return None
        if (kind, row_id) not in rows:
            rows[(kind, row_id)] = await ctx.store.get(kind, row_id)
        found = rows[(kind, row_id)]
        return None if found is None or found.is_deleted else found

    places: dict[UUID, tuple[str, str, str]] = {}
    for service_id in ids:
        service = await row(Kind.SERVICES, service_id)
        environment = await row(Kind.ENVIRONMENTS, service.parent_id if service else None)
        project = await row(Kind.PROJECTS, environment.parent_id if environment else None)
        if service and environment and project:
            slugs = (project.spec["slug"], environment.spec["slug"], service.spec["slug"])
            places[service_id] = (str(slugs[0]), str(slugs[1]), str(slugs[2]))
    return places
