"""The real proxy (zaneops/caddy:local) as a swarm service, and busybox upstreams standing in
for the services controller: the alias it gives (naming.service_alias), on a network the
proxy is created on (in the platform the networks controller attaches the proxy instead)."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
from docker.models.services import Service
from docker.types import EndpointSpec, Mount, NetworkAttachmentConfig, RestartPolicy

from controllers import networks, routes
from controllers.networks import NetworksController
from controllers.networks.settings import NetworksSettings
from controllers.routes import RoutesController
from controllers.routes.settings import RoutesSettings
from tests.support.ports import free_port
from tests.support.swarm import remove_everything
from zaneops.adapters.dependencies import Dependencies
from zaneops.common.naming import LABEL_INSTANCE, service_alias

CADDY_IMAGE = "zaneops/caddy:local"
BUSYBOX_IMAGE = "zaneops/busybox:latest"
RESTART_DELAY_NS = 200_000_000


@dataclass
class Proxy:
    instance: str
    shared_dir: Path
    http_port: int
    https_port: int
    service: Service

    @property
    def admin_socket(self) -> str:
        return str(self.shared_dir / "caddy-admin.sock")

    @property
    def access_log(self) -> str:
        return str(self.shared_dir / "access.log")

    def kill_container(self) -> None:
        """What a crash does: the task's container dies; swarm starts a new task."""
        client = docker.from_env()
        for container in client.containers.list(
            filters={"label": self._task_label()}, ignore_removed=True
        ):
            container.kill()

    def _task_label(self) -> str:
        return f"com.docker.swarm.service.id={self.service.id}"

    def log_text(self) -> str:
        """Caddy's own log, of every task the proxy service has had."""
        return b"".join(self.service.logs(stdout=True, stderr=True)).decode(errors="replace")


def labels(instance: str) -> dict[str, str]:
    return {LABEL_INSTANCE: instance}


def edge_network(instance: str) -> str:
    """Where the test upstreams meet the test proxy."""
    return f"{instance}-edge"


def ensure_edge_network(client: docker.DockerClient, instance: str) -> None:
    if not client.networks.list(names=[edge_network(instance)]):
        client.networks.create(
            edge_network(instance), driver="overlay", attachable=True, labels=labels(instance)
        )


def start_proxy(instance: str) -> Proxy:
    client = docker.from_env()
    ensure_edge_network(client, instance)
    shared = Path(tempfile.mkdtemp(prefix=f"zane-{instance}-"))
    data = client.volumes.create(f"{instance}-proxy-config", labels=labels(instance))
    http_port, https_port = free_port(), free_port()
    service = client.services.create(
        CADDY_IMAGE,
        name=f"{instance}-proxy",
        labels=labels(instance),
        container_labels=labels(instance),
        networks=[NetworkAttachmentConfig(edge_network(instance))],
        endpoint_spec=EndpointSpec(
            mode="dnsrr",
            ports={http_port: (80, "tcp", "host"), https_port: (443, "tcp", "host")},
        ),
        # Swarm waits 5 s before restarting a task by default; a proxy should not.
        restart_policy=RestartPolicy(condition="any", delay=RESTART_DELAY_NS),
        mounts=[
            Mount("/run/zane", str(shared), type="bind"),
            Mount("/config", data.name, type="volume"),
        ],
    )
    proxy = Proxy(instance, shared, http_port, https_port, service)
    wait_for_socket(proxy.admin_socket)
    return proxy


def wait_for_socket(path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(path)
                return
            except OSError:
                time.sleep(0.1)
    raise AssertionError(f"the proxy's admin socket {path} did not appear within {timeout} s")


def start_upstream(instance: str, service_id: uuid.UUID, page: str) -> Service:
    """A 2 MB busybox httpd answering `page` at / and at /sub/page.txt, on the edge network."""
    client = docker.from_env()
    ensure_edge_network(client, instance)
    script = (
        f"mkdir -p /www/sub && echo {page} > /www/index.html && "
        f"echo {page}-sub > /www/sub/page.txt && echo {page}-stripped > /www/page.txt && "
        "exec httpd -f -p 80 -h /www"
    )
    return client.services.create(
        BUSYBOX_IMAGE,
        command=["sh", "-c", script],
        name=f"{instance}-up-{service_id.hex[:8]}",
        labels=labels(instance),
        container_labels=labels(instance),
        networks=[
            NetworkAttachmentConfig(edge_network(instance), aliases=[service_alias(service_id)])
        ],
        endpoint_spec=EndpointSpec(mode="dnsrr"),
    )


def remove_instance(instance: str, shared_dirs: list[Path]) -> None:
    """Only objects labelled with this test's instance: other engineers share the engine."""
    remove_everything(instance)
    client = docker.from_env()
    for volume in client.volumes.list(filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        volume.remove(force=True)
    for path in shared_dirs:
        shutil.rmtree(path, ignore_errors=True)


def routes_factory(proxy: Proxy, **settings: Any) -> Callable[[Dependencies], RoutesController]:
    """The routes controller's own entry build, pointed at this proxy (plain HTTP, no access
    log unless asked, a dead service's error page after a 1 s hold), with any other
    RoutesSettings given."""
    defaults: dict[str, Any] = {
        "admin_socket": proxy.admin_socket,
        "https": False,
        "access_log": "",
        "upstream_hold_seconds": 1.0,
    }
    chosen = RoutesSettings(**{**defaults, **settings})
    return lambda deps: routes.build(deps, chosen)


def networks_factory(proxy: Proxy) -> Callable[[Dependencies], NetworksController]:
    """The networks controller's own entry build, attaching this proxy to environments."""
    chosen = NetworksSettings(proxy_service=proxy.service.name)
    return lambda deps: networks.build(deps, chosen)
