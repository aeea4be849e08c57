"""Docker named volumes, through docker-py: one method per outside operation.

Blocking docker-py calls run in a worker thread, like the rest of this adapter.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import docker
from docker.errors import APIError, NotFound

from zaneops.common.naming import LABEL_INSTANCE

IN_USE = 409  # what the engine answers when a container still uses the volume


@dataclass(frozen=True)
class DockerVolume:
    name: str
    labels: dict[str, str]
    mountpoint: str


@dataclass(frozen=True)
class Node:
    """The swarm node the engine we talk to runs on: where its named volumes live."""

    id: str
    hostname: str


def _volume(raw: dict[str, Any]) -> DockerVolume:
    return DockerVolume(
        name=raw["Name"], labels=dict(raw.get("Labels") or {}), mountpoint=raw["Mountpoint"]
    )


class DockerVolumes:
    """The one place the platform creates, inspects and removes Docker named volumes."""

    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client or docker.from_env(timeout=60)
        self._api: Any = self._client.api

    def close(self) -> None:
        self._client.close()

    async def get(self, name: str) -> DockerVolume | None:
        try:
            raw = await asyncio.to_thread(self._api.inspect_volume, name)
        except NotFound:
            return None
        return _volume(raw)

    async def create(self, name: str, labels: dict[str, str]) -> DockerVolume:
        raw = await asyncio.to_thread(
            self._api.create_volume, name=name, driver="local", labels=labels
        )
        return _volume(raw)

    async def list_managed(self, instance: str) -> list[DockerVolume]:
        found = await asyncio.to_thread(
            self._api.volumes, filters={"label": f"{LABEL_INSTANCE}={instance}"}
        )
        return [_volume(raw) for raw in (found or {}).get("Volumes") or []]

    async def remove(self, name: str) -> bool:
        """False while a container (running or stopped) still uses it: Docker refuses."""
        try:
            await asyncio.to_thread(self._api.remove_volume, name)
        except NotFound:
            return True
        except APIError as exc:
            if exc.status_code == IN_USE:
                return False
            raise
        return True

    async def local_node(self) -> Node:
        info = await asyncio.to_thread(self._api.info)
        swarm = info.get("Swarm") or {}
        return Node(id=str(swarm.get("NodeID") or ""), hostname=str(info.get("Name") or ""))
