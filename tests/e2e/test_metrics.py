"""A service's charts on the real platform: a service under load in the real swarm behind the
real proxy, its containers sampled by the node exporter, its requests counted from the proxy's
access log by the real routes controller, both scraped by the platform's Prometheus image; the
API reads the series and a person opens the Metrics tab (Chromium). The charts' values agree
with `docker stats` and with the requests sent, within 10 %."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import forget_logs, log_in
from tests.support.api import ADMIN_PASSWORD
from tests.support.dashboard import Served
from tests.support.metrics_bed import exporter, prometheus, registry_served
from tests.support.platform_api import created, through_proxy, wait_healthy
from tests.support.platform_bed import Converging
from tests.support.proxy import Proxy
from tests.support.swarm import BUSYBOX
from tests.support.swarm import client as docker_client
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(300)
HOST = "busy.localhost"
REQUESTS = 300
# Serves a page, and spins a core: its CPU limit (half a core) is what it uses.
BUSY = "mkdir -p /www && echo busy > /www/index.html && httpd -p 80 -h /www && while :; do :; done"


@pytest.fixture
def routes_settings(proxy: Proxy) -> dict[str, Any]:
    """As installed: the proxy's access log forwarded, and counted."""
    return {"access_log": proxy.access_log}


@pytest.fixture
def metrics_url(proxy: Proxy, controllers: Converging) -> Iterator[str]:
    with (
        exporter(proxy.instance) as node,
        registry_served(controllers.routes.metrics.registry) as routes,
        prometheus([node, routes]) as url,
    ):
        yield url


@pytest.fixture
def dashboard_env(metrics_url: str) -> dict[str, str]:
    return {"ZANE_API_METRICS_URL": metrics_url}


@pytest.fixture
async def api(dashboard: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{dashboard.base_url}/api/v1", timeout=30) as client:
        answer = await client.post(
            "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        answer.raise_for_status()
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield client


async def busy_service(api: httpx.AsyncClient) -> dict[str, Any]:
    project = await created(await api.post("/projects", json={"slug": "load", "name": "Load"}))
    env = await created(
        await api.post(f"/projects/{project['id']}/environments", json={"slug": "prod"})
    )
    spec = {
        "slug": "busy",
        "source": {"type": "image", "image": BUSYBOX},
        "command": ["sh", "-c", BUSY],
        "resources": {"cpu_limit": 0.5, "memory_limit": "64Mi"},
    }
    service = await created(await api.post(f"/environments/{env['id']}/services", json=spec))
    domain = {"domain": HOST, "target": {"service_id": service["id"], "port": 80}}
    await created(await api.post(f"/environments/{env['id']}/domains", json=domain))
    deployment = await created(await api.post(f"/services/{service['id']}/deploy"))
    await wait_healthy(api, deployment["id"])
    return service


def docker_stats(service_id: str) -> tuple[float, int]:
    """(cores, memory bytes) of the service's container, as `docker stats` computes them."""
    docker = docker_client()
    (container,) = docker.containers.list(filters={"label": f"zane.owner=services/{service_id}"})
    stats = container.stats(stream=False)
    cpu, pre = stats["cpu_stats"], stats["precpu_stats"]
    used = cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"]
    elapsed = cpu["system_cpu_usage"] - pre["system_cpu_usage"]
    cores = used / elapsed * cpu["online_cpus"]
    memory = stats["memory_stats"]
    cache = memory["stats"].get("total_inactive_file", memory["stats"].get("inactive_file", 0))
    return cores, memory["usage"] - cache


async def chart_value(api: httpx.AsyncClient, service_id: str, chart: str, line: str) -> float:
    answer = await api.get(f"/services/{service_id}/metrics?window=1h")
    assert answer.status_code == 200, answer.text
    found = next(c for c in answer.json()["charts"] if c["name"] == chart)
    values = next(li["values"] for li in found["lines"] if li["label"] == line)
    known = [v for v in values if v is not None]
    return float(known[-1]) if known else -1.0


async def test_person_sees_a_busy_service_s_charts_that_agree_with_docker_stats_and_the_proxy(
    page: Page, api: httpx.AsyncClient, proxy: Proxy, metrics_url: str
) -> None:
    service = await busy_service(api)
    try:
        sent = 0
        for _ in range(REQUESTS):
            status, body = await through_proxy(proxy, HOST)
            sent += status == 200 and "busy" in body

        async def counted() -> float:
            query = f'sum(zane_http_requests_total{{service_id="{service["id"]}"}})'
            async with httpx.AsyncClient() as store:
                answer = await store.get(f"{metrics_url}/api/v1/query", params={"query": query})
            result = answer.json()["data"]["result"]
            return float(result[0]["value"][1]) if result else 0.0

        await eventually(lambda: _at_least(counted, sent), timeout=30, message="requests counted")
        assert abs(await counted() - sent) <= 0.1 * sent

        # The chart's CPU is a rate over the last minute: it agrees once a minute of the
        # busy loop is behind it (the first samples include the start).
        seen: dict[str, float] = {}

        async def agrees() -> bool:
            cores, memory = await asyncio.to_thread(docker_stats, service["id"])
            cpu = await chart_value(api, service["id"], "CPU", "used")
            charted = await chart_value(api, service["id"], "Memory", "used")
            seen.update(cores=cores, cpu=cpu, memory=memory, charted_memory=charted)
            close_cpu = abs(cpu - cores) <= 0.1 * cores
            return close_cpu and abs(charted - memory) <= max(0.1 * memory, 64 * 1024)

        try:
            await eventually(agrees, timeout=150, every=3, message="charts agree")
        except AssertionError:
            raise AssertionError(f"charts and docker stats disagree: {seen}") from None

        await log_in(page)
        await page.goto(f"/services/{service['id']}/metrics")
        cpu = page.get_by_role("region", name="CPU chart")
        await expect(cpu.locator("canvas")).to_be_visible()
        await expect(page.get_by_text("limit 0.50 cores")).to_be_visible()
        await expect(
            page.get_by_role("region", name="Requests chart").locator("canvas")
        ).to_be_visible()
        await expect(
            page.get_by_role("region", name="Memory chart").locator("canvas")
        ).to_be_visible()
        await screenshot(page, "70-metrics-busy-service")
        alerts = page.get_by_role("form", name="Metric alerts")
        await alerts.get_by_label("Above (% of the limit)").fill("0")
        await alerts.get_by_role("button", name="Add alert").click()
        await expect(alerts.get_by_text("greater than or equal to 1")).to_be_visible()
        await alerts.get_by_label("Above (% of the limit)").fill("30")
        await alerts.get_by_label("For (minutes)").fill("1")
        await alerts.get_by_role("button", name="Add alert").click()
        await expect(alerts.get_by_test_id("alert")).to_have_text(
            re.compile("CPU above 30 % of its limit for 1 min")
        )
        await page.get_by_role("button", name="24h").click()
        await expect(page.get_by_role("button", name="24h")).to_have_attribute(
            "aria-pressed", "true"
        )
        await expect(cpu.locator("canvas")).to_be_visible()
    finally:
        await api.delete(f"/services/{service['id']}")
        await forget_logs(service["id"])


async def _at_least(read: Any, wanted: float) -> bool:
    return float(await read()) >= wanted
