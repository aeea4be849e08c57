"""Swarm services, their tasks, logs (followed live: log_follow), events, overlay networks.

All through docker-py.

Every method is one outside operation; blocking docker-py calls run in a worker thread.
Specs go in and come out in the Engine API's own JSON shape, so planning stays pure.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Iterator
from typing import Any

import docker
from docker.errors import NotFound

from zaneops.adapters.docker import dockerpy_private
from zaneops.adapters.docker.log_lines import log_entry
from zaneops.adapters.docker.models import (
    ContainerState,
    DockerEvent,
    LogEntry,
    SwarmService,
    SwarmTask,
)
from zaneops.adapters.docker.streams import in_thread
from zaneops.common.naming import LABEL_INSTANCE


def _service(raw: dict[str, Any]) -> SwarmService:
    update = raw.get("UpdateStatus") or {}
    return SwarmService(
        id=raw["ID"],
        name=raw["Spec"]["Name"],
        version=raw["Version"]["Index"],
        spec=raw["Spec"],
        update_state=update.get("State"),
        update_message=update.get("Message", ""),
    )


def _task(raw: dict[str, Any]) -> SwarmTask:
    status = raw.get("Status") or {}
    container = status.get("ContainerStatus") or {}
    spec = (raw.get("Spec") or {}).get("ContainerSpec") or {}
    return SwarmTask(
        id=raw["ID"],
        state=status.get("State", ""),
        desired_state=raw.get("DesiredState", ""),
        error=status.get("Err", ""),
        message=status.get("Message", ""),
        exit_code=container.get("ExitCode"),
        container_id=container.get("ContainerID"),
        container_labels=dict(spec.get("Labels") or {}),
        timestamp=status.get("Timestamp", ""),
        slot=raw.get("Slot"),
    )


class Swarm:
    """The one place the platform talks to a Docker Swarm manager."""

    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client or docker.from_env(timeout=60)
        self._api: Any = self._client.api

    def close(self) -> None:
        self._client.close()

    # --- services --------------------------------------------------------------------------

    async def get_service(self, name: str) -> SwarmService | None:
        try:
            raw = await asyncio.to_thread(self._api.inspect_service, name)
        except NotFound:
            return None
        # inspect by name also matches an ID prefix: make sure it is the one named so.
        return _service(raw) if raw["Spec"]["Name"] == name else None

    async def list_managed_services(self, instance: str) -> list[SwarmService]:
        found = await asyncio.to_thread(
            self._api.services, filters={"label": f"{LABEL_INSTANCE}={instance}"}
        )
        return [_service(raw) for raw in found]

    async def create_service(self, spec: dict[str, Any]) -> None:
        await asyncio.to_thread(self._api.create_service, **_service_arguments(spec))

    async def update_service(self, current: SwarmService, spec: dict[str, Any]) -> None:
        await asyncio.to_thread(
            self._api.update_service, current.id, current.version, **_service_arguments(spec)
        )

    async def remove_service(self, name: str) -> bool:
        """True if it was there."""
        try:
            await asyncio.to_thread(self._api.remove_service, name)
        except NotFound:
            return False
        return True

    async def service_tasks(self, name: str) -> list[SwarmTask]:
        found = await asyncio.to_thread(self._api.tasks, filters={"service": name})
        return [_task(raw) for raw in found]

    async def container_state(self, container_id: str) -> ContainerState | None:
        """How a container of this node runs or why it stopped; None once it is gone."""
        try:
            raw = await asyncio.to_thread(self._api.inspect_container, container_id)
        except NotFound:
            return None
        return ContainerState.from_inspection(raw)

    # --- logs and events -------------------------------------------------------------------

    async def service_logs(self, name: str, tail: int) -> list[LogEntry]:
        """The last lines of every task of the service (stopped ones included)."""
        return await asyncio.to_thread(lambda: list(self._log_frames(name, tail=tail)))

    async def service_logs_since(self, name: str, since: float) -> list[LogEntry]:
        """Every line of the service's tasks written at or after `since` (unix seconds);
        none once the service is gone."""
        try:
            return await asyncio.to_thread(
                lambda: list(self._entries(self._logs_response(name, follow=False, since=since)))
            )
        except NotFound:
            return []

    def _log_frames(self, name: str, tail: int) -> Iterator[LogEntry]:
        return self._entries(self._logs_response(name, follow=False, tail=tail))

    def _logs_response(self, name: str, follow: bool, **params: Any) -> Any:
        query = {"stdout": 1, "stderr": 1, "timestamps": 1, "details": 1, "follow": int(follow)}
        query.update({key: value for key, value in params.items() if value is not None})
        # docker-py's logs helpers drop which stream a line is on: read the frames ourselves.
        return dockerpy_private.get_stream(self._api, "/services/{0}/logs", name, params=query)

    def _entries(self, response: Any) -> Iterator[LogEntry]:
        # A followed stream may be quiet for long: no read timeout on its socket.
        dockerpy_private.disable_timeout(
            self._api, dockerpy_private.raw_socket(self._api, response)
        )
        try:
            for stream, chunk in _frames(response.raw):
                yield log_entry(stream, chunk)
        finally:
            response.close()

    async def events(self) -> AsyncIterator[DockerEvent]:
        """Service and container events as they happen (the caller filters by label/name)."""

        def open_stream() -> tuple[Iterator[DockerEvent], Any]:
            stream = self._api.events(decode=True, filters={"type": ["service", "container"]})
            return (DockerEvent.from_raw(raw) for raw in stream), stream

        async for event in in_thread(open_stream):
            yield event


def _frames(raw: Any) -> Iterator[tuple[int, bytes]]:
    """Docker's multiplexed stream: an 8-byte header (stream, size), then the payload."""
    while len(header := raw.read(8)) == 8:
        stream, size = struct.unpack(">BxxxL", header)
        yield stream, raw.read(size)


def _service_arguments(spec: dict[str, Any]) -> dict[str, Any]:
    """The Engine API ServiceSpec as docker-py's create/update arguments."""
    return {
        "name": spec["Name"],
        "labels": spec.get("Labels"),
        "task_template": spec["TaskTemplate"],
        "mode": spec.get("Mode"),
        "update_config": spec.get("UpdateConfig"),
        "rollback_config": spec.get("RollbackConfig"),
        "endpoint_spec": spec.get("EndpointSpec"),
    }
