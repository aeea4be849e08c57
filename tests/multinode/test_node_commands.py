"""`zaneops node ...` on a real multi-node swarm (issue 16, item 2): the CLI talks to the bed's
manager engine as it would to the local one on a manager, lists the servers, prints the join
command that a fresh engine runs to join, drains and activates, labels, and removes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.processes import REPO
from tests.support.swarm_bed import Node, SwarmBed
from tests.support.waiting import until

SPARE = "zane-test-bed-spare"


def zaneops(bed: SwarmBed, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCKER_HOST": bed.manager.engine_url}
    return subprocess.run(
        [sys.executable, "-m", "launcher.cli", "node", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def listed(bed: SwarmBed) -> dict[str, dict[str, Any]]:
    done = zaneops(bed, "ls", "--format", "json")
    assert done.returncode == 0, done.stderr
    return {node["hostname"]: node for node in json.loads(done.stdout)}


@pytest.fixture
def spare(bed: SwarmBed) -> Iterator[Node]:
    node = bed.spare_engine(SPARE)
    try:
        yield node
    finally:
        bed.remove_spare(node)
        manager = bed.docker_client(bed.manager)
        for seen in manager.nodes.list(filters={"name": SPARE}):
            seen.remove(force=True)


def test_node_ls_lists_every_server_with_its_role_state_and_availability(bed: SwarmBed) -> None:
    """One manager (the leader) and two workers, all ready and active."""
    nodes = listed(bed)

    assert {name: (n["role"], n["state"], n["availability"]) for name, n in nodes.items()} == {
        "zane-test-bed-manager-1": ("manager", "ready", "active"),
        "zane-test-bed-worker-1": ("worker", "ready", "active"),
        "zane-test-bed-worker-2": ("worker", "ready", "active"),
    }
    assert nodes["zane-test-bed-manager-1"]["leader"] is True
    assert nodes["zane-test-bed-worker-1"]["address"] == bed.workers[0].address


def test_a_fresh_engine_joins_with_the_printed_command_and_is_removed_once_it_left(
    bed: SwarmBed, spare: Node
) -> None:
    """`node add` → the command run on a new server → listed Ready; `rm` after it left."""
    printed = zaneops(bed, "add")
    assert printed.returncode == 0, printed.stderr
    command = next(line.split() for line in printed.stdout.splitlines() if "swarm join" in line)
    assert command[-1] == f"{bed.manager.address}:2377"

    bed.exec(spare, command)
    until(
        lambda: listed(bed).get(SPARE, {}).get("state") == "ready",
        timeout=60,
        every=0.5,
        message="the new server ready",
    )
    assert listed(bed)[SPARE]["role"] == "worker"

    refused = zaneops(bed, "rm", SPARE)
    assert refused.returncode == 1
    assert SPARE in refused.stderr and "down" in refused.stderr  # Docker's reason, named
    bed.exec(spare, ["docker", "swarm", "leave"])
    until(lambda: listed(bed)[SPARE]["state"] == "down", timeout=60, every=0.5, message="left")
    removed = zaneops(bed, "rm", SPARE)
    assert removed.returncode == 0, removed.stderr
    assert SPARE not in listed(bed)


def test_a_drained_server_takes_no_task_until_activated(bed: SwarmBed) -> None:
    """drain → availability drain in the swarm; activate → active again."""
    worker = bed.workers[0].name
    try:
        assert zaneops(bed, "drain", worker).returncode == 0
        assert bed.swarm_nodes()[worker].availability == "drain"
    finally:
        activated = zaneops(bed, "activate", worker)
    assert activated.returncode == 0, activated.stderr
    assert bed.swarm_nodes()[worker].availability == "active"


def test_labels_are_set_and_removed_and_a_bad_one_is_refused_naming_it(bed: SwarmBed) -> None:
    """key=value labels land on the node; --rm takes one off; a key with a space is refused."""
    worker = bed.workers[1].name
    manager = bed.docker_client(bed.manager)
    try:
        assert zaneops(bed, "label", worker, "edge=true", "zone=a").returncode == 0
        assert manager.nodes.get(worker).attrs["Spec"]["Labels"] == {"edge": "true", "zone": "a"}
        assert zaneops(bed, "label", worker, "--rm", "zone").returncode == 0
        assert manager.nodes.get(worker).attrs["Spec"]["Labels"] == {"edge": "true"}

        bad = zaneops(bed, "label", worker, "my zone=a")
        assert bad.returncode == 2 and "'my zone=a'" in bad.stderr
        reserved = zaneops(bed, "label", worker, "zane.role=x")
        assert reserved.returncode == 2 and "reserved" in reserved.stderr
        assert manager.nodes.get(worker).attrs["Spec"]["Labels"] == {"edge": "true"}
    finally:
        zaneops(bed, "label", worker, "--rm", "edge", "--rm", "zone")


def test_an_unknown_server_is_refused_with_the_names_of_the_known_ones(bed: SwarmBed) -> None:
    """A typo gets the list of servers, not a traceback."""
    done = zaneops(bed, "drain", "no-such-server")

    assert done.returncode == 1
    assert "no server named 'no-such-server'" in done.stderr
    assert "zane-test-bed-worker-2" in done.stderr
