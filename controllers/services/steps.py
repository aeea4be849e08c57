"""One reconcile's decision, pure: from the world as read, the phase changes to record, what to
do to the swarm service, and the status to report. `ServicesController` applies it.

The order is the rollout's: cancel what was superseded, admit the target (wait for its image
and volumes, then start it), judge a starting target (healthy, failed, or look again soon),
then make Swarm run what should run now.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from zaneops.common import naming
from zaneops.specs import Condition, ConditionStatus, Status

from . import observe
from .plan import (
    LABEL_DEPLOYMENT,
    LABEL_FINGERPRINT,
    Plan,
    PlanError,
    Rollout,
    fingerprint,
    make_plan,
    mode_of,
)
from .rollout import (
    ENDED_TASK_STATES,
    Decision,
    Deployment,
    Phase,
    Verdict,
    build_outcome,
    decide,
    judge,
    on_probation,
    settling,
    tasks_of,
    to_run,
)
from .world import World

# A task that stopped within a deployment's window but is seen this long after still fails
# it; later, the deployment has been serving and is left alone.
LATE_REPORT_SECONDS = 10.0
# How soon a task being started is looked at again (Swarm calls it running within moments).
SETTLING_POLL_SECONDS = 0.05
SETTLING_FOR_SECONDS = 5.0  # a task starting for longer is looked at at the regular pace


@dataclass(frozen=True)
class Knobs:
    """The settings a decision depends on."""

    instance: str
    rollout: Rollout
    rollout_timeout_seconds: float
    poll_seconds: float
    fingerprint_key: str


@dataclass(frozen=True)
class PhaseChange:
    """A deployment's new phase. `explain`: a failure whose message the apply step completes
    with what the failed task left (its error, health output, last log lines)."""

    deployment: Deployment  # as it was, before this change
    phase: Phase
    reason: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)
    explain: Verdict | None = None

    def status(self, explained: Verdict | None = None) -> Status:
        """The deployment's status; `explained`: the failure as the apply step completed it."""
        reason, message = (
            (explained.reason, explained.message) if explained else (self.reason, self.message)
        )
        return phase_status(self.deployment, self.phase, reason, message, self.extra)

    @property
    def after(self) -> Deployment:
        return replace(self.deployment, status=self.status())


class Action(Enum):
    NONE = "none"
    CREATE = "create"
    UPDATE = "update"
    REMOVE = "remove"


@dataclass(frozen=True)
class Steps:
    changes: tuple[PhaseChange, ...]
    action: Action
    plan: Plan | None  # what Swarm runs once the action is done; None: nothing
    status: Status  # the service's status to report
    requeue_after: float | None
    # What to run cannot be planned (a volume it mounts is gone): the phase changes decided
    # so far are still recorded, then this is raised (the runner retries with backoff).
    failure: PlanError | None = None


def decide_steps(world: World, knobs: Knobs, now: datetime) -> Steps:
    changes: list[PhaseChange] = []
    try:
        return _decide(world, knobs, now, changes)
    except PlanError as exc:
        return Steps(tuple(changes), Action.NONE, None, world.service.status, None, exc)


def _decide(world: World, knobs: Knobs, now: datetime, changes: list[PhaseChange]) -> Steps:
    decision = decide(world.deployments)
    for deployment, reason in decision.cancel:
        changes.append(PhaseChange(deployment, Phase.CANCELLED, reason, _why_cancelled(reason)))
    decision = _admit(world, knobs, decision, now, changes)
    decision, requeue = _judge(world, knobs, decision, now, changes)
    running = to_run(decision)
    plan = plan_for(world, knobs, running) if running else None
    if _ended_job(decision):
        action, plan = _ended_job_steps(world, knobs, decision)
    else:
        action = _action(world, knobs, plan)
    if action in (Action.CREATE, Action.UPDATE) or _rolling(world) or _replacing(plan, action):
        requeue = min(requeue or knobs.poll_seconds, knobs.poll_seconds)
    status = _service_status(world, decision, plan, action)
    return Steps(tuple(changes), action, plan, status, requeue)


def plan_for(world: World, knobs: Knobs, deployment: Deployment) -> Plan:
    snapshot = deployment.detail("shared_variables")
    variables = snapshot if isinstance(snapshot, dict) else world.shared_variables
    return make_plan(
        instance=knobs.instance,
        service_id=world.service.id,
        environment_id=world.environment_id,
        deployment_id=deployment.id,
        deployment=deployment.spec,
        shared_variables={str(k): str(v) for k, v in variables.items()},
        volumes=world.volumes,
        rollout=knobs.rollout,
        databases=world.databases,
    )


# --- phases of the target --------------------------------------------------------------------


def _admit(
    world: World, knobs: Knobs, decision: Decision, now: datetime, changes: list[PhaseChange]
) -> Decision:
    """A target not yet started: wait for its image and volumes, then let it start."""
    target = decision.target
    if target is None or target.phase not in (None, Phase.QUEUED, Phase.BUILDING):
        return decision
    change = _admission(world, knobs, target, now)
    if change is None:
        return decision
    changes.append(change)
    if change.phase in (Phase.QUEUED, Phase.BUILDING):
        return decision  # still waiting: the serving deployment stays the target of Swarm
    return _with_target(decision, change.after)


def _admission(world: World, knobs: Knobs, target: Deployment, now: datetime) -> PhaseChange | None:
    if target.spec.image is None:
        return _build_change(world, target)
    missing = [
        m.volume for m in target.spec.service_spec.volumes if m.volume not in world.ready_volumes
    ]
    if missing:
        return PhaseChange(target, Phase.QUEUED, "WaitingForVolume", _waiting_for(missing, world))
    if not world.network_ready:
        message = "waiting for the environment's network (the networks controller makes it)"
        return PhaseChange(target, Phase.QUEUED, "WaitingForNetwork", message)
    extra = {"started_at": now.isoformat(), "shared_variables": world.shared_variables}
    started = PhaseChange(target, Phase.STARTING, "Starting", "rolling out", extra)
    try:
        plan_for(world, knobs, started.after)
    except PlanError as exc:
        return PhaseChange(target, Phase.FAILED, "InvalidSpec", str(exc), extra)
    return started


def _build_change(world: World, target: Deployment) -> PhaseChange:
    """BUILDING while its build runs; FAILED or CANCELLED with it. The serving one stays."""
    build = world.builds.get(target.id)
    ended = build_outcome(build) if build is not None else None
    if ended is None:
        return PhaseChange(target, Phase.BUILDING, "WaitingForImage", "waiting for its build")
    phase, reason, message = ended
    return PhaseChange(target, phase, reason, message)


def _judge(
    world: World, knobs: Knobs, decision: Decision, now: datetime, changes: list[PhaseChange]
) -> tuple[Decision, float | None]:
    target = decision.target
    if target is not None and target.phase is Phase.HEALTHY:
        return _probation(world, knobs, decision, now, changes)
    if target is None or target.phase is not Phase.STARTING:
        return decision, None
    plan = plan_for(world, knobs, target)
    elapsed = _elapsed(target, now)
    verdict = judge(
        target,
        plan_hash=plan.hash,
        service=world.swarm_service,
        tasks=world.tasks,
        elapsed=elapsed,
        timeout=knobs.rollout_timeout_seconds,
        healthy_tasks=world.healthy_tasks,
    )
    if verdict.phase is Phase.STARTING:
        soon = settling(target, world.tasks) and elapsed < SETTLING_FOR_SECONDS
        return decision, SETTLING_POLL_SECONDS if soon else knobs.poll_seconds
    if verdict.phase is Phase.HEALTHY:
        return _became_healthy(decision, target, changes, now), None
    if verdict.phase is Phase.SUCCEEDED:
        return _job_succeeded(decision, target, verdict, changes), None
    failed = PhaseChange(target, Phase.FAILED, verdict.reason, verdict.message, explain=verdict)
    changes.append(failed)
    return _with_target(decision, failed.after), None


def _probation(
    world: World, knobs: Knobs, decision: Decision, now: datetime, changes: list[PhaseChange]
) -> tuple[Decision, float | None]:
    """A first deployment without a health check, HEALTHY once its tasks ran, is watched for
    the monitor window after: a task of it that stopped meanwhile makes it FAILED, and its
    swarm service is removed as if it had failed while starting (nothing ran before it)."""
    target = decision.target
    assert target is not None
    window_end = _probation_end(target, knobs)
    if window_end is None or (now - window_end).total_seconds() > LATE_REPORT_SECONDS:
        return decision, None
    # Looked at again until a poll past the window: Swarm reports a stopped task late.
    left = (window_end - now).total_seconds() + knobs.poll_seconds
    failure = on_probation(target, world.tasks, window_end)
    if failure is None:
        return decision, left if left > 0 else None
    said = f"{failure.message} (within {knobs.rollout.monitor_seconds:g}s of starting)"
    failed = PhaseChange(target, Phase.FAILED, failure.reason, said, explain=failure)
    changes.append(failed)
    return Decision(failed.after, None, decision.cancel), None


def _probation_end(target: Deployment, knobs: Knobs) -> datetime | None:
    spec = target.spec.service_spec
    healthy_at = target.detail("healthy_at")
    if spec.healthcheck or spec.mode == "job" or not isinstance(healthy_at, str):
        return None
    return datetime.fromisoformat(healthy_at) + timedelta(seconds=knobs.rollout.monitor_seconds)


def _became_healthy(
    decision: Decision, target: Deployment, changes: list[PhaseChange], now: datetime
) -> Decision:
    # On probation only when nothing ran before it: an update is HEALTHY after Swarm's own
    # monitor window, which rolls a failing update back to the deployment it replaced.
    extra = {"healthy_at": now.isoformat()} if decision.serving is None else {}
    healthy = PhaseChange(target, Phase.HEALTHY, "Healthy", "serving", extra)
    changes.append(healthy)
    if decision.serving is not None and decision.serving.id != target.id:
        replaced = f"replaced by {target.id}"
        changes.append(PhaseChange(decision.serving, Phase.REMOVED, "Replaced", replaced))
    return Decision(healthy.after, healthy.after, decision.cancel)


def _job_succeeded(
    decision: Decision, target: Deployment, verdict: Verdict, changes: list[PhaseChange]
) -> Decision:
    """What the service was is over: a long-running deployment before the job is REMOVED."""
    done = PhaseChange(target, Phase.SUCCEEDED, verdict.reason, verdict.message)
    changes.append(done)
    if decision.serving is not None:
        replaced = f"replaced by the job {target.id}"
        changes.append(PhaseChange(decision.serving, Phase.REMOVED, "Replaced", replaced))
    return Decision(done.after, None, decision.cancel)


def _ended_job(decision: Decision) -> bool:
    """The target is a job that ran (SUCCEEDED or FAILED) and nothing runs instead: its swarm
    service is left as it is, complete, with its logs; never created again (that would run
    the job a second time)."""
    target = decision.target
    ended = target is not None and target.phase in (Phase.SUCCEEDED, Phase.FAILED)
    is_job = target is not None and target.spec.service_spec.mode == "job"
    return ended and is_job and to_run(decision) is None


def _ended_job_steps(world: World, knobs: Knobs, decision: Decision) -> tuple[Action, Plan | None]:
    """Its own swarm service is kept once all its runs ended (and reported, so it is no
    drift); none left stays none; a job cancelled or failed while runs went on is removed."""
    current, target = world.swarm_service, decision.target
    if current is None or target is None:
        return Action.NONE, None
    if current.labels.get(LABEL_DEPLOYMENT) != str(target.id) or not _all_ended(world, target):
        return Action.REMOVE, None
    return Action.NONE, plan_for(world, knobs, target)


def _all_ended(world: World, target: Deployment) -> bool:
    """A FAILED job's other runs (still going, or still pending) must not run on."""
    return all(task.state in ENDED_TASK_STATES for task in tasks_of(target.id, world.tasks))


# --- the swarm service -----------------------------------------------------------------------


def _action(world: World, knobs: Knobs, plan: Plan | None) -> Action:
    current = world.swarm_service
    if plan is None:
        return Action.REMOVE if current is not None else Action.NONE
    if current is None:
        return Action.CREATE
    if mode_of(current.spec) != plan.spec.mode:
        return Action.REMOVE  # Swarm cannot turn a service into a job: made again after
    if in_sync(current.labels, current.spec, plan, knobs.fingerprint_key):
        return Action.NONE
    if current.update_state == "rollback_started":
        return Action.NONE  # updating now would race Swarm's own rollback; look again after
    return Action.UPDATE


def _replacing(plan: Plan | None, action: Action) -> bool:
    return plan is not None and action is Action.REMOVE


def in_sync(labels: dict[str, str], spec: dict[str, Any], plan: Plan, key: str) -> bool:
    """Swarm runs this plan, and nobody edited what the fingerprint covers."""
    same_plan = labels.get(naming.LABEL_SPEC_HASH) == plan.hash
    return same_plan and labels.get(LABEL_FINGERPRINT) == fingerprint(spec, key)


def _rolling(world: World) -> bool:
    current = world.swarm_service
    return current is not None and current.update_state in ("updating", "rollback_started")


# --- status ----------------------------------------------------------------------------------


def _service_status(world: World, decision: Decision, plan: Plan | None, action: Action) -> Status:
    """What runs: the tasks as read, or none once the swarm service is being removed."""
    removed = action is Action.REMOVE
    tasks, health = ([], None) if removed else (world.tasks, world.health)
    seen = observe.service_details(plan, tasks, health)
    details: dict[str, object] = {
        "current_deployment_id": str(decision.serving.id) if decision.serving else None,
        "target_deployment_id": str(decision.target.id) if decision.target else None,
        **seen,
    }
    status = world.service.status.model_copy(update={"details": details})
    return status.with_condition(observe.availability(seen))


def phase_status(
    deployment: Deployment, phase: Phase, reason: str, message: str, extra: dict[str, Any]
) -> Status:
    details = {**deployment.status.details, **extra, "phase": phase.value}
    condition = Condition(
        type="Deployed", status=_deployed(phase), reason=reason, message=message[:4000]
    )
    return deployment.status.with_condition(condition).model_copy(
        update={"details": details, "observed_generation": deployment.generation}
    )


def _deployed(phase: Phase) -> ConditionStatus:
    if phase in (Phase.HEALTHY, Phase.SUCCEEDED):
        return ConditionStatus.TRUE
    if phase in (Phase.FAILED, Phase.CANCELLED, Phase.REMOVED):
        return ConditionStatus.FALSE
    return ConditionStatus.UNKNOWN


def _waiting_for(missing: list[str], world: World) -> str:
    absent = [slug for slug in missing if slug not in world.volumes]
    if absent:
        return f"waiting for volume(s) {', '.join(absent)}: none by that name in the environment"
    return f"waiting for volume(s) {', '.join(missing)} to be ready"


def _why_cancelled(reason: str) -> str:
    if reason == "Superseded":
        return "a newer deployment replaced it before it was serving"
    return "cancelled on request"


def _elapsed(deployment: Deployment, now: datetime) -> float:
    started = deployment.detail("started_at")
    if not isinstance(started, str):
        return 0.0
    return (now - datetime.fromisoformat(started)).total_seconds()


def _with_target(decision: Decision, target: Deployment) -> Decision:
    return Decision(target, decision.serving, decision.cancel)


def utc_now() -> datetime:
    return datetime.now(UTC)
