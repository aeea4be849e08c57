"""The services controller killed mid-rollout, and container output reaching Redis."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from redis.asyncio import Redis

from controllers.services.settings import ServicesSettings
from tests.support import swarm as sw
from tests.support.processes import start_controller, stop
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.adapters.redis import stream_keys as logstreams
from zaneops.common import naming
from zaneops.common.secrets import new_key
from zaneops.specs.kinds import Kind

REDIS_URL = "redis://127.0.0.1:6379/0"


def controller_env(instance: str, secret: str) -> dict[str, str]:
    fast = {ServicesSettings.env_name(key): str(value) for key, value in sw.FAST_ROLLOUT.items()}
    return {
        **fast,
        "ZANE_INSTANCE": instance,
        "ZANE_SECRET_KEY": secret,
        "ZANE_RUNTIME_LEASE_TTL_SECONDS": "2",
        "ZANE_RUNTIME_LEASE_RETRY_SECONDS": "0.2",
    }


async def test_a_controller_killed_mid_rollout_converges_after_restart_without_duplicates(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """SIGKILL while a deployment is STARTING; the next process finishes it: one swarm service."""
    slow_start = ["sh", "-c", "sleep 4; " + sw.WEB_COMMAND[2]]
    spec = sw.web_spec(
        command=slow_start,
        healthcheck={
            "type": "command",
            "command": ["sh", "-c", "test -f /www/index.html"],
            "interval": "1s",
            "timeout": "1s",
            "retries": 3,
            "start_period": "10s",
        },
    )
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    env = controller_env(instance, new_key())
    async with sw.networks_controller(instance, database_url):  # makes the network
        first = start_controller("services", database_url, "first", tmp_path / "first.log", **env)
        second = None
        try:
            deployment = await sw.deploy(store, service.id, spec)
            await sw.wait_for_phase(store, deployment.id, "STARTING")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            second = start_controller(
                "services", database_url, "second", tmp_path / "second.log", **env
            )
            await sw.wait_for_phase(store, deployment.id, "HEALTHY", timeout=60)
        finally:
            stop(first)
            if second is not None:
                stop(second)
    name = naming.swarm_service_name(instance, service.id)
    named = sw.client().services.list(filters={"name": name})
    assert [s.name for s in named] == [name]
    assert len(sw.running_containers(instance, deployment.id)) == 1


async def test_container_output_is_shipped_to_the_services_log_stream(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """Lines a container prints land in runtime_logs(service) with stream, task and deployment."""
    talkative = ["sh", "-c", "echo hello-stdout; echo oops-stderr >&2; " + sw.WEB_COMMAND[2]]
    spec = sw.web_spec(command=talkative)
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    key = logstreams.runtime_logs(service.id)
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        async with sw.services_controller(instance, database_url):
            deployment = await sw.deploy(store, service.id, spec)
            await sw.wait_for_phase(store, deployment.id, "HEALTHY")

            async def both_lines_shipped() -> bool:
                lines = {e["line"] for _, e in await redis.xrange(key)}
                return {"hello-stdout", "oops-stderr"} <= lines

            await eventually(both_lines_shipped, timeout=20, message="log lines in Redis")
        entries = {e["line"]: e for _, e in await redis.xrange(key)}
    finally:
        await redis.delete(key)
        await redis.aclose()
    assert entries["hello-stdout"]["stream"] == "stdout"
    assert entries["oops-stderr"]["stream"] == "stderr"
    assert entries["hello-stdout"]["deployment_id"] == str(deployment.id)
    assert entries["hello-stdout"]["task_id"] and entries["hello-stdout"]["ts"].endswith("Z")


async def test_a_deleted_service_takes_its_logs_with_it_and_no_late_line_brings_them_back(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """Runtime lines, their marks and HTTP access lines of a deleted service are deleted,
    after its last queued lines were written (a chatty service: lines until the very end)."""
    spec = counter_spec()
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    keys = [
        logstreams.runtime_logs(service.id),
        logstreams.runtime_log_marks(service.id),
        logstreams.http_logs(service.id),
    ]
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await redis.xadd(keys[2], {"ts": "2026-01-01T00:00:00Z", "status": "200"})
        async with sw.services_controller(instance, database_url):
            deployment = await sw.deploy(store, service.id, spec)
            await sw.wait_for_phase(store, deployment.id, "HEALTHY")

            async def shipping() -> bool:
                return bool(await redis.xlen(keys[0])) and bool(await redis.exists(keys[1]))

            await eventually(shipping, timeout=20, message="lines and marks in Redis")
            await store.request_delete(Kind.SERVICES, service.id)

            async def row_gone() -> bool:
                return await store.get(Kind.SERVICES, service.id) is None

            await eventually(row_gone, timeout=20, message="the service finalized")
            assert await redis.exists(*keys) == 0
            await asyncio.sleep(1.5)  # a late write would land within the gather window
            assert await redis.exists(*keys) == 0
    finally:
        await redis.delete(*keys)
        await redis.aclose()


def counter_spec(**extra: object) -> dict[str, object]:
    """Counts n1, n2, ... ten a second, forever (a command health check: no HTTP server)."""
    count = "i=0; while true; do i=$((i+1)); echo n$i; sleep 0.1; done"
    return {
        "slug": "counter",
        "source": {"type": "image", "image": sw.BUSYBOX},
        "command": ["sh", "-c", count],
        **extra,
    }


async def numbers_by_task(redis: Redis, key: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for _, entry in await redis.xrange(key):
        if entry["line"].startswith("n"):
            found.setdefault(entry["task_id"], []).append(int(entry["line"][1:]))
    return found


async def test_a_new_leader_resumes_log_shipping_without_a_lost_or_repeated_line(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """Two replicas count; the shipping controller is SIGKILLed and another takes over:
    every task's numbers are in the stream once each, from 1, with no gap."""
    spec = counter_spec(replicas=2)
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    key = logstreams.runtime_logs(service.id)
    env = controller_env(instance, new_key())
    redis = Redis.from_url(REDIS_URL, decode_responses=True)

    async def counted_past(least: int) -> bool:
        numbers = await numbers_by_task(redis, key)
        return len(numbers) == 2 and all(max(seen) >= least for seen in numbers.values())

    try:
        async with sw.networks_controller(instance, database_url):
            first = start_controller("services", database_url, "first", tmp_path / "a.log", **env)
            second = None
            try:
                await sw.wait_for_phase(
                    store, (await sw.deploy(store, service.id, spec)).id, "HEALTHY"
                )
                await eventually(lambda: counted_past(20), timeout=30, message="first lines")
                first.send_signal(signal.SIGKILL)
                first.wait(10)
                before = await numbers_by_task(redis, key)
                await asyncio.sleep(3)  # lines printed while no controller ships them
                second = start_controller(
                    "services", database_url, "second", tmp_path / "b.log", **env
                )
                last_before = max(max(seen) for seen in before.values())
                await eventually(
                    lambda: counted_past(last_before + 60), timeout=60, message="resumed"
                )
            finally:
                stop(first)
                if second is not None:
                    stop(second)
        numbers = await numbers_by_task(redis, key)
    finally:
        await redis.delete(key, logstreams.runtime_log_marks(service.id))
        await redis.aclose()
    assert len(numbers) == 2
    for seen in numbers.values():
        assert seen == list(range(1, len(seen) + 1))


async def test_lines_of_crashed_tasks_are_shipped_each_with_its_task(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """A service that dies a few seconds after each start, restarted by Swarm each time:
    every task's lines land, each naming its task."""
    spec = {
        "slug": "crasher",
        "source": {"type": "image", "image": sw.BUSYBOX},
        "command": ["sh", "-c", "echo starting; sleep 2; echo dying >&2; exit 3"],
    }
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    key = logstreams.runtime_logs(service.id)
    redis = Redis.from_url(REDIS_URL, decode_responses=True)

    async def tasks_that_said(line: str) -> set[str]:
        return {e["task_id"] for _, e in await redis.xrange(key) if e["line"] == line}

    async def three_tasks_died() -> bool:
        return len(await tasks_that_said("dying")) >= 3

    try:
        async with sw.services_controller(instance, database_url):
            await sw.deploy(store, service.id, spec)
            await eventually(three_tasks_died, timeout=60, message="three crashed tasks lines")
        started, died = await tasks_that_said("starting"), await tasks_that_said("dying")
    finally:
        await redis.delete(key, logstreams.runtime_log_marks(service.id))
        await redis.aclose()
    assert len(started) >= 3 and "" not in started
    assert died <= started


async def test_every_part_of_a_line_docker_splits_is_shipped_once(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """Docker cuts a line past 16 KiB into parts that all carry the first part's time: each
    part is its own entry, none taken for a replay of the one before."""
    long_line = "head -c 40000 /dev/zero | tr '\\0' x; echo; echo after; exec sleep 3600"
    spec = {
        "slug": "wordy",
        "source": {"type": "image", "image": sw.BUSYBOX},
        "command": ["sh", "-c", long_line],
    }
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    key = logstreams.runtime_logs(service.id)
    redis = Redis.from_url(REDIS_URL, decode_responses=True)

    async def after_shipped() -> bool:
        return any(e["line"] == "after" for _, e in await redis.xrange(key))

    try:
        async with sw.services_controller(instance, database_url):
            await sw.deploy(store, service.id, spec)
            await eventually(after_shipped, timeout=40, message="the line after the long one")
        lines = [e["line"] for _, e in await redis.xrange(key)]
    finally:
        await redis.delete(key, logstreams.runtime_log_marks(service.id))
        await redis.aclose()
    parts = [text for text in lines if text.startswith("x")]
    assert len(parts) == 3  # 40 000 characters in parts of 16 KiB
    assert lines.count("after") == 1
