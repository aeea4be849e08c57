"""`zaneops metrics-exporter`: what users' containers on this node use, for Prometheus.

One per node (a global service of the stack, with the Docker socket): each scrape samples the
Engine's one-shot stats of the instance's users' containers here (a sample younger than
ZANE_EXPORTER_CACHE_SECONDS is answered again, so two scrapers cost one sample). Counters are
cumulative; Prometheus computes the rates.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector
from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from zaneops.adapters.docker.container_restarts import RestartCounter, RestartWatcher
from zaneops.adapters.docker.container_stats import ContainerStats, ContainerUsage
from zaneops.common.logging import configure_logging
from zaneops.common.settings import InstallationSettings, ZaneSettings

LABELS = ["service_id", "deployment_id", "container", "slot"]
WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class ExporterSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_EXPORTER_")
    read_by: ClassVar[str] = "the metrics exporter (launcher/metrics_exporter.py)"

    host: str = Field(default="0.0.0.0", description="Where /metrics listens.")
    port: int = Field(default=9101, ge=1, le=65535, description="Its port.")
    cache_seconds: float = Field(
        default=5.0, ge=0, description="A sample this young is answered again."
    )


class UsageCollector(Collector):
    def __init__(self, stats: ContainerStats, cache_seconds: float) -> None:
        self.stats = stats
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._taken_at = 0.0
        self._took = 0.0
        self._usages: list[ContainerUsage] = []

    def _sampled(self) -> list[ContainerUsage]:
        with self._lock:  # one sample at a time, shared by scrapes close together
            if time.monotonic() - self._taken_at >= self.cache_seconds:
                began = time.monotonic()
                self._usages = self.stats.sample()
                self._taken_at = time.monotonic()
                self._took = self._taken_at - began
            return self._usages

    def collect(self) -> Iterator[Metric]:
        usages = self._sampled()
        yield from families(usages)
        took = GaugeMetricFamily(
            "zane_exporter_sample_seconds", "How long the last sample of the Engine took."
        )
        took.add_metric([], self._took)
        yield took


def families(usages: list[ContainerUsage]) -> Iterator[Metric]:
    """The usages as Prometheus metric families, one series per container."""
    specs: list[tuple[type[CounterMetricFamily | GaugeMetricFamily], str, str, str]] = [
        (CounterMetricFamily, "zane_container_cpu_seconds", "CPU time used.", "cpu_seconds"),
        (
            GaugeMetricFamily,
            "zane_container_memory_bytes",
            "Memory, cache excluded.",
            "memory_bytes",
        ),
        (
            GaugeMetricFamily,
            "zane_container_memory_limit_bytes",
            "Its memory limit.",
            "memory_limit_bytes",
        ),
        (
            CounterMetricFamily,
            "zane_container_network_receive_bytes",
            "Bytes in.",
            "network_receive_bytes",
        ),
        (
            CounterMetricFamily,
            "zane_container_network_transmit_bytes",
            "Bytes out.",
            "network_transmit_bytes",
        ),
        (CounterMetricFamily, "zane_container_disk_read_bytes", "Bytes read.", "disk_read_bytes"),
        (
            CounterMetricFamily,
            "zane_container_disk_write_bytes",
            "Bytes written.",
            "disk_write_bytes",
        ),
    ]
    for family_type, name, documentation, field in specs:
        family = family_type(name, documentation, labels=LABELS)
        for usage in usages:
            values = [usage.service_id, usage.deployment_id, usage.container, usage.task_slot]
            family.add_metric(values, float(getattr(usage, field)))
        yield family


def app(registry: CollectorRegistry) -> WsgiApp:
    """/metrics samples; /healthz only says the process serves (a health check every few
    seconds must not sample every container)."""
    metrics = make_wsgi_app(registry)

    def route(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        answer: Iterable[bytes] = metrics(environ, start_response)
        return answer

    return route


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_: Any) -> None:
        return None


class RestartsCollector(Collector):
    def __init__(self, counter: RestartCounter) -> None:
        self.counter = counter

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "zane_container_restarts",
            "Containers started again in a slot of a deployment (Swarm replacing one that "
            "stopped), counted since the exporter started.",
            labels=["service_id", "deployment_id"],
        )
        for service_id, deployment_id, count in self.counter.counts():
            family.add_metric([service_id, deployment_id], float(count))
        yield family


@dataclass
class Exporter:
    server: WSGIServer
    thread: threading.Thread
    watcher: RestartWatcher

    def stop(self) -> None:
        self.watcher.stop()
        self.server.shutdown()
        self.thread.join(timeout=5)


def serve(instance: str, settings: ExporterSettings) -> Exporter:
    """The exporter's HTTP server, started on its own thread, and its restarts watcher."""
    counter = RestartCounter()
    watcher = RestartWatcher(instance, counter)
    watcher.start()
    registry = CollectorRegistry()
    registry.register(UsageCollector(ContainerStats(instance), settings.cache_seconds))
    registry.register(RestartsCollector(counter))
    server = make_server(
        settings.host, settings.port, app(registry), ThreadingWSGIServer, handler_class=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Exporter(server, thread, watcher)


def main() -> None:
    """Serve until SIGTERM. Run as `python -m launcher.metrics_exporter` by the image (the
    `zaneops` command would load every other command's modules first: 16 MiB more)."""
    try:
        installation, settings = InstallationSettings(), ExporterSettings()
    except ValidationError as exc:
        said = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"invalid settings (ZANE_*, ZANE_EXPORTER_*): {said}") from None
    configure_logging(installation.log_level)
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # before the server's thread inherits it
    serve(installation.instance, settings)
    print(f"metrics exporter of {installation.instance} on {settings.host}:{settings.port}")
    signal.sigwait(stop)


if __name__ == "__main__":
    main()
