"""Restarts counted from container start events: the first start in a slot of a deployment is
the deployment (or a scale up), a start again in that slot is a restart; other containers and
a new deployment's first starts are not; the slots remembered are bounded."""

from __future__ import annotations

from zaneops.adapters.docker.container_restarts import RestartCounter


def labels(deployment: str, slot: int, task: str = "t1") -> dict[str, str]:
    return {
        "zane.owner": "services/s1",
        "zane.deployment": deployment,
        "com.docker.swarm.task.name": f"shop_web.{slot}.{task}",
    }


def test_a_start_again_in_a_slot_of_a_deployment_is_a_restart() -> None:
    counter = RestartCounter()
    counter.started(labels("d1", 1))
    counter.started(labels("d1", 2))  # a second replica: not a restart
    assert counter.counts() == [("s1", "d1", 0)]
    counter.started(labels("d1", 1, "t2"))
    counter.started(labels("d1", 1, "t3"))
    assert counter.counts() == [("s1", "d1", 2)]


def test_a_new_deployment_s_first_starts_are_not_restarts_and_others_are_not_counted() -> None:
    counter = RestartCounter()
    counter.started(labels("d1", 1))
    counter.started(labels("d2", 1))
    counter.started({"zane.owner": "platform/api", "com.docker.swarm.task.name": "x.1.t"})
    assert sorted(counter.counts()) == [("s1", "d1", 0), ("s1", "d2", 0)]


def test_the_oldest_slots_are_forgotten_past_the_bound() -> None:
    counter = RestartCounter(max_slots=2)
    counter.started(labels("d1", 1))
    counter.started(labels("d1", 2))
    counter.started(labels("d1", 3))  # slot 1 forgotten
    counter.started(labels("d1", 1, "t2"))  # taken for a first start again
    counter.started(labels("d1", 3, "t2"))  # remembered: a restart
    assert counter.counts() == [("s1", "d1", 1)]
