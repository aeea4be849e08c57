"""From a run to the swarm job that runs it, and from its task to its outcome: pure.

A run borrows its deployment's plan (image, variables, volumes, resources, network) and
changes what makes it a one-off: its own name and owner, the command, one run of Swarm's
replicated-job mode, no health check, no published port, and no network alias (it must not
receive the service's traffic).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from controllers.services.plan import LABEL_FINGERPRINT, Plan
from controllers.services.rollout import Deployment, explain
from zaneops.adapters.docker.models import SwarmTask
from zaneops.common import naming
from zaneops.specs import RunPhase, RunSpec

_ENDED = {"failed", "rejected", "complete", "orphaned", "shutdown"}


def as_job(deployment: Deployment, run: RunSpec) -> Deployment:
    """The deployment, its service spec made a single job running the run's command."""
    spec = deployment.spec.service_spec.model_copy(
        update={
            "mode": "job",
            "command": list(run.command),
            "replicas": 1,
            "healthcheck": None,
            "ports": [],
        }
    )
    return replace(deployment, spec=deployment.spec.model_copy(update={"service_spec": spec}))


def run_spec(plan: Plan, engine_spec: dict[str, Any], run_id: UUID) -> dict[str, Any]:
    """The Engine API spec of the run's swarm service, from its deployment's."""
    owner = f"runs/{run_id}"
    spec = dict(engine_spec)
    spec["Name"] = naming.run_service_name(plan.instance, run_id)
    labels = {**spec["Labels"], naming.LABEL_OWNER: owner}
    labels.pop(LABEL_FINGERPRINT, None)
    labels.pop(naming.LABEL_SPEC_HASH, None)
    spec["Labels"] = labels
    template = dict(spec["TaskTemplate"])
    container = dict(template["ContainerSpec"])
    container["Labels"] = {**container["Labels"], naming.LABEL_OWNER: owner}
    template["ContainerSpec"] = container
    template["Networks"] = [{**network, "Aliases": []} for network in template["Networks"]]
    spec["TaskTemplate"] = template
    return spec


@dataclass(frozen=True)
class Outcome:
    phase: RunPhase
    reason: str
    message: str
    exit_code: int | None = None
    task: SwarmTask | None = None


def outcome(tasks: list[SwarmTask]) -> Outcome | None:
    """SUCCEEDED when its one task exited 0, FAILED in words when it did not; None: running."""
    ended = [t for t in tasks if t.state in _ENDED]
    if not ended:
        return None
    task = ended[0]
    if task.state == "complete" and not task.exit_code:
        return Outcome(RunPhase.SUCCEEDED, "Completed", "exited with code 0", 0, task)
    verdict = explain(task)
    return Outcome(RunPhase.FAILED, verdict.reason, verdict.message, task.exit_code, task)


def started(tasks: list[SwarmTask]) -> bool:
    return any(t.state in ("starting", "running") or t.state in _ENDED for t in tasks)
