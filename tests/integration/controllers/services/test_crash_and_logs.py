"""The services controller killed mid-rollout, and container output reaching Redis."""

from __future__ import annotations

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
