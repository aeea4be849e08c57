"""What the controller reports: task states, replicas, health, and why a rollout failed."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from zaneops.adapters.docker.models import ContainerState, SwarmTask
from zaneops.specs import Condition, ConditionStatus, ServiceSpec

from .plan import LABEL_DEPLOYMENT, Plan
from .ports import SwarmPort
from .reasons import refine
from .rollout import Verdict

# Tasks listed in status: the live ones and the most recent ended ones.
MAX_TASKS = 10


async def explained(
    swarm: SwarmPort, name: str, verdict: Verdict, spec: ServiceSpec, lines: int
) -> Verdict:
    """The verdict with what the failed task left: its container's account (OOM kill, health
    check answers), its error when not said yet, and its last log lines."""
    task = verdict.task
    if task is None:
        return verdict
    verdict = refine(verdict, await _container_account(swarm, name, verdict, task), spec)
    parts = [verdict.message]
    if task.error and task.error not in verdict.message and not _EXIT_ERROR.match(task.error):
        parts.append(f"({task.error})")
    message = " ".join(parts)
    last = await _last_lines(swarm, name, task, lines)
    if last:  # the dashboard splits the message here, as it does a build's
        message += "\nlast log lines:\n" + "\n".join(last)
    return replace(verdict, message=message)


async def _container_account(
    swarm: SwarmPort, name: str, verdict: Verdict, task: SwarmTask
) -> ContainerState | None:
    """The failed task's container as inspected; for a failing health check whose container
    tells nothing (gone already, or replaced before its checks ran), the newest container of
    the same deployment that does (never for a crash: its own exit code is why)."""
    state = await swarm.container_state(task.container_id) if task.container_id else None
    if state is not None and (state.health_log or state.oom_killed):
        return state
    if verdict.reason not in ("HealthCheckFailing", "TimedOut"):
        return state
    deployment = task.container_labels.get(LABEL_DEPLOYMENT)
    newest_first = sorted(await swarm.service_tasks(name), key=lambda t: t.timestamp, reverse=True)
    containers = [
        t.container_id
        for t in newest_first
        if t.id != task.id and t.container_labels.get(LABEL_DEPLOYMENT) == deployment
    ]
    for container_id in [c for c in containers if c][:MAX_SIBLINGS_INSPECTED]:
        found = await swarm.container_state(container_id)
        if found is not None and found.health_log:
            return found
    return state


MAX_SIBLINGS_INSPECTED = 3

# Swarm's words for an exit code the message already gives.
_EXIT_ERROR = re.compile(r"task: non-zero exit \(\d+\)$")


async def _last_lines(swarm: SwarmPort, name: str, task: SwarmTask, count: int) -> list[str]:
    if count == 0:
        return []
    try:
        entries = await swarm.service_logs(name, tail=count * 4)
    except Exception:  # logs are a courtesy: the failure is reported without them
        return []
    return [e.line for e in entries if e.task_id == task.id][-count:]


def service_details(
    plan: Plan | None, tasks: list[SwarmTask], health: tuple[str, str] | None
) -> dict[str, Any]:
    """What the service's status says of what runs (tasks as last read)."""
    live = [t for t in tasks if t.desired_state == "running"]
    running = [t for t in live if t.state == "running"]
    return {
        "swarm_service": plan.name if plan else None,
        "spec_hash": plan.hash if plan else None,
        "desired_replicas": plan.spec.replicas if plan else 0,
        "running_replicas": len(running),
        "tasks": [_task(t) for t in _recent(tasks)],
        "health": _health(plan, health),
    }


def _recent(tasks: list[SwarmTask]) -> list[SwarmTask]:
    newest_first = sorted(tasks, key=lambda t: t.timestamp, reverse=True)
    live = [t for t in newest_first if t.desired_state == "running"]
    ended = [t for t in newest_first if t.desired_state != "running"]
    return (live + ended)[:MAX_TASKS]


def _task(task: SwarmTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "slot": task.slot,
        "state": task.state,
        "desired_state": task.desired_state,
        "error": task.error,
        "exit_code": task.exit_code,
        "deployment_id": task.container_labels.get(LABEL_DEPLOYMENT),
        "since": task.timestamp,
    }


def _health(plan: Plan | None, found: tuple[str, str] | None) -> dict[str, str]:
    """The last health check of a running container (Swarm runs only healthy ones)."""
    if plan is None or plan.spec.healthcheck is None:
        return {"status": "none", "output": ""}
    if found is None:
        return {"status": "unknown", "output": ""}
    # A healthy check's output is left out: it would churn status.
    return {"status": found[0], "output": "" if found[0] == "healthy" else found[1][-500:]}


def availability(details: dict[str, Any]) -> Condition:
    desired, running = details["desired_replicas"], details["running_replicas"]
    if desired and running >= desired:
        return Condition(type="Available", status=ConditionStatus.TRUE, reason="AllRunning")
    errors = [t["error"] for t in details["tasks"] if t["error"]]
    return Condition(
        type="Available",
        status=ConditionStatus.FALSE if desired else ConditionStatus.UNKNOWN,
        reason="NotRunning" if desired else "NothingToRun",
        message=f"{running}/{desired} replicas running" + (f"; {errors[0]}" if errors else ""),
    )
