"""Scheduled jobs as a person sets them up (Chromium, real API, services and runs controllers,
real Swarm): a job every five seconds runs by itself, again and again, each run with its
output; a slow job under forbid never runs twice at once."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import (
    ROLLOUT_MS,
    create_project_and_service,
    forget_logs,
    log_in,
    set_up_the_app,
)
from tests.support import swarm as sw
from tests.support.api import api_settings, serving
from tests.support.api import log_in as api_log_in
from tests.support.proxy import Proxy
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(300)
SLOW = ["sh", "-c", "echo slow start; sleep 12; echo slow end"]


@pytest.fixture
async def runs(proxy: Proxy, database_url: str, secret_key: str) -> AsyncIterator[None]:
    async with sw.runs_controller(proxy.instance, database_url, secret_key):
        yield


async def test_a_scheduled_job_made_in_the_dashboard_runs_by_itself_with_its_output(
    page: Page, controllers: None, runs: None, database_url: str, secret_key: str
) -> None:
    await log_in(page)
    service_id = await create_project_and_service(page, network="attached")
    try:
        await set_up_the_app(page)
        await page.get_by_role("button", name="Deploy", exact=True).first.click()
        await page.get_by_role("link", name="Deployments", exact=True).click()
        deployment = page.get_by_test_id("deployment").first
        await expect(deployment).to_have_attribute("data-phase", "HEALTHY", timeout=ROLLOUT_MS)

        await page.get_by_role("link", name="Run command").click()
        await page.get_by_label("Job name").fill("tick")
        await page.get_by_label("Schedule").fill("every 5 seconds")
        await page.get_by_role("button", name="Add scheduled job").click()
        await expect(page.get_by_text("is not a cron expression")).to_be_visible()
        await page.get_by_label("Schedule").fill("* * * * * */5")
        await page.get_by_label("Job command").fill("sh -c 'echo tick from $GREETING'")
        await page.get_by_role("button", name="Add scheduled job").click()
        await expect(page.get_by_test_id("cron-job")).to_contain_text("* * * * * */5")

        ticks = page.get_by_test_id("run").filter(has_text="scheduled: tick")
        await expect(ticks.nth(2)).to_have_attribute("data-phase", "SUCCEEDED", timeout=ROLLOUT_MS)
        await ticks.first.get_by_role("button").first.click()
        await expect(ticks.first.get_by_label("Command output")).to_contain_text(
            "tick from hello from zane", timeout=ROLLOUT_MS
        )
        await screenshot(page, "45-scheduled-job")

        async with serving(api_settings(database_url, secret_key=secret_key)) as api:
            client = await api_log_in(api)
            await forbid_never_runs_twice_at_once(client, str(service_id))
            await client.aclose()
    finally:
        await forget_logs(service_id)


async def forbid_never_runs_twice_at_once(client: httpx.AsyncClient, service_id: str) -> None:
    """A 12 s job due every 5 s under forbid: fire times are skipped while it runs."""
    service = (await client.get(f"/services/{service_id}")).json()
    slow = {"name": "slow", "schedule": "* * * * * */5", "command": SLOW}
    spec = {**service["spec"], "cron_jobs": [slow]}  # tick is removed: its runs stop
    headers = {"If-Match": f'"{service["generation"]}"'}
    assert (await client.put(f"/services/{service_id}", json=spec, headers=headers)).is_success
    seen: set[str] = set()

    async def two_slow_runs_ended() -> bool:
        runs = (await client.get(f"/services/{service_id}/runs?limit=50")).json()["items"]
        mine = [r for r in runs if r["spec"]["cron_job"] == "slow"]
        active = [r for r in mine if r["phase"] in (None, "QUEUED", "RUNNING")]
        assert len(active) <= 1, f"forbid ran {len(active)} at once"
        seen.update(r["id"] for r in mine)
        return sum(r["phase"] == "SUCCEEDED" for r in mine) >= 2

    await eventually(two_slow_runs_ended, timeout=90, every=0.5, message="two slow runs")
    runs = (await client.get(f"/services/{service_id}/runs?limit=50")).json()["items"]
    starts = sorted(
        datetime.fromisoformat(r["created_at"]) for r in runs if r["spec"]["cron_job"] == "slow"
    )
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(starts)]
    assert gaps and min(gaps) >= 10, gaps  # never a new one while the last ran
