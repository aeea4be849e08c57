"""The servers on the real platform: the platform's node exporter image reading this machine
(named after its node, as the stack names it), the containers' exporter, both scraped by the
platform's Prometheus image; a busy service in the real swarm behind the real proxy. The API's
figures agree with this machine's own (/proc, statvfs); a person opens the Servers page
(Chromium), sees the gauges, the charts and the busy service heaviest, follows it to its
charts; the exporter stopped, the server is shown down."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from testcontainers.core.container import DockerContainer

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import forget_logs, log_in
from tests.e2e.test_metrics import api, busy_service
from tests.support.metrics_bed import exporter, node_exporter, prometheus
from tests.support.platform_bed import Converging
from tests.support.proxy import Proxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(300)
__all__ = ["api"]  # a fixture, shared
NODE = "zane-e2e-node"


@pytest.fixture
def bed(proxy: Proxy, controllers: Converging) -> Iterator[tuple[str, DockerContainer]]:
    with (
        node_exporter(NODE) as (node, container),
        exporter(proxy.instance) as containers,
        prometheus([node, containers]) as url,
    ):
        yield url, container


@pytest.fixture
def dashboard_env(bed: tuple[str, DockerContainer]) -> dict[str, str]:
    return {"ZANE_API_METRICS_URL": bed[0]}


def memory_total() -> float:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        line = next(li for li in meminfo if li.startswith("MemTotal:"))
    return float(line.split()[1]) * 1024


async def this_server(api: httpx.AsyncClient) -> dict[str, Any] | None:
    answer = await api.get("/servers/metrics?window=1h")
    assert answer.status_code == 200, answer.text
    found = [s for s in answer.json()["servers"] if s["name"] == NODE]
    return found[0] if found else None


async def heaviest(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await api.get("/metrics/heaviest?window=1h")
    assert answer.status_code == 200, answer.text
    services: list[dict[str, Any]] = answer.json()["services"]
    return services


async def server_agrees_with_this_machine(api: httpx.AsyncClient) -> dict[str, Any]:
    """The server's figures, once measured, against /proc/cpuinfo's count, /proc/meminfo and
    statvfs("/"): its root disk."""

    async def measured() -> bool:
        server = await this_server(api)
        return bool(server and server["cpu_used_cores"] is not None and server["disks"])

    await eventually(measured, timeout=90, every=2, message="the server measured")
    server = await this_server(api)
    assert server is not None and server["up"]
    assert server["cores"] == os.cpu_count()
    assert server["memory_bytes"] == memory_total()
    root = os.statvfs("/")
    [disk] = [d for d in server["disks"] if d["mountpoint"] == "/"]
    assert disk["size_bytes"] == pytest.approx(root.f_blocks * root.f_frsize, rel=0.01)
    used = (root.f_blocks - root.f_bavail) * root.f_frsize
    assert disk["used_bytes"] == pytest.approx(used, rel=0.05)
    charts = {chart["name"]: chart for chart in server["charts"]}
    assert {"CPU", "Memory", "Disk", "Load"} == set(charts)
    assert charts["CPU"]["limit"] == os.cpu_count()
    return dict(disk)


async def busy_is_heaviest(api: httpx.AsyncClient, service_id: str) -> None:
    async def on_top() -> bool:
        found = await heaviest(api)
        top = found[0] if found else {}
        return top.get("service_id") == service_id and top["cpu_now_cores"] >= 0.4

    await eventually(on_top, timeout=90, every=2, message="busy is heaviest")
    top = (await heaviest(api))[0]
    assert (top["project"], top["environment"], top["service"]) == ("load", "prod", "busy")
    # Half a core now (its limit), less on average over the hour (it ran part of it).
    assert 0.4 <= top["cpu_now_cores"] <= 0.6
    assert 0 < top["cpu_cores"] < top["cpu_now_cores"]
    assert 0 < top["memory_bytes"] <= top["memory_peak_bytes"] <= 64 * 1024 * 1024

    async def busy_machine() -> bool:
        server = await this_server(api)
        return server is not None and (server["cpu_used_cores"] or 0) >= 0.4

    # The busy loop spins half a core: within a minute, this machine is at least that busy.
    await eventually(busy_machine, timeout=90, every=2, message="the server's CPU")


async def test_person_sees_each_server_s_usage_the_heaviest_services_and_a_server_down(
    page: Page, api: httpx.AsyncClient, bed: tuple[str, DockerContainer]
) -> None:
    service = await busy_service(api)
    try:
        disk = await server_agrees_with_this_machine(api)
        await busy_is_heaviest(api, service["id"])

        await log_in(page)
        await page.get_by_role("link", name="Servers").click()
        card = page.get_by_role("region", name=f"Server {NODE}")
        await expect(card.get_by_text("Up", exact=True)).to_be_visible()
        await expect(page.get_by_role("textbox", name="On a manager")).to_have_value(
            "zaneops node add"
        )
        await expect(card.get_by_role("meter", name=f"CPU of {NODE}")).to_be_visible()
        await expect(card.get_by_role("meter", name=f"Memory of {NODE}")).to_be_visible()
        await expect(
            card.get_by_role("meter", name=f"Disk / ({disk['device']}) of {NODE}")
        ).to_be_visible()
        await expect(
            card.get_by_role("region", name=f"CPU chart of {NODE}").locator("canvas")
        ).to_be_visible()
        table = page.get_by_role("table", name="Heaviest services")
        await expect(table.get_by_role("row").nth(1)).to_contain_text("load/prod/busy")
        await screenshot(page, "80-servers")
        await table.get_by_role("link", name="load/prod/busy").click()
        await expect(page).to_have_url(re.compile(f"/services/{service['id']}/metrics"))

        bed[1].get_wrapped_container().stop(timeout=1)

        async def down() -> bool:
            server = await this_server(api)
            return server is not None and not server["up"]

        await eventually(down, timeout=60, every=2, message="the server shown down")
        await page.get_by_role("link", name="Servers").click()
        await expect(card.get_by_text("Down: not answering")).to_be_visible(timeout=30_000)
        await screenshot(page, "81-server-down")
    finally:
        await api.delete(f"/services/{service['id']}")
        await forget_logs(service["id"])
