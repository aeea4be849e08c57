"""What each platform component needs from the host: the one table to edit for a new controller.

The controllers come from `controllers.REGISTRY`, so a newly registered one gets its own swarm
service on the next `zaneops up`; this table only says what it mounts and whether a second
replica is safe. A controller missing here runs with no host access and one replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from controllers import REGISTRY


class HostAccess(Enum):
    DOCKER_SOCKET = "docker-socket"  # /var/run/docker.sock: creates services, volumes, images
    CADDY_ADMIN = "caddy-admin"  # the run folder with Caddy's admin socket and access log
    VOLUMES_ROOT = "volumes-root"  # the allow-listed root of host-path volumes, at its own path
    BUILDS_WORKDIR = "builds-workdir"  # checkouts of Git sources, at its own path


@dataclass(frozen=True)
class ControllerNeeds:
    access: frozenset[HostAccess] = frozenset()
    replicated: bool = True  # every controller acts only while it holds the lease
    memory: str = "256M"


CONTROLLER_NEEDS: dict[str, ControllerNeeds] = {
    "services": ControllerNeeds(frozenset({HostAccess.DOCKER_SOCKET})),
    "volumes": ControllerNeeds(frozenset({HostAccess.DOCKER_SOCKET, HostAccess.VOLUMES_ROOT})),
    "builds": ControllerNeeds(
        frozenset({HostAccess.DOCKER_SOCKET, HostAccess.BUILDS_WORKDIR}), memory="512M"
    ),
    # Replicated too: only the leader loads Caddy and forwards its access log (resuming at
    # the cursor stored in Redis); a follower answers Caddy's `ask` from its preview.
    "routes": ControllerNeeds(frozenset({HostAccess.CADDY_ADMIN})),
}
UNKNOWN_CONTROLLER = ControllerNeeds(replicated=False)


def controller_names() -> list[str]:
    return sorted(REGISTRY)


def needs_of(controller: str) -> ControllerNeeds:
    return CONTROLLER_NEEDS.get(controller, UNKNOWN_CONTROLLER)


def controller_component(controller: str) -> str:
    """The stack service (and `zaneops logs` name) of a controller."""
    return f"controller-{controller}"


BASE_COMPONENTS = ("postgres", "redis", "proxy", "api")


def component_names() -> list[str]:
    return [*BASE_COMPONENTS, *map(controller_component, controller_names())]
