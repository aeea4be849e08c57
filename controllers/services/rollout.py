"""Which deployment a service should run, and how its rollout is going: pure decisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from zaneops.adapters.docker.models import SwarmService, SwarmTask
from zaneops.common.naming import LABEL_SPEC_HASH
from zaneops.specs import BuildPhase, DeploymentPhase, DeploymentSpec, Status
from zaneops.specs.objects import StoredObject

from .plan import LABEL_DEPLOYMENT

Phase = DeploymentPhase
# Not yet decided: a newer deployment or a cancel request still stops these.
PENDING = {None, Phase.QUEUED, Phase.BUILDING, Phase.STARTING}
_ENDED = {"failed", "rejected", "complete", "orphaned"}
_STARTING = {"ready", "starting"}
ENDED_TASK_STATES = frozenset({*_ENDED, "shutdown", "remove"})
_ROLLED_BACK = {"rollback_started", "rollback_completed", "rollback_paused", "paused"}


@dataclass(frozen=True)
class Deployment:
    id: UUID
    created_at: datetime
    generation: int
    spec: DeploymentSpec
    status: Status

    @classmethod
    def from_row(cls, row: StoredObject) -> Deployment:
        spec = DeploymentSpec.model_validate(row.spec)
        return cls(row.id, row.created_at, row.generation, spec, row.status)

    @property
    def phase(self) -> Phase | None:
        value = self.status.details.get("phase")
        return Phase(value) if isinstance(value, str) else None

    def detail(self, name: str) -> Any:
        return self.status.details.get(name)


@dataclass(frozen=True)
class Decision:
    target: Deployment | None  # the newest deployment not cancelled
    serving: Deployment | None  # the newest healthy one: what runs while the target starts
    cancel: tuple[tuple[Deployment, str], ...]  # (deployment, why)


def decide(deployments: list[Deployment]) -> Decision:
    """Newest first: cancel what was asked to stop or was superseded, keep the rest."""
    newest_first = sorted(deployments, key=lambda d: (d.created_at, d.id), reverse=True)
    target: Deployment | None = None
    cancel: list[tuple[Deployment, str]] = []
    for deployment in newest_first:
        if deployment.phase is Phase.CANCELLED:
            continue
        if deployment.spec.cancel_requested and deployment.phase in PENDING:
            cancel.append((deployment, "CancelRequested"))
        elif target is None:
            target = deployment
        elif deployment.phase in PENDING:
            cancel.append((deployment, "Superseded"))
    serving = next((d for d in newest_first if d.phase is Phase.HEALTHY), None)
    return Decision(target, serving, tuple(cancel))


def build_outcome(build_status: Status) -> tuple[Phase, str, str] | None:
    """(phase, reason, message) for a deployment whose build ended without an image, else None.

    A build that succeeded sets the deployment's image, which starts it: nothing to say here.
    """
    phase = build_status.details.get("phase")
    outcome = build_status.condition("Succeeded")
    message = outcome.message if outcome else ""
    if phase == BuildPhase.FAILED.value:
        cause = outcome.reason if outcome else "unknown"
        return Phase.FAILED, "BuildFailed", f"the build failed ({cause}): {message}"
    if phase == BuildPhase.CANCELLED.value:
        return Phase.CANCELLED, "BuildCancelled", message or "the build was cancelled"
    return None


def to_run(decision: Decision) -> Deployment | None:
    """The deployment Swarm should run now."""
    target = decision.target
    if target is not None and target.phase in (Phase.STARTING, Phase.HEALTHY):
        return target
    return decision.serving


# --- judging a rollout ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    phase: Phase
    reason: str = ""
    message: str = ""
    task: SwarmTask | None = None  # the task whose logs explain a failure


def tasks_of(deployment_id: UUID, tasks: list[SwarmTask]) -> list[SwarmTask]:
    return [t for t in tasks if t.container_labels.get(LABEL_DEPLOYMENT) == str(deployment_id)]


def judge(
    deployment: Deployment,
    *,
    plan_hash: str,
    service: SwarmService | None,
    tasks: list[SwarmTask],
    elapsed: float,
    timeout: float,
    healthy_tasks: frozenset[str] = frozenset(),
) -> Verdict:
    """`healthy_tasks`: tasks whose container's health check passed, which Swarm may not
    call running yet (readiness is the first healthy report). Without a health check a
    running task counts at once, as Swarm says; `on_probation` judges the minutes after."""
    mine = tasks_of(deployment.id, tasks)
    if deployment.spec.service_spec.mode == "job":
        return _judge_job(deployment, mine, elapsed, timeout)
    if (failure := _failure(mine, service, plan_hash)) is not None:
        return failure
    if service is not None and _all_up(deployment, service, plan_hash, mine, healthy_tasks):
        return Verdict(Phase.HEALTHY, "Healthy")
    if elapsed > timeout:
        return Verdict(
            Phase.FAILED,
            "TimedOut",
            f"not healthy {timeout:g}s after it started; tasks: {describe(mine) or 'none'}",
            _newest(mine),
        )
    return Verdict(Phase.STARTING)


def on_probation(
    deployment: Deployment, tasks: list[SwarmTask], window_end: datetime
) -> Verdict | None:
    """A deployment without a health check, HEALTHY since its tasks ran, whose task stopped
    before window_end: it was not (a container that exits at once is "running" for an
    instant). Dated by the task's own end, as Swarm reports it a moment late. The failure,
    or None."""
    mine = tasks_of(deployment.id, tasks)
    ended = [t for t in mine if t.state in _ENDED and (_since(t) or window_end) <= window_end]
    return explain(ended[0]) if ended else None


def settling(deployment: Deployment, tasks: list[SwarmTask]) -> bool:
    """A task of the deployment is being started with no health check to wait for: Swarm
    calls it running within moments, sooner than the next regular look."""
    if deployment.spec.service_spec.healthcheck:
        return False
    return any(t.state in _STARTING for t in tasks_of(deployment.id, tasks))


def _judge_job(
    deployment: Deployment, mine: list[SwarmTask], elapsed: float, timeout: float
) -> Verdict:
    """SUCCEEDED once every run exited 0, FAILED at the first that did not. A job may run as
    long as it needs: the timeout only bounds how long it takes to start."""
    failed = [t for t in mine if t.state in _ENDED and (t.state != "complete" or t.exit_code)]
    if failed:
        return explain(failed[0])
    complete = [t for t in mine if t.state == "complete"]
    runs = deployment.spec.service_spec.replicas
    if len(complete) >= runs:
        said = "the job ran to completion" + (f" ({runs} runs)" if runs > 1 else "")
        return Verdict(Phase.SUCCEEDED, "Completed", f"{said}: exit code 0", _newest(complete))
    started = any(t.state in ("running", "complete") for t in mine)
    if not started and elapsed > timeout:
        return Verdict(
            Phase.FAILED,
            "TimedOut",
            f"the job had not started {timeout:g}s after its deployment; tasks: "
            f"{describe(mine) or 'none'}",
            _newest(mine),
        )
    return Verdict(Phase.STARTING)


def _failure(mine: list[SwarmTask], service: SwarmService | None, plan_hash: str) -> Verdict | None:
    ended = [t for t in mine if t.state in _ENDED]
    if ended:
        return explain(ended[0])
    # The update status outlives its update: it speaks of ours only once our tasks exist.
    rolled_back = bool(mine) and service is not None and service.update_state in _ROLLED_BACK
    if rolled_back and service is not None and service.labels.get(LABEL_SPEC_HASH) != plan_hash:
        # Swarm may have shut the failed task down already: its exit code still tells why.
        troubled = [t for t in mine if t.exit_code or t.error]
        if troubled:
            return explain(troubled[0])
        message = service.update_message or "Swarm rolled the update back"
        return Verdict(Phase.FAILED, "RolledBack", message)
    return None


def _all_up(
    deployment: Deployment,
    service: SwarmService,
    plan_hash: str,
    mine: list[SwarmTask],
    healthy_tasks: frozenset[str],
) -> bool:
    if service.labels.get(LABEL_SPEC_HASH) != plan_hash:
        return False
    if service.update_state not in (None, "completed"):
        return False  # Swarm is still watching the new tasks
    running = [
        t
        for t in mine
        if t.desired_state == "running" and (t.state == "running" or t.id in healthy_tasks)
    ]
    return len(running) >= deployment.spec.service_spec.replicas


def explain(task: SwarmTask) -> Verdict:
    """What a person can act on, from a task that ended (refined later with what its
    container says: see reasons.py)."""
    error = task.error or task.message
    if "No such image" in error:
        return Verdict(
            Phase.FAILED,
            "ImageNotFound",
            f"{error}: the image is not on the node and could not be pulled; check its name "
            "and tag, or build it",
            task,
        )
    if (missing := _COMMAND_NOT_FOUND.search(error)) is not None:
        return Verdict(
            Phase.FAILED,
            "CommandNotFound",
            f"the command {missing[1]!r} is not in the image ({missing[2]}): check the "
            "service's entrypoint and command against what the image holds",
            task,
        )
    if "unhealthy" in error:
        return Verdict(Phase.FAILED, "HealthCheckFailing", "the health check kept failing", task)
    if task.exit_code:
        return Verdict(Phase.FAILED, "ContainerExited", _exited(task.exit_code), task)
    if task.state == "complete":
        return Verdict(
            Phase.FAILED,
            "ExitedWithZero",
            "the container exited with code 0, but a service must keep running (a server in "
            "the foreground): did you mean a job, run once to completion?",
            task,
        )
    said = f"Swarm reports the task {task.state}: {error}"
    return Verdict(Phase.FAILED, "TaskFailed", said, task)


_COMMAND_NOT_FOUND = re.compile(
    r'exec: "([^"]+)": (executable file not found in \$PATH|no such file or directory)'
)
_SIGNALS = {1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}


def _exited(code: int) -> str:
    signal = _SIGNALS.get(code - 128) if code > 128 else None
    if signal is None:
        return f"the container exited with code {code}"
    return f"the container was ended by {signal} (exit code {code})"


def _since(task: SwarmTask) -> datetime | None:
    """The task's last state change (Docker's RFC 3339, nanoseconds cut)."""
    try:
        return datetime.fromisoformat(task.timestamp)
    except ValueError:
        return None


def _newest(tasks: list[SwarmTask]) -> SwarmTask | None:
    dated = [(since, t) for t in tasks if (since := _since(t)) is not None]
    return max(dated, key=lambda pair: pair[0])[1] if dated else (tasks[0] if tasks else None)


def describe(tasks: list[SwarmTask]) -> str:
    return "; ".join(
        f"{t.state}" + (f" ({t.error or t.message})" if t.error or t.state != "running" else "")
        for t in tasks
    )
