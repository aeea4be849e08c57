"""What the services controller needs from the outside world; the adapters provide each,
and the unit tests hand in fakes (zaneops.runtime.testing's store, a recording Swarm)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Protocol
from uuid import UUID

from zaneops.adapters.docker.models import (
    ContainerState,
    DockerEvent,
    LogEntry,
    SwarmService,
    SwarmTask,
)
from zaneops.adapters.redis.log_streams import MarkedShipment
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.status import Status


class ServiceRows(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def list_ids(self, kind: Kind) -> list[UUID]: ...

    async def list_children(self, kind: Kind, parent_id: UUID) -> list[StoredObject]: ...

    async def write_status(self, kind: Kind, object_id: UUID, status: Status) -> bool: ...


class SwarmPort(Protocol):
    async def get_service(self, name: str) -> SwarmService | None: ...

    async def list_managed_services(self, instance: str) -> list[SwarmService]: ...

    async def create_service(self, spec: dict[str, Any]) -> None: ...

    async def update_service(self, current: SwarmService, spec: dict[str, Any]) -> None: ...

    async def remove_service(self, name: str) -> bool: ...

    async def service_tasks(self, name: str) -> list[SwarmTask]: ...

    async def container_state(self, container_id: str) -> ContainerState | None: ...

    async def service_logs(self, name: str, tail: int) -> list[LogEntry]: ...

    def events(self) -> AsyncIterator[DockerEvent]: ...


class LogFollowPort(Protocol):
    def follow(self, name: str, since_ns: int) -> AsyncGenerator[list[LogEntry], None]: ...


class LogWriter(Protocol):
    async def ship(self, shipments: list[MarkedShipment]) -> None: ...

    async def marks(self, marks_key: str) -> dict[str, str]: ...

    async def tail(self, key: str, count: int) -> list[dict[str, str]]: ...

    async def delete(self, keys: list[str]) -> None: ...
