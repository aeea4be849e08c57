"""Issue 15, item 4b: a service must not reach another environment's services.

The attack: a tenant deploys a service in their environment and, from inside it, calls
http://srv-<victim id>/ (the alias every service had on the shared edge network) or the
victim's address, bypassing the proxy, its domains and base paths, and whatever the victim's
app trusts from "internal" peers. Before: every service sat on one edge network beside the
proxy, so both worked. Now a service is on its environment's network alone; only the proxy
is on all of them (attached by the networks controller), so it still serves both.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import docker
import httpx
import pytest

from tests.support.api import api_settings, log_in, serving
from tests.support.platform_bed import converging, proxy_of_its_own
from tests.support.proxy import Proxy
from tests.support.swarm import WEB_COMMAND
from tests.support.waiting import eventually
from zaneops.common.naming import environment_network, service_alias
from zaneops.common.secrets import new_key

TIMEOUT = 60.0


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    with proxy_of_its_own("iso") as started:
        yield started


@pytest.fixture
async def platform(proxy: Proxy, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    secret_key = new_key()
    async with (
        converging(proxy, database_url, secret_key),
        serving(api_settings(database_url, secret_key=secret_key)) as api,
    ):
        client = await log_in(api)
        yield client
        await client.aclose()


def web(slug: str, greeting: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "source": {"type": "image", "image": "zaneops/busybox:latest"},
        "command": WEB_COMMAND,
        "env": [{"name": "GREETING", "value": greeting}],
    }


async def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def deployed_service(
    client: httpx.AsyncClient, environment: dict[str, Any], spec: dict[str, Any], domain: str
) -> str:
    service = await created(
        await client.post(f"/environments/{environment['id']}/services", json=spec)
    )
    target = {"service_id": service["id"], "port": 80}
    await created(
        await client.post(
            f"/environments/{environment['id']}/domains",
            json={"domain": domain, "target": target},
        )
    )
    deployment = await created(await client.post(f"/services/{service['id']}/deploy"))

    async def healthy() -> bool:
        body = (await client.get(f"/deployments/{deployment['id']}")).json()
        return body.get("phase") == "HEALTHY"

    await eventually(healthy, timeout=TIMEOUT, every=0.2, message=f"{domain} HEALTHY")
    return str(service["id"])


async def serves(proxy: Proxy, host: str, text: str) -> None:
    async def answered() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            try:
                answer = await client.get(
                    f"http://127.0.0.1:{proxy.http_port}/", headers={"Host": host}
                )
            except httpx.TransportError:
                return False
        return answer.status_code == 200 and text in answer.text

    await eventually(answered, timeout=TIMEOUT, every=0.2, message=f"{host} serves {text}")


def service_alias_of(service_id: str) -> str:
    return service_alias(uuid.UUID(service_id))


def task_container(service_id: str) -> Any:
    [container] = docker.from_env().containers.list(
        filters={"label": f"zane.owner=services/{service_id}", "status": "running"}
    )
    return container


async def test_a_service_reaches_its_neighbours_but_never_another_environments_service(
    platform: httpx.AsyncClient, proxy: Proxy
) -> None:
    client = platform
    project = await created(await client.post("/projects", json={"slug": "t", "name": "T"}))
    environments = f"/projects/{project['id']}/environments"
    mine = await created(await client.post(environments, json={"slug": "attacker"}))
    theirs = await created(await client.post(environments, json={"slug": "victim"}))
    attacker = await deployed_service(client, mine, web("web", "attacker"), "attacker.localhost")
    await deployed_service(client, mine, web("api", "neighbour"), "neighbour.localhost")
    victim = await deployed_service(client, theirs, web("web", "victim"), "victim.localhost")
    await serves(proxy, "attacker.localhost", "attacker")
    await serves(proxy, "victim.localhost", "victim")

    inside = task_container(attacker)
    victim_network = environment_network(proxy.instance, uuid.UUID(theirs["id"]))
    attached = task_container(victim).attrs["NetworkSettings"]["Networks"]
    assert set(attached) == {victim_network}, "the victim is on another network too"
    victim_address = attached[victim_network]["IPAddress"]

    def fetch(url: str) -> str | None:
        # Debian's busybox wget crashes with -T: busybox's timeout bounds it instead.
        result = inside.exec_run(["timeout", "3", "wget", "-q", "-O", "-", url])
        return bytes(result.output).decode() if result.exit_code == 0 else None

    # The same probe succeeds where it should: its neighbour by slug, itself by its alias.
    assert "neighbour" in (fetch("http://api/") or "")
    assert "attacker" in (fetch(f"http://{service_alias_of(attacker)}/") or "")
    assert fetch(f"http://{service_alias_of(victim)}/") is None, "the victim's alias answered"
    assert fetch(f"http://{victim_address}/") is None, "the victim's address answered"
    await serves(proxy, "victim.localhost", "victim")  # the proxy still reaches both
