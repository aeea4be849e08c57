"""A run's swarm job made from its deployment's plan, and its outcome read from its task."""

from __future__ import annotations

import uuid

from controllers.runs.job import as_job, outcome, run_spec, started
from controllers.services.plan import container_env, swarm_spec
from controllers.services.steps import plan_for
from tests.support.fake_swarm import task_of
from tests.unit.controllers.services.test_steps import KNOBS, world
from tests.unit.controllers.services.test_steps import started as started_deployment
from zaneops.common import naming
from zaneops.specs import RunPhase, RunSpec

RUN_ID = uuid.UUID(int=7)


def engine_spec_of_a_run(**service: object) -> dict[str, object]:
    deployment = started_deployment(1)
    service_spec = deployment.spec.service_spec.model_copy(update=service)
    deployment = deployment.__class__(
        deployment.id,
        deployment.created_at,
        deployment.generation,
        deployment.spec.model_copy(update={"service_spec": service_spec}),
        deployment.status,
    )
    run = RunSpec(command=["sh", "-c", "echo hi"], deployment_id=deployment.id)
    w = world(deployment)
    plan = plan_for(w, KNOBS, as_job(deployment, run))
    return run_spec(plan, swarm_spec(plan, container_env(plan, lambda v: v), "k"), RUN_ID)


def test_a_run_is_one_job_with_its_command_and_no_health_check_port_or_alias() -> None:
    check = {"type": "command", "command": ["true"]}
    spec = engine_spec_of_a_run(
        healthcheck=check, ports=[{"published": 8080, "target": 80}], replicas=3
    )
    assert spec["Name"] == naming.run_service_name("t", RUN_ID)
    assert spec["Mode"] == {"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 1}}
    template = spec["TaskTemplate"]
    assert isinstance(template, dict)
    container = template["ContainerSpec"]
    assert container["Args"] == ["sh", "-c", "echo hi"]
    assert "Healthcheck" not in container
    assert template["RestartPolicy"]["Condition"] == "none"
    # On the environment's network, to reach its database; never behind the service's name.
    assert [network["Aliases"] for network in template["Networks"]] == [[]]
    assert spec["EndpointSpec"] == {"Mode": "dnsrr", "Ports": []}


def test_a_runs_swarm_job_is_owned_by_the_run_not_by_its_service() -> None:
    spec = engine_spec_of_a_run()
    labels = spec["Labels"]
    assert isinstance(labels, dict)
    assert labels[naming.LABEL_OWNER] == f"runs/{RUN_ID}"
    assert naming.LABEL_SPEC_HASH not in labels  # the services controller's drift check skips it
    template = spec["TaskTemplate"]
    assert isinstance(template, dict)
    assert template["ContainerSpec"]["Labels"][naming.LABEL_OWNER] == f"runs/{RUN_ID}"


def test_a_run_that_exited_zero_succeeded() -> None:
    done = outcome([task_of({}, "complete", exit_code=0)])
    assert done is not None and done.phase is RunPhase.SUCCEEDED and done.exit_code == 0


def test_a_run_that_exited_non_zero_failed_with_its_code_in_words() -> None:
    failed = outcome([task_of({}, "failed", exit_code=2, error="task: non-zero exit (2)")])
    assert failed is not None and failed.phase is RunPhase.FAILED
    assert failed.exit_code == 2 and "exited with code 2" in failed.message


def test_a_run_whose_command_is_not_in_the_image_says_so() -> None:
    error = 'starting container failed: exec: "nope": executable file not found in $PATH'
    failed = outcome([task_of({}, "rejected", error=error)])
    assert failed is not None and failed.reason == "CommandNotFound"


def test_a_run_still_going_has_no_outcome_yet() -> None:
    assert outcome([task_of({}, "running")]) is None
    assert started([task_of({}, "running")])
    assert not started([task_of({}, "pending")])
