"""The kinds of object the platform stores, and how they hang together."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PROJECTS = "projects"
    ENVIRONMENTS = "environments"
    SERVICES = "services"
    DEPLOYMENTS = "deployments"
    DOMAINS = "domains"
    VOLUMES = "volumes"
    BUILDS = "builds"
    RUNS = "runs"
    BACKUPS = "backups"
    BACKUP_TARGETS = "backup_targets"
    CHANNELS = "channels"
    NOTIFICATIONS = "notifications"

    @property
    def channel(self) -> str:
        """Announces (payload: the id) a new, changed-spec, deleting or removed row."""
        return f"zane_{self.value}"

    @property
    def status_channel(self) -> str:
        """Announces a status change: for other slices waiting on this kind."""
        return f"zane_{self.value}_status"

    @property
    def parent(self) -> ParentLink | None:
        return PARENTS.get(self)


@dataclass(frozen=True)
class ParentLink:
    """A child row points at its parent through this column; deleting a parent deletes it."""

    kind: Kind
    column: str
    optional: bool = False  # a row may have no parent (a backup of the platform itself)


PARENTS: dict[Kind, ParentLink] = {
    Kind.ENVIRONMENTS: ParentLink(Kind.PROJECTS, "project_id"),
    Kind.SERVICES: ParentLink(Kind.ENVIRONMENTS, "environment_id"),
    Kind.DEPLOYMENTS: ParentLink(Kind.SERVICES, "service_id"),
    Kind.DOMAINS: ParentLink(Kind.ENVIRONMENTS, "environment_id"),
    Kind.VOLUMES: ParentLink(Kind.ENVIRONMENTS, "environment_id"),
    Kind.BUILDS: ParentLink(Kind.DEPLOYMENTS, "deployment_id"),
    Kind.RUNS: ParentLink(Kind.SERVICES, "service_id"),
    # Of the environment, not of the service: deleting a database keeps its backups.
    # None for a backup of the platform's own database.
    Kind.BACKUPS: ParentLink(Kind.ENVIRONMENTS, "environment_id", optional=True),
    # A channel's delivery log: its messages go with it.
    Kind.NOTIFICATIONS: ParentLink(Kind.CHANNELS, "channel_id"),
}


def children_of(kind: Kind) -> list[tuple[Kind, str]]:
    return [(child, link.column) for child, link in PARENTS.items() if link.kind is kind]
