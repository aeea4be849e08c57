"""What the networks controller needs from the outside world; the adapters provide each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol
from uuid import UUID

from zaneops.adapters.docker.models import DockerEvent
from zaneops.adapters.docker.networks import Attached, Network
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


class EnvironmentRows(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def list_ids(self, kind: Kind) -> list[UUID]: ...


class NetworkEngine(Protocol):
    async def network(self, name: str) -> Network | None: ...

    async def create_overlay(
        self, name: str, labels: dict[str, str], subnet: str, ip_range: str
    ) -> None: ...

    async def used_subnets(self) -> list[str]: ...

    async def list_networks(self, instance: str) -> list[Network]: ...

    async def remove_network(self, name: str) -> bool: ...

    async def ensure_bridge(self, name: str, labels: dict[str, str]) -> None: ...

    async def service_containers(self, service: str) -> list[Attached]: ...

    async def service_image(self, service: str) -> str | None: ...

    async def find_container(self, name: str) -> Attached | None: ...

    async def remove_container(self, name: str) -> None: ...

    async def start_anchor(
        self, name: str, image: str, bridge: str, labels: dict[str, str]
    ) -> Attached: ...

    async def connect(self, network: str, container_id: str, address: str | None = None) -> None:
        """Raises NotOnThisNode when Docker does not find the network (or the container)."""

    async def disconnect(self, network: str, container_id: str) -> None: ...

    def events(self) -> AsyncIterator[DockerEvent]: ...
