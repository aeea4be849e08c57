"""The metrics pipeline on loopback: the node's exporter (what users' containers use) and a
registry's /metrics served from this process, and the platform's Prometheus image in a
container (testcontainers) on the host's network, scraping both."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, start_http_server
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer

from launcher.metrics_exporter import ExporterSettings, serve
from tests.support.ports import free_port

# testcontainers' reaper (Ryuk) is an image from a registry this machine cannot reach.
testcontainers_config.ryuk_disabled = True
METRICS_IMAGE = "zaneops/metrics:local"  # stacks/images/metrics, built by tests/infra/up.sh
NODE_EXPORTER_IMAGE = "zaneops/node-exporter:local"  # stacks/images/node-exporter, the same
SCRAPE_SECONDS = 2


@contextmanager
def exporter(instance: str) -> Iterator[str]:
    """The node exporter of this engine's containers of `instance`: its host:port."""
    port = free_port()
    served = serve(instance, ExporterSettings(host="127.0.0.1", port=port))
    try:
        yield f"127.0.0.1:{port}"
    finally:
        served.stop()


@contextmanager
def node_exporter(hostname: str) -> Iterator[tuple[str, DockerContainer]]:
    """The platform's node exporter image reading this machine's /proc, /sys and /, named
    `hostname` as the stack names it after its node: its host:port, and its container (a test
    stops it to take the server down)."""
    port = free_port()
    container = (
        DockerContainer(NODE_EXPORTER_IMAGE)
        .with_kwargs(hostname=hostname)
        .with_volume_mapping("/proc", "/host/proc", "ro")
        .with_volume_mapping("/sys", "/host/sys", "ro")
        .with_volume_mapping("/", "/host/root", "ro")
    )
    # Loopback only (docker-py's (address, port) form, which with_bind_ports does not take).
    container.ports[9100] = ("127.0.0.1", port)  # type: ignore[assignment]
    with container:
        target = f"127.0.0.1:{port}"
        _wait_answering(f"http://{target}/metrics", container)
        yield target, container


def _wait_answering(url: str, container: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not answering within {timeout} s: {container.get_logs()}")


@contextmanager
def registry_served(registry: CollectorRegistry) -> Iterator[str]:
    """A controller's registry on /metrics, as its health server serves it: host:port."""
    port = free_port()
    server, thread = start_http_server(port, "127.0.0.1", registry=registry)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def prometheus(targets: list[str], scrape_seconds: int = SCRAPE_SECONDS) -> Iterator[str]:
    """The platform's Prometheus image scraping targets (every 2 s by default): its URL."""
    port = free_port()
    listed = ", ".join(f'"{t}"' for t in targets)
    config = (
        f"global: {{scrape_interval: {scrape_seconds}s, scrape_timeout: {scrape_seconds}s}}\n"
        f"scrape_configs:\n- job_name: zane\n  static_configs: [{{targets: [{listed}]}}]\n"
    )
    container = (
        DockerContainer(METRICS_IMAGE)
        .with_kwargs(network_mode="host")
        .with_env("PROMETHEUS_CONFIG", config)
        .with_env("PROMETHEUS_LISTEN", f"127.0.0.1:{port}")
    )
    with container:
        url = f"http://127.0.0.1:{port}"
        _wait_answering(f"{url}/-/ready", container)
        yield url
