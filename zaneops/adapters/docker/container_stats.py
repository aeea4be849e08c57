"""What each running container of users' services on this engine uses: its cumulative CPU time,
its memory against its limit, the bytes of its network and its block devices. One call per
container (the Engine's one-shot stats: no second sample is waited for), a few at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import docker
import structlog
from docker.errors import DockerException
from requests import RequestException

from zaneops.common import naming

log = structlog.get_logger()
OWNER_PREFIX = "services/"
PARALLEL = 64  # a one-shot answer waits for the Engine's next 1 s collection: ask many at once


@dataclass(frozen=True)
class ContainerUsage:
    service_id: str
    deployment_id: str
    container: str  # the short id
    task_slot: str
    cpu_seconds: float  # cumulative: rates are the store's to compute
    memory_bytes: int  # without the page cache, as `docker stats` shows it
    memory_limit_bytes: int
    network_receive_bytes: int
    network_transmit_bytes: int
    disk_read_bytes: int
    disk_write_bytes: int


class ContainerStats:
    def __init__(self, instance: str) -> None:
        self.instance = instance
        self._client = docker.from_env(max_pool_size=PARALLEL)

    def close(self) -> None:
        self._client.close()

    def sample(self) -> list[ContainerUsage]:
        """Every running container of the instance's users' services on this engine."""
        listed = self._listed()
        with ThreadPoolExecutor(PARALLEL) as pool:
            found = list(pool.map(self._usage, listed))
        return [usage for usage in found if usage is not None]

    def _listed(self) -> list[dict[str, Any]]:
        wanted = {"status": "running", "label": [f"{naming.LABEL_INSTANCE}={self.instance}"]}
        containers: list[dict[str, Any]] = self._client.api.containers(filters=wanted)
        return [
            c
            for c in containers
            if str((c.get("Labels") or {}).get(naming.LABEL_OWNER, "")).startswith(OWNER_PREFIX)
        ]

    def _usage(self, summary: dict[str, Any]) -> ContainerUsage | None:
        try:
            stats: dict[str, Any] = self._client.api.stats(
                summary["Id"], stream=False, one_shot=True
            )
        except (DockerException, RequestException) as exc:
            # Stopped between the list and the look, or slow: the next sample says so, and
            # one container never costs the others their sample.
            log.info("no stats of a container", container=summary["Id"][:12], error=str(exc))
            return None
        labels = summary.get("Labels") or {}
        return usage_of(summary["Id"], labels, stats)


def usage_of(container_id: str, labels: dict[str, str], stats: dict[str, Any]) -> ContainerUsage:
    """One container's usage from the Engine's stats document (cgroups v1 and v2)."""
    memory = stats.get("memory_stats") or {}
    cached = (memory.get("stats") or {}).get("total_inactive_file")
    if cached is None:
        cached = (memory.get("stats") or {}).get("inactive_file", 0)
    networks = (stats.get("networks") or {}).values()
    disk = (stats.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
    return ContainerUsage(
        service_id=str(labels.get(naming.LABEL_OWNER, "")).removeprefix(OWNER_PREFIX),
        deployment_id=str(labels.get("zane.deployment", "")),
        container=container_id[:12],
        task_slot=task_slot(str(labels.get("com.docker.swarm.task.name", ""))),
        cpu_seconds=int(_cpu(stats).get("total_usage", 0)) / 1e9,
        memory_bytes=max(0, int(memory.get("usage", 0)) - int(cached)),
        memory_limit_bytes=int(memory.get("limit", 0)),
        network_receive_bytes=sum(int(n.get("rx_bytes", 0)) for n in networks),
        network_transmit_bytes=sum(int(n.get("tx_bytes", 0)) for n in networks),
        # "Read"/"Write" under cgroups v1, "read"/"write" under v2.
        disk_read_bytes=sum(int(d.get("value", 0)) for d in disk if _op(d) == "r"),
        disk_write_bytes=sum(int(d.get("value", 0)) for d in disk if _op(d) == "w"),
    )


def _op(entry: dict[str, Any]) -> str:
    return str(entry.get("op", ""))[:1].lower()


def task_slot(task_name: str) -> str:
    """ "<service>.<slot>.<task id>" → the slot."""
    parts = task_name.split(".")
    return parts[1] if len(parts) == 3 else ""


def _cpu(stats: dict[str, Any]) -> dict[str, Any]:
    usage: dict[str, Any] = (stats.get("cpu_stats") or {}).get("cpu_usage") or {}
    return usage
