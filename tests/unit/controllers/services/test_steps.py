"""One reconcile's decision, from a world given as values: phases, the swarm action, status."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from controllers.services.plan import MountedVolume, Rollout, container_env, swarm_spec
from controllers.services.rollout import Deployment, Phase
from controllers.services.steps import Action, Knobs, Steps, decide_steps, plan_for
from controllers.services.world import World
from tests.support.fake_swarm import task_of
from zaneops.adapters.docker.models import SwarmService
from zaneops.specs import (
    BuildPhase,
    Condition,
    ConditionStatus,
    DeploymentSpec,
    Status,
    VolumeSpec,
)
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
KNOBS = Knobs(
    "t", Rollout(1, 1, 0.5), rollout_timeout_seconds=60, poll_seconds=0.3, fingerprint_key="k"
)
SERVICE_SPEC: dict[str, Any] = {"slug": "web", "source": {"type": "image", "image": "nginx:1"}}


def service_row() -> StoredObject:
    return StoredObject(
        Kind.SERVICES, uuid.uuid4(), SERVICE_SPEC, 1, Status(), (), None, NOW, NOW, uuid.uuid4()
    )


def deployment(
    minute: int, phase: Phase | None = None, image: str | None = "nginx:1", **details: Any
) -> Deployment:
    spec = {
        "service_spec": {**SERVICE_SPEC, **details.pop("service", {})},
        "image": image,
        "trigger": "deploy",
    }
    if phase is not None:
        details["phase"] = phase.value
    status = Status(details=details)
    created = NOW + timedelta(minutes=minute - 60)
    return Deployment(uuid.uuid4(), created, 1, DeploymentSpec.model_validate(spec), status)


def started(minute: int, seconds_ago: float = 5) -> Deployment:
    at = (NOW - timedelta(seconds=seconds_ago)).isoformat()
    return deployment(minute, Phase.STARTING, started_at=at, shared_variables={})


def world(*deployments: Deployment, **values: Any) -> World:
    values.setdefault("network_ready", True)
    return World(service_row(), list(deployments), {}, {}, **values)


def running_service(w: World, d: Deployment, update_state: str = "completed") -> SwarmService:
    """The swarm service as the controller would have created it for d."""
    plan = plan_for(w, KNOBS, d)
    spec = swarm_spec(plan, container_env(plan, lambda v: v), KNOBS.fingerprint_key)
    return SwarmService("id", plan.name, 2, spec, update_state=update_state)


def phases(steps: Steps) -> list[tuple[Phase, str]]:
    return [(change.phase, change.reason) for change in steps.changes]


def test_a_first_deployment_is_started_and_its_swarm_service_created() -> None:
    """No swarm service yet: the deployment becomes STARTING, Swarm gets it, look again soon."""
    steps = decide_steps(world(deployment(1)), KNOBS, NOW)
    assert phases(steps) == [(Phase.STARTING, "Starting")]
    assert steps.action is Action.CREATE
    assert steps.requeue_after == KNOBS.poll_seconds
    assert steps.status.details["target_deployment_id"] == str(steps.changes[0].deployment.id)


def test_a_starting_deployment_whose_tasks_all_run_becomes_healthy_and_replaces_the_old() -> None:
    """Every replica running on the planned spec: HEALTHY; the one it replaces: REMOVED."""
    old, new = deployment(1, Phase.HEALTHY), started(2)
    w = world(old, new)
    w.swarm_service = running_service(w, new)
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "running")]
    steps = decide_steps(w, KNOBS, NOW)
    assert phases(steps) == [(Phase.HEALTHY, "Healthy"), (Phase.REMOVED, "Replaced")]
    assert steps.action is Action.NONE
    assert steps.status.condition("Available") is not None


def test_a_deployment_waiting_for_its_volume_leaves_the_serving_one_running() -> None:
    """The volume is not Ready: QUEUED, saying which; Swarm keeps running the healthy one."""
    old = deployment(1, Phase.HEALTHY)
    new = deployment(2, service={"volumes": [{"volume": "data", "container_path": "/data"}]})
    w = world(old, new)
    w.volumes["data"] = MountedVolume(uuid.uuid4(), VolumeSpec.model_validate({"slug": "data"}))
    w.swarm_service = running_service(w, old)
    steps = decide_steps(w, KNOBS, NOW)
    assert phases(steps) == [(Phase.QUEUED, "WaitingForVolume")]
    assert "data to be ready" in steps.changes[0].message
    assert steps.action is Action.NONE
    assert steps.plan is not None and steps.plan.deployment_id == old.id


def test_a_first_deployment_waits_for_its_environments_network() -> None:
    """Until the networks controller has made it, nothing is started on it."""
    steps = decide_steps(world(deployment(1), network_ready=False), KNOBS, NOW)
    assert phases(steps) == [(Phase.QUEUED, "WaitingForNetwork")]
    assert steps.action is Action.NONE


def test_a_task_that_exits_fails_the_deployment_and_swarm_goes_back_to_the_serving_one() -> None:
    """The new task exited 1: FAILED (its logs to be quoted), and the healthy one runs on."""
    old, new = deployment(1, Phase.HEALTHY), started(2)
    w = world(old, new)
    w.swarm_service = running_service(w, new, update_state="updating")
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "failed", exit_code=1)]
    steps = decide_steps(w, KNOBS, NOW)
    assert phases(steps) == [(Phase.FAILED, "ContainerExited")]
    assert steps.changes[0].explain is not None
    assert steps.plan is not None and steps.plan.deployment_id == old.id
    assert steps.action is Action.UPDATE


def healthy_since(minute: int, seconds_ago: float) -> Deployment:
    at = (NOW - timedelta(seconds=seconds_ago)).isoformat()
    return deployment(minute, Phase.HEALTHY, healthy_at=at, shared_variables={})


def test_without_a_health_check_a_task_stopping_soon_after_healthy_fails_the_deployment() -> None:
    """HEALTHY once running; its container exited 0 within the monitor window: it was not
    (a container that exits at once is "running" for an instant). FAILED, nothing runs it."""
    new = healthy_since(2, seconds_ago=0.5)
    w = world(new)
    w.swarm_service = running_service(w, new)
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "complete", exit_code=0)]
    steps = decide_steps(w, KNOBS, NOW)
    assert [phase for phase, _ in phases(steps)] == [Phase.FAILED]
    assert "within 1s of starting" in steps.changes[0].message
    assert steps.action is Action.REMOVE


def test_a_healthy_deployment_is_watched_until_the_monitor_window_ends_then_left_alone() -> None:
    """Still running within the window: looked at again a poll after it ends (Swarm reports
    a stopped task late); a task that ended after the window is a crash of a healthy
    service, not a failed deployment, and one that ended within it fails it even if seen late."""
    watched = healthy_since(2, seconds_ago=0.25)
    w = world(watched)
    w.swarm_service = running_service(w, watched)
    w.tasks = [task_of({"zane.deployment": str(watched.id)}, "running")]
    steps = decide_steps(w, KNOBS, NOW)
    assert steps.changes == () and steps.requeue_after == pytest.approx(0.75 + 0.3)

    def ended_at(seconds_after_now: float, healthy_ago: float = 1.1) -> Steps:
        seen_late = healthy_since(2, seconds_ago=healthy_ago)  # its window ended 0.1 s ago
        w = world(seen_late)
        w.swarm_service = running_service(w, seen_late)
        stamp = (NOW + timedelta(seconds=seconds_after_now)).isoformat()
        labels = {"zane.deployment": str(seen_late.id)}
        w.tasks = [task_of(labels, "failed", exit_code=1, timestamp=stamp)]
        return decide_steps(w, KNOBS, NOW)

    assert [phase for phase, _ in phases(ended_at(-0.2))] == [Phase.FAILED]
    assert ended_at(-0.05).changes == ()
    # Seen after the last planned look (a busy controller): still the deployment's failure.
    assert [phase for phase, _ in phases(ended_at(-4, healthy_ago=5))] == [Phase.FAILED]
    past = healthy_since(2, seconds_ago=12)  # serving for long: its old tasks are history
    w = world(past)
    w.swarm_service = running_service(w, past)
    w.tasks = [task_of({"zane.deployment": str(past.id)}, "failed", exit_code=1)]
    assert decide_steps(w, KNOBS, NOW).changes == ()


def test_a_task_being_started_without_a_check_is_looked_at_again_within_moments() -> None:
    """Swarm calls it running within moments; one stuck starting is looked at as usual."""

    def requeue(seconds_ago: float) -> float | None:
        new = started(2, seconds_ago=seconds_ago)
        w = world(new)
        w.swarm_service = running_service(w, new)
        w.tasks = [task_of({"zane.deployment": str(new.id)}, "starting")]
        return decide_steps(w, KNOBS, NOW).requeue_after

    assert requeue(1) == 0.05
    assert requeue(30) == KNOBS.poll_seconds


def test_only_a_first_deployment_is_on_probation_an_update_was_watched_by_swarm() -> None:
    """A redeploy is HEALTHY after Swarm's monitor window (which rolls a failing update
    back): no probation that could take the service down after the old one was replaced."""
    old, new = deployment(1, Phase.HEALTHY), started(2)
    w = world(old, new)
    w.swarm_service = running_service(w, new)
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "running")]
    assert "healthy_at" not in decide_steps(w, KNOBS, NOW).changes[0].extra
    first = started(2)
    w = world(first)
    w.swarm_service = running_service(w, first)
    w.tasks = [task_of({"zane.deployment": str(first.id)}, "running")]
    assert "healthy_at" in decide_steps(w, KNOBS, NOW).changes[0].extra


def test_a_git_deployment_whose_build_failed_fails_with_the_build_reason() -> None:
    """No image, the build FAILED: the deployment fails and says the build's reason."""
    new = deployment(1, Phase.BUILDING, image=None)
    failed = Condition(
        type="Succeeded",
        status=ConditionStatus.FALSE,
        reason="CloneFailed",
        message="repository not found",
    )
    build = Status(conditions=[failed], details={"phase": BuildPhase.FAILED.value})
    steps = decide_steps(world(new, builds={new.id: build}), KNOBS, NOW)
    assert phases(steps) == [(Phase.FAILED, "BuildFailed")]
    assert "CloneFailed" in steps.changes[0].message
    assert steps.action is Action.NONE and steps.plan is None


def test_a_swarm_service_edited_by_hand_is_put_back() -> None:
    """Someone changed the image with the docker CLI: the fingerprint differs, update it."""
    serving = deployment(1, Phase.HEALTHY)
    w = world(serving)
    current = running_service(w, serving)
    edited = {**current.spec, "TaskTemplate": {**current.spec["TaskTemplate"]}}
    edited["TaskTemplate"]["ContainerSpec"] = {
        **current.spec["TaskTemplate"]["ContainerSpec"],
        "Image": "evil:latest",
    }
    w.swarm_service = replace(current, spec=edited)
    assert decide_steps(w, KNOBS, NOW).action is Action.UPDATE


def test_a_service_with_nothing_to_run_has_its_swarm_service_removed() -> None:
    """Its only deployment was cancelled: nothing should run, so nothing does."""
    cancelled = deployment(1, Phase.CANCELLED)
    w = world(cancelled)
    w.swarm_service = SwarmService("id", "t-srv-x", 1, {"Labels": {}})
    steps = decide_steps(w, KNOBS, NOW)
    assert steps.action is Action.REMOVE and steps.plan is None


def test_a_rollout_that_takes_too_long_fails_timed_out() -> None:
    """Still not healthy after the timeout: FAILED TimedOut, naming the tasks' states."""
    new = started(1, seconds_ago=KNOBS.rollout_timeout_seconds + 1)
    w = world(new)
    w.swarm_service = running_service(w, new, update_state="updating")
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "starting")]
    steps = decide_steps(w, KNOBS, NOW)
    assert phases(steps) == [(Phase.FAILED, "TimedOut")]
    assert "starting" in steps.changes[0].message


def test_what_cannot_be_planned_still_records_the_phases_decided_before() -> None:
    """The serving deployment's volume is gone: the requested cancel of a newer one is still
    recorded, then the reconcile fails (and is retried)."""
    serving = deployment(
        1, Phase.HEALTHY, service={"volumes": [{"volume": "gone", "container_path": "/d"}]}
    )
    cancelled = deployment(2, Phase.QUEUED)
    cancelled = replace(
        cancelled, spec=cancelled.spec.model_copy(update={"cancel_requested": True})
    )
    steps = decide_steps(world(serving, cancelled), KNOBS, NOW)
    assert phases(steps) == [(Phase.CANCELLED, "CancelRequested")]
    assert steps.failure is not None and steps.action is Action.NONE


def test_once_the_swarm_service_is_removed_its_status_lists_no_tasks() -> None:
    """Nothing to run: the status says 0 running and lists no (removed) task."""
    cancelled = deployment(1, Phase.CANCELLED)
    w = world(cancelled)
    w.swarm_service = SwarmService("id", "t-srv-x", 1, {"Labels": {}})
    w.tasks = [task_of({"zane.deployment": str(cancelled.id)}, "running")]
    details = decide_steps(w, KNOBS, NOW).status.details
    assert details["running_replicas"] == 0 and details["tasks"] == []
