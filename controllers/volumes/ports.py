"""What the volumes controller needs from the outside world; the adapters provide each."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from zaneops.adapters.docker.volumes import DockerVolume, Node
from zaneops.adapters.hostfs import Size
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.status import Status


class VolumeRows(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def list_ids(self, kind: Kind) -> list[UUID]: ...

    async def list_children(self, kind: Kind, parent_id: UUID) -> list[StoredObject]: ...

    async def write_status(self, kind: Kind, object_id: UUID, status: Status) -> bool: ...


class VolumeEngine(Protocol):
    async def get(self, name: str) -> DockerVolume | None: ...

    async def create(self, name: str, labels: dict[str, str]) -> DockerVolume: ...

    async def list_managed(self, instance: str) -> list[DockerVolume]: ...

    async def remove(self, name: str) -> bool: ...

    async def local_node(self) -> Node: ...


class Folders(Protocol):
    async def resolve(self, path: str) -> str: ...

    async def ensure_folder(self, path: str) -> bool: ...

    async def size(self, path: str, budget_seconds: float) -> Size | None: ...

    async def remove_tree(self, path: str) -> None: ...
