"""What Swarm reports, as plain values: what the adapters return and the controllers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SwarmService:
    """A swarm service as inspected: its spec (Engine API JSON) and rollout state."""

    id: str
    name: str
    version: int
    spec: dict[str, Any]
    update_state: str | None = None
    update_message: str = ""

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.spec.get("Labels") or {})


@dataclass(frozen=True)
class SwarmTask:
    id: str
    state: str
    desired_state: str
    error: str
    message: str
    exit_code: int | None
    container_id: str | None
    container_labels: dict[str, str]
    timestamp: str
    slot: int | None = None


@dataclass(frozen=True)
class LogEntry:
    ts: str
    stream: str
    line: str
    task_id: str = ""


@dataclass(frozen=True)
class DockerEvent:
    type: str
    action: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> DockerEvent:
        """One entry of the Engine API's event stream."""
        actor = raw.get("Actor") or {}
        attributes = dict(actor.get("Attributes") or {})
        return cls(
            type=raw.get("Type", ""),
            action=raw.get("Action", ""),
            name=attributes.get("name", ""),
            attributes=attributes,
        )
