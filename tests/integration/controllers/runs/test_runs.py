"""Issue 21, item 5, on the real swarm: a one-off command runs once in the service's image
with its live deployment's variables, its output shipped line by line, its exit code kept,
and its swarm job removed once it ended."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

from tests.support import swarm as sw
from tests.support.waiting import eventually, wait_for_row
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.adapters.redis import stream_keys as logstreams
from zaneops.common import naming
from zaneops.common.secrets import new_key
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.runner import Runner
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


async def ask_to_run(
    store: PostgresStore, service_id: UUID, deployment_id: UUID, command: list[str], **extra: Any
) -> StoredObject:
    """What POST /services/{id}/run stores."""
    spec = {"command": command, "deployment_id": str(deployment_id), **extra}
    return await store.create(Kind.RUNS, spec, service_id)


@dataclass(frozen=True)
class Serving:
    service: StoredObject
    deployment: StoredObject
    runs: Runner


@asynccontextmanager
async def serving(
    store: PostgresStore, database_url: str, instance: str, greeting: str = "hello"
) -> AsyncIterator[Serving]:
    """A healthy service, and the services and runs controllers converging it and its runs."""
    key = new_key()
    spec = sw.web_spec(greeting=greeting)
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    deployment = await sw.deploy(store, service.id, spec)
    async with (
        sw.services_controller(instance, database_url, secret_key=key),
        sw.runs_controller(instance, database_url, key) as runs,
    ):
        await sw.wait_for_phase(store, deployment.id, "HEALTHY")
        yield Serving(service, deployment, runs)


async def ended(store: PostgresStore, run_id: UUID, phase: str) -> StoredObject:
    return await wait_for_row(
        store,
        Kind.RUNS,
        run_id,
        lambda row: row.status.details.get("phase") == phase,
        what=f"run {phase}",
        timeout=40,
    )


async def output(run_id: UUID) -> list[tuple[str, str]]:
    async with Redis.from_url(InstallationSettings().redis_url, decode_responses=True) as redis:
        entries = await redis.xrange(logstreams.run_logs(run_id))
    return [(fields["stream"], fields["line"]) for _, fields in entries]


async def test_a_command_runs_with_the_live_deployments_variables_and_its_output_is_kept(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    script = 'for i in 1 2 3; do echo "line $i $GREETING"; sleep 0.4; done; echo oops >&2'
    async with serving(store, database_url, instance, "from-the-deployment") as up:
        command = ["sh", "-c", script]
        run = await ask_to_run(store, up.service.id, up.deployment.id, command)

        async def streamed_before_the_end() -> bool:
            row = await store.get(Kind.RUNS, run.id)
            running = row is not None and row.status.details.get("phase") == "RUNNING"
            return running and ("stdout", "line 1 from-the-deployment") in await output(run.id)

        await eventually(streamed_before_the_end, timeout=30, message="output while running")
        done = await ended(store, run.id, "SUCCEEDED")
        assert done.status.details["exit_code"] == 0
        assert await output(run.id) == [
            ("stdout", "line 1 from-the-deployment"),
            ("stdout", "line 2 from-the-deployment"),
            ("stdout", "line 3 from-the-deployment"),
            ("stderr", "oops"),
        ]
        name = naming.run_service_name(instance, run.id)
        await eventually(lambda: sw.swarm_service(name) is None, timeout=10, message="removed")
        assert await up.runs.controller.find_drift() == []
        # The service itself was not touched: still one healthy deployment serving.
        assert await sw.phase_of(store, up.deployment.id) == "HEALTHY"


async def test_a_command_that_fails_keeps_its_exit_code_and_says_why(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    async with serving(store, database_url, instance) as up:
        script = "echo 'no such table' >&2; exit 4"
        failing = await ask_to_run(store, up.service.id, up.deployment.id, ["sh", "-c", script])
        missing = await ask_to_run(store, up.service.id, up.deployment.id, ["no-such-tool"])
        failed = await ended(store, failing.id, "FAILED")
        not_found = await ended(store, missing.id, "FAILED")
    assert failed.status.details["exit_code"] == 4
    why = failed.status.condition("Completed")
    assert why is not None and why.reason == "ContainerExited"
    assert "exited with code 4" in why.message and "no such table" in why.message
    said = not_found.status.condition("Completed")
    assert said is not None and said.reason == "CommandNotFound", said


async def test_a_running_command_is_stopped_when_cancelled(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    async with serving(store, database_url, instance) as up:
        run = await ask_to_run(store, up.service.id, up.deployment.id, ["sleep", "600"])
        await ended(store, run.id, "RUNNING")
        await store.update_spec(
            Kind.RUNS, run.id, {**run.spec, "cancel_requested": True}, run.generation
        )
        await ended(store, run.id, "CANCELLED")
        name = naming.run_service_name(instance, run.id)
        assert sw.swarm_service(name) is None
