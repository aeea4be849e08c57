"""What volume snapshots need of the engine: a short-lived container that mounts a volume and a
restic repository and runs one script, and the pausing of the containers that write a volume.

Blocking docker-py calls run in a worker thread, like the rest of this adapter.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

import docker
from docker.errors import APIError, NotFound
from docker.types import Mount

from zaneops.common.naming import LABEL_INSTANCE, LABEL_OWNER


@dataclass(frozen=True)
class Mounted:
    """A volume (a Docker named volume, or a host folder for `bind`) at `target`."""

    kind: Literal["volume", "bind"]
    source: str
    target: str
    read_only: bool


class VolumeMissing(Exception):
    """A named volume to mount is not on this engine's node (Docker would make it, empty)."""


@dataclass(frozen=True)
class Finished:
    exit_code: int
    stdout: str
    stderr: str


class SnapshotContainers:
    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client or docker.from_env(timeout=60)
        self._api: Any = self._client.api

    def close(self) -> None:
        self._client.close()

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
    ) -> Finished:
        """`sh -c script` in a new container, waited for (TimeoutError past `timeout`), then
        removed whatever happened. A named volume not on this node raises VolumeMissing: Docker
        would make an empty one, and a snapshot of it would be of nothing."""

        def run() -> Finished:
            for mounted in mounts:
                if mounted.kind == "volume":
                    try:
                        self._api.inspect_volume(mounted.source)
                    except NotFound:
                        raise VolumeMissing(mounted.source) from None
            self._remove(name)
            container = self._client.containers.create(
                image,
                ["sh", "-c", script],
                name=name,
                environment=environment,
                labels=labels,
                mounts=[_mount(m) for m in mounts],
                network_mode=network,
                mem_limit="512m",
            )
            try:
                container.start()
                code = container.wait(timeout=timeout)["StatusCode"]
                out = container.logs(stdout=True, stderr=False).decode(errors="replace")
                err = container.logs(stdout=False, stderr=True).decode(errors="replace")
                return Finished(int(code), out, err)
            except Exception as error:  # requests' ReadTimeout: the wait ran out
                if "timed out" in str(error).lower():
                    raise TimeoutError(str(error)) from None
                raise
            finally:
                self._remove(name)

        return await asyncio.to_thread(run)

    async def remove(self, name: str) -> None:
        await asyncio.to_thread(self._remove, name)

    def _remove(self, name: str) -> None:
        try:
            self._api.remove_container(name, force=True)
        except NotFound:
            pass
        except APIError as exc:
            if exc.status_code != 409:  # removal already under way
                raise

    async def running_of(self, instance: str, owner: str) -> list[str]:
        """The ids of the running containers of `owner` ("services/<id>")."""
        return await self._of(instance, owner, "running")

    async def paused_of(self, instance: str, owner: str) -> list[str]:
        """The ids of the paused containers of `owner` (one a snapshot paused before the
        controller stopped, say)."""
        return await self._of(instance, owner, "paused")

    async def _of(self, instance: str, owner: str, state: str) -> list[str]:
        filters = {
            "label": [f"{LABEL_INSTANCE}={instance}", f"{LABEL_OWNER}={owner}"],
            "status": state,
        }
        found = await asyncio.to_thread(self._api.containers, filters=filters)
        return [str(c["Id"]) for c in found]

    async def pause(self, container_id: str) -> None:
        await asyncio.to_thread(self._api.pause, container_id)

    async def unpause(self, container_id: str) -> None:
        """Unpaused (one gone, or not paused, is left as it is)."""
        try:
            await asyncio.to_thread(self._api.unpause, container_id)
        except NotFound:
            pass
        except APIError as exc:
            if exc.status_code != 409:  # not paused
                raise


def _mount(mounted: Mounted) -> Mount:
    return Mount(mounted.target, mounted.source, type=mounted.kind, read_only=mounted.read_only)
