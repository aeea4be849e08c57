"""What the backups controller needs from the outside world; the adapters provide each."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from zaneops.adapters.docker.dumps import Ran, RunningContainer, Streamed
from zaneops.adapters.docker.snapshots import Finished, Mounted
from zaneops.adapters.s3 import Bucket, GrowingUpload
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


class BackupRows(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def list_ids(self, kind: Kind) -> list[UUID]: ...

    async def list_children(self, kind: Kind, parent_id: UUID | None) -> list[StoredObject]: ...

    async def create(
        self, kind: Kind, spec: Mapping[str, Any], parent_id: UUID | None = None
    ) -> StoredObject: ...

    async def request_delete(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def setting(self, name: str) -> dict[str, Any] | None: ...


class Dumps(Protocol):
    async def running_container(self, instance: str, owner: str) -> RunningContainer | None: ...

    async def running_task_of(
        self, instance: str, swarm_service: str
    ) -> RunningContainer | None: ...

    async def stream_to_file(
        self,
        container_id: str,
        command: list[str],
        dest: Path,
        stderr_limit: int,
        recipient: str | None = None,
    ) -> Streamed: ...

    async def decrypt_file(
        self, identity: str, source: Path, dest: Path, timeout: float
    ) -> None: ...

    async def run_in(self, container_id: str, command: list[str]) -> Ran: ...

    async def start_scratch(
        self, image: str, name: str, environment: dict[str, str], labels: dict[str, str]
    ) -> str: ...

    async def copy_in(self, container_id: str, source: Path, folder: str, name: str) -> None: ...

    async def remove(self, name_or_id: str) -> None: ...


class ObjectStore(Protocol):
    """A backup target's bucket (zaneops.adapters.s3): each call raises StoreError."""

    def upload_growing(self, bucket: Bucket, key: str, path: Path) -> GrowingUpload: ...

    async def download(self, bucket: Bucket, key: str, dest: Path) -> None: ...

    async def delete(self, bucket: Bucket, key: str) -> None: ...


class Snapshots(Protocol):
    """Volume snapshots' containers (zaneops.adapters.docker.snapshots)."""

    async def run(
        self,
        image: str,
        name: str,
        script: str,
        *,
        environment: dict[str, str],
        mounts: list[Mounted],
        labels: dict[str, str],
        network: str,
        timeout: float,
    ) -> Finished: ...

    async def running_of(self, instance: str, owner: str) -> list[str]: ...

    async def paused_of(self, instance: str, owner: str) -> list[str]: ...

    async def pause(self, container_id: str) -> None: ...

    async def unpause(self, container_id: str) -> None: ...
