"""PromQL for the servers' charts and the heaviest services. Nothing a user typed is put in a
query."""

from __future__ import annotations

from dataclasses import dataclass

from api.charts import Frame, Unit
from zaneops.common.node_series import (
    ANSWERING,
    DISK_PERCENT,
    FILESYSTEMS,
    NODE,
    SEEN_IN_THE_LAST_HOUR,
    per_node,
)

BUSY = 'mode!~"idle|iowait|steal"'
HEAVIEST = 10
# Servers listed: every node whose exporter answered in the last hour (a node down is shown
# down, not forgotten, for that long).
SEEN_WITHIN = SEEN_IN_THE_LAST_HOUR


@dataclass(frozen=True)
class NodeLine:
    chart: str
    unit: Unit
    label: str
    expr: str  # may hold {w}: the rate window
    by: str = ""  # a label whose values become lines (a disk's device)
    how: str = "sum"  # over each server's series (max: a device mounted twice counts once)

    def promql(self, frame: Frame) -> str:
        return per_node(self.expr.replace("{w}", frame.rate_window), self.by, self.how)


LINES = (
    NodeLine("CPU", "cores", "used", f"rate(node_cpu_seconds_total{{{BUSY}}}[{{w}}])"),
    NodeLine(
        "Memory", "bytes", "used", "node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes"
    ),
    NodeLine(
        "Disk",
        "percent",
        "",
        DISK_PERCENT,
        by="device",
        how="max",
    ),
    NodeLine("Load", "load", "1 min", "node_load1"),
    NodeLine("Load", "load", "5 min", "node_load5"),
    NodeLine("Load", "load", "15 min", "node_load15"),
)


def snapshot_queries() -> dict[str, str]:
    """Each server's figures now, by name (every answer is one value per nodename)."""
    return {
        "up": ANSWERING,
        "cores": per_node('node_cpu_seconds_total{mode="idle"} * 0 + 1'),
        "memory_total": per_node("node_memory_MemTotal_bytes"),
        "memory_used": per_node("node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes"),
        "cpu_used": per_node(f"rate(node_cpu_seconds_total{{{BUSY}}}[1m])"),
        "load1": per_node("node_load1"),
    }


# Size and free space of each filesystem (a device mounted twice appears twice).
DISK_QUERIES = (
    f"max by (nodename, device, mountpoint) (node_filesystem_size_bytes{{{FILESYSTEMS}}} * {NODE})",
    f"max by (nodename, device) (node_filesystem_avail_bytes{{{FILESYSTEMS}}} * {NODE})",
)


def heaviest_queries(frame: Frame) -> tuple[str, str, str, str]:
    """Per service: CPU over the last minute, CPU averaged over the window (a service that ran
    part of it counts 0 for the rest), memory now, memory's peak in the window; the heaviest
    few by CPU now and by memory now (listed with their other figures)."""
    span = f"{int(frame.end - frame.start)}s"
    cpu_now = "sum by (service_id) (rate(zane_container_cpu_seconds_total[1m]))"
    cpu = f"sum by (service_id) (rate(zane_container_cpu_seconds_total[{span}]))"
    memory = "sum by (service_id) (zane_container_memory_bytes)"
    peak = f"max_over_time(({memory})[{span}:{frame.step}s])"
    return f"topk({HEAVIEST}, {cpu_now})", cpu, f"topk({HEAVIEST}, {memory})", peak
