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
class HealthCheckRun:
    """One run of a container's health check, as Docker keeps the last five."""

    started: str  # RFC 3339, as Docker writes it
    exit_code: int
    output: str


@dataclass(frozen=True)
class ContainerState:
    """What a container's inspection says of how it runs, or why it stopped."""

    exit_code: int | None
    oom_killed: bool
    health_status: str = ""  # "" when the container has no health check
    health_log: tuple[HealthCheckRun, ...] = ()

    @property
    def last_health_output(self) -> str:
        return self.health_log[-1].output if self.health_log else ""

    @classmethod
    def from_inspection(cls, raw: dict[str, Any]) -> ContainerState:
        state = raw.get("State") or {}
        health = state.get("Health") or {}
        runs = tuple(
            HealthCheckRun(
                str(run.get("Start", "")),
                int(run.get("ExitCode", -1)),
                str(run.get("Output", "")).strip(),
            )
            for run in health.get("Log") or []
        )
        return cls(
            exit_code=state.get("ExitCode"),
            oom_killed=bool(state.get("OOMKilled")),
            health_status=str(health.get("Status", "")),
            health_log=runs,
        )


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
