"""Issue 21, items 1 and 2: an HTTP health check works on images with no HTTP client and no
shell, and a failing one says what it probed and what it got.

Before: the check was a shell line trying curl, wget, then nc inside the container; Debian's
nginx has none of them, so every deployment went FAILED ("a task complete: finished") and the
site answered 502. Now Docker runs the platform's static probe from the probe volume.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.images import CONTEXTS, ensure_built
from tests.support.platform_api import Load, created, serves, wait_for_phase, wait_healthy
from tests.support.proxy import Proxy, free_port

pytestmark = pytest.mark.timeout(300)

# (image, its folder under tests/images, the port it serves, what its page says)
IMAGES = {
    "debian-nginx": ("zaneops/test-nginx-light:1", "nginx-light", 80, "Debian's nginx"),
    "no-shell": ("zaneops/test-no-shell-httpd:1", "no-shell-httpd", 8080, "from scratch"),
}


def check(port: int, path: str = "/") -> dict[str, Any]:
    return {
        "type": "http",
        "port": port,
        "path": path,
        "interval": "1s",
        "timeout": "1s",
        "start_period": "20s",
        "retries": 2,
    }


async def new_service(
    client: httpx.AsyncClient, image: str, port: int, host: str
) -> tuple[str, dict[str, Any]]:
    project = await created(await client.post("/projects", json={"slug": "hc", "name": "HC"}))
    environment = await created(
        await client.post(f"/projects/{project['id']}/environments", json={"slug": "prod"})
    )
    spec = {
        "slug": "web",
        "source": {"type": "image", "image": image},
        "replicas": 2,
        "healthcheck": check(port),
    }
    service = await created(
        await client.post(f"/environments/{environment['id']}/services", json=spec)
    )
    target = {"service_id": service["id"], "port": port}
    await created(
        await client.post(
            f"/environments/{environment['id']}/domains", json={"domain": host, "target": target}
        )
    )
    return str(service["id"]), spec


async def deploy(client: httpx.AsyncClient, service_id: str) -> str:
    deployment = await created(await client.post(f"/services/{service_id}/deploy"))
    return str(deployment["id"])


async def edit(client: httpx.AsyncClient, service_id: str, **changes: Any) -> None:
    current = await client.get(f"/services/{service_id}")
    spec = {**current.json()["spec"], **changes}
    answer = await client.put(
        f"/services/{service_id}", json=spec, headers={"If-Match": current.headers["etag"]}
    )
    assert answer.status_code == 200, answer.text


async def redeployed_under_load(
    client: httpx.AsyncClient, proxy: Proxy, service_id: str, host: str
) -> Load:
    """A change (a variable) deployed while requests run back to back through the proxy:
    HEALTHY again, and not one request failed."""
    async with Load(proxy, host) as load:
        await edit(client, service_id, env=[{"name": "ROUND", "value": "2"}])
        await wait_healthy(client, await deploy(client, service_id), timeout=90)
    assert load.failed == 0, load.statuses
    return load


@pytest.mark.parametrize("kind", sorted(IMAGES))
async def test_an_http_check_gates_a_redeploy_of_an_image_without_http_client_losing_nothing(
    platform: httpx.AsyncClient, proxy: Proxy, kind: str
) -> None:
    """2 replicas, HTTP check, a domain: HEALTHY, then a redeploy under continuous requests
    through the proxy: HEALTHY again, and every request answered 200."""
    image, folder, port, page = IMAGES[kind]
    ensure_built(image, CONTEXTS / folder)
    host = f"{kind}.localhost"
    service_id, _ = await new_service(platform, image, port, host)
    await wait_healthy(platform, await deploy(platform, service_id), timeout=90)
    await serves(proxy, host, page)

    load = await redeployed_under_load(platform, proxy, service_id, host)
    assert load.total > 50, load.statuses
    print(
        f"\n{kind}: redeploy under load: {load.total} requests, 0 failed, "
        f"slowest {load.slowest * 1000:.0f} ms"
    )


async def test_a_check_on_a_wrong_path_fails_naming_the_path_and_answer_and_the_old_one_serves(
    platform: httpx.AsyncClient, proxy: Proxy
) -> None:
    image, folder, port, page = IMAGES["debian-nginx"]
    ensure_built(image, CONTEXTS / folder)
    host = "wrong-path.localhost"
    service_id, _ = await new_service(platform, image, port, host)
    await wait_healthy(platform, await deploy(platform, service_id), timeout=90)

    await edit(platform, service_id, healthcheck=check(port, "/healthz"))
    failed = await wait_for_phase(platform, await deploy(platform, service_id), "FAILED", 120)
    [deployed] = [c for c in failed["status"]["conditions"] if c["type"] == "Deployed"]
    assert deployed["reason"] == "HealthCheckFailing", deployed
    assert "GET /healthz on port 80" in deployed["message"], deployed
    assert "answered 404 Not Found" in deployed["message"], deployed
    await serves(proxy, host, page)  # the previous deployment kept serving


async def test_a_stop_first_redeploy_is_held_by_the_proxy_and_loses_no_request(
    platform: httpx.AsyncClient, proxy: Proxy
) -> None:
    """Issue 21, item 6. A published port (like a read-write volume) forbids two tasks at
    once: the old one stops before the new one starts. Through the proxy, the requests that
    come in the gap wait for the new task instead of getting a 502."""
    image, folder, port, page = IMAGES["debian-nginx"]
    ensure_built(image, CONTEXTS / folder)
    host = "stop-first.localhost"
    service_id, _ = await new_service(platform, image, port, host)
    ports = [{"published": free_port(), "target": port}]
    await edit(platform, service_id, replicas=1, ports=ports)
    await wait_healthy(platform, await deploy(platform, service_id), timeout=90)
    await serves(proxy, host, page)

    load = await redeployed_under_load(platform, proxy, service_id, host)
    assert load.total > 20, load.statuses
    assert load.slowest > 0.3, "no request waited: was the rollout really stop-first?"
    print(
        f"\nstop-first redeploy under load: {load.total} requests, 0 failed, "
        f"the longest answer took {load.slowest:.2f} s"
    )
