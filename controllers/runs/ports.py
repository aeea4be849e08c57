"""What the runs controller needs from the outside world; the adapters provide each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol
from uuid import UUID

from zaneops.adapters.docker.models import DockerEvent, LogEntry, SwarmService, SwarmTask
from zaneops.adapters.redis.log_streams import LogLine
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.status import Status


class RunRows(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def list_ids(self, kind: Kind) -> list[UUID]: ...

    async def list_children(self, kind: Kind, parent_id: UUID) -> list[StoredObject]: ...

    async def write_status(self, kind: Kind, object_id: UUID, status: Status) -> bool: ...


class RunSwarm(Protocol):
    async def get_service(self, name: str) -> SwarmService | None: ...

    async def list_managed_services(self, instance: str) -> list[SwarmService]: ...

    async def create_service(self, spec: dict[str, Any]) -> None: ...

    async def remove_service(self, name: str) -> bool: ...

    async def service_tasks(self, name: str) -> list[SwarmTask]: ...

    async def service_logs(self, name: str, tail: int) -> list[LogEntry]: ...

    async def service_logs_since(self, name: str, since: float) -> list[LogEntry]: ...

    def events(self) -> AsyncIterator[DockerEvent]: ...


class LogWriter(Protocol):
    async def append(self, key: str, line: LogLine, max_entries: int) -> None: ...

    async def delete(self, keys: list[str]) -> None: ...
