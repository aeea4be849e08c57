"""What the builds controller needs from the outside world; the adapters provide each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from zaneops.adapters.docker.builds import BuildOutput, BuildRequest, BuiltImage
from zaneops.adapters.git import OnLine, Repository
from zaneops.adapters.redis.log_streams import LogLine
from zaneops.adapters.ssh_keys import HostKey, SshEndpoint
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


class BuildRows(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def list_ids(self, kind: Kind) -> list[UUID]: ...

    async def list_children(self, kind: Kind, parent_id: UUID) -> list[StoredObject]: ...

    async def update_spec(
        self,
        kind: Kind,
        object_id: UUID,
        spec: Mapping[str, Any],
        expected_generation: int | None = None,
    ) -> StoredObject: ...


class ImageBuilder(Protocol):
    async def image_exists(self, reference: str) -> bool: ...

    def build(self, request: BuildRequest) -> AsyncIterator[BuildOutput]: ...

    async def list_images(self, instance: str) -> list[BuiltImage]: ...

    async def remove_image(self, reference: str) -> bool: ...


class HostKeyPins(Protocol):
    async def pinned(self, host: str) -> list[HostKey]: ...

    async def pin(self, keys: list[HostKey], seen_for: str) -> list[HostKey]: ...


class GitPort(Protocol):
    async def scan_host_keys(self, endpoint: SshEndpoint) -> list[HostKey]: ...

    async def head_of(self, repo: Repository, on_line: OnLine) -> str | None: ...

    async def checkout(self, repo: Repository, dest: Path, on_line: OnLine) -> str: ...

    async def on_branch(
        self, repo: Repository, dest: Path, commit: str, on_line: OnLine
    ) -> bool: ...


class LogWriter(Protocol):
    async def append(self, key: str, line: LogLine, max_entries: int) -> None: ...
