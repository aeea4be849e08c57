"""The bed's 3-manager variant: the swarm's control plane survives the loss of its leader's
engine (the other two managers keep a quorum), and the lost manager rejoins when its engine is
back. Its own bed, up only for this module (it runs before test_swarm_bed.py, whose bed is
up from its first test to the end of the folder: never both at once)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import docker
import pytest
import requests
from docker.types import RestartPolicy, ServiceMode

from tests.multinode.test_controller_replicas import controller_deploy, running_nodes
from tests.support.swarm import BUSYBOX
from tests.support.swarm_bed import BED_LABEL, BedError, SwarmBed, describe
from tests.support.waiting import until
from zaneops.adapters.docker.platform import DockerPlatform

SECOND_NS = 1_000_000_000


@pytest.fixture(scope="module")
def managers(bed_report: list[str]) -> Iterator[SwarmBed]:
    with SwarmBed("zane-test-managers", manager_count=3, worker_count=0).up() as bed:
        bed.load_image(BUSYBOX)
        bed_report.extend(describe(bed))
        yield bed


def leader_of(bed: SwarmBed) -> str | None:
    """The manager the swarm reports as its leader (None while there is none)."""
    try:
        seen = bed.swarm_nodes()
    except (BedError, docker.errors.DockerException, requests.RequestException):
        return None  # no leader: the managers answer 503
    return next((name for name, node in seen.items() if node.leader), None)


def test_three_managers_are_ready_and_reachable_with_one_leader(managers: SwarmBed) -> None:
    seen = managers.swarm_nodes()

    assert sorted((name, s.role, s.state, s.reachability) for name, s in seen.items()) == [
        (f"zane-test-managers-manager-{i}", "manager", "ready", "reachable") for i in (1, 2, 3)
    ]
    assert sum(s.leader for s in seen.values()) == 1


def test_two_controller_replicas_run_on_two_different_managers(managers: SwarmBed) -> None:
    """Three managers: the rendered policy's 2 replicas, never 2 on one server."""
    placed = running_nodes(managers, controller_deploy(managers=3))
    assert len(placed) == 2 and len(set(placed)) == 2


def test_a_drained_manager_is_not_counted_by_the_installer(managers: SwarmBed) -> None:
    """3 managers, one drained: 2 take tasks (it is made active again after)."""
    drained = managers.managers[2].name
    first = managers.managers[0]
    managers.exec(first, ["docker", "node", "update", "--availability", "drain", drained])
    try:
        counted = DockerPlatform(managers.docker_client(first)).schedulable_managers()
    finally:
        managers.exec(first, ["docker", "node", "update", "--availability", "active", drained])
    assert counted == 2


def test_the_leaders_engine_killed_another_leads_and_a_new_service_still_runs(
    managers: SwarmBed, bed_report: list[str]
) -> None:
    old_leader = leader_of(managers)
    assert old_leader is not None

    killed = time.monotonic()
    managers.kill_engine(old_leader)
    until(
        lambda: leader_of(managers) not in (None, old_leader),
        timeout=30,
        every=0.3,
        message="a new leader elected",
    )
    elected_after = time.monotonic() - killed
    client = managers.manager_client()
    service = client.services.create(
        BUSYBOX,
        ["sleep", "3600"],
        name=f"after-failover-{uuid.uuid4().hex[:6]}",
        labels={BED_LABEL: managers.name},
        mode=ServiceMode("replicated", replicas=2),
        restart_policy=RestartPolicy(condition="any", delay=SECOND_NS),
        stop_grace_period=SECOND_NS,  # busybox sleep ignores SIGTERM
    )
    try:

        def both_running() -> bool:
            tasks = service.tasks(filters={"desired-state": "running"})
            return sum(t["Status"]["State"] == "running" for t in tasks) == 2

        until(both_running, timeout=30, every=0.3, message="the new service's 2 tasks running")
        ran_after = time.monotonic() - killed
        until(
            lambda: managers.swarm_nodes()[old_leader].reachability == "unreachable",
            timeout=30,
            every=0.3,
            message=f"{old_leader} reported unreachable",
        )
    finally:
        service.remove()

    restarted = time.monotonic()
    managers.restart_engine(old_leader)
    managers.wait_ready(timeout=60)
    back_after = time.monotonic() - restarted
    assert managers.swarm_nodes()[old_leader].reachability == "reachable"
    bed_report.append(
        f"  manager failover: new leader {elected_after:.1f} s after {old_leader}'s engine "
        f"was killed, a new service running at {ran_after:.1f} s; "
        f"the old leader reachable again {back_after:.1f} s after its restart"
    )
