"""The platform's Docker adapter on the real engine: what `zaneops up --images auto` asks."""

from __future__ import annotations

import time

from launcher.platform.installer import UPSTREAM_PROBE
from zaneops.adapters.docker.platform import DockerPlatform


def test_auto_images_asks_the_engine_for_the_registry_and_hears_no_within_its_timeout() -> None:
    """No registry is reachable from this machine: the answer is False, never an exception."""
    started = time.monotonic()
    assert DockerPlatform().registry_reachable(UPSTREAM_PROBE, timeout=5) is False
    assert time.monotonic() - started < 30


def test_this_one_node_swarm_has_one_manager_that_takes_tasks() -> None:
    """The test machine's swarm is one node: `zaneops up` then runs one replica per controller."""
    assert DockerPlatform().schedulable_managers() == 1
