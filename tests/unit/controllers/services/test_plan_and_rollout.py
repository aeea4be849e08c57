"""The services controller's pure decisions: which deployment runs, how, and why one failed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from controllers.services.plan import (
    MountedVolume,
    PlanError,
    Rollout,
    container_env,
    make_plan,
    swarm_spec,
)
from controllers.services.rollout import Deployment, Phase, decide, explain, judge, to_run
from tests.support.fake_swarm import task_of
from zaneops.adapters.docker.models import SwarmService, SwarmTask
from zaneops.specs import DeploymentSpec, GitSource, Status, VolumeSpec
from zaneops.specs.placement import PlacementRule

BASE = datetime(2026, 1, 1, tzinfo=UTC)
SPEC: dict[str, Any] = {"slug": "web", "source": {"type": "image", "image": "nginx:1"}}


def deployment(minute: int, phase: Phase | None = None, **spec: Any) -> Deployment:
    body = {
        "service_spec": {**SPEC, **spec.pop("service", {})},
        "image": "nginx:1",
        "trigger": "deploy",
        **spec,
    }
    status = Status(details={"phase": phase.value} if phase else {})
    return Deployment(
        uuid.uuid4(),
        BASE + timedelta(minutes=minute),
        1,
        DeploymentSpec.model_validate(body),
        status,
    )


def plan_of(
    d: Deployment,
    volumes: dict[str, MountedVolume] | None = None,
    variables: dict[str, str] | None = None,
) -> Any:
    return make_plan(
        instance="t",
        service_id=uuid.uuid4(),
        environment_id=uuid.uuid4(),
        deployment_id=d.id,
        deployment=d.spec,
        shared_variables=variables or {},
        volumes=volumes or {},
        rollout=Rollout(5, 10, 2),
    )


def task(d: Deployment, state: str, **extra: Any) -> SwarmTask:
    return task_of({"zane.deployment": str(d.id)}, state, **{"container_id": None, **extra})


def test_a_newer_deployment_supersedes_a_pending_one_and_keeps_the_healthy_one_serving() -> None:
    """The newest is the target; older pending ones are cancelled; the healthy one serves."""
    healthy, starting, newest = (
        deployment(1, Phase.HEALTHY),
        deployment(2, Phase.STARTING),
        deployment(3),
    )
    decision = decide([newest, healthy, starting])
    assert decision.target == newest and decision.serving == healthy
    assert [(d.id, why) for d, why in decision.cancel] == [(starting.id, "Superseded")]
    assert to_run(decision) == healthy  # until the target starts


def test_a_cancel_request_makes_the_previous_deployment_the_target_again() -> None:
    """A cancelled newest deployment is skipped; a cancel of a healthy one is too late."""
    healthy = deployment(1, Phase.HEALTHY, cancel_requested=True)
    newest = deployment(2, Phase.STARTING, cancel_requested=True)
    decision = decide([healthy, newest])
    assert decision.target == healthy
    assert [why for _, why in decision.cancel] == ["CancelRequested"]


def test_a_failed_task_is_explained_as_a_person_can_act_on_it() -> None:
    """Missing image, exit code and failing health check each get their own reason."""
    d = deployment(1)
    reasons = [
        explain(task(d, "rejected", error="No such image: acme/api:2")).reason,
        explain(task(d, "failed", error="task: non-zero exit (3)", exit_code=3)).reason,
        explain(task(d, "failed", error="task: unhealthy container")).reason,
    ]
    assert reasons == ["ImageNotFound", "ContainerExited", "HealthCheckFailing"]


def test_a_rollout_is_healthy_only_when_every_replica_of_its_spec_runs() -> None:
    """One of two replicas running is still starting; past the timeout it has failed."""
    d = deployment(1, service={"replicas": 2})
    plan = plan_of(d)
    service = SwarmService("id", plan.name, 1, {"Labels": {"zane.spec-hash": plan.hash}})
    half = [task(d, "running"), task(d, "starting")]
    assert (
        judge(d, plan_hash=plan.hash, service=service, tasks=half, elapsed=1, timeout=60).phase
        is Phase.STARTING
    )
    assert (
        judge(d, plan_hash=plan.hash, service=service, tasks=half, elapsed=61, timeout=60).reason
        == "TimedOut"
    )
    full = [task(d, "running"), task(d, "running")]
    assert (
        judge(d, plan_hash=plan.hash, service=service, tasks=full, elapsed=1, timeout=60).phase
        is Phase.HEALTHY
    )


def test_readiness_is_a_running_task_or_the_first_passed_health_check() -> None:
    """Without a check a running task counts at once (as Swarm says); with one, a task Swarm
    still calls starting counts as soon as its container's check passed."""
    plain = deployment(1)
    checked = deployment(1, service={"healthcheck": {"type": "command", "command": ["true"]}})

    def phase_of(d: Deployment, state: str, healthy: bool = False) -> Phase:
        plan = plan_of(d)
        service = SwarmService("id", plan.name, 1, {"Labels": {"zane.spec-hash": plan.hash}})
        one = task(d, state)
        return judge(
            d,
            plan_hash=plan.hash,
            service=service,
            tasks=[one],
            elapsed=1,
            timeout=60,
            healthy_tasks=frozenset({one.id} if healthy else ()),
        ).phase

    assert phase_of(plain, "running") is Phase.HEALTHY
    assert phase_of(checked, "starting") is Phase.STARTING
    assert phase_of(checked, "starting", healthy=True) is Phase.HEALTHY


def test_shared_variables_are_substituted_and_an_unknown_one_is_refused_by_name() -> None:
    """{{env.X}} takes the environment's value; a missing X names the variable and field."""
    d = deployment(1, service={"env": [{"name": "URL", "value": "db://{{env.HOST}}/x"}]})
    env = container_env(plan_of(d, variables={"HOST": "pg"}), lambda v: v)
    assert "URL=db://pg/x" in env and f"ZANE_DEPLOYMENT_ID={d.id}" in env
    with pytest.raises(PlanError, match=r"env\.URL.*HOST"):
        container_env(plan_of(d), lambda v: v)


def test_a_read_write_volume_or_a_published_port_rolls_out_stop_first() -> None:
    """Two containers must not share a writable volume or bind one host port."""
    volume_id = uuid.uuid4()
    volumes = {"data": MountedVolume(volume_id, VolumeSpec(slug="data"))}
    mounted = deployment(1, service={"volumes": [{"volume": "data", "container_path": "/d"}]})
    spec = swarm_spec(plan_of(mounted, volumes), [], "k")
    [mount] = spec["TaskTemplate"]["ContainerSpec"]["Mounts"]
    assert mount["Source"] == f"t-vol-{volume_id.hex[:12]}" and mount["Type"] == "volume"
    assert spec["UpdateConfig"]["Order"] == "stop-first"
    ported = deployment(1, service={"ports": [{"published": 8080, "target": 80}]})
    assert plan_of(ported).stop_first and not plan_of(deployment(1)).stop_first


def test_an_http_health_check_runs_the_platforms_probe_without_a_shell() -> None:
    """No curl, wget or sh is needed in the image: Docker runs the static probe from the
    probe volume, mounted read-only, and the probe gives up before Docker's own timeout."""
    check = {"type": "http", "port": 8080, "path": "/healthz/ready", "timeout": "2s"}
    spec = swarm_spec(plan_of(deployment(1, service={"healthcheck": check})), [], "k")
    container = spec["TaskTemplate"]["ContainerSpec"]
    test = container["Healthcheck"]["Test"]
    assert test == ["CMD", "/.zane/zane-probe", "http", "8080", "/healthz/ready", "1800"]
    [mount] = container["Mounts"]
    assert mount == {
        "Type": "volume",
        "Source": "t-probe",
        "Target": "/.zane",
        "ReadOnly": True,
        "VolumeOptions": {"NoCopy": True},
    }
    assert spec["UpdateConfig"]["Order"] == "start-first"  # a read-only mount: no stop-first


def test_a_command_health_check_mounts_no_probe() -> None:
    check = {"type": "command", "command": ["pg_isready"]}
    spec = swarm_spec(plan_of(deployment(1, service={"healthcheck": check})), [], "k")
    container = spec["TaskTemplate"]["ContainerSpec"]
    assert container["Healthcheck"]["Test"] == ["CMD", "pg_isready"]
    assert container["Mounts"] == []


def test_naming_a_config_file_does_not_change_what_runs_nor_the_plan_hash() -> None:
    """The file is read by the build; the values it set are in the spec. Turning config as
    code on must not roll every Git service at the upgrade that added the field."""
    git = {"type": "git", "repository_url": "https://h.example/a/b"}
    without = plan_of(deployment(1, service={"source": git}))
    named = GitSource.model_validate({**git, "config_file": "zaneops.yaml"})
    with_file = replace(without, spec=without.spec.model_copy(update={"source": named}))
    two = replace(without, spec=without.spec.model_copy(update={"replicas": 2}))
    assert with_file.spec.source.config_file == "zaneops.yaml"
    assert with_file.hash == without.hash
    assert two.hash != without.hash


def test_a_cleared_entrypoint_runs_the_command_itself() -> None:
    """Swarm takes an empty Command for "the image's ENTRYPOINT": with entrypoint [] the
    command must become the Command, else the image's entrypoint still wraps it."""
    cleared = deployment(1, service={"entrypoint": [], "command": ["sh", "-c", "echo hi"]})
    container = swarm_spec(plan_of(cleared), [], "k")["TaskTemplate"]["ContainerSpec"]
    assert container["Command"] == ["sh", "-c", "echo hi"] and "Args" not in container
    wrapped = deployment(1, service={"entrypoint": ["tini", "--"], "command": ["serve"]})
    container = swarm_spec(plan_of(wrapped), [], "k")["TaskTemplate"]["ContainerSpec"]
    assert (container["Command"], container["Args"]) == (["tini", "--"], ["serve"])
    kept = swarm_spec(plan_of(deployment(1)), [], "k")["TaskTemplate"]["ContainerSpec"]
    assert "Command" not in kept and "Args" not in kept


def test_placement_rules_become_swarm_constraints_beside_the_volumes_node() -> None:
    """equals → node.labels.k==v, differs → !=; a volume pinned to a node keeps its rule."""
    volumes = {"data": MountedVolume(uuid.uuid4(), VolumeSpec(slug="data"), node_id="n1")}
    rules = [
        {"label": "disk", "value": "ssd"},
        {"label": "edge", "match": "differs", "value": "true"},
    ]
    placed = deployment(
        1,
        service={"placement": rules, "volumes": [{"volume": "data", "container_path": "/d"}]},
    )
    spec = swarm_spec(plan_of(placed, volumes), [], "k")
    assert spec["TaskTemplate"]["Placement"]["Constraints"] == [
        "node.id==n1",
        "node.labels.disk==ssd",
        "node.labels.edge!=true",
    ]


def test_no_placement_rule_keeps_the_plan_hash_of_before_the_field() -> None:
    """Services deployed before placement existed are not rolled by the upgrade that added
    it; a rule added changes the hash (a new rollout places them)."""
    plain = plan_of(deployment(1))
    dumped = plain.spec.model_dump(mode="json", exclude={"labels", "backup", "cron_jobs"})
    assert "placement" in dumped  # the field exists, and the hash leaves it out when empty
    rule = {"label": "disk", "value": "ssd"}
    placed = replace(
        plain, spec=plain.spec.model_copy(update={"placement": [PlacementRule(**rule)]})
    )
    assert placed.hash != plain.hash
    empty = replace(plain, spec=plain.spec.model_copy(update={"placement": []}))
    assert empty.hash == plain.hash
