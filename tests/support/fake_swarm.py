"""A Swarm that lives in memory, for unit tests of the services controller's decisions.

It records what the controller asked for and lets the test say what the tasks did; it does not
pretend to roll anything out by itself. Integration tests use the real Swarm.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from zaneops.adapters.docker.models import (
    ContainerState,
    DockerEvent,
    LogEntry,
    SwarmService,
    SwarmTask,
)


@dataclass
class FakeSwarm:
    services: dict[str, SwarmService] = field(default_factory=dict)
    tasks: dict[str, list[SwarmTask]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)  # what changed Swarm
    reads: list[str] = field(default_factory=list)  # what only looked
    logs: list[LogEntry] = field(default_factory=list)
    containers: dict[str, ContainerState] = field(default_factory=dict)  # by container id

    async def get_service(self, name: str) -> SwarmService | None:
        self.reads.append(f"get {name}")
        return self.services.get(name)

    async def list_managed_services(self, instance: str) -> list[SwarmService]:
        return [s for s in self.services.values() if s.labels.get("zane.instance") == instance]

    async def create_service(self, spec: dict[str, Any]) -> None:
        self.calls.append(f"create {spec['Name']}")
        self.services[spec["Name"]] = SwarmService(uuid.uuid4().hex, spec["Name"], 1, spec)

    async def update_service(self, current: SwarmService, spec: dict[str, Any]) -> None:
        self.calls.append(f"update {current.name}")
        updated = replace(current, version=current.version + 1, spec=spec)
        self.services[current.name] = replace(updated, update_state="updating")

    async def remove_service(self, name: str) -> bool:
        self.calls.append(f"remove {name}")
        self.tasks.pop(name, None)
        return self.services.pop(name, None) is not None

    async def service_tasks(self, name: str) -> list[SwarmTask]:
        self.reads.append(f"tasks {name}")
        return list(self.tasks.get(name, []))

    async def container_state(self, container_id: str) -> ContainerState | None:
        return self.containers.get(container_id)

    async def service_logs(self, name: str, tail: int) -> list[LogEntry]:
        return self.logs[-tail:]

    async def events(self) -> AsyncIterator[DockerEvent]:
        await asyncio.Event().wait()  # the test wakes the controller through the store
        yield DockerEvent("", "", "")

    # --- what the test says happened -------------------------------------------------------

    def run_tasks(self, name: str, count: int, state: str = "running", **extra: Any) -> None:
        """`count` tasks of the service's current spec, in `state`; the update completed."""
        service = self.services[name]
        labels = service.spec["TaskTemplate"]["ContainerSpec"]["Labels"]
        self.tasks[name] = [task_of(labels, state, **extra) for _ in range(count)]
        self.services[name] = replace(service, update_state="completed")


def task_of(container_labels: dict[str, str], state: str, **extra: Any) -> SwarmTask:
    values: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "state": state,
        "desired_state": "running",
        "error": "",
        "message": "",
        "exit_code": None,
        "container_id": uuid.uuid4().hex,
        "container_labels": dict(container_labels),
        "timestamp": "2026-01-01T00:00:00Z",
    }
    return SwarmTask(**{**values, **extra})
