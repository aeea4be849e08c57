"""The whole platform at once, nothing played by the test: the API edits specs; the services
controller converges Swarm; the routes controller converges the real Caddy proxy; a person's
requests arrive through the proxy on loopback."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.platform_api import (
    SWARM_TIMEOUT,
    created,
    phase,
    serves,
    through_proxy,
    wait_healthy,
)
from tests.support.proxy import Proxy
from tests.support.swarm import WEB_COMMAND
from tests.support.waiting import eventually


def web(greeting: str) -> dict[str, Any]:
    return {
        "slug": "web",
        "source": {"type": "image", "image": "zaneops/busybox:latest"},
        "command": WEB_COMMAND,
        "env": [{"name": "GREETING", "value": greeting}],
    }


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
