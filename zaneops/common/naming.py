"""Names of the things the platform makes outside, shared by the controllers that meet there.

Controllers meet through these names, never by asking each other: the networks controller
makes an environment's network, the services controller attaches services to it, the routes
controller dials them there.
"""

from __future__ import annotations

from uuid import UUID


def front_network(instance: str) -> str:
    """The proxy's own overlay to the platform: the API (the dashboard) and the routes
    controller (Caddy's `ask`). Users' services are never on it."""
    return f"{instance}-front"


def environment_network(instance: str, environment_id: UUID) -> str:
    """One overlay per environment, and its services on it alone: they find each other by
    slug there, and no other environment's service can reach them. The proxy is attached to
    every one (the networks controller does it) to reach each service by its alias."""
    return f"{instance}-net-{environment_id.hex[:12]}"


def service_alias(service_id: UUID) -> str:
    """The service's DNS name for the proxy: unique platform-wide, stable for its life."""
    return f"srv-{service_id.hex}"


def stack_service(instance: str, component: str) -> str:
    """A platform component's swarm service, as `docker stack deploy` names it."""
    return f"{instance}_{component}"


def anchor(instance: str) -> str:
    """The inert container (one per node) holding environments' networks on that node, and
    its own internal bridge: see zaneops/adapters/docker/networks.py for why."""
    return f"{instance}-anchor"


def probe_volume(instance: str) -> str:
    """The named volume holding the HTTP health check probe on every node (one task of the
    probe service per node keeps it filled); users' containers mount it read-only."""
    return f"{instance}-probe"


def docker_volume(instance: str, volume_id: UUID) -> str:
    """The Docker named volume of a volume row of kind "named"."""
    return f"{instance}-vol-{volume_id.hex[:12]}"


def swarm_service_name(instance: str, service_id: UUID) -> str:
    return f"{instance}-srv-{service_id.hex[:12]}"


def run_service_name(instance: str, run_id: UUID) -> str:
    """A one-off command's swarm job, beside its service's."""
    return f"{instance}-run-{run_id.hex[:12]}"


# Labels on every outside object the platform owns.
LABEL_MANAGED = "zane.managed"
LABEL_INSTANCE = "zane.instance"
LABEL_OWNER = "zane.owner"  # "<kind>/<id>" of the row the object belongs to
LABEL_SPEC_HASH = "zane.spec-hash"  # hash of the spec that produced the object
LABEL_COMPONENT = "zane.component"  # on the platform's own services: postgres, api, ...
