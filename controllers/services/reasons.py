"""Why a deployment failed, in words a person can act on: the verdict from Swarm's task,
refined with what the container's inspection adds (an OOM kill, the health check's answers).
Pure: the controller reads the container, this decides what to say."""

from __future__ import annotations

import shlex
from dataclasses import replace
from datetime import UTC, datetime

from zaneops.adapters.docker.models import ContainerState, HealthCheckRun
from zaneops.specs import CommandHealthcheck, Healthcheck, ServiceSpec

from .plan import PROBE_BINARY
from .rollout import Verdict

# The health check runs Docker keeps are five; the last three say enough.
ANSWERS_SHOWN = 3
MAX_ANSWER = 200
SIGKILLED = 137  # 128 + 9: how the kernel's OOM killer ends a container


def refine(verdict: Verdict, state: ContainerState | None, spec: ServiceSpec) -> Verdict:
    """The verdict, with what only the container knows; unchanged when it says nothing new."""
    if verdict.reason == "TimedOut" and _no_server_fits(verdict):
        return replace(verdict, reason="NoServerFits", message=_no_server_fits_message(spec))
    if state is None:
        return verdict
    # OOMKilled says some process of the container was; only an exit by SIGKILL makes it why.
    task_exit = verdict.task.exit_code if verdict.task else None
    if state.oom_killed and SIGKILLED in (state.exit_code, task_exit):
        return replace(verdict, reason="OutOfMemory", message=_out_of_memory(spec))
    failing = _failing_since_last_pass(state.health_log)
    # Swarm stops an unhealthy container: an exit (even 0, e.g. nginx on SIGQUIT) that
    # followed failing checks is the check's doing, not the program's. A time-out is the
    # check's only while it is not passing (not, say, a replica no node could take).
    blamed = state.health_status == "unhealthy" or (
        verdict.reason == "HealthCheckFailing"
        or (verdict.reason == "TimedOut" and state.health_status == "starting")
    )
    if blamed and failing and spec.healthcheck is not None:
        return _health(verdict, spec.healthcheck, failing)
    return verdict


def _no_server_fits(verdict: Verdict) -> bool:
    """Swarm left the task pending: no node meets its constraints (placement, a volume's
    node) or has the resources it reserves."""
    task = verdict.task
    return task is not None and "no suitable node" in f"{task.error} {task.message}"


def _no_server_fits_message(spec: ServiceSpec) -> str:
    rules = ", ".join(rule.constraint for rule in spec.placement)
    if rules:
        return (
            f"no server meets its placement ({rules}): label one with `zaneops node label "
            "NODE key=value`, or change the rules"
        )
    return (
        "no server can take it: the node of its volume is down or drained, or no server has "
        "the CPU or memory it reserves"
    )


def _failing_since_last_pass(runs: tuple[HealthCheckRun, ...]) -> list[HealthCheckRun]:
    failing: list[HealthCheckRun] = []
    for run in runs:
        failing = [] if run.exit_code == 0 else [*failing, run]
    return failing


def _out_of_memory(spec: ServiceSpec) -> str:
    limit = spec.resources.memory_limit
    if limit is None:
        return "the container was killed: the node ran out of memory (the service has no limit)"
    return (
        f"the container was killed for using more than its memory limit ({_mib(limit)}): "
        "raise resources.memory_limit, or make the program use less"
    )


def _health(verdict: Verdict, check: Healthcheck, failing: list[HealthCheckRun]) -> Verdict:
    outputs = [run.output for run in failing]
    if any(PROBE_BINARY in output for output in outputs):
        return replace(
            verdict,
            reason="ProbeMissing",
            message="the platform's health check probe is missing on the node: the probe "
            "service puts it there (see `zaneops status`)",
        )
    if not isinstance(check, CommandHealthcheck) and all(
        "connection refused" in output for output in outputs
    ):
        return replace(
            verdict,
            reason="PortNotListening",
            message=f"nothing listens on port {check.port} in the container: make the health "
            f"check's port the one the server listens on, on all addresses (0.0.0.0), "
            f"not a single interface",
        )
    what = (
        f"the command {shlex.join(check.command)}"
        if isinstance(check, CommandHealthcheck)
        else f"GET {check.path} on port {check.port}"
    )
    answers = "; ".join(_answer(run) for run in failing[-ANSWERS_SHOWN:])
    message = f"the health check ({what}) kept failing; last answers: {answers}"
    if verdict.reason == "TimedOut":
        message = f"{verdict.message}: {message}"
    return replace(verdict, reason="HealthCheckFailing", message=message)


def _answer(run: HealthCheckRun) -> str:
    said = " ".join(run.output.split())[:MAX_ANSWER] or f"exit code {run.exit_code}"
    return f"at {_clock(run.started)}: {said}"


def _clock(rfc3339: str) -> str:
    """HH:MM:SS UTC of Docker's timestamp (in the daemon's zone, e.g. ...T02:01:02.1+02:00)."""
    try:
        return datetime.fromisoformat(rfc3339).astimezone(UTC).strftime("%H:%M:%S UTC")
    except ValueError:
        return rfc3339


def _mib(amount: int) -> str:
    return f"{amount / 2**20:g} MiB"
