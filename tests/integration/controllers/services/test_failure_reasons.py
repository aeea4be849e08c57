"""Issue 21, item 2, on the real swarm: a deployment that cannot run says why in words a
person can act on, never Swarm's raw state alone."""

from __future__ import annotations

from typing import Any

from tests.support import swarm as sw
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs import Condition

# /dev/zero has no newline: tail keeps the whole "line" in memory, past any small limit.
EAT_MEMORY = ["sh", "-c", "echo eating; head -c 256m /dev/zero | tail"]
# A generous timeout: on a loaded machine docker exec alone can take half a second.
FAST_CHECK = {"interval": "1.5s", "timeout": "1.5s", "start_period": "5s", "retries": 2}


async def failed_because(
    store: PostgresStore, database_url: str, instance: str, spec: dict[str, Any]
) -> Condition:
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    deployment = await sw.deploy(store, service.id, spec)
    async with sw.services_controller(instance, database_url):
        failed = await sw.wait_for_phase(store, deployment.id, "FAILED")
    why = failed.status.condition("Deployed")
    assert why is not None
    return why


async def test_an_oom_killed_container_is_told_apart_and_names_its_memory_limit(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    spec = sw.web_spec(command=EAT_MEMORY, resources={"memory_limit": "16Mi"})
    why = await failed_because(store, database_url, instance, spec)
    assert why.reason == "OutOfMemory", why
    assert "memory limit (16 MiB)" in why.message and "eating" in why.message


async def test_a_command_that_is_not_in_the_image_is_named(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    spec = sw.web_spec(entrypoint=["no-such-server"], command=["--port", "80"])
    why = await failed_because(store, database_url, instance, spec)
    assert why.reason == "CommandNotFound", why
    assert "'no-such-server' is not in the image" in why.message


async def test_a_health_check_on_a_port_nobody_listens_on_says_so(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """busybox httpd serves port 80; the check asks 8080 (the probe runs in the image, which
    has no curl: the platform's probe answers)."""
    check = {"type": "http", "port": 8080, "path": "/", **FAST_CHECK}
    why = await failed_because(store, database_url, instance, sw.web_spec(healthcheck=check))
    assert why.reason == "PortNotListening", why
    assert "nothing listens on port 8080" in why.message
