"""Controller replicas follow the nodes (issue 16, item 7): `zaneops up` counts the nodes that
take tasks, and on several it renders 2 replicas of each controller, at most one per node, in
a stack file that the real `docker stack deploy` of a multi-node swarm places as meant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from controllers.registry import ENTRIES
from launcher.platform.settings import Platform, PlatformSettings
from launcher.platform.stack import render
from launcher.platform.stack_parts import StackInputs
from tests.support.swarm import BUSYBOX
from tests.support.swarm_bed import SwarmBed
from tests.support.waiting import until
from zaneops.adapters.docker.platform import DockerPlatform

STACK = "replicas-probe"
IMAGES = {c: "unused" for c in ("app", "postgres", "redis", "mariadb", "proxy", "probe", "metrics")}


def controller_deploy(nodes: int) -> dict[str, Any]:
    """The routes controller's swarm policy as `zaneops up` renders it for that many nodes."""
    platform = Platform("zaneops", PlatformSettings())
    images = {**IMAGES, "node-exporter": "unused"}
    services = render(StackInputs(platform, images, ENTRIES, nodes=nodes))["services"]
    deploy: dict[str, Any] = services["controller-routes"]["deploy"]
    return deploy


@pytest.fixture
def drained_worker(bed: SwarmBed) -> Iterator[str]:
    """The first worker drained for the test, made active again after it."""
    worker = bed.workers[0].name
    bed.exec(bed.manager, ["docker", "node", "update", "--availability", "drain", worker])
    try:
        yield worker
    finally:
        bed.exec(bed.manager, ["docker", "node", "update", "--availability", "active", worker])


def test_the_installer_counts_the_nodes_that_take_tasks_and_not_a_drained_one(
    bed: SwarmBed, drained_worker: str
) -> None:
    """3 nodes Ready, one drained: 2 take tasks."""
    assert DockerPlatform(bed.docker_client(bed.manager)).schedulable_nodes() == 2


def test_two_controller_replicas_rendered_for_three_nodes_run_on_two_different_nodes(
    bed: SwarmBed,
) -> None:
    """The rendered policy deployed by `docker stack deploy` on the bed: 2 replicas, 2 nodes."""
    nodes = DockerPlatform(bed.docker_client(bed.manager)).schedulable_nodes()
    assert nodes == 3
    deploy = {**controller_deploy(nodes), "labels": {}}
    document = {
        "version": "3.8",
        "services": {
            "controller": {"image": BUSYBOX, "command": ["sleep", "3600"], "deploy": deploy}
        },
    }
    bed.exec(bed.manager, ["sh", "-c", 'printf %s "$0" > /tmp/stack.yml', yaml.safe_dump(document)])
    manager = bed.docker_client(bed.manager)
    bed.exec(bed.manager, ["docker", "stack", "deploy", "-c", "/tmp/stack.yml", STACK])
    try:

        def placed() -> list[str]:
            tasks = manager.api.tasks(filters={"service": f"{STACK}_controller"})  # type: ignore[no-untyped-call]
            return [t["NodeID"] for t in tasks if t["Status"]["State"] == "running"]

        until(lambda: len(placed()) == 2, timeout=60, every=0.5, message="2 replicas running")
        assert len(set(placed())) == 2
        # Not only Swarm's default spreading: the engine holds the limit of one per node.
        spec = manager.api.inspect_service(f"{STACK}_controller")["Spec"]  # type: ignore[no-untyped-call]
        assert spec["TaskTemplate"]["Placement"]["MaxReplicas"] == 1
    finally:
        bed.exec(bed.manager, ["docker", "stack", "rm", STACK])
