"""A container's usage from the Engine's stats document, as `docker stats` computes it, under
cgroups v1 (this machine) and v2; and the exporter's metric names, which the API queries."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from launcher.metrics_exporter import families
from zaneops.adapters.docker.container_stats import usage_of

LABELS = {
    "zane.owner": "services/5f0e4f8e-2c1b-4e5e-9d3a-1a2b3c4d5e6f",
    "zane.deployment": "d1",
    "com.docker.swarm.task.name": "zane-web.2.abcdef",
}


def stats(memory_stats: dict[str, Any], op_read: str, op_write: str) -> dict[str, Any]:
    return {
        "cpu_stats": {"cpu_usage": {"total_usage": 2_500_000_000}},
        "memory_stats": {"limit": 64 * 1024 * 1024, **memory_stats},
        "networks": {
            "eth0": {"rx_bytes": 100, "tx_bytes": 10},
            "eth1": {"rx_bytes": 5, "tx_bytes": 1},
        },
        "blkio_stats": {
            "io_service_bytes_recursive": [
                {"op": op_read, "value": 4096},
                {"op": op_write, "value": 512},
                {"op": "Total" if op_read == "Read" else "total", "value": 4608},
            ]
        },
    }


def test_cgroups_v1_memory_leaves_out_the_inactive_page_cache() -> None:
    v1 = stats({"usage": 10_000_000, "stats": {"total_inactive_file": 4_000_000}}, "Read", "Write")
    usage = usage_of("0123456789abcdef", LABELS, v1)
    assert usage.service_id == "5f0e4f8e-2c1b-4e5e-9d3a-1a2b3c4d5e6f"
    assert (usage.container, usage.task_slot, usage.deployment_id) == ("0123456789ab", "2", "d1")
    assert usage.cpu_seconds == 2.5 and usage.memory_bytes == 6_000_000
    assert (usage.network_receive_bytes, usage.network_transmit_bytes) == (105, 11)
    assert (usage.disk_read_bytes, usage.disk_write_bytes) == (4096, 512)


def test_cgroups_v2_names_the_cache_and_the_disk_operations_in_lower_case() -> None:
    v2 = stats({"usage": 10_000_000, "stats": {"inactive_file": 1_000_000}}, "read", "write")
    usage = usage_of("0123456789abcdef", LABELS, v2)
    assert usage.memory_bytes == 9_000_000
    assert (usage.disk_read_bytes, usage.disk_write_bytes) == (4096, 512)


def test_the_exporter_names_what_the_api_queries() -> None:
    usage = usage_of("0123456789abcdef", LABELS, stats({"usage": 1, "stats": {}}, "Read", "Write"))

    class Once:
        def collect(self) -> Any:
            return families([usage])

    registry = CollectorRegistry()
    registry.register(Once())  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    for name in (
        "zane_container_cpu_seconds_total",
        "zane_container_memory_bytes",
        "zane_container_memory_limit_bytes",
        "zane_container_network_receive_bytes_total",
        "zane_container_network_transmit_bytes_total",
        "zane_container_disk_read_bytes_total",
        "zane_container_disk_write_bytes_total",
    ):
        assert f'{name}{{container="0123456789ab"' in text, name
