"""A service in job mode: run to completion once per deployment, judged by exit codes, never
restarted or run again by drift repair; the spec refuses what a job cannot have."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from controllers.services.plan import container_env, mode_of, swarm_spec
from controllers.services.rollout import Deployment, Phase
from controllers.services.steps import Action, decide_steps, plan_for
from tests.support.fake_swarm import task_of
from tests.unit.controllers.services.test_steps import (
    KNOBS,
    NOW,
    deployment,
    phases,
    running_service,
    started,
    world,
)
from zaneops.specs import ServiceSpec

JOB = {"mode": "job", "command": ["migrate"]}


def job(minute: int, phase: Phase | None = None, **service: Any) -> Deployment:
    return deployment(minute, phase, service={**JOB, **service})


def started_job(minute: int, seconds_ago: float = 5, **service: Any) -> Deployment:
    at = (NOW - timedelta(seconds=seconds_ago)).isoformat()
    spec = {**JOB, **service}
    return deployment(minute, Phase.STARTING, service=spec, started_at=at, shared_variables={})


def test_a_job_runs_in_swarms_replicated_job_mode_and_is_never_restarted() -> None:
    w = world(job(1, replicas=3))
    plan = plan_for(w, KNOBS, started_job(1, replicas=3))
    spec = swarm_spec(plan, container_env(plan, lambda v: v), "k")
    assert spec["Mode"] == {"ReplicatedJob": {"MaxConcurrent": 3, "TotalCompletions": 3}}
    assert spec["TaskTemplate"]["RestartPolicy"]["Condition"] == "none"
    assert "UpdateConfig" not in spec and "RollbackConfig" not in spec
    assert mode_of(spec) == "job"


def test_a_job_whose_tasks_all_exit_zero_succeeds_and_the_service_before_it_is_removed() -> None:
    old, new = deployment(1, Phase.HEALTHY), started_job(2, replicas=2)
    w = world(old, new)
    w.swarm_service = running_service(w, new)
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "complete") for _ in range(2)]
    steps = decide_steps(w, KNOBS, NOW)
    assert phases(steps) == [(Phase.SUCCEEDED, "Completed"), (Phase.REMOVED, "Replaced")]
    assert "exit code 0" in steps.changes[0].message
    assert steps.action is Action.NONE  # the completed job stays, with its logs


def test_a_job_with_one_run_still_going_is_still_starting() -> None:
    new = started_job(1, replicas=2)
    w = world(new)
    w.swarm_service = running_service(w, new)
    w.tasks = [
        task_of({"zane.deployment": str(new.id)}, "complete"),
        task_of({"zane.deployment": str(new.id)}, "running"),
    ]
    steps = decide_steps(w, KNOBS, NOW)
    assert steps.changes == ()
    assert steps.requeue_after == KNOBS.poll_seconds


def test_a_job_that_exits_non_zero_fails_with_its_exit_code() -> None:
    new = started_job(1)
    w = world(new)
    w.swarm_service = running_service(w, new)
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "failed", exit_code=3)]
    steps = decide_steps(w, KNOBS, NOW)
    assert phases(steps) == [(Phase.FAILED, "ContainerExited")]
    assert "code 3" in steps.changes[0].message
    assert steps.changes[0].explain is not None  # its last log lines are added
    assert steps.action is Action.NONE


def test_a_long_running_job_is_not_timed_out() -> None:
    """The rollout timeout bounds how long a job takes to start, not how long it runs."""
    new = started_job(1, seconds_ago=KNOBS.rollout_timeout_seconds * 10)
    w = world(new)
    w.swarm_service = running_service(w, new)
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "running")]
    assert decide_steps(w, KNOBS, NOW).changes == ()


def test_a_job_that_never_starts_times_out() -> None:
    new = started_job(1, seconds_ago=KNOBS.rollout_timeout_seconds + 1)
    w = world(new)
    w.swarm_service = running_service(w, new)
    w.tasks = [task_of({"zane.deployment": str(new.id)}, "pending")]
    assert phases(decide_steps(w, KNOBS, NOW)) == [(Phase.FAILED, "TimedOut")]


def test_an_ended_job_whose_swarm_service_was_removed_is_not_run_again() -> None:
    """Drift repair must not create it again: that would run the migration a second time."""
    for phase in (Phase.SUCCEEDED, Phase.FAILED):
        steps = decide_steps(world(job(1, phase)), KNOBS, NOW)
        assert steps.action is Action.NONE, phase
        assert steps.plan is None
        assert steps.status.details["spec_hash"] is None  # nothing expected: no drift


def test_an_ended_jobs_own_swarm_service_is_kept_and_reported() -> None:
    done = job(1, Phase.SUCCEEDED)
    w = world(done)
    w.swarm_service = running_service(w, started_job(1))  # another deployment id: not ours
    assert decide_steps(w, KNOBS, NOW).action is Action.REMOVE
    w.swarm_service = running_service(w, done)
    steps = decide_steps(w, KNOBS, NOW)
    assert steps.action is Action.NONE
    assert steps.plan is not None and steps.status.details["spec_hash"] == steps.plan.hash


def test_a_new_job_deployment_updates_the_completed_job_so_swarm_runs_it_again() -> None:
    done, new = job(1, Phase.SUCCEEDED), job(2)
    w = world(done, new)
    w.swarm_service = running_service(w, done)
    steps = decide_steps(w, KNOBS, NOW)
    assert phases(steps) == [(Phase.STARTING, "Starting")]
    assert steps.action is Action.UPDATE


def test_turning_a_service_into_a_job_replaces_its_swarm_service() -> None:
    """Swarm cannot change a service's mode: removed, then made again as a job."""
    old, new = deployment(1, Phase.HEALTHY), started_job(2)
    w = world(old, new)
    w.swarm_service = running_service(w, old)
    steps = decide_steps(w, KNOBS, NOW)
    assert steps.action is Action.REMOVE
    assert steps.requeue_after == KNOBS.poll_seconds


def test_a_service_deployed_before_jobs_existed_keeps_its_plan_hash() -> None:
    """Adding the mode field must not roll every running service at the upgrade."""
    w = world(deployment(1))
    plan = plan_for(w, KNOBS, started(1))
    assert "mode" not in str(plan.hash)  # a hash, not a dump
    as_job = plan_for(w, KNOBS, started_job(1))
    assert plan.hash != as_job.hash


@pytest.mark.parametrize(
    ("extra", "field", "error"),
    [
        ({"healthcheck": {"type": "command", "command": ["true"]}}, "healthcheck", "job"),
        ({"ports": [{"published": 8080, "target": 80}]}, "ports", "publish"),
        ({"replicas": 0}, "replicas", "at least one"),
    ],
)
def test_a_job_spec_refuses_what_a_job_cannot_have(
    extra: dict[str, Any], field: str, error: str
) -> None:
    raw = {"slug": "m", "source": {"type": "image", "image": "x:1"}, "mode": "job", **extra}
    with pytest.raises(ValidationError) as caught:
        ServiceSpec.model_validate(raw)
    [problem] = caught.value.errors()
    assert problem["loc"] == (field,)
    assert error in problem["msg"]


def test_a_failed_job_whose_other_runs_go_on_is_removed_so_they_stop() -> None:
    failed = job(1, Phase.FAILED, replicas=2)
    w = world(failed)
    w.swarm_service = running_service(w, failed)
    w.tasks = [
        task_of({"zane.deployment": str(failed.id)}, "failed", exit_code=1),
        task_of({"zane.deployment": str(failed.id)}, "running"),
    ]
    assert decide_steps(w, KNOBS, NOW).action is Action.REMOVE
    w.tasks = [task_of({"zane.deployment": str(failed.id)}, "pending")]  # timed out starting
    assert decide_steps(w, KNOBS, NOW).action is Action.REMOVE
