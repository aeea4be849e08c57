"""How a controller is registered: one entry per controller package, listed in registry.py.

The entry says everything the composition root needs to run the controller, in local mode
or as its own swarm service: its name, how to build it from the shared dependencies, which
settings it reads, what of the host it needs, and the settings the stack gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from zaneops.adapters.dependencies import Dependencies
from zaneops.common.settings import ZaneSettings
from zaneops.runtime.controller import Controller


class HostAccess(Enum):
    """What of the host a controller's container is given (nothing else is mounted)."""

    DOCKER_SOCKET = "docker-socket"  # /var/run/docker.sock: creates services, volumes, images
    CADDY_ADMIN = "caddy-admin"  # the run folder with Caddy's admin socket and access log
    VOLUMES_ROOT = "volumes-root"  # the allow-listed root of host-path volumes, at its own path
    BUILDS_WORKDIR = "builds-workdir"  # checkouts of Git sources, at its own path
    BACKUPS_ROOT = "backups-root"  # the backup files, at its own path


@dataclass(frozen=True)
class Placement:
    """Where the platform put what a controller may need, as its container sees it."""

    caddy_dir: str  # Caddy's admin socket and access log (with HostAccess.CADDY_ADMIN)
    volumes_root: str  # with HostAccess.VOLUMES_ROOT
    builds_workdir: str  # with HostAccess.BUILDS_WORKDIR
    backups_root: str  # with HostAccess.BACKUPS_ROOT
    https: bool  # users' domains over HTTPS
    public_https_port: int
    dashboard_domain: str  # empty: none
    api_upstream: str  # host:port of the API on the front network
    own_host: str  # this controller's own name on the platform's networks
    metrics_url: str = ""  # the platform's Prometheus; empty: none
    own_image: str = ""  # the image the controller runs (the app image)


def _no_settings(_: Placement) -> Sequence[ZaneSettings]:
    return ()


@dataclass(frozen=True)
class ControllerEntry:
    name: str
    build: Callable[[Dependencies], Controller]
    settings: tuple[type[ZaneSettings], ...] = ()  # what it reads, for `zaneops settings`
    host_access: frozenset[HostAccess] = frozenset()
    # On the proxy's front network too: the proxy calls it (Caddy's on-demand TLS `ask`).
    proxy_network: bool = False
    replicated: bool = True  # a second replica is safe: only the lease holder acts
    needs_sealing_key: bool = False  # it opens sealed secrets (env values, Git credentials)
    memory: str = "256M"
    # The settings a swarm deployment chooses for it, from where the platform put things.
    stack_settings: Callable[[Placement], Sequence[ZaneSettings]] = field(default=_no_settings)

    @property
    def component(self) -> str:
        """Its stack service, and its name in `zaneops logs`."""
        return f"controller-{self.name}"
