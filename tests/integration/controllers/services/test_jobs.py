"""Issue 21, item 5, on the real swarm: a service in job mode runs to completion once per
deployment (Swarm's replicated-job mode), is judged by its exit code, and is never run again
by drift repair."""

from __future__ import annotations

import asyncio

from tests.support import swarm as sw
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key


def job_spec(script: str, **extra: object) -> dict[str, object]:
    return {
        "slug": "migrate",
        "mode": "job",
        "source": {"type": "image", "image": sw.BUSYBOX},
        "command": ["sh", "-c", script],
        **extra,
    }


async def test_a_job_that_exits_zero_succeeds_and_is_not_run_again_when_its_service_goes(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    spec = job_spec("echo migrating; sleep 1; echo migrated", replicas=2)
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    deployment = await sw.deploy(store, service.id, spec)
    name = naming.swarm_service_name(instance, service.id)
    async with sw.services_controller(instance, database_url) as runner:
        done = await sw.wait_for_phase(store, deployment.id, "SUCCEEDED")
        condition = done.status.condition("Deployed")
        assert condition is not None and "ran to completion (2 runs)" in condition.message
        swarm = sw.swarm_service(name)
        assert swarm is not None
        assert swarm["Spec"]["Mode"] == {
            "ReplicatedJob": {"MaxConcurrent": 2, "TotalCompletions": 2}
        }

        sw.client().api.remove_service(name)  # by hand: the event wakes the controller
        runner.queue.add(Key(Kind.SERVICES, service.id))  # and the backstop, explicitly
        await asyncio.sleep(3)
        assert sw.swarm_service(name) is None, "the job was created again: it would run twice"
        # Nothing is expected to run any more: the next resync finds no drift to repair.
        assert Key(Kind.SERVICES, service.id) not in await runner.controller.find_drift()
        assert await sw.phase_of(store, deployment.id) == "SUCCEEDED"


async def test_a_job_that_exits_non_zero_fails_with_its_exit_code_and_last_lines(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    spec = job_spec("echo 'relation users does not exist' >&2; exit 3")
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    deployment = await sw.deploy(store, service.id, spec)
    async with sw.services_controller(instance, database_url):
        failed = await sw.wait_for_phase(store, deployment.id, "FAILED")
    why = failed.status.condition("Deployed")
    assert why is not None and why.reason == "ContainerExited", why
    assert "exited with code 3" in why.message
    assert "relation users does not exist" in why.message


async def test_a_second_job_deployment_runs_the_job_again(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    spec = job_spec("echo run")
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    first = await sw.deploy(store, service.id, spec)
    async with sw.services_controller(instance, database_url):
        await sw.wait_for_phase(store, first.id, "SUCCEEDED")
        second = await sw.deploy(store, service.id, spec)
        await sw.wait_for_phase(store, second.id, "SUCCEEDED")
    tasks = sw.client().api.tasks(
        filters={"service": naming.swarm_service_name(instance, service.id)}
    )
    ran = {t["Spec"]["ContainerSpec"]["Labels"]["zane.deployment"] for t in tasks}
    assert ran == {str(first.id), str(second.id)}
