"""What the controller reports: task states, replicas, health, and why a rollout failed."""

from __future__ import annotations

from typing import Any

from zaneops.adapters.docker.swarm import Swarm, SwarmService, SwarmTask
from zaneops.specs import Condition, ConditionStatus

from .plan import LABEL_DEPLOYMENT, Plan
from .rollout import Verdict
from .settings import ServicesSettings

# Tasks listed in status: the live ones and the most recent ended ones.
MAX_TASKS = 10


async def failure_message(
    swarm: Swarm, name: str, verdict: Verdict, settings: ServicesSettings
) -> str:
    """The verdict's message, with the failed task's error, health output and last log lines."""
    task = verdict.task
    if task is None:
        return verdict.message
    parts = [verdict.message]
    if task.error and task.error not in verdict.message:
        parts.append(f"({task.error})")
    if verdict.reason == "HealthCheckFailing" and task.container_id:
        health = await swarm.container_health(task.container_id)
        if health and health[1]:
            parts.append(f"last check said: {health[1]}")
    lines = await _last_lines(swarm, name, task, settings.failure_log_lines)
    if lines:
        parts.append("last log lines:\n" + "\n".join(lines))
    return " ".join(parts)


async def _last_lines(swarm: Swarm, name: str, task: SwarmTask, count: int) -> list[str]:
    if count == 0:
        return []
    try:
        entries = await swarm.service_logs(name, tail=count * 4)
    except Exception:  # logs are a courtesy: the failure is reported without them
        return []
    return [e.line for e in entries if e.task_id == task.id][-count:]


async def service_details(
    swarm: Swarm, plan: Plan | None, current: SwarmService | None, tasks: list[SwarmTask]
) -> dict[str, Any]:
    live = [t for t in tasks if t.desired_state == "running"]
    running = [t for t in live if t.state == "running"]
    return {
        "swarm_service": current.name if current else None,
        "spec_hash": plan.hash if plan else None,
        "desired_replicas": plan.spec.replicas if plan else 0,
        "running_replicas": len(running),
        "tasks": [_task(t) for t in _recent(tasks)],
        "health": await _health(swarm, plan, running),
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


async def _health(swarm: Swarm, plan: Plan | None, running: list[SwarmTask]) -> dict[str, str]:
    """The last health check of a running container (Swarm runs only healthy ones)."""
    if plan is None or plan.spec.healthcheck is None:
        return {"status": "none", "output": ""}
    for task in running:
        found = await swarm.container_health(task.container_id) if task.container_id else None
        if found is not None:  # a healthy check's output is left out: it would churn status
            return {"status": found[0], "output": "" if found[0] == "healthy" else found[1][-500:]}
    return {"status": "unknown", "output": ""}


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
