"""Controller replicas follow the managers (issue 16, item 7): `zaneops up` counts the managers
that take tasks and renders one replica of each controller on one manager, two on different
managers once there are several, always on managers (their engines manage the swarm); the
real `docker stack deploy` of a multi-node swarm places them as meant. The 3-manager half is
in test_manager_failover.py (its bed)."""

from __future__ import annotations

from typing import Any

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
COMPONENTS = ("app", "postgres", "redis", "mariadb", "proxy", "probe", "metrics", "node-exporter")


def controller_deploy(managers: int) -> dict[str, Any]:
    """The routes controller's swarm policy as `zaneops up` renders it for that many managers."""
    platform = Platform("zaneops", PlatformSettings())
    images = dict.fromkeys(COMPONENTS, "unused")
    services = render(StackInputs(platform, images, ENTRIES, managers=managers))["services"]
    deploy: dict[str, Any] = services["controller-routes"]["deploy"]
    return {**deploy, "labels": {}}


def running_nodes(bed: SwarmBed, deploy: dict[str, Any]) -> list[str]:
    """Deploy a busybox service with that policy through `docker stack deploy` on the bed's
    first manager; the hostnames of the nodes its replicas run on (removed after)."""
    document = {
        "version": "3.8",
        "services": {
            "controller": {"image": BUSYBOX, "command": ["sleep", "3600"], "deploy": deploy}
        },
    }
    manager = bed.managers[0]
    bed.exec(manager, ["sh", "-c", 'printf %s "$0" > /tmp/stack.yml', yaml.safe_dump(document)])
    client = bed.docker_client(manager)
    bed.exec(manager, ["docker", "stack", "deploy", "-c", "/tmp/stack.yml", STACK])
    try:
        names = {node.id: node.attrs["Description"]["Hostname"] for node in client.nodes.list()}

        def placed() -> list[str]:
            tasks = client.api.tasks(filters={"service": f"{STACK}_controller"})  # type: ignore[no-untyped-call]
            return [names[t["NodeID"]] for t in tasks if t["Status"]["State"] == "running"]

        wanted = deploy["replicas"]
        until(lambda: len(placed()) == wanted, timeout=60, every=0.5, message="replicas running")
        spec = client.api.inspect_service(f"{STACK}_controller")["Spec"]  # type: ignore[no-untyped-call]
        assert spec["TaskTemplate"]["Placement"]["Constraints"] == ["node.role == manager"]
        return sorted(placed())
    finally:
        bed.exec(manager, ["docker", "stack", "rm", STACK])


def test_the_installer_counts_the_managers_that_take_tasks_not_the_workers(
    bed: SwarmBed,
) -> None:
    """1 manager + 2 workers: one manager."""
    assert DockerPlatform(bed.docker_client(bed.manager)).schedulable_managers() == 1


def test_one_manager_runs_the_single_controller_replica_on_itself_never_on_a_worker(
    bed: SwarmBed,
) -> None:
    """The policy rendered for the bed: 1 replica, on the manager."""
    assert running_nodes(bed, controller_deploy(managers=1)) == [bed.manager.name]
