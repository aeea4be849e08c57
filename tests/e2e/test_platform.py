"""The whole platform at once, nothing played by the test: the API edits specs; the services
controller converges Swarm; the routes controller converges the real Caddy proxy; a person's
requests arrive through the proxy on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.api import api_settings, log_in, serving
from tests.support.proxy import Proxy
from tests.support.swarm import WEB_COMMAND
from tests.support.waiting import eventually

SWARM_TIMEOUT = 60.0


@pytest.fixture
async def platform(
    controllers: None, database_url: str, secret_key: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the controllers' database and secret key, logged in as admin."""
    async with serving(api_settings(database_url, secret_key=secret_key)) as api:
        client = await log_in(api)
        yield client
        await client.aclose()


async def through_proxy(proxy: Proxy, host: str) -> tuple[int, str]:
    async with httpx.AsyncClient(timeout=5) as client:
        try:
            answer = await client.get(
                f"http://127.0.0.1:{proxy.http_port}/", headers={"Host": host}
            )
        except httpx.TransportError:
            return 0, ""
        return answer.status_code, answer.text


def web(greeting: str) -> dict[str, Any]:
    return {
        "slug": "web",
        "source": {"type": "image", "image": "zaneops/busybox:latest"},
        "command": WEB_COMMAND,
        "env": [{"name": "GREETING", "value": greeting}],
    }


async def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def phase(client: httpx.AsyncClient, deployment_id: str) -> str | None:
    body = (await client.get(f"/deployments/{deployment_id}")).json()
    return body.get("phase")  # type: ignore[no-any-return]


async def wait_healthy(
    client: httpx.AsyncClient, deployment_id: str, timeout: float = SWARM_TIMEOUT
) -> None:
    async def healthy() -> bool:
        return await phase(client, deployment_id) == "HEALTHY"

    await eventually(healthy, timeout=timeout, every=0.2, message="deployment HEALTHY")


async def serves(proxy: Proxy, host: str, text: str) -> None:
    async def answered() -> bool:
        status, body = await through_proxy(proxy, host)
        return status == 200 and text in body

    await eventually(answered, timeout=SWARM_TIMEOUT, every=0.2, message=f"{host} serves {text}")


async def test_a_service_deployed_through_the_api_is_served_on_its_domain_then_rolled_back(
    platform: httpx.AsyncClient, proxy: Proxy
) -> None:
    """Create → domain → deploy → page through Caddy; edit → deploy → new page; rollback; delete."""
    client = platform
    project = await created(await client.post("/projects", json={"slug": "shop", "name": "Shop"}))
    environment = await created(
        await client.post(f"/projects/{project['id']}/environments", json={"slug": "production"})
    )
    service = await created(
        await client.post(f"/environments/{environment['id']}/services", json=web("first"))
    )
    await created(
        await client.post(
            f"/environments/{environment['id']}/domains",
            json={"domain": "shop.localhost", "target": {"service_id": service["id"], "port": 80}},
        )
    )
    first = await created(await client.post(f"/services/{service['id']}/deploy"))
    await wait_healthy(client, first["id"])
    await serves(proxy, "shop.localhost", "first")

    etag = (await client.get(f"/services/{service['id']}")).headers["etag"]
    edited = await client.put(
        f"/services/{service['id']}", json=web("second"), headers={"If-Match": etag}
    )
    assert edited.status_code == 200, edited.text
    second = await created(await client.post(f"/services/{service['id']}/deploy"))
    await wait_healthy(client, second["id"])
    await serves(proxy, "shop.localhost", "second")
    assert await phase(client, first["id"]) == "REMOVED"

    rollback = await created(await client.post(f"/deployments/{first['id']}/rollback"))
    await wait_healthy(client, rollback["id"])
    await serves(proxy, "shop.localhost", "first")

    assert (await client.delete(f"/projects/{project['id']}")).status_code == 202

    async def gone() -> bool:
        status, _ = await through_proxy(proxy, "shop.localhost")
        project_status = (await client.get(f"/projects/{project['id']}")).status_code
        return status == 404 and project_status == 404

    await eventually(gone, timeout=SWARM_TIMEOUT, every=0.3, message="everything removed")
