"""Names of the things the platform makes outside, shared by the controllers that meet there.

The services controller creates them; the routes controller dials them; neither asks the other.
"""

from __future__ import annotations

from uuid import UUID


def edge_network(instance: str) -> str:
    """The overlay the proxy shares with every service, to reach it by its service alias."""
    return f"{instance}-edge"


def front_network(instance: str) -> str:
    """The proxy's own overlay to the platform: the API (the dashboard) and the routes
    controller (Caddy's `ask`). Users' services are never on it."""
    return f"{instance}-front"


def environment_network(instance: str, environment_id: UUID) -> str:
    """One overlay per environment: its services find each other by slug there."""
    return f"{instance}-env-{environment_id.hex[:12]}"


def service_alias(service_id: UUID) -> str:
    """The service's DNS name on the edge network: unique platform-wide, stable for its life."""
    return f"srv-{service_id.hex}"


def docker_volume(instance: str, volume_id: UUID) -> str:
    """The Docker named volume of a volume row of kind "named"."""
    return f"{instance}-vol-{volume_id.hex[:12]}"


def swarm_service_name(instance: str, service_id: UUID) -> str:
    return f"{instance}-srv-{service_id.hex[:12]}"


# Labels on every outside object the platform owns.
LABEL_MANAGED = "zane.managed"
LABEL_INSTANCE = "zane.instance"
LABEL_OWNER = "zane.owner"  # "<kind>/<id>" of the row the object belongs to
LABEL_SPEC_HASH = "zane.spec-hash"  # hash of the spec that produced the object
LABEL_COMPONENT = "zane.component"  # on the platform's own services: postgres, api, ...
